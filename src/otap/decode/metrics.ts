// OTAP tables -> OTLP metrics.
import type {
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  KeyValue,
  Metric,
  MetricData,
  NumberDataPoint,
  NumberValue,
  SummaryDataPoint,
  ValueAtQuantile,
} from '../../otlp/model.js';
import { ArrowPayloadType as T } from '../payload-type.js';
import { MetricTypeCode } from '../schema/metrics-tables.js';
import { attributesOf, assertAllUsed, decodeAttributes, nonNull, type AttributesByParent } from './attributes.js';
import { deltaDecode, quasiDeltaDecode } from './id-decoding.js';
import { emptyIfZero } from './ids.js';
import { groupRoots } from './root-groups.js';
import type { TableView } from './table-view.js';

export function tablesToMetrics(tables: ReadonlyMap<number, TableView>): ExportMetricsServiceRequest {
  const root = tables.get(T.UNIVARIATE_METRICS);
  if (!root || root.length === 0) return { resourceMetrics: [] };
  const n = root.length;
  const ids = deltaDecode(root.required('id', root.numbers('id')), root.field('id'), 16);
  const types = root.required('metric_type', root.numbers('metric_type'));
  const names = root.strings('name');
  const descriptions = root.strings('description');
  const units = root.strings('unit');
  const temporality = root.numbers('aggregation_temporality');
  const monotonic = root.bools('is_monotonic');
  for (let i = 0; i < n; i++) {
    const t = types[i];
    if (t == null || !Number.isInteger(t) || t < MetricTypeCode.empty || t > MetricTypeCode.summary) {
      throw root.error('metric_type', `row ${i}: metric type ${t} is not one of 0..5`);
    }
  }

  const metricAttrsView = tables.get(T.METRIC_ATTRS);
  const metricAttrs = decodeAttributes(metricAttrsView, 16);
  const usedMetricAttrs = new Set<number>();

  const number = decodePoints(tables, T.NUMBER_DATA_POINTS, T.NUMBER_DP_ATTRS, T.NUMBER_DP_EXEMPLARS, T.NUMBER_DP_EXEMPLAR_ATTRS, numberPoint);
  const summary = decodePoints(tables, T.SUMMARY_DATA_POINTS, T.SUMMARY_DP_ATTRS, undefined, undefined, summaryPoint);
  const histogram = decodePoints(
    tables, T.HISTOGRAM_DATA_POINTS, T.HISTOGRAM_DP_ATTRS, T.HISTOGRAM_DP_EXEMPLARS, T.HISTOGRAM_DP_EXEMPLAR_ATTRS, histogramPoint,
  );
  const exp = decodePoints(
    tables, T.EXP_HISTOGRAM_DATA_POINTS, T.EXP_HISTOGRAM_DP_ATTRS, T.EXP_HISTOGRAM_DP_EXEMPLARS, T.EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS,
    expHistogramPoint,
  );

  const data = (i: number): MetricData => {
    const id = ids[i];
    const temp = temporality?.[i] ?? 0;
    switch (types[i]) {
      case MetricTypeCode.gauge:
        return { type: 'gauge', dataPoints: number.take(id) };
      case MetricTypeCode.sum:
        return { type: 'sum', dataPoints: number.take(id), aggregationTemporality: temp, isMonotonic: monotonic?.[i] ?? false };
      case MetricTypeCode.histogram:
        return { type: 'histogram', dataPoints: histogram.take(id), aggregationTemporality: temp };
      case MetricTypeCode.exponentialHistogram:
        return { type: 'exponentialHistogram', dataPoints: exp.take(id), aggregationTemporality: temp };
      case MetricTypeCode.summary:
        return { type: 'summary', dataPoints: summary.take(id) };
      default:
        return { type: 'empty' };
    }
  };

  const metric = (i: number): Metric => ({
    // Go writes an empty name as a null in the non-null column: read it back as "".
    name: names?.[i] ?? '',
    description: descriptions?.[i] ?? '',
    unit: units?.[i] ?? '',
    data: data(i),
    metadata: attributesOf(metricAttrs, usedMetricAttrs, ids[i]),
  });

  const groups = groupRoots(root, tables.get(T.RESOURCE_ATTRS), tables.get(T.SCOPE_ATTRS));
  const out: ExportMetricsServiceRequest = {
    resourceMetrics: groups.map((g) => ({
      resource: g.resource,
      schemaUrl: g.schemaUrl,
      scopeMetrics: g.scopes.map((s) => ({ scope: s.scope, schemaUrl: s.schemaUrl, metrics: s.rows.map(metric) })),
    })),
  };
  assertAllUsed(metricAttrs, usedMetricAttrs, metricAttrsView, 'UNIVARIATE_METRICS');
  for (const points of [number, summary, histogram, exp]) points.assertAllTaken();
  return out;
}

// ---------------------------------------------------------------------------------------
// Data points

/** Per-row readers of one point table; `at(i, attributes, exemplars)` builds point i. */
type PointReader<P> = (view: TableView) => (i: number, attributes: KeyValue[], exemplars: Exemplar[]) => P;

class PointsByMetric<P> {
  private readonly byParent = new Map<number, P[]>();
  private readonly taken = new Set<number>();
  constructor(private readonly view: TableView | undefined) {}

  add(parent: number, point: P): void {
    let list = this.byParent.get(parent);
    if (!list) this.byParent.set(parent, (list = []));
    list.push(point);
  }

  /** The points of metric `id` (a fresh array). */
  take(id: number | null | undefined): P[] {
    if (id == null) return [];
    const list = this.byParent.get(id);
    if (!list) return [];
    this.taken.add(id);
    return list.slice();
  }

  /** Points whose parent id matches no metric of this kind are an error. */
  assertAllTaken(): void {
    if (!this.view) return;
    for (const id of this.byParent.keys()) {
      if (!this.taken.has(id)) {
        throw this.view.error('parent_id', `parent id ${id} points at no metric of a matching type in UNIVARIATE_METRICS`);
      }
    }
  }
}

function decodePoints<P>(
  tables: ReadonlyMap<number, TableView>,
  pointsType: number,
  attrsType: number,
  exemplarsType: number | undefined,
  exemplarAttrsType: number | undefined,
  reader: PointReader<P>,
): PointsByMetric<P> {
  const view = tables.get(pointsType);
  const out = new PointsByMetric<P>(view);
  const attrsView = tables.get(attrsType);
  const attrs = decodeAttributes(attrsView, 32);
  const exemplarsView = exemplarsType === undefined ? undefined : tables.get(exemplarsType);
  const exemplarAttrsView = exemplarAttrsType === undefined ? undefined : tables.get(exemplarAttrsType);
  const exemplars = decodeExemplars(exemplarsView, exemplarAttrsView);
  const usedAttrs = new Set<number>();
  const usedExemplars = new Set<number>();
  if (view && view.length > 0) {
    const n = view.length;
    const ids = deltaDecode(view.numbers('id') ?? new Array(n).fill(null), view.field('id'), 32);
    const parents = deltaDecode(
      nonNull(view, 'parent_id', view.required('parent_id', view.numbers('parent_id'))),
      view.field('parent_id'),
      16,
    );
    const at = reader(view);
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      const ex = id == null ? [] : exemplars.get(id);
      if (ex && id != null) usedExemplars.add(id);
      out.add(parents[i]!, at(i, attributesOf(attrs, usedAttrs, id), ex ? ex.slice() : []));
    }
  }
  const table = view?.table ?? 'data points';
  assertAllUsed(attrs, usedAttrs, attrsView, table);
  if (exemplarsView) {
    for (const id of exemplars.keys()) {
      if (!usedExemplars.has(id)) throw exemplarsView.error('parent_id', `parent id ${id} points at no row of ${table}`);
    }
  }
  return out;
}

function numberPoint(view: TableView): (i: number, attributes: KeyValue[], exemplars: Exemplar[]) => NumberDataPoint {
  const start = view.bigints('start_time_unix_nano');
  const time = view.bigints('time_unix_nano');
  const ints = view.bigints('int_value');
  const doubles = view.numbers('double_value');
  const flags = view.numbers('flags');
  return (i, attributes, exemplars) => ({
    attributes,
    startTimeUnixNano: start?.[i] ?? 0n,
    timeUnixNano: time?.[i] ?? 0n,
    value: numberValue(ints?.[i], doubles?.[i]),
    exemplars,
    flags: flags?.[i] ?? 0,
  });
}

function histogramPoint(view: TableView): (i: number, attributes: KeyValue[], exemplars: Exemplar[]) => HistogramDataPoint {
  const start = view.bigints('start_time_unix_nano');
  const time = view.bigints('time_unix_nano');
  const count = view.bigints('count');
  const sum = view.numbers('sum');
  const buckets = view.list('bucket_counts', 'bigint');
  const bounds = view.list('explicit_bounds', 'number');
  const flags = view.numbers('flags');
  const min = view.numbers('min');
  const max = view.numbers('max');
  return (i, attributes, exemplars) => ({
    attributes,
    startTimeUnixNano: start?.[i] ?? 0n,
    timeUnixNano: time?.[i] ?? 0n,
    count: count?.[i] ?? 0n,
    sum: sum?.[i] ?? undefined,
    bucketCounts: bigintItems(buckets?.[i]),
    // Go writes a 0.0 bound as a null item: read it back as 0.
    explicitBounds: numberItems(bounds?.[i]),
    exemplars,
    flags: flags?.[i] ?? 0,
    min: min?.[i] ?? undefined,
    max: max?.[i] ?? undefined,
  });
}

function expHistogramPoint(
  view: TableView,
): (i: number, attributes: KeyValue[], exemplars: Exemplar[]) => ExponentialHistogramDataPoint {
  const start = view.bigints('start_time_unix_nano');
  const time = view.bigints('time_unix_nano');
  const count = view.bigints('count');
  const sum = view.numbers('sum');
  const scale = view.numbers('scale');
  const zeroCount = view.bigints('zero_count');
  const positive = bucketsReader(view, 'positive');
  const negative = bucketsReader(view, 'negative');
  const flags = view.numbers('flags');
  const min = view.numbers('min');
  const max = view.numbers('max');
  const zeroThreshold = view.numbers('zero_threshold');
  return (i, attributes, exemplars) => ({
    attributes,
    startTimeUnixNano: start?.[i] ?? 0n,
    timeUnixNano: time?.[i] ?? 0n,
    count: count?.[i] ?? 0n,
    sum: sum?.[i] ?? undefined,
    scale: scale?.[i] ?? 0,
    zeroCount: zeroCount?.[i] ?? 0n,
    positive: positive(i),
    negative: negative(i),
    flags: flags?.[i] ?? 0,
    exemplars,
    min: min?.[i] ?? undefined,
    max: max?.[i] ?? undefined,
    zeroThreshold: zeroThreshold?.[i] ?? 0,
  });
}

/** A null buckets struct row (or an absent struct) reads as offset 0, no buckets. */
function bucketsReader(view: TableView, path: string): (i: number) => ExponentialHistogramBuckets {
  const offset = view.numbers(path + '.offset');
  const counts = view.list(path + '.bucket_counts', 'bigint');
  return (i) => ({ offset: offset?.[i] ?? 0, bucketCounts: bigintItems(counts?.[i]) });
}

function summaryPoint(view: TableView): (i: number, attributes: KeyValue[]) => SummaryDataPoint {
  const start = view.bigints('start_time_unix_nano');
  const time = view.bigints('time_unix_nano');
  const count = view.bigints('count');
  const sum = view.numbers('sum');
  const quantiles = view.list('quantile', { quantile: 'number', value: 'number' });
  const flags = view.numbers('flags');
  return (i, attributes) => ({
    attributes,
    startTimeUnixNano: start?.[i] ?? 0n,
    timeUnixNano: time?.[i] ?? 0n,
    count: count?.[i] ?? 0n,
    // Go writes a 0.0 sum, quantile or value as null: read back as 0.
    sum: sum?.[i] ?? 0,
    quantileValues: (quantiles?.[i] ?? []).map((item): ValueAtQuantile => {
      const rec = item as { quantile?: number | null; value?: number | null };
      return { quantile: rec.quantile ?? 0, value: rec.value ?? 0 };
    }),
    flags: flags?.[i] ?? 0,
  });
}

function bigintItems(items: unknown[] | null | undefined): bigint[] {
  return items ? items.map((v) => (v as bigint | null) ?? 0n) : [];
}

function numberItems(items: unknown[] | null | undefined): number[] {
  return items ? items.map((v) => (v as number | null) ?? 0) : [];
}

function numberValue(int: bigint | null | undefined, dbl: number | null | undefined): NumberValue {
  if (int != null) return { type: 'int', value: int };
  if (dbl != null) return { type: 'double', value: dbl };
  return { type: 'none' };
}

// ---------------------------------------------------------------------------------------
// Exemplars

/** Exemplars of one table grouped by their (decoded) parent point id, in table order. */
function decodeExemplars(view: TableView | undefined, attrsView: TableView | undefined): Map<number, Exemplar[]> {
  const out = new Map<number, Exemplar[]>();
  const attrs: AttributesByParent = decodeAttributes(attrsView, 32);
  const usedAttrs = new Set<number>();
  if (view && view.length > 0) {
    const n = view.length;
    const ids = deltaDecode(view.numbers('id') ?? new Array(n).fill(null), view.field('id'), 32);
    const time = view.bigints('time_unix_nano');
    const ints = view.bigints('int_value');
    const doubles = view.numbers('double_value');
    const spanIds = view.bytes('span_id');
    const traceIds = view.bytes('trace_id');
    const values = Array.from({ length: n }, (_, i) => numberValue(ints?.[i], doubles?.[i]));
    const field = view.field('parent_id');
    // A Rust sender (encoding metadata present) compares doubles by total order.
    const totalOrder = field?.metadata?.get('encoding') === 'quasidelta';
    const parents = quasiDeltaDecode(
      nonNull(view, 'parent_id', view.required('parent_id', view.numbers('parent_id'))),
      field,
      (i) => sameValue(values[i - 1]!, values[i]!, totalOrder),
      32,
    );
    for (let i = 0; i < n; i++) {
      const exemplar: Exemplar = {
        filteredAttributes: attributesOf(attrs, usedAttrs, ids[i]),
        timeUnixNano: time?.[i] ?? 0n,
        value: values[i]!,
        spanId: emptyIfZero(spanIds?.[i]),
        traceId: emptyIfZero(traceIds?.[i]),
      };
      const p = parents[i]!;
      let list = out.get(p);
      if (!list) out.set(p, (list = []));
      list.push(exemplar);
    }
  }
  assertAllUsed(attrs, usedAttrs, attrsView, view?.table ?? 'exemplars');
  return out;
}

/** Go: same value type and equal value (IEEE == for doubles); two value-less exemplars are equal. */
function sameValue(a: NumberValue, b: NumberValue, totalOrder: boolean): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'none') return true;
  if (a.type === 'double' && totalOrder) return Object.is(a.value, (b as typeof a).value);
  return a.value === (b as typeof a).value;
}
