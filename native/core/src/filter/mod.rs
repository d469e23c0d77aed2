//! processor:filter on OTAP tables: a keep mask over the root rows (log records, spans,
//! metrics) from the configured categories, then the kept rows with their children by
//! parent id (`select_roots`); resources and scopes left empty disappear.
//! include keeps a row when every configured category holds; exclude drops it when any
//! holds (the Rust engine's rule: each category negated on its own).
//! An OTLP batch is filtered before it becomes tables (`filter_otlp`): the same rules on the
//! parsed request (`otlp_matches`), tables built for the kept records only, or the request
//! cut down to them as OTLP bytes (`filter_otlp_request`, `keep_items.rs`).

mod keep_items;
mod matches;
mod otlp_matches;
mod spec;

pub use spec::FilterSpec;

use crate::decode::DecodedTables;
use crate::encode::{parse_request, ParsedRequest, TablesBuilder};
use crate::otlp::model::{parse_logs_deferring_records, LogFields, Roots};
use crate::error::OtapError;
use crate::rebatch::{root_type, select_roots};
use crate::Signal;

/// `n` rows' keep mask from the categories of the include and the exclude match.
fn combine(n: usize, spec: &FilterSpec, mut categories: impl FnMut(&spec::Match) -> Result<Vec<Vec<bool>>, OtapError>) -> Result<Vec<bool>, OtapError> {
    let mut keep = vec![true; n];
    if let Some(m) = &spec.include {
        for c in categories(m)? {
            keep.iter_mut().zip(c).for_each(|(k, hit)| *k &= hit);
        }
    }
    if let Some(m) = &spec.exclude {
        for c in categories(m)? {
            keep.iter_mut().zip(c).for_each(|(k, hit)| *k &= !hit);
        }
    }
    Ok(keep)
}

/// The root rows `spec` keeps.
pub fn keep_mask(tables: &DecodedTables, spec: &FilterSpec) -> Result<Vec<bool>, OtapError> {
    let n = tables.batches.iter().find(|(t, _)| *t == root_type(tables.signal)).map_or(0, |(_, b)| b.num_rows());
    combine(n, spec, |m| matches::categories(tables, m))
}

/// The OTAP tables of an OTLP request's records that `spec` keeps: the rules are applied to
/// the parsed request and tables are built only for the kept records (what
/// `filter_tables(otlp_to_tables(..))` gives, without building the dropped rows); log
/// records the rules keep are parsed in full only then (see `otlp_keep_mask`).
/// `builder` keeps the tables' dictionaries across calls (see [`TablesBuilder`]).
pub fn filter_otlp(builder: &mut TablesBuilder, signal: Signal, otlp_request: &[u8], metric_metadata: bool, spec: &FilterSpec) -> Result<DecodedTables, OtapError> {
    if spec.is_empty() {
        return builder.build_otlp(signal, otlp_request, metric_metadata);
    }
    let (mut parsed, raw, keep) = otlp_keep_mask(signal, otlp_request, spec)?;
    if let (ParsedRequest::Logs(req), Some(raw)) = (&mut parsed, raw) {
        req.parse_kept_records(&raw, &keep)?;
    }
    builder.build(&parsed, metric_metadata, Some(&keep))
}

/// What [`filter_otlp_request`] kept.
#[derive(Debug, PartialEq, Eq)]
pub enum KeptRequest {
    /// Every item: the request as it came.
    All,
    /// The kept items' request (empty of items when none is kept).
    Some(Vec<u8>),
}

/// The OTLP request cut down to the records `spec` keeps, as OTLP protobuf (`keep_items`):
/// the rules decided on the parsed request as in [`filter_otlp`], no tables built. For a
/// consumer that encodes the records anyway (an OTAP exporter encodes OTLP bytes straight to
/// IPC), this skips building tables only to have them written out again.
pub fn filter_otlp_request(signal: Signal, otlp_request: &[u8], spec: &FilterSpec) -> Result<KeptRequest, OtapError> {
    if spec.is_empty() {
        return Ok(KeptRequest::All);
    }
    let (parsed, _, keep) = otlp_keep_mask(signal, otlp_request, spec)?;
    if keep.iter().all(|k| *k) && !has_empty_groups(&parsed) {
        return Ok(KeptRequest::All);
    }
    Ok(KeptRequest::Some(keep_items::keep_items(otlp_request, &keep)?))
}

/// Whether a scope without items or a resource without scopes is there (which a filter
/// removes, as the Go collector's does, even when it keeps every item).
fn has_empty_groups(parsed: &ParsedRequest<'_>) -> bool {
    fn any<T>(r: &Roots<'_, T>) -> bool {
        r.scopes.iter().any(|s| s.items.is_empty()) || r.resources.iter().any(|g| g.scopes.is_empty())
    }
    match parsed {
        ParsedRequest::Logs(r) => any(&r.roots),
        ParsedRequest::Traces(r) => any(&r.roots),
        ParsedRequest::Metrics(r) => any(&r.roots),
    }
}

/// A parsed request, its log records' raw bytes (when deferred) and its items' keep mask.
type MaskedRequest<'a> = (ParsedRequest<'a>, Option<Vec<&'a [u8]>>, Vec<bool>);

/// The parsed request, each log record's raw bytes when only some of their fields were read,
/// and the items' keep mask. Log records, when no rule reads their attributes, are first
/// parsed only for the fields the rules read (the dropped records' other fields are skipped
/// by their length prefixes, their contents unchecked).
fn otlp_keep_mask<'a>(signal: Signal, otlp_request: &'a [u8], spec: &FilterSpec) -> Result<MaskedRequest<'a>, OtapError> {
    let matches = || [&spec.include, &spec.exclude].into_iter().flatten();
    let (parsed, raw) = if signal == Signal::Logs && matches().all(|m| m.record_attributes.is_empty()) {
        let fields = LogFields {
            severity_number: matches().any(|m| m.severity_number.is_some()),
            severity_text: matches().any(|m| !m.severity_texts.is_empty()),
            body: matches().any(|m| !m.bodies.is_empty()),
        };
        let (req, raw) = parse_logs_deferring_records(otlp_request, fields)?;
        (ParsedRequest::Logs(req), Some(raw))
    } else {
        (parse_request(signal, otlp_request)?, None)
    };
    let keep = combine(parsed.item_count(), spec, |m| Ok(otlp_matches::categories(&parsed, m)))?;
    Ok((parsed, raw, keep))
}

/// The tables with only the records `spec` keeps.
pub fn filter_tables(tables: &DecodedTables, spec: &FilterSpec) -> Result<DecodedTables, OtapError> {
    if spec.is_empty() {
        return Ok(tables.clone());
    }
    select_roots(tables, &keep_mask(tables, spec)?)
}
