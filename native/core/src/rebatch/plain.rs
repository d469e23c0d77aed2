//! Transport-encoded ids -> absolute ids. Every id and parent id column becomes a plain
//! UInt32 column marked `encoding: plain`, decoded by the same rules (and helpers) as the
//! OTLP conversion; empty tables are dropped.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, UInt32Array};

use super::columns::replace_column;
use super::id_columns::{table_ids, ParentRule, TableIds};
use crate::decode::common::{attribute_parents, delta_decode, ids_or_null, parent_ids, quasi_delta_decode};
use crate::decode::metrics::{exemplar_values, same_value};
use crate::decode::traces::{event_names, link_trace_ids};
use crate::decode::{table_name, TableView};
use crate::error::OtapError;

pub type Batches = Vec<(i32, RecordBatch)>;

fn u32_column(values: impl IntoIterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(values.into_iter().map(|v| v.map(|v| v as u32)).collect::<UInt32Array>())
}

/// Root rows with a null resource.id or scope.id belong to one group per run of adjacent
/// rows (the Go consumer's rule); each run gets an unused id so that joining keeps it apart.
pub(crate) fn fill_null_runs(view: &TableView<'_>, path: &str, ids: &mut [Option<i64>]) -> Result<(), OtapError> {
    if !ids.iter().any(Option::is_none) {
        return Ok(());
    }
    let mut next = ids.iter().flatten().max().map_or(0, |m| m + 1);
    let mut prev_null = false;
    for v in ids.iter_mut() {
        if v.is_none() {
            if !prev_null {
                next += 1;
            }
            *v = Some(next - 1);
            prev_null = true;
        } else {
            prev_null = false;
        }
    }
    if next - 1 > u16::MAX as i64 {
        return Err(view.error(path, "too many resource/scope groups for u16 ids"));
    }
    Ok(())
}

/// The absolute parent ids of a table with a parent column.
pub fn decode_parents(view: &TableView<'_>, rule: ParentRule, bits: u32) -> Result<Vec<i64>, OtapError> {
    let encoding = view.encoding("parent_id");
    Ok(match rule {
        ParentRule::Delta => delta_decode(parent_ids(view)?.into_iter().map(Some).collect(), encoding, bits).into_iter().map(|v| v.unwrap_or(0)).collect(),
        ParentRule::Attrs => attribute_parents(view, None, bits)?,
        ParentRule::EventName => {
            let names = event_names(view)?;
            quasi_delta_decode(parent_ids(view)?, encoding, bits, |i| names[i - 1] == names[i])
        }
        ParentRule::LinkTraceId => {
            let ids = link_trace_ids(view)?;
            quasi_delta_decode(parent_ids(view)?, encoding, bits, |i| ids[i - 1] == ids[i])
        }
        ParentRule::Exemplar => {
            let values = exemplar_values(view)?;
            let total_order = encoding == Some("quasidelta");
            quasi_delta_decode(parent_ids(view)?, encoding, bits, |i| same_value(values[i - 1], values[i], total_order))
        }
    })
}

fn table_to_plain(t: i32, batch: &RecordBatch, spec: &TableIds, is_root: bool) -> Result<RecordBatch, OtapError> {
    let view = TableView::new(table_name(t), batch);
    let mut out = batch.clone();
    for col in &spec.ids {
        let mut ids = delta_decode(ids_or_null(&view, col.path)?, view.encoding(col.path), col.bits);
        if is_root && col.path != "id" {
            fill_null_runs(&view, col.path, &mut ids)?;
        }
        out = replace_column(&out, col.path, u32_column(ids), Some("plain"))?;
    }
    if let Some(p) = spec.parent {
        let parents = decode_parents(&view, p.rule, p.bits)?;
        out = replace_column(&out, "parent_id", u32_column(parents.into_iter().map(Some)), Some("plain"))?;
    }
    Ok(out)
}

/// Every non-empty table of `batches` with absolute ids.
pub fn to_plain(root: i32, batches: &[(i32, RecordBatch)]) -> Result<Batches, OtapError> {
    batches
        .iter()
        .filter(|(_, b)| b.num_rows() > 0)
        .map(|(t, b)| Ok((*t, table_to_plain(*t, b, &table_ids(*t), *t == root).map_err(|e| e.in_table(table_name(*t)))?)))
        .collect()
}
