//! `Hex<W>` id columns, decoded once into an arena the request borrows from (the model
//! holds id bytes, the buffer has ASCII hex).

use super::malformed;
use crate::error::OtapError;

/// One decoded id column: `rows` ids of `width` bytes at `at` in the arena.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdCol {
    at: usize,
    width: usize,
}

/// Hex digit values; 0xff marks a byte that is not a hex digit.
const NIBBLE: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut c = 0;
    while c < 10 {
        t[b'0' as usize + c] = c as u8;
        c += 1;
    }
    let mut c = 0;
    while c < 6 {
        t[b'a' as usize + c] = 10 + c as u8;
        t[b'A' as usize + c] = 10 + c as u8;
        c += 1;
    }
    t
};

impl IdCol {
    /// Decodes `hex` (ids of `digits` hex digits each) onto the end of `arena`.
    pub fn decode(
        hex: &[u8],
        digits: usize,
        arena: &mut Vec<u8>,
        table: &'static str,
        column: &'static str,
    ) -> Result<IdCol, OtapError> {
        let col = IdCol { at: arena.len(), width: digits / 2 };
        arena.reserve(hex.len() / 2);
        // Table lookups without a branch per digit; a bad digit sets high bits in `bad`.
        let mut bad = 0u8;
        arena.extend(hex.chunks_exact(2).map(|pair| {
            let (hi, lo) = (NIBBLE[pair[0] as usize], NIBBLE[pair[1] as usize]);
            bad |= hi | lo;
            hi << 4 | lo
        }));
        if bad & 0xf0 != 0 || hex.len() & 1 != 0 {
            arena.truncate(col.at);
            let at = hex.iter().position(|&c| NIBBLE[c as usize] == 0xff).unwrap_or(hex.len());
            let row = at / digits.max(1);
            return Err(malformed(table, column, format!("row {row}: not a hex id")));
        }
        Ok(col)
    }

    /// Id `i`; all zeros is absent (empty), as in OTLP.
    #[inline]
    pub fn get<'s>(&self, arena: &'s [u8], i: usize) -> &'s [u8] {
        let id = i
            .checked_mul(self.width)
            .and_then(|o| o.checked_add(self.at))
            .and_then(|start| arena.get(start..start.checked_add(self.width)?))
            .unwrap_or(&[]);
        if id.iter().all(|&b| b == 0) {
            &[]
        } else {
            id
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_either_case_and_names_the_row_of_a_bad_digit() {
        let mut arena = vec![7u8];
        let col = IdCol::decode(b"00ff10Aa0000000000000000", 4, &mut arena, "SPANS", "span_id").unwrap();
        assert_eq!(col.get(&arena, 0), [0x00, 0xff]);
        assert_eq!(col.get(&arena, 1), [0x10, 0xaa]);
        assert_eq!(col.get(&arena, 2), [] as [u8; 0], "all zeros is absent");
        let err = IdCol::decode(b"0000000g", 4, &mut arena, "SPANS", "span_id").unwrap_err();
        assert!(err.to_string().contains("row 1: not a hex id"), "{err}");
        assert_eq!(arena.len(), 1 + 12, "a failed column leaves the arena as it was");
    }
}
