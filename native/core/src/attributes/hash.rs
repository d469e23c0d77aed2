//! The hash action: lowercase hex SHA-256 of salt || the value's bytes, as the Rust engine
//! computes it (UTF-8 for strings, raw bytes, one byte 0/1 for booleans, 8 little-endian
//! bytes for ints and for doubles' IEEE bits).

use sha2::{Digest, Sha256};

use crate::cell::Cell;

/// The hashed string of a scalar cell; None for empty, map and array values (left as they are).
pub fn hash_cell(cell: &Cell<'_>, salt: &[u8]) -> Option<String> {
    let mut h = Sha256::new();
    h.update(salt);
    match *cell {
        Cell::Str(s) => h.update(s.as_bytes()),
        Cell::Bytes(b) => h.update(b),
        Cell::Bool(b) => h.update([b as u8]),
        Cell::Int(i) => h.update(i.to_le_bytes()),
        Cell::Double(d) => h.update(d.to_le_bytes()),
        Cell::Empty | Cell::Ser(..) => return None,
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = h.finalize();
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    Some(out)
}
