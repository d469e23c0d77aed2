//! Writing an attribute table after its plan: keys rewritten in place when only keys change
//! (a dictionary's values renamed, rows filtered: the columns and their dictionaries stay
//! as received, so a forwarded stream keeps sending deltas), else the table re-encoded from
//! its cells with the appended rows. Parent ids go out quasi-delta encoded by Go's rule.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow_schema::DataType;

use crate::cell::Cell;
use super::actions::AttributeActions;
use super::plan::{NewValue, Plan};
use crate::decode::common::AttrColumns;
use crate::decode::{table_name, TableView};
use crate::encode::common::{quasi_delta_encode, ValueCell, ValueColumns};
use crate::encode::input::{Leaf, TableInput};
use crate::encode::table::{DictionaryLimits, TableEncoder};
use crate::error::OtapError;
use crate::rebatch::{id_array, replace_column};
use crate::schema::table_spec;

fn renamed<'k>(rename: &'k BTreeMap<String, String>, key: &'k str) -> &'k str {
    rename.get(key).map_or(key, String::as_str)
}

/// The key column with renamed keys, or None when it is neither a string dictionary nor strings.
fn rename_keys(column: &ArrayRef, rename: &BTreeMap<String, String>) -> Option<ArrayRef> {
    match column.data_type() {
        DataType::Dictionary(_, v) if **v == DataType::Utf8 => {
            let dict = column.as_any_dictionary();
            let values: StringArray = dict.values().as_string::<i32>().iter().map(|v| v.map(|s| renamed(rename, s))).collect();
            Some(dict.with_values(Arc::new(values)))
        }
        DataType::Utf8 => Some(Arc::new(column.as_string::<i32>().iter().map(|v| v.map(|s| renamed(rename, s))).collect::<StringArray>())),
        _ => None,
    }
}

/// Renames alone, when the key column is a string dictionary that holds no deleted key, no
/// rename destination and no key whose value changes: the dictionary's values are renamed
/// and nothing else changes. Keys stay distinct, so every quasi-delta run of the parent ids
/// stays as it was: O(dictionary), not O(rows). None when that does not apply.
pub fn rename_in_dictionary(batch: &RecordBatch, actions: &AttributeActions) -> Result<Option<RecordBatch>, OtapError> {
    if actions.adds_rows() {
        return Ok(None);
    }
    let Some(key) = batch.column_by_name("key") else { return Ok(None) };
    let DataType::Dictionary(_, v) = key.data_type() else { return Ok(None) };
    if **v != DataType::Utf8 {
        return Ok(None);
    }
    let values = key.as_any_dictionary().values().as_string::<i32>();
    let mut renames = false;
    for k in values.iter().flatten() {
        let touched = actions.delete.contains(k) || actions.update.contains_key(k) || actions.hash.contains_key(k) || actions.rename.values().any(|d| d == k);
        if touched {
            return Ok(None);
        }
        renames |= actions.rename.contains_key(k);
    }
    if !renames {
        return Ok(Some(batch.clone()));
    }
    let Some(keys) = rename_keys(key, &actions.rename) else { return Ok(None) };
    replace_column(batch, "key", keys, None).map(Some)
}

/// Renames and deletions only: None when the key column's type calls for a re-encode. Run
/// equality of the kept rows is read from the input's columns (`cols`): renamed keys, values
/// as they were, so nothing is materialised twice.
pub fn rewrite_keys(t: i32, batch: &RecordBatch, cols: &AttrColumns<'_>, plan: &Plan<'_>, parents: &[i64], rename: &BTreeMap<String, String>, bits: u32) -> Result<Option<RecordBatch>, OtapError> {
    let Some(key) = batch.column_by_name("key") else { return Ok(None) };
    let mut out = batch.clone();
    if plan.renamed {
        let Some(keys) = rename_keys(key, rename) else { return Ok(None) };
        out = replace_column(&out, "key", keys, None)?;
    }
    if plan.dropped > 0 {
        out = arrow_select::filter::filter_record_batch(&out, &BooleanArray::from(plan.keep.clone()))
            .map_err(|e| OtapError::invalid_payload(format!("{}: {e}", table_name(t))))?;
    }
    let rows: Vec<usize> = (0..parents.len()).filter(|&i| plan.keep[i]).collect();
    let kept: Vec<u32> = rows.iter().map(|&i| parents[i] as u32).collect();
    let encoded = quasi_delta_encode(&kept, |j| {
        let (a, b) = (rows[j - 1], rows[j]);
        renamed(rename, cols.keys[a]) == renamed(rename, cols.keys[b]) && cols.values.same_scalar(a, b, false)
    });
    replace_column(&out, "parent_id", id_array(encoded.into_iter().map(Some).collect(), bits), None).map(Some)
}

/// The table re-encoded from its cells: kept rows in order with their new keys and values,
/// then the added rows.
pub fn rebuild(
    t: i32,
    rows: Option<(&TableView<'_>, &AttrColumns<'_>)>,
    plan: &Plan<'_>,
    parents: &[i64],
    rename: &BTreeMap<String, String>,
    bits: u32,
) -> Result<RecordBatch, OtapError> {
    let mut out: Vec<(u32, &str, Cell<'_>)> = Vec::with_capacity(parents.len() - plan.dropped + plan.additions.len());
    if let Some((view, cols)) = rows {
        for (i, &key) in cols.keys.iter().enumerate() {
            if !plan.keep[i] {
                continue;
            }
            let cell = match plan.values.get(&i) {
                Some(NewValue::Literal(l)) => Cell::literal(l),
                Some(NewValue::Hashed(h)) => Cell::Str(h),
                None => Cell::read(&cols.values, view, i)?,
            };
            out.push((parents[i] as u32, renamed(rename, key), cell));
        }
    }
    out.extend(plan.additions.iter().map(|&(p, k, v)| (p, k, Cell::literal(v))));
    let n = out.len();
    let ps: Vec<u32> = out.iter().map(|r| r.0).collect();
    let encoded = quasi_delta_encode(&ps, |i| out[i - 1].1 == out[i].1 && out[i - 1].2.same_run(&out[i].2));
    let mut input = TableInput::new(n);
    if bits == 32 {
        let mut distinct = ps.clone();
        distinct.sort_unstable();
        distinct.dedup();
        input.decoded_distinct.push(("parent_id", distinct.len()));
        input.set("parent_id", Leaf::U32(encoded.into_iter().map(Some).collect()));
    } else {
        input.set("parent_id", Leaf::U16(encoded.into_iter().map(|p| Some(p as u16)).collect()));
    }
    let mut values = ValueColumns::with_capacity(n);
    let mut keys = Vec::with_capacity(n);
    let mut types = Vec::with_capacity(n);
    for (_, key, cell) in &out {
        keys.push(Some(Cow::Borrowed(key.as_bytes())));
        types.push(Some(cell.type_code()));
        values.push_value(match *cell {
            Cell::Str(x) => ValueCell::Str(Cow::Borrowed(x.as_bytes())),
            Cell::Int(x) => ValueCell::Int(x),
            Cell::Double(x) => ValueCell::Double(x),
            Cell::Bool(x) => ValueCell::Bool(x),
            Cell::Bytes(x) => ValueCell::Bytes(Cow::Borrowed(x)),
            Cell::Ser(_, Some(x)) => ValueCell::Ser(Cow::Borrowed(x)),
            Cell::Ser(_, None) | Cell::Empty => ValueCell::Null,
        });
    }
    input.set("key", Leaf::Bytes(keys));
    input.set("type", Leaf::U8(types));
    values.set_into(&mut input, ["str", "int", "double", "bool", "bytes", "ser"]);
    let spec = table_spec(t).ok_or_else(|| OtapError::unsupported(format!("{} is not an attribute table", table_name(t))))?;
    Ok(TableEncoder::new(spec, DictionaryLimits::default()).encode(&input)?.batch)
}
