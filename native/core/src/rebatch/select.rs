//! Keeping some root rows of a batch (the records a filter or a sampler keeps) with their
//! child rows by parent id; resources and scopes left without records disappear.

use std::collections::HashMap;

use super::split::{piece, plain_parents_first, RootRows};
use super::transport::to_transport;
use super::id_columns::root_type;
use crate::decode::DecodedTables;
use crate::error::OtapError;

/// The root rows of `tables` where `keep` is true, in order, with their children.
pub fn select_roots(tables: &DecodedTables, keep: &[bool]) -> Result<DecodedTables, OtapError> {
    if keep.iter().all(|k| *k) {
        return Ok(tables.clone());
    }
    if !keep.iter().any(|k| *k) {
        return Ok(DecodedTables { signal: tables.signal, batches: Vec::new() });
    }
    let plain = plain_parents_first(tables)?;
    let batches = piece(&plain, root_type(tables.signal), RootRows::Mask(keep), &mut HashMap::new())?;
    Ok(DecodedTables { signal: tables.signal, batches: to_transport(batches)? })
}

/// The first `n` root rows of `tables` with their children.
pub fn head_roots(tables: &DecodedTables, n: usize) -> Result<DecodedTables, OtapError> {
    let rows = tables.batches.iter().find(|(t, _)| *t == root_type(tables.signal)).map_or(0, |(_, b)| b.num_rows());
    let keep: Vec<bool> = (0..rows).map(|i| i < n).collect();
    select_roots(tables, &keep)
}
