//! OTAP tables -> OTLP metrics (`src/otap/decode/metrics.ts`).

use super::common::*;
use super::pb::{
    exemplar_value, metric, number_value, Buckets, Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint,
    ExportMetricsServiceRequest, Gauge, Histogram, HistogramDataPoint, KeyValue, Metric, NumberDataPoint, ResourceMetrics,
    nonzero, ScopeMetrics, Sum, Summary, SummaryDataPoint, ValueAtQuantile,
};
use super::table::{Res, TableView};
use super::Tables;
use crate::bar::payload_type as T;

const GAUGE: i64 = 1;
const SUM: i64 = 2;
const HISTOGRAM: i64 = 3;
const EXP_HISTOGRAM: i64 = 4;
const SUMMARY: i64 = 5;

pub fn tables_to_metrics(tables: &Tables<'_>) -> Res<ExportMetricsServiceRequest> {
    let Some(root) = tables.get(T::UNIVARIATE_METRICS) else { return Ok(ExportMetricsServiceRequest::default()) };
    if root.len == 0 {
        return Ok(ExportMetricsServiceRequest::default());
    }
    let n = root.len;
    let raw_ids = root.ints("id")?;
    let ids = delta_decode(root.required("id", raw_ids)?, root.encoding("id"), 16);
    let types = root.ints("metric_type")?;
    let types = root.required("metric_type", types)?;
    let names = root.strs("name")?;
    let descriptions = root.strs("description")?;
    let units = root.strs("unit")?;
    let temporality = root.ints("aggregation_temporality")?;
    let monotonic = root.bools("is_monotonic")?;
    let type_codes: Vec<i64> = (0..n)
        .map(|i| match types[i] {
            Some(t @ 0..=5) => Ok(t),
            Some(t) => Err(root.error("metric_type", format!("row {i}: metric type {t} is not one of 0..5"))),
            None => Err(root.error("metric_type", format!("row {i}: metric type null is not one of 0..5"))),
        })
        .collect::<Res<_>>()?;
    let float_type = root.field("metric_type").is_some_and(|f| *f.data_type() == arrow_schema::DataType::Float64);
    if float_type {
        // A float64 metric_type column: only whole numbers are metric types.
        let dbl = root.doubles("metric_type")?.unwrap_or_default();
        for (i, v) in dbl.iter().enumerate() {
            if let Some(v) = v {
                if v.fract() != 0.0 {
                    return Err(root.error("metric_type", format!("row {i}: metric type {v} is not one of 0..5")));
                }
            }
        }
    }

    let metric_attrs_view = tables.get(T::METRIC_ATTRS);
    let mut metric_attrs = decode_attributes(metric_attrs_view, 16)?;

    let mut number = decode_points(tables, T::NUMBER_DATA_POINTS, T::NUMBER_DP_ATTRS, Some((T::NUMBER_DP_EXEMPLARS, T::NUMBER_DP_EXEMPLAR_ATTRS)), number_points)?;
    let mut summary = decode_points(tables, T::SUMMARY_DATA_POINTS, T::SUMMARY_DP_ATTRS, None, summary_points)?;
    let mut histogram =
        decode_points(tables, T::HISTOGRAM_DATA_POINTS, T::HISTOGRAM_DP_ATTRS, Some((T::HISTOGRAM_DP_EXEMPLARS, T::HISTOGRAM_DP_EXEMPLAR_ATTRS)), histogram_points)?;
    let mut exp = decode_points(
        tables,
        T::EXP_HISTOGRAM_DATA_POINTS,
        T::EXP_HISTOGRAM_DP_ATTRS,
        Some((T::EXP_HISTOGRAM_DP_EXEMPLARS, T::EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS)),
        exp_histogram_points,
    )?;

    metric_attrs.plan(ids.iter().copied());
    number.plan((0..ids.len()).filter(|&i| matches!(type_codes.get(i), Some(&GAUGE) | Some(&SUM))).map(|i| ids[i]));
    histogram.plan((0..ids.len()).filter(|&i| type_codes.get(i) == Some(&HISTOGRAM)).map(|i| ids[i]));
    exp.plan((0..ids.len()).filter(|&i| type_codes.get(i) == Some(&EXP_HISTOGRAM)).map(|i| ids[i]));
    summary.plan((0..ids.len()).filter(|&i| type_codes.get(i) == Some(&SUMMARY)).map(|i| ids[i]));
    let groups = group_roots(root, tables.get(T::RESOURCE_ATTRS), tables.get(T::SCOPE_ATTRS))?;
    let mut resource_metrics = Vec::with_capacity(groups.len());
    for g in groups {
        let mut scope_metrics = Vec::with_capacity(g.scopes.len());
        for s in g.scopes {
            let mut metrics = Vec::with_capacity(s.rows.len());
            for i in s.rows {
                let id = ids[i];
                let temp = cell(&temporality, i).unwrap_or(0) as i32;
                let data = match type_codes[i] {
                    GAUGE => Some(metric::Data::Gauge(Gauge { data_points: number.take(id) })),
                    SUM => Some(metric::Data::Sum(Sum {
                        data_points: number.take(id),
                        aggregation_temporality: temp,
                        is_monotonic: cell(&monotonic, i).unwrap_or(false),
                    })),
                    HISTOGRAM => Some(metric::Data::Histogram(Histogram { data_points: histogram.take(id), aggregation_temporality: temp })),
                    EXP_HISTOGRAM => Some(metric::Data::ExponentialHistogram(ExponentialHistogram {
                        data_points: exp.take(id),
                        aggregation_temporality: temp,
                    })),
                    SUMMARY => Some(metric::Data::Summary(Summary { data_points: summary.take(id) })),
                    _ => None,
                };
                metrics.push(Metric {
                    // Go writes an empty name as a null in the non-null column: read it back as "".
                    name: cell(&names, i).unwrap_or("").to_string(),
                    description: cell(&descriptions, i).unwrap_or("").to_string(),
                    unit: cell(&units, i).unwrap_or("").to_string(),
                    data,
                    metadata: metric_attrs.take(id),
                });
            }
            scope_metrics.push(ScopeMetrics { scope: Some(s.scope), metrics, schema_url: s.schema_url });
        }
        resource_metrics.push(ResourceMetrics { resource: Some(g.resource), scope_metrics, schema_url: g.schema_url });
    }
    assert_all_used(&metric_attrs, metric_attrs_view, "UNIVARIATE_METRICS")?;
    for (points, t) in [
        (number.first_unused(), T::NUMBER_DATA_POINTS),
        (summary.first_unused(), T::SUMMARY_DATA_POINTS),
        (histogram.first_unused(), T::HISTOGRAM_DATA_POINTS),
        (exp.first_unused(), T::EXP_HISTOGRAM_DATA_POINTS),
    ] {
        if let (Some(id), Some(view)) = (points, tables.get(t)) {
            return Err(view.error("parent_id", format!("parent id {id} points at no metric of a matching type in UNIVARIATE_METRICS")));
        }
    }
    Ok(ExportMetricsServiceRequest { resource_metrics })
}

// ---------------------------------------------------------------------------------------
// Data points

/// Builds point `i` of one point table from its attributes and exemplars.
type PointMaker<'v, P> = Box<dyn FnMut(usize, Vec<KeyValue>, Vec<Exemplar>) -> P + 'v>;

fn decode_points<'a, 'v, P: Clone>(
    tables: &'v Tables<'a>,
    points_type: i32,
    attrs_type: i32,
    exemplar_types: Option<(i32, i32)>,
    reader: fn(&'v TableView<'a>) -> Res<PointMaker<'v, P>>,
) -> Res<Grouped<P>> {
    let view = tables.get(points_type);
    let mut out = Grouped::new();
    let attrs_view = tables.get(attrs_type);
    let mut attrs = decode_attributes(attrs_view, 32)?;
    let exemplars_view = exemplar_types.and_then(|(e, _)| tables.get(e));
    let exemplar_attrs_view = exemplar_types.and_then(|(_, a)| tables.get(a));
    let mut exemplars = decode_exemplars(exemplars_view, exemplar_attrs_view)?;
    if let Some(view) = view.filter(|v| v.len > 0) {
        let ids = delta_decode(ids_or_null(view, "id")?, view.encoding("id"), 32);
        let parents = delta_decode(parent_ids(view)?.into_iter().map(Some).collect(), view.encoding("parent_id"), 16);
        let mut at = reader(view)?;
        exemplars.plan(ids.iter().copied());
        attrs.plan(ids.iter().copied());
        for i in 0..view.len {
            let id = ids[i];
            let ex = exemplars.take(id);
            let p = at(i, attrs.take(id), ex);
            out.push(parents[i].unwrap_or(0), p);
        }
    }
    let table = view.map_or("data points", |v| v.table.as_str());
    assert_all_used(&attrs, attrs_view, table)?;
    if let (Some(ev), Some(id)) = (exemplars_view, exemplars.first_unused()) {
        return Err(ev.error("parent_id", format!("parent id {id} points at no row of {table}")));
    }
    Ok(out)
}

fn number_points<'v, 'a>(view: &'v TableView<'a>) -> Res<PointMaker<'v, NumberDataPoint>> {
    let start = view.u64s("start_time_unix_nano")?;
    let time = view.u64s("time_unix_nano")?;
    let ints = view.u64s("int_value")?;
    let doubles = view.doubles("double_value")?;
    let flags = view.ints("flags")?;
    Ok(Box::new(move |i, attributes, exemplars| NumberDataPoint {
        attributes,
        start_time_unix_nano: cell(&start, i).unwrap_or(0),
        time_unix_nano: cell(&time, i).unwrap_or(0),
        value: match (cell(&ints, i), cell(&doubles, i)) {
            (Some(v), _) => Some(number_value::Value::AsInt(v as i64)),
            (None, Some(d)) => Some(number_value::Value::AsDouble(d)),
            _ => None,
        },
        exemplars,
        flags: cell(&flags, i).unwrap_or(0) as u32,
    }))
}

fn histogram_points<'v, 'a>(view: &'v TableView<'a>) -> Res<PointMaker<'v, HistogramDataPoint>> {
    let start = view.u64s("start_time_unix_nano")?;
    let time = view.u64s("time_unix_nano")?;
    let count = view.u64s("count")?;
    let sum = view.doubles("sum")?;
    let buckets = view.list::<u64>("bucket_counts")?;
    let bounds = view.list::<f64>("explicit_bounds")?;
    let flags = view.ints("flags")?;
    let min = view.doubles("min")?;
    let max = view.doubles("max")?;
    Ok(Box::new(move |i, attributes, exemplars| HistogramDataPoint {
        attributes,
        start_time_unix_nano: cell(&start, i).unwrap_or(0),
        time_unix_nano: cell(&time, i).unwrap_or(0),
        count: cell(&count, i).unwrap_or(0),
        sum: cell(&sum, i),
        bucket_counts: buckets.as_ref().map(|l| l.row(i, 0)).unwrap_or_default(),
        // Go writes a 0.0 bound as a null item: read it back as 0.
        explicit_bounds: bounds.as_ref().map(|l| l.row(i, 0.0)).unwrap_or_default(),
        exemplars,
        flags: cell(&flags, i).unwrap_or(0) as u32,
        min: cell(&min, i),
        max: cell(&max, i),
    }))
}

fn exp_histogram_points<'v, 'a>(view: &'v TableView<'a>) -> Res<PointMaker<'v, ExponentialHistogramDataPoint>> {
    let start = view.u64s("start_time_unix_nano")?;
    let time = view.u64s("time_unix_nano")?;
    let count = view.u64s("count")?;
    let sum = view.doubles("sum")?;
    let scale = view.ints("scale")?;
    let zero_count = view.u64s("zero_count")?;
    let pos_offset = view.ints("positive.offset")?;
    let pos_counts = view.list::<u64>("positive.bucket_counts")?;
    let neg_offset = view.ints("negative.offset")?;
    let neg_counts = view.list::<u64>("negative.bucket_counts")?;
    let flags = view.ints("flags")?;
    let min = view.doubles("min")?;
    let max = view.doubles("max")?;
    let zero_threshold = view.doubles("zero_threshold")?;
    Ok(Box::new(move |i, attributes, exemplars| ExponentialHistogramDataPoint {
        attributes,
        start_time_unix_nano: cell(&start, i).unwrap_or(0),
        time_unix_nano: cell(&time, i).unwrap_or(0),
        count: cell(&count, i).unwrap_or(0),
        sum: cell(&sum, i),
        scale: cell(&scale, i).unwrap_or(0) as i32,
        zero_count: cell(&zero_count, i).unwrap_or(0),
        // A null buckets struct row (or an absent struct) reads as offset 0, no buckets.
        positive: Some(Buckets {
            offset: cell(&pos_offset, i).unwrap_or(0) as i32,
            bucket_counts: pos_counts.as_ref().map(|l| l.row(i, 0)).unwrap_or_default(),
        }),
        negative: Some(Buckets {
            offset: cell(&neg_offset, i).unwrap_or(0) as i32,
            bucket_counts: neg_counts.as_ref().map(|l| l.row(i, 0)).unwrap_or_default(),
        }),
        flags: cell(&flags, i).unwrap_or(0) as u32,
        exemplars,
        min: cell(&min, i),
        max: cell(&max, i),
        zero_threshold: nonzero(cell(&zero_threshold, i).unwrap_or(0.0)),
    }))
}

fn summary_points<'v, 'a>(view: &'v TableView<'a>) -> Res<PointMaker<'v, SummaryDataPoint>> {
    let start = view.u64s("start_time_unix_nano")?;
    let time = view.u64s("time_unix_nano")?;
    let count = view.u64s("count")?;
    let sum = view.doubles("sum")?;
    let quantiles = view.list_of_struct_f64("quantile", &["quantile", "value"])?;
    let flags = view.ints("flags")?;
    Ok(Box::new(move |i, attributes, _exemplars| SummaryDataPoint {
        attributes,
        start_time_unix_nano: cell(&start, i).unwrap_or(0),
        time_unix_nano: cell(&time, i).unwrap_or(0),
        count: cell(&count, i).unwrap_or(0),
        // Go writes a 0.0 sum, quantile or value as null: read back as 0.
        sum: nonzero(cell(&sum, i).unwrap_or(0.0)),
        quantile_values: match &quantiles {
            Some((rows, cols)) => match rows.get(i) {
                Some(Some(r)) => r
                    .clone()
                    .map(|k| ValueAtQuantile {
                        quantile: nonzero(cols[0].get(k).copied().flatten().unwrap_or(0.0)),
                        value: nonzero(cols[1].get(k).copied().flatten().unwrap_or(0.0)),
                    })
                    .collect(),
                _ => Vec::new(),
            },
            None => Vec::new(),
        },
        flags: cell(&flags, i).unwrap_or(0) as u32,
    }))
}

// ---------------------------------------------------------------------------------------
// Exemplars

#[derive(Clone, Copy, PartialEq)]
pub enum NumVal {
    None,
    Int(i64),
    Double(f64),
}

/// Go: same value type and equal value (IEEE == for doubles); two value-less exemplars are equal.
pub fn same_value(a: NumVal, b: NumVal, total_order: bool) -> bool {
    match (a, b) {
        (NumVal::None, NumVal::None) => true,
        (NumVal::Int(x), NumVal::Int(y)) => x == y,
        (NumVal::Double(x), NumVal::Double(y)) => {
            if total_order {
                (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
            } else {
                x == y
            }
        }
        _ => false,
    }
}

/// Exemplars of one table grouped by their (decoded) parent point id, in table order.
fn decode_exemplars(view: Option<&TableView<'_>>, attrs_view: Option<&TableView<'_>>) -> Res<Grouped<Exemplar>> {
    let mut out = Grouped::new();
    let mut attrs = decode_attributes(attrs_view, 32)?;
    if let Some(view) = view.filter(|v| v.len > 0) {
        let n = view.len;
        let ids = delta_decode(ids_or_null(view, "id")?, view.encoding("id"), 32);
        let time = view.u64s("time_unix_nano")?;
        let span_ids = view.bytes("span_id")?;
        let trace_ids = view.bytes("trace_id")?;
        let values = exemplar_values(view)?;
        let encoding = view.encoding("parent_id");
        // A Rust sender (encoding metadata present) compares doubles by total order.
        let total_order = encoding == Some("quasidelta");
        let parents = quasi_delta_decode(parent_ids(view)?, encoding, 32, |i| same_value(values[i - 1], values[i], total_order));
        attrs.plan(ids.iter().copied());
        for i in 0..n {
            let exemplar = Exemplar {
                filtered_attributes: attrs.take(ids[i]),
                time_unix_nano: cell(&time, i).unwrap_or(0),
                value: match values[i] {
                    NumVal::Int(v) => Some(exemplar_value::Value::AsInt(v)),
                    NumVal::Double(d) => Some(exemplar_value::Value::AsDouble(d)),
                    NumVal::None => None,
                },
                span_id: empty_if_zero(cell(&span_ids, i)),
                trace_id: empty_if_zero(cell(&trace_ids, i)),
            };
            out.push(parents[i], exemplar);
        }
    }
    let table = view.map_or("exemplars", |v| v.table.as_str());
    assert_all_used(&attrs, attrs_view, table)?;
    Ok(out)
}

/// Exemplar values, the key of the exemplar tables' parent_id quasi-delta runs.
pub fn exemplar_values(view: &TableView<'_>) -> Res<Vec<NumVal>> {
    let ints = view.u64s("int_value")?;
    let doubles = view.doubles("double_value")?;
    Ok((0..view.len)
        .map(|i| match (cell(&ints, i), cell(&doubles, i)) {
            (Some(v), _) => NumVal::Int(v as i64),
            (None, Some(d)) => NumVal::Double(d),
            _ => NumVal::None,
        })
        .collect())
}
