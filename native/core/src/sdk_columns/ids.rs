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

#[inline]
fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

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
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            let (Some(hi), Some(lo)) = (pair.first().copied().and_then(nibble), pair.get(1).copied().and_then(nibble)) else {
                let row = i * 2 / digits.max(1);
                return Err(malformed(table, column, format!("row {row}: not a hex id")));
            };
            arena.push(hi << 4 | lo);
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
