//! OTAP table prototypes: each payload type's full column list in the Go producer's order
//! (mirrors src/otap/schema/*.ts). The encoder derives each batch's actual schema from
//! these (absent optional columns removed, dictionary key widths chosen).

use arrow_schema::{DataType, TimeUnit};

use crate::bar::payload_type as T;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeafKind {
    U8,
    U16,
    U32,
    U64,
    I32,
    I64,
    F64,
    Bool,
    Utf8,
    Binary,
    Fsb8,
    Fsb16,
    Timestamp,
    Duration,
}

impl LeafKind {
    pub fn data_type(self) -> DataType {
        match self {
            LeafKind::U8 => DataType::UInt8,
            LeafKind::U16 => DataType::UInt16,
            LeafKind::U32 => DataType::UInt32,
            LeafKind::U64 => DataType::UInt64,
            LeafKind::I32 => DataType::Int32,
            LeafKind::I64 => DataType::Int64,
            LeafKind::F64 => DataType::Float64,
            LeafKind::Bool => DataType::Boolean,
            LeafKind::Utf8 => DataType::Utf8,
            LeafKind::Binary => DataType::Binary,
            LeafKind::Fsb8 => DataType::FixedSizeBinary(8),
            LeafKind::Fsb16 => DataType::FixedSizeBinary(16),
            LeafKind::Timestamp => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            LeafKind::Duration => DataType::Duration(TimeUnit::Nanosecond),
        }
    }

    /// Short name used in schema signatures.
    pub fn code(self) -> &'static str {
        match self {
            LeafKind::U8 => "u8",
            LeafKind::U16 => "u16",
            LeafKind::U32 => "u32",
            LeafKind::U64 => "u64",
            LeafKind::I32 => "i32",
            LeafKind::I64 => "i64",
            LeafKind::F64 => "f64",
            LeafKind::Bool => "bool",
            LeafKind::Utf8 => "utf8",
            LeafKind::Binary => "binary",
            LeafKind::Fsb8 => "fsb8",
            LeafKind::Fsb16 => "fsb16",
            LeafKind::Timestamp => "timestamp",
            LeafKind::Duration => "duration",
        }
    }
}

/// Dictionary candidate class: starts at u8 keys (may move to u16) or at u16 keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DictClass {
    D8,
    D16,
}

/// When an optional leaf first appears: at its first non-null value, or at its first
/// non-null value that is not zero (zeros are kept once the column is present).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    NonNull,
    NonZero,
}

#[derive(Debug, Clone)]
pub enum ColumnSpec {
    Leaf { name: &'static str, kind: LeafKind, nullable: bool, dict: Option<DictClass>, presence: Presence },
    Struct { name: &'static str, nullable: bool, children: Vec<ColumnSpec> },
    List { name: &'static str, item: Box<ColumnSpec> },
}

impl ColumnSpec {
    pub fn name(&self) -> &'static str {
        match self {
            ColumnSpec::Leaf { name, .. } | ColumnSpec::Struct { name, .. } | ColumnSpec::List { name, .. } => name,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TableSpec {
    /// Payload type name, for errors.
    pub name: &'static str,
    pub columns: Vec<ColumnSpec>,
    /// Schema-level custom metadata.
    pub metadata: Vec<(&'static str, &'static str)>,
}

fn req(name: &'static str, kind: LeafKind) -> ColumnSpec {
    ColumnSpec::Leaf { name, kind, nullable: false, dict: None, presence: Presence::NonNull }
}
fn req_d(name: &'static str, kind: LeafKind, dict: DictClass) -> ColumnSpec {
    ColumnSpec::Leaf { name, kind, nullable: false, dict: Some(dict), presence: Presence::NonNull }
}
fn opt(name: &'static str, kind: LeafKind) -> ColumnSpec {
    ColumnSpec::Leaf { name, kind, nullable: true, dict: None, presence: Presence::NonNull }
}
fn opt_d(name: &'static str, kind: LeafKind, dict: DictClass) -> ColumnSpec {
    ColumnSpec::Leaf { name, kind, nullable: true, dict: Some(dict), presence: Presence::NonNull }
}
fn opt_nz(name: &'static str, kind: LeafKind) -> ColumnSpec {
    ColumnSpec::Leaf { name, kind, nullable: true, dict: None, presence: Presence::NonZero }
}
fn strukt(name: &'static str, children: Vec<ColumnSpec>) -> ColumnSpec {
    ColumnSpec::Struct { name, nullable: true, children }
}
fn list(name: &'static str, item: ColumnSpec) -> ColumnSpec {
    ColumnSpec::List { name, item: Box::new(item) }
}

use DictClass::{D16, D8};
use LeafKind::*;

const ATTR_SORTING: (&str, &str) = ("sorting_columns", "type,key,value,parent_id");

fn value_columns() -> Vec<ColumnSpec> {
    vec![
        req_d("key", Utf8, D8),
        req("type", U8),
        opt_d("str", Utf8, D16),
        opt_d("int", I64, D16),
        opt("double", F64),
        opt("bool", Bool),
        opt_d("bytes", Binary, D16),
        opt_d("ser", Binary, D16),
    ]
}

pub fn attributes16_table(name: &'static str) -> TableSpec {
    let mut columns = vec![req("parent_id", U16)];
    columns.extend(value_columns());
    TableSpec { name, columns, metadata: vec![ATTR_SORTING] }
}

pub fn attributes32_table(name: &'static str) -> TableSpec {
    let mut columns = vec![req_d("parent_id", U32, D8)];
    columns.extend(value_columns());
    TableSpec { name, columns, metadata: vec![ATTR_SORTING] }
}

fn resource_column() -> ColumnSpec {
    strukt("resource", vec![opt("id", U16), opt_d("schema_url", Utf8, D8), opt("dropped_attributes_count", U32)])
}

fn scope_column() -> ColumnSpec {
    strukt(
        "scope",
        vec![opt("id", U16), opt_d("name", Utf8, D8), opt_d("version", Utf8, D8), opt("dropped_attributes_count", U32)],
    )
}

pub fn logs_table() -> TableSpec {
    TableSpec {
        name: "LOGS",
        columns: vec![
            opt("id", U16),
            resource_column(),
            scope_column(),
            opt_d("schema_url", Utf8, D8),
            opt_nz("time_unix_nano", Timestamp),
            opt_nz("observed_time_unix_nano", Timestamp),
            opt_d("trace_id", Fsb16, D8),
            opt_d("span_id", Fsb8, D8),
            opt_d("severity_number", I32, D8),
            opt_d("severity_text", Utf8, D8),
            strukt(
                "body",
                vec![
                    opt("type", U8),
                    opt_d("str", Utf8, D16),
                    opt_d("int", I64, D16),
                    opt("double", F64),
                    opt("bool", Bool),
                    opt_d("bytes", Binary, D16),
                    opt_d("ser", Binary, D16),
                ],
            ),
            opt_nz("dropped_attributes_count", U32),
            opt_nz("flags", U32),
            opt_d("event_name", Utf8, D8),
        ],
        metadata: vec![],
    }
}

pub fn spans_table() -> TableSpec {
    TableSpec {
        name: "SPANS",
        columns: vec![
            opt("id", U16),
            resource_column(),
            scope_column(),
            opt_d("schema_url", Utf8, D8),
            req("start_time_unix_nano", Timestamp),
            req_d("duration_time_unix_nano", Duration, D8),
            req("trace_id", Fsb16),
            req("span_id", Fsb8),
            opt_d("trace_state", Utf8, D8),
            opt("parent_span_id", Fsb8),
            opt_nz("flags", U32),
            req_d("name", Utf8, D8),
            opt_d("kind", I32, D8),
            opt("dropped_attributes_count", U32),
            opt("dropped_events_count", U32),
            opt("dropped_links_count", U32),
            strukt("status", vec![opt_d("code", I32, D8), opt_d("status_message", Utf8, D8)]),
        ],
        metadata: vec![],
    }
}

pub fn span_events_table() -> TableSpec {
    TableSpec {
        name: "SPAN_EVENTS",
        columns: vec![
            opt("id", U32),
            req("parent_id", U16),
            opt_nz("time_unix_nano", Timestamp),
            req_d("name", Utf8, D8),
            opt("dropped_attributes_count", U32),
        ],
        metadata: vec![("sorting_columns", "name,parent_id")],
    }
}

pub fn span_links_table() -> TableSpec {
    TableSpec {
        name: "SPAN_LINKS",
        columns: vec![
            opt("id", U32),
            req("parent_id", U16),
            req_d("trace_id", Fsb16, D8),
            req_d("span_id", Fsb8, D8),
            opt_d("trace_state", Utf8, D8),
            opt("dropped_attributes_count", U32),
            opt_nz("flags", U32),
        ],
        metadata: vec![("sorting_columns", "trace_id,parent_id")],
    }
}

pub fn metrics_table() -> TableSpec {
    TableSpec {
        name: "UNIVARIATE_METRICS",
        columns: vec![
            req("id", U16),
            resource_column(),
            scope_column(),
            opt_d("schema_url", Utf8, D8),
            req("metric_type", U8),
            req_d("name", Utf8, D8),
            opt_d("description", Utf8, D8),
            opt_d("unit", Utf8, D8),
            opt_d("aggregation_temporality", I32, D8),
            opt("is_monotonic", Bool),
        ],
        metadata: vec![],
    }
}

fn point_head() -> Vec<ColumnSpec> {
    vec![opt("id", U32), req("parent_id", U16), opt_nz("start_time_unix_nano", Timestamp), req("time_unix_nano", Timestamp)]
}

pub fn number_data_points_table() -> TableSpec {
    let mut columns = point_head();
    columns.extend([opt("int_value", I64), opt("double_value", F64), opt_nz("flags", U32)]);
    TableSpec { name: "NUMBER_DATA_POINTS", columns, metadata: vec![] }
}

pub fn summary_data_points_table() -> TableSpec {
    let mut columns = point_head();
    columns.extend([
        opt_nz("count", U64),
        opt("sum", F64),
        list("quantile", strukt("item", vec![opt("quantile", F64), opt("value", F64)])),
        opt_nz("flags", U32),
    ]);
    TableSpec { name: "SUMMARY_DATA_POINTS", columns, metadata: vec![] }
}

pub fn histogram_data_points_table() -> TableSpec {
    let mut columns = point_head();
    columns.extend([
        opt_nz("count", U64),
        opt("sum", F64),
        list("bucket_counts", opt("item", U64)),
        list("explicit_bounds", opt("item", F64)),
        opt_nz("flags", U32),
        opt("min", F64),
        opt("max", F64),
    ]);
    TableSpec { name: "HISTOGRAM_DATA_POINTS", columns, metadata: vec![] }
}

fn buckets(name: &'static str) -> ColumnSpec {
    strukt(name, vec![opt_nz("offset", I32), list("bucket_counts", opt("item", U64))])
}

pub fn exp_histogram_data_points_table() -> TableSpec {
    let mut columns = point_head();
    columns.extend([
        opt_nz("count", U64),
        opt("sum", F64),
        opt("scale", I32),
        opt_nz("zero_count", U64),
        buckets("positive"),
        buckets("negative"),
        opt_nz("flags", U32),
        opt("min", F64),
        opt("max", F64),
        opt("zero_threshold", F64),
    ]);
    TableSpec { name: "EXP_HISTOGRAM_DATA_POINTS", columns, metadata: vec![] }
}

pub fn exemplars_table(name: &'static str) -> TableSpec {
    TableSpec {
        name,
        columns: vec![
            opt("id", U32),
            req("parent_id", U32),
            req("time_unix_nano", Timestamp),
            opt("int_value", I64),
            opt("double_value", F64),
            opt_d("span_id", Fsb8, D8),
            opt_d("trace_id", Fsb16, D8),
        ],
        metadata: vec![],
    }
}

/// The prototype of a payload type, or `None` for types without a table.
pub fn table_spec(payload_type: i32) -> Option<TableSpec> {
    Some(match payload_type {
        T::RESOURCE_ATTRS => attributes16_table("RESOURCE_ATTRS"),
        T::SCOPE_ATTRS => attributes16_table("SCOPE_ATTRS"),
        T::LOGS => logs_table(),
        T::LOG_ATTRS => attributes16_table("LOG_ATTRS"),
        T::SPANS => spans_table(),
        T::SPAN_ATTRS => attributes16_table("SPAN_ATTRS"),
        T::SPAN_EVENTS => span_events_table(),
        T::SPAN_LINKS => span_links_table(),
        T::SPAN_EVENT_ATTRS => attributes32_table("SPAN_EVENT_ATTRS"),
        T::SPAN_LINK_ATTRS => attributes32_table("SPAN_LINK_ATTRS"),
        T::UNIVARIATE_METRICS => metrics_table(),
        T::METRIC_ATTRS => attributes16_table("METRIC_ATTRS"),
        T::NUMBER_DATA_POINTS => number_data_points_table(),
        T::SUMMARY_DATA_POINTS => summary_data_points_table(),
        T::HISTOGRAM_DATA_POINTS => histogram_data_points_table(),
        T::EXP_HISTOGRAM_DATA_POINTS => exp_histogram_data_points_table(),
        T::NUMBER_DP_ATTRS => attributes32_table("NUMBER_DP_ATTRS"),
        T::SUMMARY_DP_ATTRS => attributes32_table("SUMMARY_DP_ATTRS"),
        T::HISTOGRAM_DP_ATTRS => attributes32_table("HISTOGRAM_DP_ATTRS"),
        T::EXP_HISTOGRAM_DP_ATTRS => attributes32_table("EXP_HISTOGRAM_DP_ATTRS"),
        T::NUMBER_DP_EXEMPLARS => exemplars_table("NUMBER_DP_EXEMPLARS"),
        T::HISTOGRAM_DP_EXEMPLARS => exemplars_table("HISTOGRAM_DP_EXEMPLARS"),
        T::EXP_HISTOGRAM_DP_EXEMPLARS => exemplars_table("EXP_HISTOGRAM_DP_EXEMPLARS"),
        T::NUMBER_DP_EXEMPLAR_ATTRS => attributes32_table("NUMBER_DP_EXEMPLAR_ATTRS"),
        T::HISTOGRAM_DP_EXEMPLAR_ATTRS => attributes32_table("HISTOGRAM_DP_EXEMPLAR_ATTRS"),
        T::EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS => attributes32_table("EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS"),
        _ => return None,
    })
}
