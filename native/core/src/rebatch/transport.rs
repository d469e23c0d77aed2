//! Absolute ids -> the transport encodings Go reads (delta / quasi-delta, no `encoding`
//! metadata). Run equality follows Go (IEEE == for doubles, null cells compare as zero
//! values), which is what our decoder assumes for a column without metadata.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, UInt16Array, UInt32Array};

use super::columns::replace_column;
use super::id_columns::{space_max, table_ids, ParentRule};
use super::plain::Batches;
use crate::decode::attr_runs::run_continues;
use crate::decode::common::{ids_or_null, parent_ids};
use crate::decode::metrics::{exemplar_values, same_value};
use crate::decode::traces::{event_names, link_trace_ids};
use crate::decode::{table_name, TableView};
use crate::encode::common::{delta_encode, quasi_delta_encode};
use crate::error::OtapError;

pub(crate) fn id_array(values: Vec<Option<u32>>, bits: u32) -> ArrayRef {
    if bits == 16 {
        Arc::new(values.into_iter().map(|v| v.map(|v| v as u16)).collect::<UInt16Array>())
    } else {
        Arc::new(values.into_iter().collect::<UInt32Array>())
    }
}

/// Absolute ids of a plain column, checked against the column's width.
fn absolute(view: &TableView<'_>, path: &str, values: Vec<Option<i64>>, bits: u32) -> Result<Vec<Option<u32>>, OtapError> {
    let max = space_max(bits) as i64;
    values
        .into_iter()
        .map(|v| match v {
            Some(x) if !(0..=max).contains(&x) => Err(view.error(path, format!("id {x} does not fit in {bits} bits"))),
            v => Ok(v.map(|x| x as u32)),
        })
        .collect()
}

fn encode_parents(view: &TableView<'_>, rule: ParentRule, bits: u32) -> Result<ArrayRef, OtapError> {
    let parents: Vec<u32> = absolute(view, "parent_id", parent_ids(view)?.into_iter().map(Some).collect(), bits)?.into_iter().map(|v| v.unwrap_or(0)).collect();
    let encoded: Vec<u32> = match rule {
        ParentRule::Delta => delta_encode(&parents.iter().copied().map(Some).collect::<Vec<_>>()).into_iter().map(|v| v.unwrap_or(0)).collect(),
        ParentRule::Attrs => {
            let runs = run_continues(view, false)?;
            quasi_delta_encode(&parents, |i| runs[i])
        }
        ParentRule::EventName => {
            let names = event_names(view)?;
            quasi_delta_encode(&parents, |i| names[i - 1] == names[i])
        }
        ParentRule::LinkTraceId => {
            let ids = link_trace_ids(view)?;
            quasi_delta_encode(&parents, |i| ids[i - 1] == ids[i])
        }
        ParentRule::Exemplar => {
            let values = exemplar_values(view)?;
            quasi_delta_encode(&parents, |i| same_value(values[i - 1], values[i], false))
        }
    };
    Ok(id_array(encoded.into_iter().map(Some).collect(), bits))
}

fn table_to_transport(t: i32, batch: &RecordBatch) -> Result<RecordBatch, OtapError> {
    let view = TableView::new(table_name(t), batch);
    let spec = table_ids(t);
    let mut out = batch.clone();
    for col in &spec.ids {
        let ids = absolute(&view, col.path, ids_or_null(&view, col.path)?, col.bits)?;
        out = replace_column(&out, col.path, id_array(delta_encode(&ids), col.bits), None)?;
    }
    if let Some(p) = spec.parent {
        out = replace_column(&out, "parent_id", encode_parents(&view, p.rule, p.bits)?, None)?;
    }
    Ok(out)
}

/// Every table of `batches` with its ids transport-encoded.
pub fn to_transport(batches: Batches) -> Result<Batches, OtapError> {
    batches
        .into_iter()
        .map(|(t, b)| Ok((t, table_to_transport(t, &b).map_err(|e| e.in_table(table_name(t)))?)))
        .collect()
}
