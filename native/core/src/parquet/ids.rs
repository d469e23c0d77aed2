//! Ids across a file set. Writing: every batch's ids (absolute) are shifted past the ids the
//! set already holds, one running offset for all id spaces (after a batch: offset + the
//! batch's largest id + 1, the OTAP Dataflow Engine's PartitionSequenceIdGenerator rule), so
//! ids stay unique in every file; unlike the engine, `resource.id` and `scope.id` are shifted
//! too. Reading: each piece's ids are renumbered densely per id space (relative order kept) so
//! that root, resource and scope ids fit the wire's u16 again.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow_array::{ArrayRef, UInt32Array};

use crate::decode::common::{ids_or_null, IdHasher};
use crate::decode::{table_name, TableView};
use crate::error::{codes, OtapError};
use crate::rebatch::{map_ids, shift, table_ids, Batches, Space};

type IdSet = HashSet<i64, std::hash::BuildHasherDefault<IdHasher>>;

/// Every id space's ids in `plain`.
fn ids_by_space(plain: &Batches) -> Result<HashMap<Space, Vec<i64>>, OtapError> {
    let mut out: HashMap<Space, Vec<i64>> = HashMap::new();
    for (t, b) in plain {
        let view = TableView::new(table_name(*t), b);
        for col in table_ids(*t).ids {
            out.entry(col.space).or_default().extend(ids_or_null(&view, col.path)?.into_iter().flatten());
        }
    }
    Ok(out)
}

/// Checks that every parent id of `plain` (absolute ids) names a row of its parent space, and
/// returns the largest id of any id column (None when there is none).
pub(super) fn check_and_max(plain: &Batches) -> Result<Option<i64>, OtapError> {
    let spaces = ids_by_space(plain)?;
    let max = spaces.values().flat_map(|v| v.iter().copied()).max();
    let sets: HashMap<Space, IdSet> = spaces.into_iter().map(|(s, v)| (s, v.into_iter().collect())).collect();
    let empty = IdSet::default();
    for (t, b) in plain {
        let Some(p) = table_ids(*t).parent else { continue };
        let view = TableView::new(table_name(*t), b);
        let known = sets.get(&p.space).unwrap_or(&empty);
        for (row, v) in ids_or_null(&view, "parent_id")?.into_iter().enumerate() {
            match v {
                Some(v) if known.contains(&v) => {}
                Some(v) => return Err(view.error("parent_id", format!("row {row}: parent id {v} points at no row"))),
                None => return Err(view.error("parent_id", format!("row {row}: null in a required column"))),
            }
        }
    }
    Ok(max)
}

/// The ID_OVERFLOW error: `max` (the batch's largest id) shifted by `offset` exceeds u32.
pub(super) fn overflow(offset: u64, max: i64) -> OtapError {
    OtapError::new(
        codes::ID_OVERFLOW,
        format!(
            "ids of this batch (up to {max}) shifted past the {offset} ids of this Parquet file set exceed u32: nothing was written; finish the set and write the batch to a new one"
        ),
    )
}

/// `plain` with every id and parent id moved up by `by`.
pub(super) fn shift_all(plain: Batches, by: i64) -> Result<Batches, OtapError> {
    if by == 0 {
        return Ok(plain);
    }
    let mut spaces: HashMap<Space, i64> = HashMap::new();
    for (t, _) in &plain {
        let spec = table_ids(*t);
        spaces.extend(spec.ids.iter().map(|c| (c.space, by)));
        spaces.extend(spec.parent.map(|p| (p.space, by)));
    }
    shift(plain, &spaces)
}

fn dense(values: Vec<Option<i64>>, order: &[i64]) -> Option<ArrayRef> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        out.push(match v {
            Some(v) => Some(order.binary_search(&v).ok()? as u32),
            None => None,
        });
    }
    Some(Arc::new(UInt32Array::from(out)))
}

/// `piece` (absolute ids) with the ids of each space replaced by their rank among the
/// space's ids in the piece; parent ids follow.
pub(super) fn renumber(piece: Batches) -> Result<Batches, OtapError> {
    let mut order = ids_by_space(&piece)?;
    for ids in order.values_mut() {
        ids.sort_unstable();
        ids.dedup();
    }
    let none: Vec<i64> = Vec::new();
    map_ids(piece, |view, path, space, ids| {
        let problem = if path == "parent_id" { "parent id points at no row" } else { "id missing from its own space" };
        dense(ids, order.get(&space).unwrap_or(&none)).ok_or_else(|| view.error(path, problem))
    })
}
