//! kv arenas (`key`, `type`, `value` slot) and the value slots they share with the log body.

use super::cursor::{Cursor, Slots, U32s};
use super::{malformed, rows_of};
use super::refs::Refs;
use crate::error::OtapError;
use crate::otlp::model::{AnyValue, KeyValue};

/// One value from its OTAP type code and 8-byte slot.
pub fn any_value<'a>(
    ty: u8,
    slot: u64,
    refs: &Refs<'a>,
    table: &'static str,
    column: &'static str,
    row: usize,
) -> Result<AnyValue<'a>, OtapError> {
    // Refs are the slot's low u32.
    let low = slot as u32;
    Ok(match ty {
        0 => AnyValue::Empty,
        1 => AnyValue::Str(refs.string(low, table, column, row)?),
        2 => AnyValue::Int(slot as i64),
        3 => AnyValue::Double(f64::from_bits(slot)),
        4 => AnyValue::Bool(low != 0),
        5 => AnyValue::KvList(refs.blob(low, table, column, row)?),
        6 => AnyValue::Array(refs.blob(low, table, column, row)?),
        7 => AnyValue::Bytes(refs.blob(low, table, column, row)?),
        _ => return Err(malformed(table, column, format!("row {row}: unknown value type {ty}"))),
    })
}

/// The three columns of one kv arena.
pub struct KvArena<'a> {
    table: &'static str,
    key: U32s<'a>,
    ty: &'a [u8],
    value: Slots<'a>,
}

impl<'a> KvArena<'a> {
    /// `table` names the owner of the attributes (RESOURCES, SPANS, ...).
    pub fn read(cur: &mut Cursor<'a>, table: &'static str) -> Result<Self, OtapError> {
        let mut t = cur.table(table);
        let key = t.u32s("attributes.key")?;
        let ty = t.u8s("attributes.type")?;
        let value = t.slots("attributes.value")?;
        Ok(KvArena { table, key, ty, value })
    }

    pub fn rows(&self) -> usize {
        self.ty.len()
    }

    pub fn build(&self, refs: &Refs<'a>) -> Result<Vec<KeyValue<'a>>, OtapError> {
        rows_of(self.ty.len(), |i| {
            Ok(KeyValue {
                key: refs.string(self.key.at(i), self.table, "attributes.key", i)?,
                value: any_value(self.ty[i], self.value.at(i), refs, self.table, "attributes.value", i)?,
            })
        })
    }
}
