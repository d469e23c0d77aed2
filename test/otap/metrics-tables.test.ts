import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  Exemplar,
  ExponentialHistogramDataPoint,
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  KeyValue,
  Metric,
  MetricData,
  NumberDataPoint,
  NumberValue,
  SummaryDataPoint,
} from '../../src/otlp/model.js';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { metricsToTables } from '../../src/otap/encode/metrics.js';
import type { EncodedTables } from '../../src/otap/encode/encoded-tables.js';
import { TableEncoder } from '../../src/otap/encode/table-encoder.js';
import { tablesToMetrics } from '../../src/otap/decode/metrics.js';
import { TableView } from '../../src/otap/decode/table-view.js';
import { TABLE_SPECS } from '../../src/otap/schema/tables.js';
import { ArrowPayloadType as T } from '../../src/otap/payload-type.js';
import { OtelArrowError } from '../../src/errors.js';
import { metricsRequestArb } from '../support/arbitraries.js';

type Mutate = (type: number, values: Map<string, unknown[]>) => void;

function toViews(tables: EncodedTables, mutate?: Mutate): Map<number, TableView> {
  const views = new Map<number, TableView>();
  for (const { type, input } of tables) {
    const spec = TABLE_SPECS.get(type)!;
    mutate?.(type, input.values as Map<string, unknown[]>);
    views.set(type, new TableView(spec.name, new TableEncoder(spec).encode(input).batch));
  }
  return views;
}

/** Encodes to record batches and decodes them again, without IPC in between. */
function viaTables(req: ExportMetricsServiceRequest, metadata = true, mutate?: Mutate): ExportMetricsServiceRequest {
  return tablesToMetrics(toViews(metricsToTables(req, { metadata }), mutate));
}

function withoutMetadata(req: ExportMetricsServiceRequest): ExportMetricsServiceRequest {
  return {
    resourceMetrics: req.resourceMetrics.map((rm) => ({
      ...rm,
      scopeMetrics: rm.scopeMetrics.map((sm) => ({ ...sm, metrics: sm.metrics.map((m) => ({ ...m, metadata: [] })) })),
    })),
  };
}

function expectRoundTrip(req: ExportMetricsServiceRequest): void {
  expect(canonicalDiff('metrics', req, viaTables(req))).toBeUndefined();
}

function expectInvalid(fn: () => unknown, table: string, column?: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(OtelArrowError);
  expect((err as OtelArrowError).code).toBe('INVALID_PAYLOAD');
  expect((err as OtelArrowError).table).toBe(table);
  if (column) expect((err as OtelArrowError).column).toBe(column);
}

// ---------------------------------------------------------------------------------------
// Builders

const EMPTY = new Uint8Array(0);
const kv = (key: string, value: string): KeyValue => ({ key, value: { type: 'string', value } });
const int = (value: bigint): NumberValue => ({ type: 'int', value });
const dbl = (value: number): NumberValue => ({ type: 'double', value });
const none: NumberValue = { type: 'none' };

const exemplar = (value: NumberValue, over: Partial<Exemplar> = {}): Exemplar => ({
  filteredAttributes: [], timeUnixNano: 5n, value, spanId: EMPTY, traceId: EMPTY, ...over,
});

const numberPoint = (value: NumberValue, over: Partial<NumberDataPoint> = {}): NumberDataPoint => ({
  attributes: [], startTimeUnixNano: 1n, timeUnixNano: 2n, value, exemplars: [], flags: 0, ...over,
});

const histogramPoint = (over: Partial<HistogramDataPoint> = {}): HistogramDataPoint => ({
  attributes: [], startTimeUnixNano: 1n, timeUnixNano: 2n, count: 3n, sum: 4.5, bucketCounts: [1n, 2n],
  explicitBounds: [1.5], exemplars: [], flags: 0, min: 0.5, max: 2.5, ...over,
});

const expPoint = (over: Partial<ExponentialHistogramDataPoint> = {}): ExponentialHistogramDataPoint => ({
  attributes: [], startTimeUnixNano: 1n, timeUnixNano: 2n, count: 3n, sum: 4.5, scale: 2, zeroCount: 1n,
  positive: { offset: 1, bucketCounts: [1n, 1n] }, negative: { offset: 0, bucketCounts: [] }, flags: 0,
  exemplars: [], min: 0.5, max: 2.5, zeroThreshold: 0.001, ...over,
});

const summaryPoint = (over: Partial<SummaryDataPoint> = {}): SummaryDataPoint => ({
  attributes: [], startTimeUnixNano: 1n, timeUnixNano: 2n, count: 3n, sum: 4.5,
  quantileValues: [{ quantile: 0.5, value: 1 }], flags: 0, ...over,
});

const metric = (name: string, data: MetricData, over: Partial<Metric> = {}): Metric => ({
  name, description: '', unit: '', data, metadata: [], ...over,
});

const request = (metrics: Metric[]): ExportMetricsServiceRequest => ({
  resourceMetrics: [{
    resource: { attributes: [kv('service.name', 'svc')], droppedAttributesCount: 0 },
    schemaUrl: '',
    scopeMetrics: [{ scope: { name: 'lib', version: '1', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', metrics }],
  }],
});

const columns = (tables: EncodedTables, type: number) => {
  const t = tables.find((x) => x.type === type);
  if (!t) throw new Error(`no table ${type}`);
  return t.input.values;
};

// ---------------------------------------------------------------------------------------

describe('metrics <-> OTAP tables', () => {
  it('round trips arbitrary requests with metadata (canonical form)', () => {
    fc.assert(
      fc.property(metricsRequestArb, (req) => {
        expect(canonicalDiff('metrics', req, viaTables(req, true))).toBeUndefined();
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 200) },
    );
  });

  it('round trips arbitrary requests without metadata (metadata dropped)', () => {
    fc.assert(
      fc.property(metricsRequestArb, (req) => {
        const tables = metricsToTables(req, { metadata: false });
        expect(tables.some((t) => t.type === T.METRIC_ATTRS)).toBe(false);
        expect(canonicalDiff('metrics', withoutMetadata(req), tablesToMetrics(toViews(tables)))).toBeUndefined();
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 100) },
    );
  });

  it('always writes the root table, even for an empty request', () => {
    const tables = metricsToTables({ resourceMetrics: [] }, { metadata: true });
    expect(tables.map((t) => t.type)).toEqual([T.UNIVARIATE_METRICS]);
    expect(tables[0]!.input.length).toBe(0);
    expect(viaTables({ resourceMetrics: [] })).toEqual({ resourceMetrics: [] });
  });

  it('round trips every metric kind, incl. empty metrics and metrics without points', () => {
    expectRoundTrip(request([
      metric('empty', { type: 'empty' }),
      metric('g', { type: 'gauge', dataPoints: [numberPoint(int(-7n)), numberPoint(dbl(1.25)), numberPoint(none)] }),
      metric('g0', { type: 'gauge', dataPoints: [] }),
      metric('s', { type: 'sum', dataPoints: [numberPoint(int(3n), { startTimeUnixNano: 0n, flags: 1 })], aggregationTemporality: 2, isMonotonic: true }),
      metric('s0', { type: 'sum', dataPoints: [numberPoint(dbl(0))], aggregationTemporality: 0, isMonotonic: false }),
      metric('h', { type: 'histogram', dataPoints: [histogramPoint(), histogramPoint({ bucketCounts: [], explicitBounds: [] })], aggregationTemporality: 1 }),
      metric('e', { type: 'exponentialHistogram', dataPoints: [expPoint()], aggregationTemporality: 2 }),
      metric('q', { type: 'summary', dataPoints: [summaryPoint(), summaryPoint({ quantileValues: [] })] }),
    ]));
  });

  it('writes the metric columns per type (name/description as is, unit "" -> null)', () => {
    const tables = metricsToTables(request([
      metric('', { type: 'sum', dataPoints: [], aggregationTemporality: 0, isMonotonic: false }, { unit: '' }),
      metric('g', { type: 'gauge', dataPoints: [] }, { description: '', unit: 's' }),
      metric('q', { type: 'summary', dataPoints: [] }),
      metric('e', { type: 'exponentialHistogram', dataPoints: [], aggregationTemporality: 1 }),
      metric('h', { type: 'histogram', dataPoints: [], aggregationTemporality: 2 }),
      metric('x', { type: 'empty' }),
    ]), { metadata: false });
    const m = columns(tables, T.UNIVARIATE_METRICS);
    // Sorted by metric type, then name.
    expect(m.get('metric_type')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(m.get('name')).toEqual(['x', 'g', '', 'h', 'e', 'q']);
    expect(m.get('id')).toEqual([0, 1, 1, 1, 1, 1]);
    expect(m.get('description')).toEqual(['', '', '', '', '', '']);
    expect(m.get('unit')).toEqual([null, 's', null, null, null, null]);
    expect(m.get('aggregation_temporality')).toEqual([null, null, 0, 2, 1, null]);
    expect(m.get('is_monotonic')).toEqual([null, null, false, null, null, null]);
  });

  it('sorts metrics by resource, scope, type and name', () => {
    const scope = (name: string) => ({ name, version: '', attributes: [], droppedAttributesCount: 0 });
    const req: ExportMetricsServiceRequest = {
      resourceMetrics: [
        {
          resource: { attributes: [kv('r', 'b')], droppedAttributesCount: 0 }, schemaUrl: '',
          scopeMetrics: [
            { scope: scope('s2'), schemaUrl: '', metrics: [metric('b', { type: 'gauge', dataPoints: [] }), metric('a', { type: 'sum', dataPoints: [], aggregationTemporality: 1, isMonotonic: true })] },
            { scope: scope('s1'), schemaUrl: '', metrics: [metric('z', { type: 'gauge', dataPoints: [] }), metric('a', { type: 'gauge', dataPoints: [] })] },
          ],
        },
        {
          resource: { attributes: [kv('r', 'a')], droppedAttributesCount: 0 }, schemaUrl: '',
          scopeMetrics: [{ scope: scope('s2'), schemaUrl: '', metrics: [metric('m', { type: 'gauge', dataPoints: [] })] }],
        },
      ],
    };
    const tables = metricsToTables(req, { metadata: false });
    const m = columns(tables, T.UNIVARIATE_METRICS);
    expect(m.get('name')).toEqual(['m', 'a', 'z', 'b', 'a']);
    expect(m.get('resource.id')).toEqual([0, 1, 0, 0, 0]);
    expect(m.get('scope.id')).toEqual([0, 1, 0, 1, 0]);
    expectRoundTrip(req);
  });

  it('writes exact point ids, parent deltas and exemplar quasi-deltas on a small example', () => {
    const a = [kv('k', 'v')];
    const req = request([
      metric('m0', { type: 'gauge', dataPoints: [
        numberPoint(int(1n), { exemplars: [exemplar(dbl(2.5)), exemplar(int(4n), { filteredAttributes: a })] }),
        numberPoint(dbl(2), { attributes: a }),
      ] }),
      metric('m1', { type: 'gauge', dataPoints: [] }),
      metric('m2', { type: 'gauge', dataPoints: [
        numberPoint(none, { startTimeUnixNano: 0n, exemplars: [exemplar(int(4n)), exemplar(none), exemplar(dbl(2.5), { filteredAttributes: a })] }),
      ] }),
      metric('m3', { type: 'sum', dataPoints: [numberPoint(int(9n), { exemplars: [exemplar(none, { filteredAttributes: a })] })], aggregationTemporality: 1, isMonotonic: false }),
    ]);
    const tables = metricsToTables(req, { metadata: true });
    expect(tables.map((t) => t.type)).toEqual([
      // No SCOPE_ATTRS (the scope has no attributes) and no METRIC_ATTRS (no metadata).
      T.UNIVARIATE_METRICS, T.RESOURCE_ATTRS,
      T.NUMBER_DATA_POINTS, T.NUMBER_DP_ATTRS, T.NUMBER_DP_EXEMPLARS, T.NUMBER_DP_EXEMPLAR_ATTRS,
    ]);
    expect(columns(tables, T.UNIVARIATE_METRICS).get('id')).toEqual([0, 1, 1, 1]);
    const p = columns(tables, T.NUMBER_DATA_POINTS);
    expect(p.get('id')).toEqual([0, 1, 1, 1]);
    // Parent metric ids 0,0,2,3 delta-encoded.
    expect(p.get('parent_id')).toEqual([0, 0, 2, 1]);
    expect(p.get('start_time_unix_nano')).toEqual([1n, 1n, null, 1n]);
    expect(p.get('int_value')).toEqual([1n, null, null, 9n]);
    expect(p.get('double_value')).toEqual([null, 2, null, null]);
    expect(columns(tables, T.NUMBER_DP_ATTRS).get('parent_id')).toEqual([1]);
    const e = columns(tables, T.NUMBER_DP_EXEMPLARS);
    // Sorted: none(p2), none(p3), int 4 (p0), int 4 (p2), double 2.5 (p0), double 2.5 (p2).
    expect(e.get('int_value')).toEqual([null, null, 4n, 4n, null, null]);
    expect(e.get('double_value')).toEqual([null, null, null, null, 2.5, 2.5]);
    // Parent point ids 2,3 | 0,2 | 0,2: first of each value group absolute, then deltas.
    expect(e.get('parent_id')).toEqual([2, 1, 0, 2, 0, 2]);
    // Ids only for exemplars with attributes (rows 1, 2, 5): 0,1,2 delta-encoded.
    expect(e.get('id')).toEqual([null, 0, 1, null, null, 1]);
    expect(e.get('span_id')).toEqual(Array(6).fill(new Uint8Array(8)));
    expect(e.get('trace_id')).toEqual(Array(6).fill(new Uint8Array(16)));
    // Exemplar attributes: same key/value on exemplars 0,1,2 -> quasi-delta 0,1,1.
    expect(columns(tables, T.NUMBER_DP_EXEMPLAR_ATTRS).get('parent_id')).toEqual([0, 1, 1]);
    expectRoundTrip(req);
  });

  it('orders exemplar payloads as Go and skips empty child tables', () => {
    const a = [kv('k', 'v')];
    const ex = [exemplar(int(1n), { filteredAttributes: a })];
    const req = request([
      metric('e', { type: 'exponentialHistogram', dataPoints: [expPoint({ exemplars: ex, attributes: a })], aggregationTemporality: 1 }),
      metric('h', { type: 'histogram', dataPoints: [histogramPoint({ exemplars: ex, attributes: a })], aggregationTemporality: 1 }),
      metric('q', { type: 'summary', dataPoints: [summaryPoint({ attributes: a })] }),
      metric('g', { type: 'gauge', dataPoints: [numberPoint(int(1n), { exemplars: ex, attributes: a })] }, { metadata: a }),
    ]);
    expect(metricsToTables(req, { metadata: true }).map((t) => t.type)).toEqual([
      T.UNIVARIATE_METRICS, T.RESOURCE_ATTRS, T.METRIC_ATTRS,
      T.NUMBER_DATA_POINTS, T.NUMBER_DP_ATTRS, T.NUMBER_DP_EXEMPLARS, T.NUMBER_DP_EXEMPLAR_ATTRS,
      T.SUMMARY_DATA_POINTS, T.SUMMARY_DP_ATTRS,
      T.HISTOGRAM_DATA_POINTS, T.HISTOGRAM_DP_ATTRS, T.HISTOGRAM_DP_EXEMPLARS, T.HISTOGRAM_DP_EXEMPLAR_ATTRS,
      T.EXP_HISTOGRAM_DATA_POINTS, T.EXP_HISTOGRAM_DP_ATTRS, T.EXP_HISTOGRAM_DP_EXEMPLARS, T.EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS,
    ]);
    expect(metricsToTables(req, { metadata: false }).some((t) => t.type === T.METRIC_ATTRS)).toBe(false);
    expectRoundTrip(req);
    const decoded = viaTables(req, false);
    expect(decoded.resourceMetrics[0]!.scopeMetrics[0]!.metrics.every((m) => m.metadata.length === 0)).toBe(true);
  });

  it('keeps histogram sum/min/max 0 apart from undefined and writes 0.0 bounds', () => {
    const points = [
      histogramPoint({ sum: 0, min: 0, max: 0, explicitBounds: [0, -0, 1] }),
      histogramPoint({ sum: undefined, min: undefined, max: undefined }),
      histogramPoint({ sum: -0, min: -1.5, max: 0 }),
    ];
    const req = request([metric('h', { type: 'histogram', dataPoints: points, aggregationTemporality: 0 })]);
    const h = columns(metricsToTables(req, { metadata: false }), T.HISTOGRAM_DATA_POINTS);
    expect(h.get('sum')).toEqual([0, null, -0]);
    expect(h.get('min')).toEqual([0, null, -1.5]);
    expect(h.get('max')).toEqual([0, null, 0]);
    expect(h.get('explicit_bounds')).toEqual([[0, -0, 1], [1.5], [1.5]]);
    expectRoundTrip(req);
    const got = viaTables(req).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.data;
    expect(got.type === 'histogram' && got.dataPoints.map((p) => p.sum)).toEqual([0, undefined, -0]);
  });

  it('reads Go-style null histogram sum/min/max as undefined and null bounds/buckets as 0', () => {
    const req = request([metric('h', { type: 'histogram', dataPoints: [histogramPoint({ sum: 1, min: 1, max: 1, explicitBounds: [1, 2], bucketCounts: [1n, 2n, 3n] })], aggregationTemporality: 2 })]);
    const got = viaTables(req, false, (type, values) => {
      if (type !== T.HISTOGRAM_DATA_POINTS) return;
      values.set('sum', [null]);
      values.set('min', [null]);
      values.set('max', [null]);
      values.set('explicit_bounds', [[null, 2]]);
      values.set('bucket_counts', [[1n, null, 3n]]);
      values.delete('count');
      values.delete('flags');
      values.delete('start_time_unix_nano');
    });
    const d = got.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.data;
    expect(d.type).toBe('histogram');
    if (d.type !== 'histogram') return;
    const p = d.dataPoints[0]!;
    expect([p.sum, p.min, p.max]).toEqual([undefined, undefined, undefined]);
    expect(p.explicitBounds).toEqual([0, 2]);
    expect(p.bucketCounts).toEqual([1n, 0n, 3n]);
    expect([p.count, p.flags, p.startTimeUnixNano]).toEqual([0n, 0, 0n]);
  });

  it('round trips exponential histograms with negative offsets and only-negative buckets', () => {
    const points = [
      expPoint({ positive: { offset: -5, bucketCounts: [1n, 2n] }, negative: { offset: -3, bucketCounts: [] } }),
      expPoint({ positive: { offset: 0, bucketCounts: [] }, negative: { offset: -2, bucketCounts: [4n, 0n, 7n] } }),
      expPoint({ positive: { offset: 0, bucketCounts: [] }, negative: { offset: 0, bucketCounts: [] }, scale: 0, zeroCount: 0n, sum: 0, min: 0, max: undefined, zeroThreshold: 0 }),
      expPoint({ positive: { offset: 0, bucketCounts: [3n] }, negative: { offset: 2 ** 31 - 1, bucketCounts: [] }, scale: -10 }),
    ];
    const req = request([metric('e', { type: 'exponentialHistogram', dataPoints: points, aggregationTemporality: 1 })]);
    const tables = metricsToTables(req, { metadata: false });
    const e = tables.find((t) => t.type === T.EXP_HISTOGRAM_DATA_POINTS)!.input;
    expect(e.structValidity?.get('positive')).toEqual([true, false, false, true]);
    expect(e.structValidity?.get('negative')).toEqual([true, true, false, true]);
    expect(e.values.get('negative.offset')).toEqual([-3, -2, null, 2 ** 31 - 1]);
    expect(e.values.get('negative.bucket_counts')).toEqual([null, [4n, 0n, 7n], null, null]);
    expect(e.values.get('sum')).toEqual([4.5, 4.5, 0, 4.5]);
    expectRoundTrip(req);
  });

  it('round trips summary quantile 0.0 and value 0.0, and reads null ones as 0', () => {
    const req = request([metric('q', { type: 'summary', dataPoints: [
      summaryPoint({ sum: 0, quantileValues: [{ quantile: 0, value: 0 }, { quantile: 1, value: -0 }, { quantile: 0.5, value: 3 }] }),
    ] })]);
    const q = columns(metricsToTables(req, { metadata: false }), T.SUMMARY_DATA_POINTS);
    expect(q.get('quantile')).toEqual([[{ quantile: 0, value: 0 }, { quantile: 1, value: -0 }, { quantile: 0.5, value: 3 }]]);
    expect(q.get('sum')).toEqual([0]);
    expectRoundTrip(req);
    const goStyle = viaTables(req, false, (type, values) => {
      if (type !== T.SUMMARY_DATA_POINTS) return;
      values.set('sum', [null]);
      values.set('quantile', [[{ quantile: null, value: null }, { quantile: 1, value: null }]]);
    });
    const d = goStyle.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.data;
    expect(d.type === 'summary' && d.dataPoints[0]).toMatchObject({ sum: 0, quantileValues: [{ quantile: 0, value: 0 }, { quantile: 1, value: 0 }] });
  });

  it('round trips int/double/none exemplars with and without attributes on all three exemplar tables', () => {
    const a = [kv('k', 'v')];
    const b = [kv('k', 'w'), { key: 'n', value: { type: 'int' as const, value: 1n } }];
    const span = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const trace = new Uint8Array(16).fill(9);
    const exemplars = (): Exemplar[] => [
      exemplar(int(-3n)), exemplar(int(-3n), { filteredAttributes: a }), exemplar(int(2n ** 62n), { spanId: span, traceId: trace }),
      exemplar(dbl(0)), exemplar(dbl(-0), { filteredAttributes: b }), exemplar(dbl(NaN)), exemplar(dbl(NaN), { filteredAttributes: a }),
      exemplar(dbl(Infinity)), exemplar(none), exemplar(none, { filteredAttributes: a }), exemplar(none, { timeUnixNano: 0n }),
    ];
    const req = request([
      metric('g', { type: 'gauge', dataPoints: [numberPoint(int(1n), { exemplars: exemplars() }), numberPoint(none, { exemplars: exemplars().slice(3) })] }),
      metric('s', { type: 'sum', dataPoints: [numberPoint(dbl(1), { exemplars: exemplars() })], aggregationTemporality: 2, isMonotonic: true }),
      metric('h', { type: 'histogram', dataPoints: [histogramPoint({ exemplars: exemplars() }), histogramPoint({ exemplars: exemplars().slice(5) })], aggregationTemporality: 1 }),
      metric('e', { type: 'exponentialHistogram', dataPoints: [expPoint({ exemplars: exemplars() }), expPoint({ exemplars: exemplars().slice(2) })], aggregationTemporality: 1 }),
    ]);
    const tables = metricsToTables(req, { metadata: false });
    for (const type of [T.NUMBER_DP_EXEMPLARS, T.HISTOGRAM_DP_EXEMPLARS, T.EXP_HISTOGRAM_DP_EXEMPLARS,
      T.NUMBER_DP_EXEMPLAR_ATTRS, T.HISTOGRAM_DP_EXEMPLAR_ATTRS, T.EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS]) {
      expect(tables.some((t) => t.type === type)).toBe(true);
    }
    expectRoundTrip(req);
  });

  it('uses Go exemplar quasi-delta equality: -0 == 0, NaN != NaN, none == none', () => {
    const req = request([metric('g', { type: 'gauge', dataPoints: [
      numberPoint(int(1n), { exemplars: [exemplar(dbl(NaN)), exemplar(dbl(0)), exemplar(none)] }),
      numberPoint(int(1n), { exemplars: [exemplar(dbl(NaN)), exemplar(dbl(-0)), exemplar(none)] }),
      numberPoint(int(1n), { exemplars: [exemplar(dbl(NaN)), exemplar(none)] }),
    ] })]);
    const e = columns(metricsToTables(req, { metadata: false }), T.NUMBER_DP_EXEMPLARS);
    // none: p0,p1,p2 -> 0,1,1; doubles 0/-0: p0,p1 -> 0,1; NaN: absolute each time.
    expect(e.get('parent_id')).toEqual([0, 1, 1, 0, 1, 0, 1, 2]);
    expectRoundTrip(req);
  });

  it('rejects a data point whose parent_id points at no metric', () => {
    const req = request([metric('g', { type: 'gauge', dataPoints: [numberPoint(int(1n))] })]);
    expectInvalid(
      () => viaTables(req, false, (type, values) => {
        if (type === T.NUMBER_DATA_POINTS) values.set('parent_id', [5]);
      }),
      'NUMBER_DATA_POINTS',
      'parent_id',
    );
  });

  it('rejects number points that hang off a histogram metric', () => {
    const req = request([
      metric('g', { type: 'gauge', dataPoints: [numberPoint(int(1n))] }),
      metric('h', { type: 'histogram', dataPoints: [], aggregationTemporality: 1 }),
    ]);
    expectInvalid(
      () => viaTables(req, false, (type, values) => {
        if (type === T.NUMBER_DATA_POINTS) values.set('parent_id', [1]);
      }),
      'NUMBER_DATA_POINTS',
      'parent_id',
    );
  });

  it('rejects dangling exemplar, point attribute and exemplar attribute parents', () => {
    const a = [kv('k', 'v')];
    const req = request([metric('h', { type: 'histogram', aggregationTemporality: 1, dataPoints: [
      histogramPoint({ attributes: a, exemplars: [exemplar(int(1n), { filteredAttributes: a })] }),
    ] })]);
    expect(canonicalDiff('metrics', req, viaTables(req))).toBeUndefined();
    const set = (table: number, path: string, value: unknown[]) => () =>
      viaTables(req, false, (type, values) => {
        if (type === table) values.set(path, value);
      });
    expectInvalid(set(T.HISTOGRAM_DP_EXEMPLARS, 'parent_id', [3]), 'HISTOGRAM_DP_EXEMPLARS', 'parent_id');
    expectInvalid(set(T.HISTOGRAM_DP_ATTRS, 'parent_id', [3]), 'HISTOGRAM_DP_ATTRS', 'parent_id');
    expectInvalid(set(T.HISTOGRAM_DP_EXEMPLAR_ATTRS, 'parent_id', [3]), 'HISTOGRAM_DP_EXEMPLAR_ATTRS', 'parent_id');
  });

  it('rejects dangling metric metadata parents', () => {
    const req = request([metric('g', { type: 'gauge', dataPoints: [] }, { metadata: [kv('m', 'x')] })]);
    expectInvalid(
      () => viaTables(req, true, (type, values) => {
        if (type === T.METRIC_ATTRS) values.set('parent_id', [9]);
      }),
      'METRIC_ATTRS',
      'parent_id',
    );
  });

  it('rejects a metric_type outside 0..5', () => {
    const req = request([metric('g', { type: 'gauge', dataPoints: [] })]);
    expectInvalid(
      () => viaTables(req, false, (type, values) => {
        if (type === T.UNIVARIATE_METRICS) values.set('metric_type', [6]);
      }),
      'UNIVARIATE_METRICS',
      'metric_type',
    );
  });
});
