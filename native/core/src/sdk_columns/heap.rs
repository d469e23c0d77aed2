//! STRINGS and BLOBS: an offsets column (one more entry than refs) over one data column.

use super::cursor::{Cursor, U32s};
use super::malformed;
use crate::error::OtapError;

/// Checked offsets over `data`: every ref in `0..len()` has `offsets[r] <= offsets[r+1] <=
/// data.len()`, and ref 0 is empty.
struct Offsets<'a> {
    offsets: U32s<'a>,
}

impl<'a> Offsets<'a> {
    fn read(cur: &mut Cursor<'a>, table: &'static str) -> Result<(Offsets<'a>, &'a [u8]), OtapError> {
        let offsets = cur.table(table).u32s("offsets")?;
        let data = cur.table(table).u8s("data")?;
        let err = |m: String| malformed(table, "offsets", m);
        if offsets.len() < 2 {
            return Err(err(format!("{} entries; ref 0 (empty) needs 2", offsets.len())));
        }
        let mut prev = 0u32;
        for (i, o) in offsets.iter().enumerate() {
            if (i == 0 && o != 0) || o < prev {
                return Err(err(format!("entry {i} is {o}, after {prev}: offsets must start at 0 and not decrease")));
            }
            prev = o;
        }
        if prev as usize != data.len() {
            return Err(err(format!("end at {prev}, but the data has {} bytes", data.len())));
        }
        if offsets.at(1) != 0 {
            return Err(err("ref 0 is not empty".to_string()));
        }
        Ok((Offsets { offsets }, data))
    }

    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    #[inline]
    fn range(&self, r: u32) -> Option<std::ops::Range<usize>> {
        let r = r as usize;
        (r < self.len()).then(|| self.offsets.at(r) as usize..self.offsets.at(r + 1) as usize)
    }
}

pub struct Strings<'a> {
    offsets: Offsets<'a>,
    data: &'a str,
}

impl<'a> Strings<'a> {
    pub fn read(cur: &mut Cursor<'a>) -> Result<Self, OtapError> {
        let (offsets, data) = Offsets::read(cur, "STRINGS")?;
        // The whole data at once, then every offset on a char boundary: each string is UTF-8.
        let data = std::str::from_utf8(data).map_err(|e| malformed("STRINGS", "data", format!("not UTF-8: {e}")))?;
        if let Some(i) = offsets.offsets.iter().position(|o| !data.is_char_boundary(o as usize)) {
            return Err(malformed("STRINGS", "offsets", format!("entry {i} splits a UTF-8 character")));
        }
        Ok(Strings { offsets, data })
    }

    #[inline]
    pub fn get(&self, r: u32) -> Option<&'a str> {
        self.offsets.range(r).and_then(|range| self.data.get(range))
    }

    /// Refs in the table.
    pub fn count(&self) -> usize {
        self.offsets.len()
    }
}

pub struct Blobs<'a> {
    offsets: Offsets<'a>,
    data: &'a [u8],
}

impl<'a> Blobs<'a> {
    pub fn read(cur: &mut Cursor<'a>) -> Result<Self, OtapError> {
        let (offsets, data) = Offsets::read(cur, "BLOBS")?;
        Ok(Blobs { offsets, data })
    }

    #[inline]
    pub fn get(&self, r: u32) -> Option<&'a [u8]> {
        self.offsets.range(r).and_then(|range| self.data.get(range))
    }

    /// Refs in the table.
    pub fn count(&self) -> usize {
        self.offsets.len()
    }
}
