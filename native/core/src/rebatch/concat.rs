//! Joining several batches of one signal into as few as the u16 id spaces allow: ids are
//! made absolute, each batch's ids are shifted past the previous batches' (parents with
//! them), the tables are concatenated and the ids transport-encoded again.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, UInt32Array};

use super::columns::map_ids;
use super::id_columns::{root_type, space_max, table_ids, Space};
use super::plain::{to_plain, Batches};
use super::transport::to_transport;
use super::unify::concat_unified;
use crate::decode::common::ids_or_null;
use crate::decode::{allowed, table_name, DecodedTables, TableView};
use crate::error::OtapError;
use crate::Signal;

/// Lowest and highest id of each space in one batch, and each space's width.
#[derive(Default)]
struct Extents {
    spans: HashMap<Space, (i64, i64)>,
    bits: HashMap<Space, u32>,
}

fn extents(batches: &Batches) -> Result<Extents, OtapError> {
    let mut e = Extents::default();
    for (t, b) in batches {
        let view = TableView::new(table_name(*t), b);
        for col in table_ids(*t).ids {
            e.bits.insert(col.space, col.bits);
            for v in ids_or_null(&view, col.path)?.into_iter().flatten() {
                let span = e.spans.entry(col.space).or_insert((v, v));
                span.0 = span.0.min(v);
                span.1 = span.1.max(v);
            }
        }
    }
    // A parent id outside its space's ids would land on another batch's row once shifted.
    for (t, b) in batches {
        let Some(p) = table_ids(*t).parent else { continue };
        let view = TableView::new(table_name(*t), b);
        let span = e.spans.get(&p.space).copied();
        for v in ids_or_null(&view, "parent_id")?.into_iter().flatten() {
            if !span.is_some_and(|(lo, hi)| (lo..=hi).contains(&v)) {
                return Err(view.error("parent_id", format!("parent id {v} points at no row")));
            }
        }
    }
    Ok(e)
}

fn shifted(values: Vec<Option<i64>>, by: i64) -> ArrayRef {
    Arc::new(values.into_iter().map(|v| v.map(|v| (v + by) as u32)).collect::<UInt32Array>())
}

/// `batches` with every id of space s moved by `shift[s]` (ids plain UInt32, marked so).
pub(crate) fn shift(batches: Batches, shift: &HashMap<Space, i64>) -> Result<Batches, OtapError> {
    map_ids(batches, |_, _, space, ids| Ok(shifted(ids, shift.get(&space).copied().unwrap_or(0))))
}

/// One batch of the tables of `parts` (already shifted), in the signal's payload order.
fn concat_group(signal: Signal, parts: Vec<Batches>) -> Result<DecodedTables, OtapError> {
    let mut batches: Batches = Vec::new();
    for &t in allowed(signal) {
        let of_type: Vec<RecordBatch> = parts.iter().flat_map(|p| p.iter().filter(|(x, _)| *x == t).map(|(_, b)| b.clone())).collect();
        if !of_type.is_empty() {
            batches.push((t, concat_unified(&of_type).map_err(|e| e.in_table(table_name(t)))?));
        }
    }
    Ok(DecodedTables { signal, batches: to_transport(batches)? })
}

/// `inputs` (one signal) joined into batches, in order; a new batch starts where a u16 id
/// space (root ids, resource ids, scope ids) would overflow.
pub fn concat_tables(inputs: &[&DecodedTables]) -> Result<Vec<DecodedTables>, OtapError> {
    let Some(first) = inputs.first() else { return Ok(Vec::new()) };
    let signal = first.signal;
    if let Some(other) = inputs.iter().find(|t| t.signal != signal) {
        return Err(OtapError::invalid_payload(format!("cannot join {} with {} batches", signal.name(), other.signal.name())));
    }
    if inputs.len() == 1 {
        return Ok(vec![(*first).clone()]);
    }
    let root = root_type(signal);
    let mut out = Vec::new();
    let mut group: Vec<Batches> = Vec::new();
    let mut used: HashMap<Space, i64> = HashMap::new();
    for input in inputs {
        let plain = to_plain(root, &input.batches)?;
        let ext = extents(&plain)?;
        let fits = |used: &HashMap<Space, i64>| {
            ext.spans.iter().all(|(s, (lo, hi))| used.get(s).copied().unwrap_or(0) + (hi - lo + 1) <= space_max(ext.bits[s]) as i64 + 1)
        };
        if !group.is_empty() && !fits(&used) {
            out.push(concat_group(signal, std::mem::take(&mut group))?);
            used.clear();
        }
        let mut by = HashMap::new();
        for (s, (lo, hi)) in &ext.spans {
            let base = used.get(s).copied().unwrap_or(0);
            by.insert(*s, base - lo);
            used.insert(*s, base + (hi - lo + 1));
        }
        group.push(shift(plain, &by)?);
    }
    if !group.is_empty() {
        out.push(concat_group(signal, group)?);
    }
    Ok(out)
}
