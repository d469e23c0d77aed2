// The metrics SDK's ResourceMetrics as an OTLP ExportMetricsServiceRequest, mapped as the
// OTLP JS exporters map it (SDK temporality DELTA = 0 / CUMULATIVE = 1 -> OTLP 1 / 2; INT
// instruments send as_int; data point types HISTOGRAM 0, EXPONENTIAL_HISTOGRAM 1, GAUGE 2,
// SUM 3). Metrics arrive once per collection interval, so objects are cheap enough here.
import type {
  ExportMetricsServiceRequest, HistogramDataPoint, Metric, NumberDataPoint, ExponentialHistogramDataPoint,
} from '../otlp/model.js';
import { sdkAnyValue } from './columns/kv-arena.js';
import type { HrTime, SdkAttributes, SdkResource, SdkScope } from './sdk-types.js';

interface SdkPoint<V> {
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly attributes: SdkAttributes;
  readonly value: V;
}

interface SdkHistogram {
  buckets: { boundaries: number[]; counts: number[] };
  sum?: number;
  count: number;
  min?: number;
  max?: number;
}

interface SdkExpHistogram {
  count: number;
  sum?: number;
  scale: number;
  zeroCount: number;
  positive: { offset: number; bucketCounts: number[] };
  negative: { offset: number; bucketCounts: number[] };
  min?: number;
  max?: number;
}

export interface SdkMetricData {
  readonly descriptor: { readonly name: string; readonly description: string; readonly unit: string; readonly valueType: number };
  readonly aggregationTemporality: number;
  readonly dataPointType: number;
  readonly isMonotonic?: boolean;
  readonly dataPoints: ReadonlyArray<SdkPoint<unknown>>;
}

export interface SdkResourceMetrics {
  readonly resource: SdkResource;
  readonly scopeMetrics: ReadonlyArray<{ readonly scope: SdkScope; readonly metrics: readonly SdkMetricData[] }>;
}

const VALUE_TYPE_INT = 0;
const POINT = { HISTOGRAM: 0, EXPONENTIAL_HISTOGRAM: 1, GAUGE: 2, SUM: 3 } as const;

const nanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
const u64 = (n: number): bigint => BigInt(Math.trunc(n));
const attrs = (a: SdkAttributes | undefined) => Object.keys(a ?? {}).map((key) => ({ key, value: sdkAnyValue(a![key]) }));

function temporality(sdk: number): number {
  return sdk === 0 ? 1 : sdk === 1 ? 2 : 0;
}

function numberPoint(p: SdkPoint<unknown>, valueType: number): NumberDataPoint {
  const v = p.value as number;
  return {
    attributes: attrs(p.attributes), startTimeUnixNano: nanos(p.startTime), timeUnixNano: nanos(p.endTime),
    value: valueType === VALUE_TYPE_INT && Number.isFinite(v) ? { type: 'int', value: u64(v) } : { type: 'double', value: v },
    exemplars: [], flags: 0,
  };
}

function histogramPoint(p: SdkPoint<unknown>): HistogramDataPoint {
  const h = p.value as SdkHistogram;
  return {
    attributes: attrs(p.attributes), startTimeUnixNano: nanos(p.startTime), timeUnixNano: nanos(p.endTime),
    count: u64(h.count), sum: h.sum, bucketCounts: h.buckets.counts.map(u64), explicitBounds: [...h.buckets.boundaries],
    exemplars: [], flags: 0, min: h.min, max: h.max,
  };
}

function expHistogramPoint(p: SdkPoint<unknown>): ExponentialHistogramDataPoint {
  const h = p.value as SdkExpHistogram;
  return {
    attributes: attrs(p.attributes), startTimeUnixNano: nanos(p.startTime), timeUnixNano: nanos(p.endTime),
    count: u64(h.count), sum: h.sum, scale: h.scale, zeroCount: u64(h.zeroCount),
    positive: { offset: h.positive.offset, bucketCounts: h.positive.bucketCounts.map(u64) },
    negative: { offset: h.negative.offset, bucketCounts: h.negative.bucketCounts.map(u64) },
    flags: 0, exemplars: [], min: h.min, max: h.max, zeroThreshold: 0,
  };
}

function metric(m: SdkMetricData): Metric {
  const base = { name: m.descriptor.name, description: m.descriptor.description ?? '', unit: m.descriptor.unit ?? '', metadata: [] };
  const t = temporality(m.aggregationTemporality);
  switch (m.dataPointType) {
    case POINT.SUM:
      return { ...base, data: { type: 'sum', aggregationTemporality: t, isMonotonic: m.isMonotonic ?? false, dataPoints: m.dataPoints.map((p) => numberPoint(p, m.descriptor.valueType)) } };
    case POINT.GAUGE:
      return { ...base, data: { type: 'gauge', dataPoints: m.dataPoints.map((p) => numberPoint(p, m.descriptor.valueType)) } };
    case POINT.HISTOGRAM:
      return { ...base, data: { type: 'histogram', aggregationTemporality: t, dataPoints: m.dataPoints.map(histogramPoint) } };
    case POINT.EXPONENTIAL_HISTOGRAM:
      return { ...base, data: { type: 'exponentialHistogram', aggregationTemporality: t, dataPoints: m.dataPoints.map(expHistogramPoint) } };
    default:
      return { ...base, data: { type: 'empty' } };
  }
}

export function metricsRequest(rm: SdkResourceMetrics): ExportMetricsServiceRequest {
  return {
    resourceMetrics: [{
      resource: { attributes: attrs(rm.resource.attributes), droppedAttributesCount: 0 },
      schemaUrl: rm.resource.schemaUrl ?? '',
      scopeMetrics: rm.scopeMetrics.map((sm) => {
        const hasAttrs = sm.scope.attributes !== undefined && Object.keys(sm.scope.attributes).length > 0;
        return {
          scope: {
            name: sm.scope.name, version: sm.scope.version ?? '', attributes: hasAttrs ? attrs(sm.scope.attributes) : [],
            droppedAttributesCount: hasAttrs ? (sm.scope.droppedAttributesCount ?? 0) : 0,
          },
          metrics: sm.metrics.map(metric),
          schemaUrl: sm.scope.schemaUrl ?? '',
        };
      }),
    }],
  };
}
