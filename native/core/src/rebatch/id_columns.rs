//! Which columns of each OTAP table hold ids, which id space they live in and how they are
//! transport-encoded (SPEC-NOTES 4.1-4.3). Joining and splitting batches move rows between
//! id spaces; this table is what they follow.

use crate::bar::payload_type as T;
use crate::Signal;

/// An id space: the `id` column of one table, or a root table's `resource.id` / `scope.id`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Space {
    Table(i32),
    Resource,
    Scope,
}

/// How a `parent_id` column is transport-encoded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ParentRule {
    /// Delta over the column (data points -> metric).
    Delta,
    /// Quasi-delta, runs of equal key and value (attribute tables).
    Attrs,
    /// Quasi-delta, runs of equal event name (SPAN_EVENTS).
    EventName,
    /// Quasi-delta, runs of equal trace id (SPAN_LINKS).
    LinkTraceId,
    /// Quasi-delta, runs of equal exemplar value (*_DP_EXEMPLARS).
    Exemplar,
}

/// A delta-encoded id column (`path` may name a struct child, e.g. `resource.id`).
#[derive(Clone, Copy, Debug)]
pub struct IdColumn {
    pub path: &'static str,
    pub space: Space,
    pub bits: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct ParentColumn {
    pub space: Space,
    pub rule: ParentRule,
    pub bits: u32,
}

#[derive(Clone, Debug, Default)]
pub struct TableIds {
    pub ids: Vec<IdColumn>,
    pub parent: Option<ParentColumn>,
}

const fn parent(space: Space, rule: ParentRule, bits: u32) -> Option<ParentColumn> {
    Some(ParentColumn { space, rule, bits })
}

/// A data point table, its attributes, and its exemplars with their attributes (None for summaries).
type PointFamily = (i32, i32, Option<(i32, i32)>);

const POINT_FAMILIES: [PointFamily; 4] = [
    (T::NUMBER_DATA_POINTS, T::NUMBER_DP_ATTRS, Some((T::NUMBER_DP_EXEMPLARS, T::NUMBER_DP_EXEMPLAR_ATTRS))),
    (T::SUMMARY_DATA_POINTS, T::SUMMARY_DP_ATTRS, None),
    (T::HISTOGRAM_DATA_POINTS, T::HISTOGRAM_DP_ATTRS, Some((T::HISTOGRAM_DP_EXEMPLARS, T::HISTOGRAM_DP_EXEMPLAR_ATTRS))),
    (T::EXP_HISTOGRAM_DATA_POINTS, T::EXP_HISTOGRAM_DP_ATTRS, Some((T::EXP_HISTOGRAM_DP_EXEMPLARS, T::EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS))),
];

fn root(t: i32) -> TableIds {
    TableIds {
        ids: vec![
            IdColumn { path: "id", space: Space::Table(t), bits: 16 },
            IdColumn { path: "resource.id", space: Space::Resource, bits: 16 },
            IdColumn { path: "scope.id", space: Space::Scope, bits: 16 },
        ],
        parent: None,
    }
}

/// A table with a u32 `id` of its own and a parent.
fn child(t: i32, parent: Option<ParentColumn>) -> TableIds {
    TableIds { ids: vec![IdColumn { path: "id", space: Space::Table(t), bits: 32 }], parent }
}

fn leaf(parent: Option<ParentColumn>) -> TableIds {
    TableIds { ids: Vec::new(), parent }
}

/// The id columns of payload type `t` (a table that is not part of OTAP has none).
pub fn table_ids(t: i32) -> TableIds {
    use ParentRule::*;
    match t {
        T::LOGS | T::SPANS | T::UNIVARIATE_METRICS => root(t),
        T::RESOURCE_ATTRS => leaf(parent(Space::Resource, Attrs, 16)),
        T::SCOPE_ATTRS => leaf(parent(Space::Scope, Attrs, 16)),
        T::LOG_ATTRS => leaf(parent(Space::Table(T::LOGS), Attrs, 16)),
        T::SPAN_ATTRS => leaf(parent(Space::Table(T::SPANS), Attrs, 16)),
        T::METRIC_ATTRS => leaf(parent(Space::Table(T::UNIVARIATE_METRICS), Attrs, 16)),
        T::SPAN_EVENTS => child(t, parent(Space::Table(T::SPANS), EventName, 16)),
        T::SPAN_LINKS => child(t, parent(Space::Table(T::SPANS), LinkTraceId, 16)),
        T::SPAN_EVENT_ATTRS => leaf(parent(Space::Table(T::SPAN_EVENTS), Attrs, 32)),
        T::SPAN_LINK_ATTRS => leaf(parent(Space::Table(T::SPAN_LINKS), Attrs, 32)),
        _ => {
            for (points, attrs, exemplars) in POINT_FAMILIES {
                if t == points {
                    return child(t, parent(Space::Table(T::UNIVARIATE_METRICS), Delta, 16));
                }
                if t == attrs {
                    return leaf(parent(Space::Table(points), Attrs, 32));
                }
                if let Some((ex, ex_attrs)) = exemplars {
                    if t == ex {
                        return child(t, parent(Space::Table(points), Exemplar, 32));
                    }
                    if t == ex_attrs {
                        return leaf(parent(Space::Table(ex), Attrs, 32));
                    }
                }
            }
            TableIds::default()
        }
    }
}

/// The root payload type of a signal.
pub fn root_type(signal: Signal) -> i32 {
    match signal {
        Signal::Traces => T::SPANS,
        Signal::Logs => T::LOGS,
        Signal::Metrics => T::UNIVARIATE_METRICS,
    }
}

/// Largest id a space may hold on the wire.
pub fn space_max(bits: u32) -> u64 {
    if bits == 16 {
        u16::MAX as u64
    } else {
        u32::MAX as u64
    }
}
