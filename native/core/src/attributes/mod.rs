//! processor:attribute on OTAP tables: rename, delete, insert, upsert, update and hash act on
//! the attribute tables directly (key dictionaries rewritten, rows filtered or appended),
//! never through OTLP. Which tables `apply_to` selects follows the Rust engine: `signal` is
//! every attribute table of the signal's own records (span events and links, metric,
//! data point and exemplar attributes) except exponential-histogram points and their
//! exemplars, which the engine leaves alone. Renames and deletions also apply to an OTLP
//! request's bytes (`otlp_edit.rs`), for a batch that goes on as OTLP, and to a parsed request
//! as the encoder writes it (`parsed_edit.rs`).

mod actions;
mod hash;
mod otlp_edit;
mod parsed_edit;
mod plan;
mod write;

pub use actions::{ApplyTo, AttributeActions, Literal};
pub use otlp_edit::OtlpKeyEditor;

use arrow_array::RecordBatch;

use crate::bar::payload_type as T;
use crate::decode::common::{attribute_parents, delta_decode, ids_or_null, AttrColumns};
use crate::decode::{table_name, DecodedTables, TableView};
use crate::encode::common::delta_encode;
use crate::error::OtapError;
use crate::rebatch::{fill_null_runs, id_array, replace_column, root_type, table_ids, Space};
use crate::Signal;

/// The attribute tables `apply_to` selects for a signal.
pub fn target_tables(signal: Signal, apply_to: ApplyTo) -> Vec<i32> {
    let mut out = Vec::new();
    if apply_to.resource {
        out.push(T::RESOURCE_ATTRS);
    }
    if apply_to.scope {
        out.push(T::SCOPE_ATTRS);
    }
    if apply_to.signal {
        out.extend_from_slice(match signal {
            Signal::Logs => &[T::LOG_ATTRS][..],
            Signal::Traces => &[T::SPAN_ATTRS, T::SPAN_EVENT_ATTRS, T::SPAN_LINK_ATTRS],
            Signal::Metrics => &[
                T::METRIC_ATTRS,
                T::NUMBER_DP_ATTRS,
                T::HISTOGRAM_DP_ATTRS,
                T::SUMMARY_DP_ATTRS,
                T::NUMBER_DP_EXEMPLAR_ATTRS,
                T::HISTOGRAM_DP_EXEMPLAR_ATTRS,
            ],
        });
    }
    out
}

/// `tables` with the actions applied to the attribute tables `apply_to` selects.
pub fn transform_attributes(tables: &DecodedTables, actions: &AttributeActions) -> Result<DecodedTables, OtapError> {
    let mut batches = tables.batches.clone();
    if !actions.is_empty() {
        let root = root_type(tables.signal);
        for t in target_tables(tables.signal, actions.apply_to) {
            transform_table(&mut batches, root, t, actions).map_err(|e| e.in_table(table_name(t)))?;
        }
    }
    Ok(DecodedTables { signal: tables.signal, batches })
}

fn find(batches: &[(i32, RecordBatch)], t: i32) -> Option<usize> {
    batches.iter().position(|(ty, _)| *ty == t)
}

/// Every id a parent table gives its children (ascending, distinct). Rows without an id
/// (no attributes yet) get fresh ones, written back, so that insert can reach them.
fn parent_universe(batches: &mut [(i32, RecordBatch)], root: i32, space: Space, bits: u32) -> Result<Vec<u32>, OtapError> {
    let (pt, path) = match space {
        Space::Table(p) => (p, "id"),
        Space::Resource => (root, "resource.id"),
        Space::Scope => (root, "scope.id"),
    };
    let Some(at) = find(batches, pt) else { return Ok(Vec::new()) };
    let batch = &batches[at].1;
    let view = TableView::new(table_name(pt), batch);
    let mut ids = delta_decode(ids_or_null(&view, path)?, view.encoding(path), bits);
    if ids.iter().any(Option::is_none) {
        if path == "id" {
            let mut next = ids.iter().flatten().max().map_or(0, |m| m + 1);
            for id in ids.iter_mut().filter(|id| id.is_none()) {
                *id = Some(next);
                next += 1;
            }
            if next - 1 > crate::rebatch::space_max(bits) as i64 {
                return Err(view.error(path, "no id left for rows that need attributes"));
            }
        } else {
            fill_null_runs(&view, path, &mut ids)?;
        }
        let absolute: Vec<Option<u32>> = ids.iter().map(|v| v.map(|v| v as u32)).collect();
        let replaced = replace_column(batch, path, id_array(delta_encode(&absolute), bits), None)?;
        batches[at].1 = replaced;
    }
    let mut universe: Vec<u32> = ids.into_iter().flatten().map(|v| v as u32).collect();
    universe.sort_unstable();
    universe.dedup();
    Ok(universe)
}

fn transform_table(batches: &mut Vec<(i32, RecordBatch)>, root: i32, t: i32, actions: &AttributeActions) -> Result<(), OtapError> {
    let Some(parent) = table_ids(t).parent else { return Ok(()) };
    let universe = if actions.adds_rows() { parent_universe(batches, root, parent.space, parent.bits)? } else { Vec::new() };
    let at = find(batches, t).filter(|&i| batches[i].1.num_rows() > 0);
    let out = match at {
        None => {
            let p = plan::plan(actions, None, &[], &universe)?;
            if p.additions.is_empty() {
                return Ok(());
            }
            write::rebuild(t, None, &p, &[], &actions.rename, parent.bits)?
        }
        Some(i) => {
            let batch = batches[i].1.clone();
            if let Some(renamed) = write::rename_in_dictionary(&batch, actions)? {
                batches[i].1 = renamed;
                return Ok(());
            }
            let view = TableView::new(table_name(t), &batch);
            let cols = AttrColumns::new(&view)?;
            let parents = attribute_parents(&view, Some(&cols), parent.bits)?;
            let p = plan::plan(actions, Some((&view, &cols)), &parents, &universe)?;
            if p.changes_nothing() {
                return Ok(());
            }
            let fast = if p.values.is_empty() && p.additions.is_empty() { write::rewrite_keys(t, &batch, &cols, &p, &parents, &actions.rename, parent.bits)? } else { None };
            match fast {
                Some(b) => b,
                None => write::rebuild(t, Some((&view, &cols)), &p, &parents, &actions.rename, parent.bits)?,
            }
        }
    };
    match (find(batches, t), out.num_rows()) {
        (Some(i), 0) => {
            batches.remove(i);
        }
        (Some(i), _) => batches[i].1 = out,
        (None, 0) => {}
        (None, _) => batches.push((t, out)),
    }
    Ok(())
}
