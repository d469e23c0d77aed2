//! OTLP metrics -> OTAP tables: the UNIVARIATE_METRICS root, resource/scope (and, on request,
//! metric metadata) attributes, one data point table per point kind with its attributes,
//! and the exemplar tables with their attributes; mirrors src/otap/encode/metrics.ts.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::common::*;
use super::input::{Leaf, ListInput, ListItems, TableInput};
use super::row_order::{byte_ranks, sort_rows};
use super::Tables;
use crate::bar::payload_type as T;
use crate::error::OtapError;
use crate::otlp::model::{Exemplar, MetricKind, MetricsRequest, NumberValue, Span32};

const U32_MAX: u64 = u32::MAX as u64;

pub fn metrics_tables<'a>(req: &'a MetricsRequest<'a>, metadata: bool, keep: Option<&[bool]>) -> Result<Tables<'a>, OtapError> {
    let roots = &req.roots;
    let mut flat = flatten(roots, keep);
    let metrics = &roots.items;
    // Go order: resource key, scope key, metric type, name (stable).
    let mut rows = std::mem::take(&mut flat.rows);
    let names = byte_ranks(rows.iter().map(|r| metrics[r.item as usize].name.as_bytes()));
    sort_rows(&mut rows, |i, r| {
        let kind = metrics[r.item as usize].kind.code();
        (flat.resource_rank[r.res as usize], flat.scope_rank[r.scope as usize], kind, names[i])
    });
    let n = rows.len();
    let mut t = TableInput::new(n);
    let mut resource_attrs = AttributeRows::default();
    let mut scope_attrs = AttributeRows::default();
    let mut metric_attrs = AttributeRows::default();
    write_resource_scope_columns("UNIVARIATE_METRICS", roots, &flat, &rows, &mut t, &mut resource_attrs, &mut scope_attrs)?;

    // Every metric gets an id (data points hang off it).
    let ids = assign_ids(rows.iter().map(|_| true), 0xffff, "UNIVARIATE_METRICS")?;
    let mut metric_type = Vec::with_capacity(n);
    let mut name = Vec::with_capacity(n);
    let mut description = Vec::with_capacity(n);
    let mut unit = Vec::with_capacity(n);
    let mut temporality = Vec::with_capacity(n);
    let mut monotonic = Vec::with_capacity(n);
    // (parent metric id, point index) per kind, in metric row order (= sorted by parent).
    let mut number: Vec<(u32, u32)> = Vec::new();
    let mut summary: Vec<(u32, u32)> = Vec::new();
    let mut histogram: Vec<(u32, u32)> = Vec::new();
    let mut exp: Vec<(u32, u32)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let m = &metrics[r.item as usize];
        let id = ids[i].unwrap();
        metric_type.push(Some(m.kind.code()));
        name.push(Some(Cow::Borrowed(m.name.as_bytes())));
        description.push(Some(Cow::Borrowed(m.description.as_bytes())));
        unit.push(non_empty(m.unit));
        let has_temporality =
            matches!(m.kind, MetricKind::Sum | MetricKind::Histogram | MetricKind::ExponentialHistogram);
        temporality.push(has_temporality.then_some(m.aggregation_temporality));
        monotonic.push((m.kind == MetricKind::Sum).then_some(m.is_monotonic));
        if metadata {
            metric_attrs.add(id, &req.metadata_attrs[m.metadata.range()]);
        }
        let target = match m.kind {
            MetricKind::Gauge | MetricKind::Sum => &mut number,
            MetricKind::Summary => &mut summary,
            MetricKind::Histogram => &mut histogram,
            MetricKind::ExponentialHistogram => &mut exp,
            MetricKind::Empty => continue,
        };
        target.extend(m.points.range().map(|p| (id, p as u32)));
    }
    t.set("id", delta_u16(&ids));
    t.set("metric_type", Leaf::U8(metric_type));
    t.set("name", Leaf::Bytes(name));
    t.set("description", Leaf::Bytes(description));
    t.set("unit", Leaf::Bytes(unit));
    t.set("aggregation_temporality", Leaf::I32(temporality));
    t.set("is_monotonic", Leaf::Bool(monotonic));

    let mut tables: Tables<'a> = vec![(T::UNIVARIATE_METRICS, t)];
    let push = |tables: &mut Tables<'a>, ty: i32, input: TableInput<'a>| {
        if input.len > 0 {
            tables.push((ty, input));
        }
    };
    push(&mut tables, T::RESOURCE_ATTRS, resource_attrs.to_input(false)?);
    push(&mut tables, T::SCOPE_ATTRS, scope_attrs.to_input(false)?);
    if metadata {
        push(&mut tables, T::METRIC_ATTRS, metric_attrs.to_input(false)?);
    }

    // Number points.
    {
        let pts = &req.number_points;
        let common = PointCommon::new("NUMBER_DATA_POINTS", req, &number, |i| {
            let p = &pts[i];
            (p.attrs, p.exemplars, p.start_time_unix_nano, p.time_unix_nano, p.flags)
        })?;
        let mut cols = common.cols;
        // Go writes an unset (0) start time of number points as null.
        cols.leaves.retain(|(p, _)| *p != "start_time_unix_nano");
        cols.set(
            "start_time_unix_nano",
            Leaf::I64(number.iter().map(|r| non_zero(pts[r.1 as usize].start_time_unix_nano as i64)).collect()),
        );
        let (ints, dbls) = number_values(number.iter().map(|r| pts[r.1 as usize].value));
        cols.set("int_value", Leaf::I64(ints));
        cols.set("double_value", Leaf::F64(dbls));
        push(&mut tables, T::NUMBER_DATA_POINTS, cols);
        push(&mut tables, T::NUMBER_DP_ATTRS, common.attrs.to_input(true)?);
        let (ex, ex_attrs) = exemplar_tables("NUMBER_DP_EXEMPLARS", req, common.exemplars)?;
        push(&mut tables, T::NUMBER_DP_EXEMPLARS, ex);
        push(&mut tables, T::NUMBER_DP_EXEMPLAR_ATTRS, ex_attrs.to_input(true)?);
    }
    // Summary points.
    {
        let pts = &req.summary_points;
        let common = PointCommon::new("SUMMARY_DATA_POINTS", req, &summary, |i| {
            let p = &pts[i];
            (p.attrs, Span32::default(), p.start_time_unix_nano, p.time_unix_nano, p.flags)
        })?;
        let mut cols = common.cols;
        let sel = || summary.iter().map(|r| &pts[r.1 as usize]);
        cols.set("count", Leaf::U64(sel().map(|p| Some(p.count)).collect()));
        cols.set("sum", Leaf::F64(sel().map(|p| Some(p.sum)).collect()));
        cols.set_list(
            "quantile",
            ListInput {
                rows: sel().map(|p| Some((p.quantiles.start, p.quantiles.end))).collect(),
                items: ListItems::Quantile(&req.quantiles),
            },
        );
        push(&mut tables, T::SUMMARY_DATA_POINTS, cols);
        push(&mut tables, T::SUMMARY_DP_ATTRS, common.attrs.to_input(true)?);
    }
    // Histogram points.
    {
        let pts = &req.histogram_points;
        let common = PointCommon::new("HISTOGRAM_DATA_POINTS", req, &histogram, |i| {
            let p = &pts[i];
            (p.attrs, p.exemplars, p.start_time_unix_nano, p.time_unix_nano, p.flags)
        })?;
        let mut cols = common.cols;
        let sel = || histogram.iter().map(|r| &pts[r.1 as usize]);
        cols.set("count", Leaf::U64(sel().map(|p| Some(p.count)).collect()));
        // Deviation from Go, as in TS: sum/min/max of 0 and bound 0.0 are written, not nulled.
        cols.set("sum", Leaf::F64(sel().map(|p| p.sum).collect()));
        cols.set_list(
            "bucket_counts",
            ListInput { rows: sel().map(|p| span_row(p.bucket_counts)).collect(), items: ListItems::U64(&req.u64s) },
        );
        cols.set_list(
            "explicit_bounds",
            ListInput { rows: sel().map(|p| span_row(p.explicit_bounds)).collect(), items: ListItems::F64(&req.f64s) },
        );
        cols.set("min", Leaf::F64(sel().map(|p| p.min).collect()));
        cols.set("max", Leaf::F64(sel().map(|p| p.max).collect()));
        push(&mut tables, T::HISTOGRAM_DATA_POINTS, cols);
        push(&mut tables, T::HISTOGRAM_DP_ATTRS, common.attrs.to_input(true)?);
        let (ex, ex_attrs) = exemplar_tables("HISTOGRAM_DP_EXEMPLARS", req, common.exemplars)?;
        push(&mut tables, T::HISTOGRAM_DP_EXEMPLARS, ex);
        push(&mut tables, T::HISTOGRAM_DP_EXEMPLAR_ATTRS, ex_attrs.to_input(true)?);
    }
    // Exponential histogram points.
    {
        let pts = &req.exp_points;
        let common = PointCommon::new("EXP_HISTOGRAM_DATA_POINTS", req, &exp, |i| {
            let p = &pts[i];
            (p.attrs, p.exemplars, p.start_time_unix_nano, p.time_unix_nano, p.flags)
        })?;
        let mut cols = common.cols;
        let sel = || exp.iter().map(|r| &pts[r.1 as usize]);
        cols.set("count", Leaf::U64(sel().map(|p| Some(p.count)).collect()));
        cols.set("sum", Leaf::F64(sel().map(|p| p.sum).collect()));
        cols.set("scale", Leaf::I32(sel().map(|p| Some(p.scale)).collect()));
        cols.set("zero_count", Leaf::U64(sel().map(|p| Some(p.zero_count)).collect()));
        for (path, offset_path, counts_path, pick) in [
            ("positive", "positive.offset", "positive.bucket_counts", true),
            ("negative", "negative.offset", "negative.bucket_counts", false),
        ] {
            let b = || sel().map(move |p| if pick { p.positive } else { p.negative });
            let valid: Vec<bool> = b().map(|b| b.offset != 0 || !b.bucket_counts.is_empty()).collect();
            cols.set(offset_path, Leaf::I32(b().zip(&valid).map(|(b, &v)| v.then_some(b.offset)).collect()));
            cols.set_list(
                counts_path,
                ListInput { rows: b().map(|b| span_row(b.bucket_counts)).collect(), items: ListItems::U64(&req.u64s) },
            );
            cols.set_struct(path, valid);
        }
        cols.set("min", Leaf::F64(sel().map(|p| p.min).collect()));
        cols.set("max", Leaf::F64(sel().map(|p| p.max).collect()));
        cols.set("zero_threshold", Leaf::F64(sel().map(|p| Some(p.zero_threshold)).collect()));
        push(&mut tables, T::EXP_HISTOGRAM_DATA_POINTS, cols);
        push(&mut tables, T::EXP_HISTOGRAM_DP_ATTRS, common.attrs.to_input(true)?);
        let (ex, ex_attrs) = exemplar_tables("EXP_HISTOGRAM_DP_EXEMPLARS", req, common.exemplars)?;
        push(&mut tables, T::EXP_HISTOGRAM_DP_EXEMPLARS, ex);
        push(&mut tables, T::EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS, ex_attrs.to_input(true)?);
    }
    Ok(tables)
}

fn span_row(s: Span32) -> Option<(u32, u32)> {
    (!s.is_empty()).then_some((s.start, s.end))
}

fn number_values(values: impl Iterator<Item = NumberValue>) -> (Vec<Option<i64>>, Vec<Option<f64>>) {
    values
        .map(|v| match v {
            NumberValue::Int(i) => (Some(i), None),
            NumberValue::Double(d) => (None, Some(d)),
            NumberValue::None => (None, None),
        })
        .unzip()
}

struct PointCommon<'a> {
    cols: TableInput<'a>,
    attrs: AttributeRows<'a>,
    /// (parent point id, exemplar index)
    exemplars: Vec<(u32, u32)>,
}

impl<'a> PointCommon<'a> {
    /// Columns shared by every point table: dense ids, delta parent ids, times, flags.
    fn new(
        table: &str,
        req: &MetricsRequest<'a>,
        rows: &[(u32, u32)],
        get: impl Fn(usize) -> (Span32, Span32, u64, u64, u32),
    ) -> Result<Self, OtapError> {
        let n = rows.len();
        let ids = assign_ids(rows.iter().map(|_| true), U32_MAX, table)?;
        // Sized up front: growing by doubling copies every row about twice.
        let (n_attrs, n_exemplars) = rows.iter().fold((0, 0), |(a, e), r| {
            let (attrs, exemplars, ..) = get(r.1 as usize);
            (a + attrs.len(), e + exemplars.len())
        });
        let mut attrs = AttributeRows::default();
        attrs.reserve(n_attrs);
        let mut exemplars = Vec::with_capacity(n_exemplars);
        let mut start = Vec::with_capacity(n);
        let mut time = Vec::with_capacity(n);
        let mut flags = Vec::with_capacity(n);
        let mut parents = Vec::with_capacity(n);
        for (i, r) in rows.iter().enumerate() {
            let (a, ex, s, tm, f) = get(r.1 as usize);
            let id = ids[i].unwrap();
            attrs.add(id, &req.point_attrs[a.range()]);
            exemplars.extend(ex.range().map(|e| (id, e as u32)));
            start.push(Some(s as i64));
            time.push(Some(tm as i64));
            flags.push(Some(f));
            parents.push(Some(r.0));
        }
        let mut cols = TableInput::new(n);
        cols.set("id", delta_u32(&ids));
        cols.set("parent_id", delta_u16(&parents));
        cols.set("start_time_unix_nano", Leaf::I64(start));
        cols.set("time_unix_nano", Leaf::I64(time));
        cols.set("flags", Leaf::U32(flags));
        Ok(PointCommon { cols, attrs, exemplars })
    }
}

fn value_rank(v: &NumberValue) -> u8 {
    match v {
        NumberValue::None => 0,
        NumberValue::Int(_) => 1,
        NumberValue::Double(_) => 2,
    }
}

fn compare_values(a: &NumberValue, b: &NumberValue) -> Ordering {
    match (a, b) {
        (NumberValue::Int(x), NumberValue::Int(y)) => x.cmp(y),
        (NumberValue::Double(x), NumberValue::Double(y)) => match x.partial_cmp(y) {
            Some(o) => o,
            None => x.is_nan().cmp(&y.is_nan()),
        },
        _ => value_rank(a).cmp(&value_rank(b)),
    }
}

/// The exemplar quasi-delta equality (Go): same type and equal value; none == none.
fn same_exemplar_value(a: &NumberValue, b: &NumberValue) -> bool {
    match (a, b) {
        (NumberValue::None, NumberValue::None) => true,
        (NumberValue::Int(x), NumberValue::Int(y)) => x == y,
        (NumberValue::Double(x), NumberValue::Double(y)) => x == y,
        _ => false,
    }
}

fn exemplar_tables<'a>(
    table: &str,
    req: &'a MetricsRequest<'a>,
    mut rows: Vec<(u32, u32)>,
) -> Result<(TableInput<'a>, AttributeRows<'a>), OtapError> {
    let ex: &[Exemplar<'a>] = &req.exemplars;
    // Sorted by value type, value, then parent point id (stable).
    rows.sort_by(|a, b| compare_values(&ex[a.1 as usize].value, &ex[b.1 as usize].value).then(a.0.cmp(&b.0)));
    let n = rows.len();
    let mut attrs = AttributeRows::default();
    attrs.reserve(rows.iter().map(|r| ex[r.1 as usize].attrs.len()).sum());
    let ids = assign_ids(rows.iter().map(|r| !ex[r.1 as usize].attrs.is_empty()), U32_MAX, table)?;
    let parents: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let encoded =
        quasi_delta_encode(&parents, |i| same_exemplar_value(&ex[rows[i - 1].1 as usize].value, &ex[rows[i].1 as usize].value));
    let mut time = Vec::with_capacity(n);
    let mut span_id = Vec::with_capacity(n);
    let mut trace_id = Vec::with_capacity(n);
    for (i, r) in rows.iter().enumerate() {
        let e = &ex[r.1 as usize];
        if let Some(id) = ids[i] {
            attrs.add(id, &req.exemplar_attrs[e.attrs.range()]);
        }
        time.push(Some(e.time_unix_nano as i64));
        span_id.push(Some(Cow::Borrowed(id_or_zeros(e.span_id, 8))));
        trace_id.push(Some(Cow::Borrowed(id_or_zeros(e.trace_id, 16))));
    }
    let (ints, dbls) = number_values(rows.iter().map(|r| ex[r.1 as usize].value));
    let mut t = TableInput::new(n);
    t.set("id", delta_u32(&ids));
    t.set("parent_id", Leaf::U32(encoded.into_iter().map(Some).collect()));
    t.set("time_unix_nano", Leaf::I64(time));
    t.set("int_value", Leaf::I64(ints));
    t.set("double_value", Leaf::F64(dbls));
    t.set("span_id", Leaf::Bytes(span_id));
    t.set("trace_id", Leaf::Bytes(trace_id));
    Ok((t, attrs))
}
