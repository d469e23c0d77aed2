//! Splitting one batch into pieces of at most a number of items. Root rows are cut into
//! ranges (for metrics weighed by their data points; a metric is never cut, so a piece
//! exceeds the limit only when one metric alone does), and every other table keeps the rows
//! whose parent is in the piece. Ids keep their values; they are transport-encoded again.

use std::collections::{HashMap, HashSet};

use arrow_array::{BooleanArray, RecordBatch};

use super::id_columns::{root_type, table_ids, Space};
use super::plain::{to_plain, Batches};
use super::transport::to_transport;
use crate::decode::common::IdHasher;
use crate::decode::common::ids_or_null;
use crate::decode::{allowed, item_tables, table_name, DecodedTables, TableView};
use crate::error::OtapError;
use crate::Signal;

type IdSet = HashSet<i64, std::hash::BuildHasherDefault<IdHasher>>;

/// Items each root row stands for: 1, or for a metric the data points pointing at it.
fn root_weights(plain: &Batches, root: i32, items: &[i32]) -> Result<Vec<usize>, OtapError> {
    let Some((_, root_batch)) = plain.iter().find(|(t, _)| *t == root) else { return Ok(Vec::new()) };
    if items.contains(&root) {
        return Ok(vec![1; root_batch.num_rows()]);
    }
    let mut points: HashMap<i64, usize> = HashMap::new();
    for (t, b) in plain.iter().filter(|(t, _)| items.contains(t)) {
        for p in ids_or_null(&TableView::new(table_name(*t), b), "parent_id")?.into_iter().flatten() {
            *points.entry(p).or_default() += 1;
        }
    }
    let ids = ids_or_null(&TableView::new(table_name(root), root_batch), "id")?;
    Ok(ids.into_iter().map(|id| id.and_then(|id| points.get(&id).copied()).unwrap_or(0)).collect())
}

/// Row ranges of the root table: the first holding at most `first_max` items, the others
/// `max`; a row heavier than the limit goes alone.
fn ranges(weights: &[usize], first_max: usize, max: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut start, mut used, mut cap) = (0, 0, first_max);
    for (i, &w) in weights.iter().enumerate() {
        if i > start && used + w > cap {
            out.push((start, i));
            (start, used, cap) = (i, 0, max);
        }
        used += w;
    }
    if start < weights.len() {
        out.push((start, weights.len()));
    }
    out
}

/// The rows of one piece of every table, given its root rows.
/// Which root rows a piece holds.
pub(super) enum RootRows<'a> {
    Range(usize, usize),
    Mask(&'a [bool]),
}

/// One piece: the chosen root rows and, table by table (parents first), the rows whose
/// parent is in the piece; `assigned` marks the child rows some piece took.
pub(super) fn piece(plain: &Batches, root: i32, roots: RootRows<'_>, assigned: &mut HashMap<i32, Vec<bool>>) -> Result<Batches, OtapError> {
    let mut kept: HashMap<Space, IdSet> = HashMap::new();
    let mut out: Batches = Vec::new();
    for (t, b) in plain {
        let spec = table_ids(*t);
        let view = TableView::new(table_name(*t), b);
        let rows: RecordBatch = if *t == root {
            match roots {
                RootRows::Range(start, end) => b.slice(start, end - start),
                RootRows::Mask(keep) => arrow_select::filter::filter_record_batch(b, &BooleanArray::from(keep.to_vec()))
                    .map_err(|e| OtapError::invalid_payload(e.to_string()).in_table(table_name(*t)))?,
            }
        } else {
            let Some(p) = spec.parent else { continue };
            let empty = IdSet::default();
            let wanted = kept.get(&p.space).unwrap_or(&empty);
            let parents = ids_or_null(&view, "parent_id")?;
            let hits = assigned.entry(*t).or_insert_with(|| vec![false; b.num_rows()]);
            let mask: BooleanArray = parents
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let keep = p.is_some_and(|p| wanted.contains(&p));
                    hits[i] |= keep;
                    Some(keep)
                })
                .collect();
            arrow_select::filter::filter_record_batch(b, &mask).map_err(|e| OtapError::invalid_payload(e.to_string()).in_table(table_name(*t)))?
        };
        let rows_view = TableView::new(table_name(*t), &rows);
        for col in &spec.ids {
            kept.entry(col.space).or_default().extend(ids_or_null(&rows_view, col.path)?.into_iter().flatten());
        }
        if rows.num_rows() > 0 {
            out.push((*t, rows));
        }
    }
    Ok(out)
}

/// Every table with absolute ids, parents before children (the signal's payload order),
/// whatever order the sender used.
pub(crate) fn plain_parents_first(tables: &DecodedTables) -> Result<Batches, OtapError> {
    let mut plain = to_plain(root_type(tables.signal), &tables.batches)?;
    let order = allowed(tables.signal);
    plain.sort_by_key(|(t, _)| order.iter().position(|x| x == t).unwrap_or(usize::MAX));
    Ok(plain)
}

/// Tables with absolute ids, parents first (`plain_parents_first`), cut into pieces of at most
/// `max` items, the first at most `first_max`; ids keep their values. Child rows whose parent
/// is in no piece are INVALID_PAYLOAD.
pub(crate) fn split_plain(signal: Signal, plain: &Batches, first_max: usize, max: usize) -> Result<Vec<Batches>, OtapError> {
    let (first_max, max) = (first_max.max(1), max.max(1));
    let root = root_type(signal);
    let weights = root_weights(plain, root, item_tables(signal))?;
    let mut assigned: HashMap<i32, Vec<bool>> = HashMap::new();
    let mut out = Vec::new();
    for (start, end) in ranges(&weights, first_max, max) {
        out.push(piece(plain, root, RootRows::Range(start, end), &mut assigned)?);
    }
    // Rows no piece took point at no parent: refuse rather than drop them.
    for (t, hits) in &assigned {
        if let Some(row) = hits.iter().position(|h| !h) {
            return Err(OtapError::invalid_payload(format!("row {row}: parent id points at no row")).in_table(table_name(*t)).in_column("parent_id"));
        }
    }
    // Without root rows no piece is made, and every other row is one no piece took.
    if out.is_empty() {
        if let Some((t, _)) = plain.iter().find(|(t, b)| *t != root && b.num_rows() > 0) {
            return Err(OtapError::invalid_payload("row 0: parent id points at no row").in_table(table_name(*t)).in_column("parent_id"));
        }
    }
    Ok(out)
}

/// `tables` cut into pieces of at most `max` items, the first at most `first_max`.
pub fn split_tables(tables: &DecodedTables, first_max: usize, max: usize) -> Result<Vec<DecodedTables>, OtapError> {
    if tables.item_count() <= first_max.max(1) {
        return Ok(vec![tables.clone()]);
    }
    let plain = plain_parents_first(tables)?;
    split_plain(tables.signal, &plain, first_max, max)?
        .into_iter()
        .map(|p| Ok(DecodedTables { signal: tables.signal, batches: to_transport(p)? }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn ranges_fill_the_first_piece_then_max() {
        assert_eq!(ranges(&[1; 7], 2, 3), vec![(0, 2), (2, 5), (5, 7)]);
        assert_eq!(ranges(&[5, 1, 1], 2, 2), vec![(0, 1), (1, 3)]);
        assert_eq!(ranges(&[], 2, 2), Vec::<(usize, usize)>::new());
    }
}
