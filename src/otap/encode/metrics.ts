// OTLP metrics -> OTAP tables: the UNIVARIATE_METRICS root, resource/scope (and, on
// request, metric metadata) attributes, one data point table per point kind with its
// attributes, and the exemplar tables of number, histogram and exponential histogram
// points with their attributes.
import type {
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
  NumberValue,
  SummaryDataPoint,
} from '../../otlp/model.js';
import { compareStrings } from '../common/value-compare.js';
import { ArrowPayloadType as T } from '../payload-type.js';
import { MetricTypeCode } from '../schema/metrics-tables.js';
import { AttributeRows } from './attributes.js';
import { idOrZeros, type EncodedTables } from './encoded-tables.js';
import { deltaEncode, quasiDeltaEncode } from './id-encoding.js';
import { assignIds, flattenRoots, writeResourceScopeColumns } from './root-rows.js';
import { TableColumns } from './table-input.js';

export interface MetricsEncodeOptions {
  /** Write `Metric.metadata` as METRIC_ATTRS (the Go consumer rejects that payload type). */
  metadata: boolean;
}

const U32_MAX = 0xffffffff;

/** A data point with the id of its metric, in metric id order. */
interface PointRow<P> {
  parent: number;
  point: P;
}

interface ExemplarRow {
  parent: number;
  exemplar: Exemplar;
}

export function metricsToTables(req: ExportMetricsServiceRequest, options: MetricsEncodeOptions): EncodedTables {
  const flat = flattenRoots(
    req.resourceMetrics,
    (r) => ({ resource: r.resource, schemaUrl: r.schemaUrl, scopes: r.scopeMetrics }),
    (s) => ({ scope: s.scope, schemaUrl: s.schemaUrl, items: s.metrics }),
  );
  // Go order: resource key, scope key, metric type, name (Array.prototype.sort is stable,
  // so ties keep their input order).
  const rows = flat.rows.slice().sort(
    (a, b) =>
      flat.resourceRank[a.res]! - flat.resourceRank[b.res]! ||
      flat.scopeRank[a.scope]! - flat.scopeRank[b.scope]! ||
      MetricTypeCode[a.item.data.type] - MetricTypeCode[b.item.data.type] ||
      compareStrings(a.item.name, b.item.name),
  );
  const n = rows.length;
  const cols = new TableColumns();
  cols.length = n;
  const resourceAttrs = new AttributeRows();
  const scopeAttrs = new AttributeRows();
  const metricAttrs = new AttributeRows();
  writeResourceScopeColumns('UNIVARIATE_METRICS', flat, rows, cols, resourceAttrs, scopeAttrs);

  const metrics: Metric[] = rows.map((r) => r.item);
  // Every metric gets an id (data points hang off it).
  const ids = assignIds(metrics.map(() => true), 0xffff, 'UNIVARIATE_METRICS') as number[];
  cols.values.set('id', deltaEncode(ids));
  cols.values.set('metric_type', metrics.map((m) => MetricTypeCode[m.data.type]));
  cols.values.set('name', metrics.map((m) => m.name));
  cols.values.set('description', metrics.map((m) => m.description));
  cols.values.set('unit', metrics.map((m) => m.unit || null));
  cols.values.set(
    'aggregation_temporality',
    metrics.map((m) =>
      m.data.type === 'sum' || m.data.type === 'histogram' || m.data.type === 'exponentialHistogram'
        ? m.data.aggregationTemporality
        : null,
    ),
  );
  cols.values.set('is_monotonic', metrics.map((m) => (m.data.type === 'sum' ? m.data.isMonotonic : null)));
  if (options.metadata) metrics.forEach((m, i) => metricAttrs.add(ids[i]!, m.metadata));

  // Points are collected in metric row order, i.e. already sorted by parent metric id.
  const numberPoints: PointRow<NumberDataPoint>[] = [];
  const summaryPoints: PointRow<SummaryDataPoint>[] = [];
  const histogramPoints: PointRow<HistogramDataPoint>[] = [];
  const expPoints: PointRow<ExponentialHistogramDataPoint>[] = [];
  metrics.forEach((m, i) => {
    const parent = ids[i]!;
    const d = m.data;
    switch (d.type) {
      case 'gauge':
      case 'sum':
        for (const point of d.dataPoints) numberPoints.push({ parent, point });
        break;
      case 'summary':
        for (const point of d.dataPoints) summaryPoints.push({ parent, point });
        break;
      case 'histogram':
        for (const point of d.dataPoints) histogramPoints.push({ parent, point });
        break;
      case 'exponentialHistogram':
        for (const point of d.dataPoints) expPoints.push({ parent, point });
        break;
      case 'empty':
        break;
    }
  });

  const tables: EncodedTables = [{ type: T.UNIVARIATE_METRICS, input: cols }];
  const push = (type: number, input: TableColumns): void => {
    if (input.length > 0) tables.push({ type, input });
  };
  push(T.RESOURCE_ATTRS, resourceAttrs.toColumns());
  push(T.SCOPE_ATTRS, scopeAttrs.toColumns());
  if (options.metadata) push(T.METRIC_ATTRS, metricAttrs.toColumns());

  const number = pointTable('NUMBER_DATA_POINTS', numberPoints, writeNumberPoints);
  push(T.NUMBER_DATA_POINTS, number.cols);
  push(T.NUMBER_DP_ATTRS, number.attrs.toColumns());
  const numberEx = exemplarTables('NUMBER_DP_EXEMPLARS', number.exemplars);
  push(T.NUMBER_DP_EXEMPLARS, numberEx.cols);
  push(T.NUMBER_DP_EXEMPLAR_ATTRS, numberEx.attrs.toColumns());

  const summary = pointTable('SUMMARY_DATA_POINTS', summaryPoints, writeSummaryPoints);
  push(T.SUMMARY_DATA_POINTS, summary.cols);
  push(T.SUMMARY_DP_ATTRS, summary.attrs.toColumns());

  const histogram = pointTable('HISTOGRAM_DATA_POINTS', histogramPoints, writeHistogramPoints);
  push(T.HISTOGRAM_DATA_POINTS, histogram.cols);
  push(T.HISTOGRAM_DP_ATTRS, histogram.attrs.toColumns());
  const histogramEx = exemplarTables('HISTOGRAM_DP_EXEMPLARS', histogram.exemplars);
  push(T.HISTOGRAM_DP_EXEMPLARS, histogramEx.cols);
  push(T.HISTOGRAM_DP_EXEMPLAR_ATTRS, histogramEx.attrs.toColumns());

  const exp = pointTable('EXP_HISTOGRAM_DATA_POINTS', expPoints, writeExpHistogramPoints);
  push(T.EXP_HISTOGRAM_DATA_POINTS, exp.cols);
  push(T.EXP_HISTOGRAM_DP_ATTRS, exp.attrs.toColumns());
  const expEx = exemplarTables('EXP_HISTOGRAM_DP_EXEMPLARS', exp.exemplars);
  push(T.EXP_HISTOGRAM_DP_EXEMPLARS, expEx.cols);
  push(T.EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS, expEx.attrs.toColumns());
  return tables;
}

// ---------------------------------------------------------------------------------------
// Data points

interface PointTable {
  cols: TableColumns;
  attrs: AttributeRows;
  exemplars: ExemplarRow[];
}

interface CommonPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
  exemplars?: Exemplar[];
}

/** Columns shared by every point table; `write` adds the kind-specific ones. */
function pointTable<P extends CommonPoint>(
  table: string,
  rows: readonly PointRow<P>[],
  write: (points: readonly P[], cols: TableColumns) => void,
): PointTable {
  const cols = new TableColumns();
  cols.length = rows.length;
  const attrs = new AttributeRows();
  const exemplars: ExemplarRow[] = [];
  // Every point gets a dense id (attributes and exemplars hang off it), as in Go.
  const ids = assignIds(rows.map(() => true), U32_MAX, table) as number[];
  rows.forEach((r, i) => {
    attrs.add(ids[i]!, r.point.attributes);
    for (const exemplar of r.point.exemplars ?? []) exemplars.push({ parent: ids[i]!, exemplar });
  });
  const points = rows.map((r) => r.point);
  cols.values.set('id', deltaEncode(ids));
  // Rows are in metric id order, so the parent ids delta-encode to small non-negative steps.
  cols.values.set('parent_id', deltaEncode(rows.map((r) => r.parent)));
  cols.values.set('start_time_unix_nano', points.map((p) => p.startTimeUnixNano));
  cols.values.set('time_unix_nano', points.map((p) => p.timeUnixNano));
  cols.values.set('flags', points.map((p) => p.flags));
  write(points, cols);
  return { cols, attrs, exemplars };
}

function writeNumberPoints(points: readonly NumberDataPoint[], cols: TableColumns): void {
  // Go writes an unset (0) start time of number points as null; null reads back as 0.
  cols.values.set('start_time_unix_nano', points.map((p) => p.startTimeUnixNano || null));
  cols.values.set('int_value', points.map((p) => (p.value.type === 'int' ? p.value.value : null)));
  cols.values.set('double_value', points.map((p) => (p.value.type === 'double' ? p.value.value : null)));
}

// Deviation from Go, on purpose: Go writes a histogram's sum/min/max of exactly 0 as null
// (so "sum = 0, set" comes back as "no sum") and explicit bound 0.0 as a null list item.
// We stay lossless: a defined value is always written, null means undefined only. Go
// consumers read the written values unchanged.
function writeHistogramPoints(points: readonly HistogramDataPoint[], cols: TableColumns): void {
  cols.values.set('count', points.map((p) => p.count));
  cols.values.set('sum', points.map((p) => p.sum ?? null));
  cols.values.set('bucket_counts', points.map((p) => (p.bucketCounts.length > 0 ? p.bucketCounts.slice() : null)));
  cols.values.set('explicit_bounds', points.map((p) => (p.explicitBounds.length > 0 ? p.explicitBounds.slice() : null)));
  cols.values.set('min', points.map((p) => p.min ?? null));
  cols.values.set('max', points.map((p) => p.max ?? null));
}

function writeExpHistogramPoints(points: readonly ExponentialHistogramDataPoint[], cols: TableColumns): void {
  cols.values.set('count', points.map((p) => p.count));
  // Same lossless rule as histograms: 0 is written, null only when undefined.
  cols.values.set('sum', points.map((p) => p.sum ?? null));
  cols.values.set('scale', points.map((p) => p.scale));
  cols.values.set('zero_count', points.map((p) => p.zeroCount));
  writeBuckets('positive', points.map((p) => p.positive), cols);
  writeBuckets('negative', points.map((p) => p.negative), cols);
  cols.values.set('min', points.map((p) => p.min ?? null));
  cols.values.set('max', points.map((p) => p.max ?? null));
  cols.values.set('zero_threshold', points.map((p) => p.zeroThreshold));
}

/** A buckets struct row is null only when the offset is 0 and there are no buckets (Go). */
function writeBuckets(path: string, buckets: readonly ExponentialHistogramBuckets[], cols: TableColumns): void {
  const valid = buckets.map((b) => b.offset !== 0 || b.bucketCounts.length > 0);
  cols.structValidity.set(path, valid);
  cols.values.set(path + '.offset', buckets.map((b, i) => (valid[i] ? b.offset : null)));
  cols.values.set(
    path + '.bucket_counts',
    buckets.map((b) => (b.bucketCounts.length > 0 ? b.bucketCounts.slice() : null)),
  );
}

function writeSummaryPoints(points: readonly SummaryDataPoint[], cols: TableColumns): void {
  cols.values.set('count', points.map((p) => p.count));
  // Go writes sum and quantile/value 0.0 as null (read back as 0); we write the values.
  cols.values.set('sum', points.map((p) => p.sum));
  cols.values.set(
    'quantile',
    points.map((p) =>
      p.quantileValues.length > 0 ? p.quantileValues.map((q) => ({ quantile: q.quantile, value: q.value })) : null,
    ),
  );
}

// ---------------------------------------------------------------------------------------
// Exemplars

/** Value type order of the Go sorter: none < int < double. */
function valueRank(v: NumberValue): number {
  return v.type === 'none' ? 0 : v.type === 'int' ? 1 : 2;
}

function compareValues(a: NumberValue, b: NumberValue): number {
  const rank = valueRank(a) - valueRank(b);
  if (rank !== 0) return rank;
  if (a.type === 'int' && b.type === 'int') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (a.type === 'double' && b.type === 'double') {
    if (a.value < b.value) return -1;
    if (a.value > b.value) return 1;
    // NaN after every number, so the order stays total (Go's sort has no rule for it).
    return Number.isNaN(a.value) ? (Number.isNaN(b.value) ? 0 : 1) : Number.isNaN(b.value) ? -1 : 0;
  }
  return 0;
}

/** The exemplar quasi-delta equality (Go): same type and equal value; none == none; IEEE == for doubles. */
export function sameExemplarValue(a: NumberValue, b: NumberValue): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'none') return true;
  return a.value === (b as typeof a).value;
}

function exemplarTables(table: string, input: readonly ExemplarRow[]): { cols: TableColumns; attrs: AttributeRows } {
  // Sorted by value type, value, then parent point id (stable).
  const rows = input.slice().sort((a, b) => compareValues(a.exemplar.value, b.exemplar.value) || a.parent - b.parent);
  const cols = new TableColumns();
  cols.length = rows.length;
  const attrs = new AttributeRows();
  const exemplars = rows.map((r) => r.exemplar);
  // Only exemplars with filtered attributes need an id.
  const ids = assignIds(exemplars.map((e) => e.filteredAttributes.length > 0), U32_MAX, table);
  exemplars.forEach((e, i) => {
    if (ids[i] != null) attrs.add(ids[i]!, e.filteredAttributes);
  });
  cols.values.set('id', deltaEncode(ids));
  cols.values.set(
    'parent_id',
    quasiDeltaEncode(rows.map((r) => r.parent), (i) => sameExemplarValue(exemplars[i - 1]!.value, exemplars[i]!.value)),
  );
  cols.values.set('time_unix_nano', exemplars.map((e) => e.timeUnixNano));
  cols.values.set('int_value', exemplars.map((e) => (e.value.type === 'int' ? e.value.value : null)));
  cols.values.set('double_value', exemplars.map((e) => (e.value.type === 'double' ? e.value.value : null)));
  cols.values.set('span_id', exemplars.map((e) => idOrZeros(e.spanId, 8)));
  cols.values.set('trace_id', exemplars.map((e) => idOrZeros(e.traceId, 16)));
  return { cols, attrs };
}
