//! `*_end` columns: row i owns `end[i-1]..end[i]` of a child arena (`end[-1] = 0`).

use super::cursor::U32s;
use super::malformed;
use crate::error::OtapError;
use crate::otlp::model::Span32;

/// A checked `*_end` column: non-decreasing and within its arena, so every span is valid.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ends<'a>(U32s<'a>);

impl<'a> Ends<'a> {
    pub fn check(ends: U32s<'a>, arena_len: usize, table: &'static str, column: &'static str) -> Result<Self, OtapError> {
        let mut prev = 0u32;
        for (i, e) in ends.iter().enumerate() {
            if e < prev {
                return Err(malformed(table, column, format!("row {i}: {e} is below the previous end {prev}")));
            }
            prev = e;
        }
        if prev as usize > arena_len {
            return Err(malformed(table, column, format!("ends at {prev}, beyond the {arena_len} rows of its arena")));
        }
        Ok(Ends(ends))
    }

    #[inline]
    pub fn span(&self, i: usize) -> Span32 {
        let start = if i == 0 { 0 } else { self.0.at(i - 1) };
        Span32 { start, end: self.0.at(i) }
    }
}
