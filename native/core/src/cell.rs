//! One attribute value as the tables hold it, borrowed: what the attribute actions read,
//! compare and write back. Null cells of the active column read as zero values, as the Go
//! consumer reads them.

use crate::byte_form::Literal;
use crate::decode::common::{AnyValueColumns, T_BOOL, T_BYTES, T_DOUBLE, T_EMPTY, T_INT, T_STR};
use crate::decode::TableView;
use crate::error::OtapError;

#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Empty,
    Str(&'a str),
    Int(i64),
    Double(f64),
    Bool(bool),
    Bytes(&'a [u8]),
    /// A map (type 5) or array (type 6) value: its CBOR bytes, passed through unread.
    Ser(u8, Option<&'a [u8]>),
}

impl<'a> Cell<'a> {
    pub fn read(cols: &AnyValueColumns<'a>, view: &TableView<'_>, i: usize) -> Result<Cell<'a>, OtapError> {
        cols.cell(view, i)
    }

    pub fn literal(l: &'a Literal) -> Cell<'a> {
        match l {
            Literal::Str(s) => Cell::Str(s),
            Literal::Int(i) => Cell::Int(*i),
            Literal::Double(d) => Cell::Double(*d),
            Literal::Bool(b) => Cell::Bool(*b),
        }
    }

    pub fn type_code(&self) -> u8 {
        match self {
            Cell::Empty => T_EMPTY as u8,
            Cell::Str(_) => T_STR as u8,
            Cell::Int(_) => T_INT as u8,
            Cell::Double(_) => T_DOUBLE as u8,
            Cell::Bool(_) => T_BOOL as u8,
            Cell::Bytes(_) => T_BYTES as u8,
            Cell::Ser(t, _) => *t,
        }
    }

    /// Whether two rows with equal keys continue one quasi-delta run under Go's rule
    /// (doubles by IEEE ==; empty, map and array values never).
    pub fn same_run(&self, other: &Cell<'_>) -> bool {
        match (self, other) {
            (Cell::Str(a), Cell::Str(b)) => a == b,
            (Cell::Int(a), Cell::Int(b)) => a == b,
            (Cell::Double(a), Cell::Double(b)) => a == b,
            (Cell::Bool(a), Cell::Bool(b)) => a == b,
            (Cell::Bytes(a), Cell::Bytes(b)) => a == b,
            _ => false,
        }
    }
}
