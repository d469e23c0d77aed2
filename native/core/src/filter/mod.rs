//! processor:filter on OTAP tables: a keep mask over the root rows (log records, spans,
//! metrics) from the configured categories, then the kept rows with their children by
//! parent id (`select_roots`); resources and scopes left empty disappear.
//! include keeps a row when every configured category holds; exclude drops it when any
//! holds (the Rust engine's rule: each category negated on its own).

mod matches;
mod spec;

pub use spec::FilterSpec;

use crate::decode::DecodedTables;
use crate::error::OtapError;
use crate::rebatch::{root_type, select_roots};

/// The root rows `spec` keeps.
pub fn keep_mask(tables: &DecodedTables, spec: &FilterSpec) -> Result<Vec<bool>, OtapError> {
    let n = tables.batches.iter().find(|(t, _)| *t == root_type(tables.signal)).map_or(0, |(_, b)| b.num_rows());
    let mut keep = vec![true; n];
    if let Some(m) = &spec.include {
        for c in matches::categories(tables, m)? {
            keep.iter_mut().zip(c).for_each(|(k, hit)| *k &= hit);
        }
    }
    if let Some(m) = &spec.exclude {
        for c in matches::categories(tables, m)? {
            keep.iter_mut().zip(c).for_each(|(k, hit)| *k &= !hit);
        }
    }
    Ok(keep)
}

/// The tables with only the records `spec` keeps.
pub fn filter_tables(tables: &DecodedTables, spec: &FilterSpec) -> Result<DecodedTables, OtapError> {
    if spec.is_empty() {
        return Ok(tables.clone());
    }
    select_roots(tables, &keep_mask(tables, spec)?)
}
