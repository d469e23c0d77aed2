//! String and blob refs of one buffer, resolved with the table/column/row of the ref in
//! the error.

use super::heap::{Blobs, Strings};
use super::malformed;
use crate::error::OtapError;

pub struct Refs<'a> {
    pub strings: Strings<'a>,
    pub blobs: Blobs<'a>,
}

impl<'a> Refs<'a> {
    #[inline]
    pub fn string(&self, r: u32, table: &'static str, column: &'static str, row: usize) -> Result<&'a str, OtapError> {
        self.strings.get(r).ok_or_else(|| {
            malformed(table, column, format!("row {row}: string ref {r} out of range ({} strings)", self.strings.count()))
        })
    }

    #[inline]
    pub fn blob(&self, r: u32, table: &'static str, column: &'static str, row: usize) -> Result<&'a [u8], OtapError> {
        self.blobs.get(r).ok_or_else(|| {
            malformed(table, column, format!("row {row}: blob ref {r} out of range ({} blobs)", self.blobs.count()))
        })
    }
}
