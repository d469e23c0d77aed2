//! The little-endian column reader: `Col<T>` = `u32 n` then `n` fixed-width values. A
//! [`Table`] reads the columns of one table and checks they are all equally long.

use super::ids::IdCol;
use super::malformed;
use crate::error::OtapError;

#[inline]
fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    let n = b.len().min(4);
    a[..n].copy_from_slice(&b[..n]);
    u32::from_le_bytes(a)
}

#[inline]
fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    let n = b.len().min(8);
    a[..n].copy_from_slice(&b[..n]);
    u64::from_le_bytes(a)
}

/// A `Col<u32>` as its raw bytes (no copy).
#[derive(Debug, Clone, Copy, Default)]
pub struct U32s<'a>(&'a [u8]);

impl<'a> U32s<'a> {
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len() / 4
    }

    /// Value `i`; 0 past the end. Tables check their lengths before reading rows, so a
    /// bound miss here is a reader bug, and it must still not panic.
    #[inline]
    pub fn at(&self, i: usize) -> u32 {
        i.checked_mul(4).and_then(|o| self.0.get(o..)).map_or(0, le_u32)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = u32> + 'a {
        self.0.chunks_exact(4).map(le_u32)
    }
}

/// A `Col<slot>`: 8-byte value slots.
#[derive(Debug, Clone, Copy, Default)]
pub struct Slots<'a>(&'a [u8]);

impl Slots<'_> {
    #[inline]
    pub fn at(&self, i: usize) -> u64 {
        i.checked_mul(8).and_then(|o| self.0.get(o..)).map_or(0, le_u64)
    }
}

pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    pub fn is_at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let b = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(b)
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.take(4).map(le_u32)
    }

    pub fn table<'c>(&'c mut self, name: &'static str) -> Table<'c, 'a> {
        Table { cur: self, name, rows: None, first: "" }
    }
}

/// The columns of one table, read in order.
pub struct Table<'c, 'a> {
    cur: &'c mut Cursor<'a>,
    pub name: &'static str,
    rows: Option<usize>,
    first: &'static str,
}

impl<'a> Table<'_, 'a> {
    fn err(&self, column: &'static str, message: impl Into<String>) -> OtapError {
        malformed(self.name, column, message)
    }

    /// Rows of the table (0 before any column is read).
    pub fn rows(&self) -> usize {
        self.rows.unwrap_or(0)
    }

    /// One column of `n` values of `width` bytes, `n` checked against the table's rows.
    fn column(&mut self, column: &'static str, width: usize) -> Result<&'a [u8], OtapError> {
        let n = self.cur.u32().ok_or_else(|| self.err(column, "count runs past the end of the buffer"))? as usize;
        match self.rows {
            Some(rows) if rows != n => {
                return Err(self.err(column, format!("{n} rows, but {} has {rows}", self.first)));
            }
            Some(_) => {}
            None => {
                self.rows = Some(n);
                self.first = column;
            }
        }
        n.checked_mul(width)
            .and_then(|bytes| self.cur.take(bytes))
            .ok_or_else(|| self.err(column, format!("{n} rows of {width} byte(s) run past the end of the buffer")))
    }

    pub fn u8s(&mut self, column: &'static str) -> Result<&'a [u8], OtapError> {
        self.column(column, 1)
    }

    pub fn u32s(&mut self, column: &'static str) -> Result<U32s<'a>, OtapError> {
        self.column(column, 4).map(U32s)
    }

    pub fn slots(&mut self, column: &'static str) -> Result<Slots<'a>, OtapError> {
        self.column(column, 8).map(Slots)
    }

    /// `Hex<digits>`, decoded onto `arena`.
    pub fn hex(&mut self, column: &'static str, digits: usize, arena: &mut Vec<u8>) -> Result<IdCol, OtapError> {
        let hex = self.column(column, digits)?;
        IdCol::decode(hex, digits, arena, self.name, column)
    }

    pub fn times(&mut self, sec: &'static str, ns: &'static str) -> Result<Times<'a>, OtapError> {
        Ok(Times { sec: self.u32s(sec)?, ns: self.u32s(ns)? })
    }
}

/// A time as its two columns: `sec * 1e9 + ns` nanoseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Times<'a> {
    pub sec: U32s<'a>,
    pub ns: U32s<'a>,
}

impl Times<'_> {
    /// At most (2^32 - 1) * (1e9 + 1) < 2^64: no overflow.
    #[inline]
    pub fn at(&self, i: usize) -> u64 {
        u64::from(self.sec.at(i)) * 1_000_000_000 + u64::from(self.ns.at(i))
    }
}
