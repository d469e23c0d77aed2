//! OTAP tables -> OTLP metrics (`src/otap/decode/metrics.ts`).

use super::common::*;
use super::pb::nonzero;
use super::rev_writer::RevWriter;
use super::table::{ListColumn, Res, StructList, TableView};
use super::Tables;
use crate::bar::payload_type as T;

const GAUGE: i64 = 1;
const SUM: i64 = 2;
const HISTOGRAM: i64 = 3;
const EXP_HISTOGRAM: i64 = 4;
const SUMMARY: i64 = 5;

/// The OTLP `ExportMetricsServiceRequest` bytes of the tables, written back to front.
pub fn write_metrics(tables: &Tables<'_>) -> Res<Vec<u8>> {
    let Some(root) = tables.get(T::UNIVARIATE_METRICS) else { return Ok(Vec::new()) };
    if root.len == 0 {
        return Ok(Vec::new());
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

    let mut metric_attrs = AttrRows::new(tables.get(T::METRIC_ATTRS), 16)?;
    let mut number = Points::new(tables, T::NUMBER_DATA_POINTS, T::NUMBER_DP_ATTRS, Some((T::NUMBER_DP_EXEMPLARS, T::NUMBER_DP_EXEMPLAR_ATTRS)))?;
    let mut summary = Points::new(tables, T::SUMMARY_DATA_POINTS, T::SUMMARY_DP_ATTRS, None)?;
    let mut histogram = Points::new(tables, T::HISTOGRAM_DATA_POINTS, T::HISTOGRAM_DP_ATTRS, Some((T::HISTOGRAM_DP_EXEMPLARS, T::HISTOGRAM_DP_EXEMPLAR_ATTRS)))?;
    let mut exp = Points::new(
        tables,
        T::EXP_HISTOGRAM_DATA_POINTS,
        T::EXP_HISTOGRAM_DP_ATTRS,
        Some((T::EXP_HISTOGRAM_DP_EXEMPLARS, T::EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS)),
    )?;
    let mut w = RevWriter::scratch(n * 256);
    write_request(&mut w, tables, root, |w, i| {
        let id = ids[i];
        metric_attrs.write(w, 12, id)?;
        let temp = i64::from(cell(&temporality, i).unwrap_or(0) as i32);
        let data = w.len();
        match type_codes[i] {
            GAUGE => {
                number.write(w, id)?;
                w.end_message(5, data);
            }
            SUM => {
                w.uint(3, u64::from(cell(&monotonic, i).unwrap_or(false)));
                w.int(2, temp);
                number.write(w, id)?;
                w.end_message(7, data);
            }
            HISTOGRAM => {
                w.int(2, temp);
                histogram.write(w, id)?;
                w.end_message(9, data);
            }
            EXP_HISTOGRAM => {
                w.int(2, temp);
                exp.write(w, id)?;
                w.end_message(10, data);
            }
            SUMMARY => {
                summary.write(w, id)?;
                w.end_message(11, data);
            }
            _ => {}
        }
        w.string(3, cell(&units, i).unwrap_or(""));
        w.string(2, cell(&descriptions, i).unwrap_or(""));
        // Go writes an empty name as a null in the non-null column: read it back as "".
        w.string(1, cell(&names, i).unwrap_or(""));
        Ok(())
    })?;
    metric_attrs.assert_all_used("UNIVARIATE_METRICS")?;
    for points in [&number, &summary, &histogram, &exp] {
        points.assert_all_used()?;
    }
    Ok(w.finish())
}

// ---------------------------------------------------------------------------------------
// Data points

/// The value columns of one data point table.
enum PointColumns {
    Number {
        ints: Option<Vec<Option<u64>>>,
        doubles: Option<Vec<Option<f64>>>,
    },
    Histogram {
        count: Option<Vec<Option<u64>>>,
        sum: Option<Vec<Option<f64>>>,
        buckets: Option<ListColumn<u64>>,
        bounds: Option<ListColumn<f64>>,
        min: Option<Vec<Option<f64>>>,
        max: Option<Vec<Option<f64>>>,
    },
    ExpHistogram {
        count: Option<Vec<Option<u64>>>,
        sum: Option<Vec<Option<f64>>>,
        scale: Option<Vec<Option<i64>>>,
        zero_count: Option<Vec<Option<u64>>>,
        pos_offset: Option<Vec<Option<i64>>>,
        pos_counts: Option<ListColumn<u64>>,
        neg_offset: Option<Vec<Option<i64>>>,
        neg_counts: Option<ListColumn<u64>>,
        min: Option<Vec<Option<f64>>>,
        max: Option<Vec<Option<f64>>>,
        zero_threshold: Option<Vec<Option<f64>>>,
    },
    Summary {
        count: Option<Vec<Option<u64>>>,
        sum: Option<Vec<Option<f64>>>,
        quantiles: Option<StructList>,
    },
    /// No points table: nothing to read.
    Absent,
}

impl PointColumns {
    fn read(view: &TableView<'_>, points_type: i32) -> Res<Self> {
        Ok(match points_type {
            T::NUMBER_DATA_POINTS => PointColumns::Number { ints: view.u64s("int_value")?, doubles: view.doubles("double_value")? },
            T::HISTOGRAM_DATA_POINTS => PointColumns::Histogram {
                count: view.u64s("count")?,
                sum: view.doubles("sum")?,
                buckets: view.list::<u64>("bucket_counts")?,
                bounds: view.list::<f64>("explicit_bounds")?,
                min: view.doubles("min")?,
                max: view.doubles("max")?,
            },
            T::EXP_HISTOGRAM_DATA_POINTS => PointColumns::ExpHistogram {
                count: view.u64s("count")?,
                sum: view.doubles("sum")?,
                scale: view.ints("scale")?,
                zero_count: view.u64s("zero_count")?,
                pos_offset: view.ints("positive.offset")?,
                pos_counts: view.list::<u64>("positive.bucket_counts")?,
                neg_offset: view.ints("negative.offset")?,
                neg_counts: view.list::<u64>("negative.bucket_counts")?,
                min: view.doubles("min")?,
                max: view.doubles("max")?,
                zero_threshold: view.doubles("zero_threshold")?,
            },
            _ => PointColumns::Summary {
                count: view.u64s("count")?,
                sum: view.doubles("sum")?,
                quantiles: view.list_of_struct_f64("quantile", &["quantile", "value"])?,
            },
        })
    }
}

/// Items of row `i` of a list column (null items read as `zero`), in order.
fn list_items<T: Copy>(list: &Option<ListColumn<T>>, i: usize, zero: T) -> impl DoubleEndedIterator<Item = T> + '_ {
    let items: &[Option<T>] = match list {
        Some(l) => match l.rows.get(i) {
            Some(Some(r)) => &l.items[r.clone()],
            _ => &[],
        },
        None => &[],
    };
    items.iter().map(move |v| v.unwrap_or(zero))
}

/// A packed repeated field (nothing when empty); `element` writes one value without a key.
fn packed<V>(w: &mut RevWriter, field: u32, values: impl DoubleEndedIterator<Item = V>, mut element: impl FnMut(&mut RevWriter, V)) {
    let mark = w.len();
    for v in values.rev() {
        element(w, v);
    }
    if w.len() > mark {
        w.end_message(field, mark);
    }
}

/// One data point table: rows by metric id, their attributes and exemplars.
struct Points<'v, 'a> {
    view: Option<&'v TableView<'a>>,
    by_metric: Grouped<u32>,
    ids: Vec<Option<i64>>,
    start: Option<Vec<Option<u64>>>,
    time: Option<Vec<Option<u64>>>,
    flags: Option<Vec<Option<i64>>>,
    cols: PointColumns,
    attrs: AttrRows<'v, 'a>,
    exemplars: Exemplars<'v, 'a>,
}

impl<'v, 'a> Points<'v, 'a> {
    fn new(tables: &'v Tables<'a>, points_type: i32, attrs_type: i32, exemplar_types: Option<(i32, i32)>) -> Res<Self> {
        let view = tables.get(points_type).filter(|v| v.len > 0);
        let exemplars = Exemplars::new(exemplar_types.and_then(|(e, _)| tables.get(e)), exemplar_types.and_then(|(_, a)| tables.get(a)))?;
        let attrs = AttrRows::new(tables.get(attrs_type), 32)?;
        let mut by_metric = Grouped::new();
        let Some(v) = view else {
            let absent = tables.get(points_type);
            return Ok(Points { view: absent, by_metric, ids: Vec::new(), start: None, time: None, flags: None, cols: PointColumns::Absent, attrs, exemplars });
        };
        let ids = delta_decode(ids_or_null(v, "id")?, v.encoding("id"), 32);
        let parents = delta_decode(parent_ids(v)?.into_iter().map(Some).collect(), v.encoding("parent_id"), 16);
        for (i, p) in parents.into_iter().enumerate() {
            by_metric.push(p.unwrap_or(0), i as u32);
        }
        Ok(Points {
            view,
            by_metric,
            ids,
            start: v.u64s("start_time_unix_nano")?,
            time: v.u64s("time_unix_nano")?,
            flags: v.ints("flags")?,
            cols: PointColumns::read(v, points_type)?,
            attrs,
            exemplars,
        })
    }

    /// Writes the data points of metric `metric` as repeated field 1 of the metric's data.
    fn write(&mut self, w: &mut RevWriter, metric: Option<i64>) -> Res<()> {
        let Some(metric) = metric else { return Ok(()) };
        for &p in self.by_metric.rows(metric).iter().rev() {
            let i = p as usize;
            let id = self.ids[i];
            let mark = w.len();
            let flags = u64::from(cell(&self.flags, i).unwrap_or(0) as u32);
            let start = cell(&self.start, i).unwrap_or(0);
            let time = cell(&self.time, i).unwrap_or(0);
            match &self.cols {
                PointColumns::Number { ints, doubles } => {
                    w.uint(8, flags);
                    self.attrs.write(w, 7, id)?;
                    self.exemplars.write(w, 5, id)?;
                    // prost writes a oneof at its lowest tag's place: as_int (6) before exemplars (5).
                    match (cell(ints, i), cell(doubles, i)) {
                        (Some(v), _) => w.fixed64_always(6, v),
                        (None, Some(d)) => w.double_always(4, d),
                        _ => {}
                    }
                }
                PointColumns::Histogram { count, sum, buckets, bounds, min, max } => {
                    optional_double(w, 12, cell(max, i));
                    optional_double(w, 11, cell(min, i));
                    w.uint(10, flags);
                    self.attrs.write(w, 9, id)?;
                    self.exemplars.write(w, 8, id)?;
                    // Go writes a 0.0 bound as a null item: read it back as 0.
                    packed(w, 7, list_items(bounds, i, 0.0), |w, v| w.raw_fixed64(v.to_bits()));
                    packed(w, 6, list_items(buckets, i, 0), RevWriter::raw_fixed64);
                    optional_double(w, 5, cell(sum, i));
                    w.fixed64(4, cell(count, i).unwrap_or(0));
                }
                PointColumns::ExpHistogram { count, sum, scale, zero_count, pos_offset, pos_counts, neg_offset, neg_counts, min, max, zero_threshold } => {
                    optional_double(w, 14, nonzero(cell(zero_threshold, i).unwrap_or(0.0)));
                    optional_double(w, 13, cell(max, i));
                    optional_double(w, 12, cell(min, i));
                    self.exemplars.write(w, 11, id)?;
                    w.uint(10, flags);
                    // A null buckets struct row (or an absent struct) reads as offset 0, no buckets.
                    for (field, offset, counts) in [(9, neg_offset, neg_counts), (8, pos_offset, pos_counts)] {
                        let buckets = w.len();
                        packed(w, 2, list_items(counts, i, 0), RevWriter::varint);
                        w.uint(1, zigzag(cell(offset, i).unwrap_or(0) as i32));
                        w.end_message(field, buckets);
                    }
                    w.fixed64(7, cell(zero_count, i).unwrap_or(0));
                    w.uint(6, zigzag(cell(scale, i).unwrap_or(0) as i32));
                    optional_double(w, 5, cell(sum, i));
                    w.fixed64(4, cell(count, i).unwrap_or(0));
                }
                PointColumns::Summary { count, sum, quantiles } => {
                    w.uint(8, flags);
                    self.attrs.write(w, 7, id)?;
                    if let Some((rows, cols)) = quantiles {
                        if let Some(Some(r)) = rows.get(i) {
                            for k in r.clone().rev() {
                                let q = w.len();
                                // Go writes a 0.0 quantile or value as null: read back as 0.
                                optional_double(w, 2, nonzero(cols[1].get(k).copied().flatten().unwrap_or(0.0)));
                                optional_double(w, 1, nonzero(cols[0].get(k).copied().flatten().unwrap_or(0.0)));
                                w.end_message(6, q);
                            }
                        }
                    }
                    optional_double(w, 5, nonzero(cell(sum, i).unwrap_or(0.0)));
                    w.fixed64(4, cell(count, i).unwrap_or(0));
                }
                PointColumns::Absent => {}
            }
            w.fixed64(3, time);
            w.fixed64(2, start);
            if let PointColumns::ExpHistogram { .. } = self.cols {
                // The one point message whose attributes are field 1.
                self.attrs.write(w, 1, id)?;
            }
            w.end_message(1, mark);
        }
        Ok(())
    }

    /// Points that no metric of a matching type took, then dangling attributes and exemplars.
    fn assert_all_used(&self) -> Res<()> {
        if let (Some(id), Some(view)) = (self.by_metric.first_unused(), self.view) {
            return Err(view.error("parent_id", format!("parent id {id} points at no metric of a matching type in UNIVARIATE_METRICS")));
        }
        let table = self.view.map_or("data points", |v| v.table.as_str());
        self.attrs.assert_all_used(table)?;
        self.exemplars.assert_all_used(table)
    }
}

fn optional_double(w: &mut RevWriter, field: u32, v: Option<f64>) {
    if let Some(v) = v {
        w.double_always(field, v);
    }
}

fn zigzag(v: i32) -> u64 {
    u64::from(((v << 1) ^ (v >> 31)) as u32)
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

/// One exemplar table: rows by their (decoded) parent point id, in table order.
struct Exemplars<'v, 'a> {
    view: Option<&'v TableView<'a>>,
    by_point: Grouped<u32>,
    ids: Vec<Option<i64>>,
    time: Option<Vec<Option<u64>>>,
    span_ids: Option<Vec<Option<&'a [u8]>>>,
    trace_ids: Option<Vec<Option<&'a [u8]>>>,
    values: Vec<NumVal>,
    attrs: AttrRows<'v, 'a>,
}

impl<'v, 'a> Exemplars<'v, 'a> {
    fn new(view: Option<&'v TableView<'a>>, attrs_view: Option<&'v TableView<'a>>) -> Res<Self> {
        let attrs = AttrRows::new(attrs_view, 32)?;
        let mut by_point = Grouped::new();
        let Some(v) = view.filter(|v| v.len > 0) else {
            return Ok(Exemplars { view, by_point, ids: Vec::new(), time: None, span_ids: None, trace_ids: None, values: Vec::new(), attrs });
        };
        let values = exemplar_values(v)?;
        let encoding = v.encoding("parent_id");
        // A Rust sender (encoding metadata present) compares doubles by total order.
        let total_order = encoding == Some("quasidelta");
        let parents = quasi_delta_decode(parent_ids(v)?, encoding, 32, |i| same_value(values[i - 1], values[i], total_order));
        for (i, p) in parents.into_iter().enumerate() {
            by_point.push(p, i as u32);
        }
        Ok(Exemplars {
            view,
            by_point,
            ids: delta_decode(ids_or_null(v, "id")?, v.encoding("id"), 32),
            time: v.u64s("time_unix_nano")?,
            span_ids: v.bytes("span_id")?,
            trace_ids: v.bytes("trace_id")?,
            values,
            attrs,
        })
    }

    /// Writes the exemplars of point `point` as repeated field `field`.
    fn write(&mut self, w: &mut RevWriter, field: u32, point: Option<i64>) -> Res<()> {
        let Some(point) = point else { return Ok(()) };
        for &e in self.by_point.rows(point).iter().rev() {
            let e = e as usize;
            let mark = w.len();
            self.attrs.write(w, 7, self.ids[e])?;
            w.bytes(5, nonzero_id(cell(&self.trace_ids, e)));
            w.bytes(4, nonzero_id(cell(&self.span_ids, e)));
            // prost writes the oneof at its lowest tag's place (3), whichever member is set.
            match self.values[e] {
                NumVal::Int(v) => w.fixed64_always(6, v as u64),
                NumVal::Double(d) => w.double_always(3, d),
                NumVal::None => {}
            }
            w.fixed64(2, cell(&self.time, e).unwrap_or(0));
            w.end_message(field, mark);
        }
        Ok(())
    }

    /// Exemplar attributes with no exemplar, then exemplars with no point of `points_table`.
    fn assert_all_used(&self, points_table: &str) -> Res<()> {
        let table = self.view.map_or("exemplars", |v| v.table.as_str());
        self.attrs.assert_all_used(table)?;
        match (self.view, self.by_point.first_unused()) {
            (Some(v), Some(id)) => Err(v.error("parent_id", format!("parent id {id} points at no row of {points_table}"))),
            _ => Ok(()),
        }
    }
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
