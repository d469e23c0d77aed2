//! Dictionaries of forwarded tables. A receiver's tables carry the dictionaries their source
//! stream has accumulated (up to 64Ki values per column). Forwarded unchanged they cost
//! nothing when one source feeds the outgoing stream: each batch's dictionary extends the
//! last one written, and the IPC writer sends the delta. When several sources share one
//! outgoing stream, their dictionaries alternate; the writer would then resend a whole
//! accumulated dictionary as a replacement with every batch. Such a column is compacted
//! first: its dictionary cut down to the values the batch uses, keys renumbered, so the
//! replacement costs what the batch holds, not what its source has seen. The first
//! dictionary a stream sees is sent whole: compacting it would make a single extending
//! source pay replacements until its streak earns deltas back.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, DictionaryArray, PrimitiveArray, RecordBatch, StructArray};
use arrow_buffer::ArrowNativeType;
use arrow_data::ArrayData;
use arrow_schema::DataType;

use crate::error::OtapError;

/// A dictionary of at most this many values is sent as it is when it does not extend the
/// last one written: compacting would save little.
const SMALL_DICTIONARY: usize = 64;

/// After this many compacted batches in a row from one source (each dictionary extending the
/// previous), that source's dictionary is sent in full once, and deltas follow again.
const RETURN_TO_DELTAS_AFTER: u32 = 8;

/// What the outgoing stream holds for one dictionary column.
enum Written {
    /// A source dictionary, sent unchanged: a source extending it continues with deltas.
    Source(ArrayData),
    /// A compacted dictionary cut from this source dictionary, `streak` batches in a row.
    Compacted { from: ArrayData, streak: u32 },
}

/// Per dictionary column (by path), what was last written.
#[derive(Default)]
pub(crate) struct ForwardedDictionaries {
    written: HashMap<String, Written>,
}

impl ForwardedDictionaries {
    /// The batch to write: columns whose dictionary would be resent in full are compacted.
    pub(crate) fn prepare(&mut self, batch: &RecordBatch) -> Result<RecordBatch, OtapError> {
        let schema = batch.schema();
        let mut changed = false;
        let mut columns = Vec::with_capacity(batch.num_columns());
        for (field, column) in schema.fields().iter().zip(batch.columns()) {
            let out = self.column(field.name(), column)?;
            changed |= !Arc::ptr_eq(&out, column);
            columns.push(out);
        }
        if !changed {
            return Ok(batch.clone());
        }
        RecordBatch::try_new(schema, columns).map_err(|e| OtapError::invalid_payload(format!("compacted dictionaries: {e}")))
    }

    fn column(&mut self, path: &str, column: &ArrayRef) -> Result<ArrayRef, OtapError> {
        match column.data_type() {
            DataType::Dictionary(_, _) => self.dictionary(path, column),
            DataType::Struct(fields) => {
                let s = column.as_struct();
                let mut changed = false;
                let mut children = Vec::with_capacity(fields.len());
                for (f, child) in fields.iter().zip(s.columns()) {
                    let out = self.column(&format!("{path}.{}", f.name()), child)?;
                    changed |= !Arc::ptr_eq(&out, child);
                    children.push(out);
                }
                if !changed {
                    return Ok(column.clone());
                }
                let rebuilt = StructArray::try_new(fields.clone(), children, s.nulls().cloned())
                    .map_err(|e| OtapError::invalid_payload(format!("column {path}: {e}")))?;
                Ok(Arc::new(rebuilt))
            }
            _ => Ok(column.clone()),
        }
    }

    fn dictionary(&mut self, path: &str, column: &ArrayRef) -> Result<ArrayRef, OtapError> {
        let values = column.as_any_dictionary().values().to_data();
        let (continues_written, streak) = match self.written.get(path) {
            // Nothing written on this stream yet: the dictionary goes whole, once; a source
            // that keeps extending it (one upstream, or a TablesBuilder) continues with deltas.
            None => (true, 0),
            Some(Written::Source(last)) => (extends(last, &values), 0),
            Some(Written::Compacted { from, streak }) if extends(from, &values) => (false, streak + 1),
            _ => (false, 0),
        };
        if continues_written || streak >= RETURN_TO_DELTAS_AFTER || values.len() <= SMALL_DICTIONARY {
            self.written.insert(path.to_string(), Written::Source(values));
            return Ok(column.clone());
        }
        self.written.insert(path.to_string(), Written::Compacted { from: values, streak });
        compact(column).map_err(|e| e.in_column(path))
    }
}

/// The dictionary column with only the values its keys use, renumbered in order of first use.
fn compact(column: &ArrayRef) -> Result<ArrayRef, OtapError> {
    match column.data_type() {
        DataType::Dictionary(k, _) => match k.as_ref() {
            DataType::UInt8 => compact_keys::<UInt8Type>(column),
            DataType::UInt16 => compact_keys::<UInt16Type>(column),
            DataType::UInt32 => compact_keys::<UInt32Type>(column),
            DataType::Int8 => compact_keys::<Int8Type>(column),
            DataType::Int16 => compact_keys::<Int16Type>(column),
            DataType::Int32 => compact_keys::<Int32Type>(column),
            DataType::Int64 => compact_keys::<Int64Type>(column),
            DataType::UInt64 => compact_keys::<UInt64Type>(column),
            other => Err(OtapError::unsupported(format!("dictionary keys of type {other}"))),
        },
        _ => Ok(column.clone()),
    }
}

fn compact_keys<K: ArrowDictionaryKeyType>(column: &ArrayRef) -> Result<ArrayRef, OtapError> {
    let dict = column.as_dictionary::<K>();
    let keys = dict.keys();
    let len = dict.values().len();
    // Old key -> new key (None until first used): a table, not a hash map, on this per-row path.
    let mut renumber: Vec<Option<K::Native>> = vec![None; len];
    let mut used: Vec<u32> = Vec::new();
    let mut new_keys: Vec<K::Native> = Vec::with_capacity(keys.len());
    for i in 0..keys.len() {
        if keys.is_null(i) {
            new_keys.push(K::Native::default());
            continue;
        }
        let old = keys.value(i).as_usize();
        if old >= len {
            // Remote input: refuse, never index out of bounds.
            return Err(OtapError::invalid_payload(format!("dictionary key {old} at row {i} is out of range (dictionary of {len})")));
        }
        let next = used.len();
        let key = match renumber[old] {
            Some(k) => k,
            None => {
                let k = K::Native::from_usize(next).ok_or_else(|| OtapError::invalid_payload("dictionary key out of range"))?;
                renumber[old] = Some(k);
                used.push(old as u32);
                k
            }
        };
        new_keys.push(key);
    }
    let values = arrow_select::take::take(dict.values().as_ref(), &PrimitiveArray::<UInt32Type>::from(used), None)
        .map_err(|e| OtapError::invalid_payload(format!("dictionary values: {e}")))?;
    let keys = PrimitiveArray::<K>::new(new_keys.into(), keys.nulls().cloned());
    let out = DictionaryArray::<K>::try_new(keys, values).map_err(|e| OtapError::invalid_payload(format!("dictionary: {e}")))?;
    Ok(Arc::new(out))
}

/// Whether `values` (at least as long as `last`) lies over the same memory as `last`, buffer
/// for buffer: then its first values are `last`'s. Arrays a TablesBuilder hands out for one
/// dictionary do (append_store.rs), so a growing dictionary needs no value comparison. Sound
/// because `last` is alive (held here): its memory cannot have been freed and reused, and
/// Arrow buffers are not written while shared.
pub(super) fn shares_prefix(last: &ArrayData, values: &ArrayData) -> bool {
    last.data_type() == values.data_type()
        && last.offset() == values.offset()
        && last.nulls().is_none()
        && values.nulls().is_none()
        && last.child_data().is_empty()
        && values.child_data().is_empty()
        && !last.buffers().is_empty()
        && last.buffers().len() == values.buffers().len()
        && last.buffers().iter().zip(values.buffers()).all(|(a, b)| a.as_ptr() == b.as_ptr())
}

/// Whether `values` is `last` with values appended (then the writer sends a delta). Exact:
/// sources of one application often share their first values, and a wrong guess would make
/// the writer resend the whole dictionary. An O(1) look at the ends rules most misses out
/// before the O(n) comparison (the writer makes that comparison once more itself).
fn extends(last: &ArrayData, values: &ArrayData) -> bool {
    if ArrayData::ptr_eq(last, values) {
        return true;
    }
    let n = last.len();
    if values.len() < n {
        return false;
    }
    n == 0
        || shares_prefix(last, values)
        || (values.slice(0, 1) == last.slice(0, 1)
            && values.slice(n - 1, 1) == last.slice(n - 1, 1)
            && values.slice(0, n) == *last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::dict::DictValues;
    use crate::schema::LeafKind;

    #[test]
    fn a_growing_store_extends_by_memory_and_other_arrays_by_value() {
        let mut d = DictValues::new(LeafKind::Utf8);
        d.index_of_bytes(b"GET");
        d.index_of_bytes(b"POST");
        let first = d.to_array().to_data();
        d.index_of_bytes(b"PUT");
        let grown = d.to_array().to_data();
        assert!(shares_prefix(&first, &grown) && extends(&first, &grown));
        // Equal values in other memory: not by memory, but still by value.
        let copy = arrow_array::StringArray::from(vec!["GET", "POST", "PUT"]).to_data();
        assert!(!shares_prefix(&first, &copy) && extends(&first, &copy));
        // A different first value is no extension.
        let other = arrow_array::StringArray::from(vec!["HEAD", "POST", "PUT"]).to_data();
        assert!(!extends(&first, &other));
        // After the store moves to a larger block, the comparison by value takes over.
        for i in 0..1000 {
            d.index_of_bytes(format!("v{i}").as_bytes());
        }
        let moved = d.to_array().to_data();
        assert!(!shares_prefix(&first, &moved) && extends(&first, &moved));
    }
}
