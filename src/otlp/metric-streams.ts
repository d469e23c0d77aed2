// Metric streams for processor:temporal_reaggregation, as the Rust engine defines them:
// which metrics can be re-aggregated (gauges, summaries, cumulative monotonic sums,
// cumulative histograms and exponential histograms), a stream's identity (resource
// attributes, scope name / version / attributes, metric name / unit / type / monotonic /
// temporality, point attributes; attribute sets order-free, array and map values ignored),
// and a store that keeps the latest point of each stream (a strictly newer time_unix_nano
// replaces it; exemplars are dropped) and rebuilds a request from them.
import { AggregationTemporality, type AnyValue, type ExportMetricsServiceRequest, type KeyValue, type Metric, type MetricData, type ResourceMetrics, type ScopeMetrics } from './model.js';

type Point = { timeUnixNano: bigint; attributes: KeyValue[]; exemplars?: unknown[] };

/** Whether a metric's points are re-aggregated (else they pass through at once). */
export function isAggregatable(d: MetricData): boolean {
  const cumulative = 'aggregationTemporality' in d && d.aggregationTemporality === AggregationTemporality.CUMULATIVE;
  switch (d.type) {
    case 'gauge':
    case 'summary':
      return true;
    case 'sum':
      return cumulative && d.isMonotonic;
    case 'histogram':
    case 'exponentialHistogram':
      return cumulative;
    default:
      return false;
  }
}

function valueKey(v: AnyValue): string | undefined {
  switch (v.type) {
    case 'array':
    case 'kvlist':
      return undefined;
    case 'bytes':
      return `bytes:${Buffer.from(v.value).toString('base64')}`;
    case 'empty':
      return 'empty';
    case 'int':
      return `int:${v.value}`;
    case 'double':
      return `double:${Object.is(v.value, -0) ? '-0' : String(v.value)}`;
    default:
      return `${v.type}:${String(v.value)}`;
  }
}

/** An attribute set's identity: sorted by key, array and map values left out. */
export function attributesKey(attrs: readonly KeyValue[]): string {
  const parts: Array<[string, string]> = [];
  for (const kv of attrs) {
    const v = valueKey(kv.value);
    if (v !== undefined) parts.push([kv.key, v]);
  }
  parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return JSON.stringify(parts);
}

function metricKey(m: Metric): string {
  const d = m.data;
  return JSON.stringify([m.name, m.unit, d.type, d.type === 'sum' ? d.isMonotonic : null, 'aggregationTemporality' in d ? d.aggregationTemporality : null]);
}

interface Stream {
  point: Point;
}

interface MetricGroup {
  metric: Metric;
  streams: Map<string, Stream>;
}

interface ScopeGroup {
  scope: ScopeMetrics;
  metrics: Map<string, MetricGroup>;
}

interface ResourceGroup {
  resource: ResourceMetrics;
  scopes: Map<string, ScopeGroup>;
}

/** The latest point of each stream seen since the last flush. */
export class LatestPointStore {
  private resources = new Map<string, ResourceGroup>();
  private count = 0;

  /** Streams held. */
  get size(): number {
    return this.count;
  }

  /** The group of a metric (under its resource and scope), created on first use. */
  private locate(rm: ResourceMetrics, sm: ScopeMetrics, m: Metric): MetricGroup {
    const rk = JSON.stringify([attributesKey(rm.resource.attributes)]);
    let r = this.resources.get(rk);
    if (!r) this.resources.set(rk, (r = { resource: rm, scopes: new Map() }));
    const sk = JSON.stringify([sm.scope.name, sm.scope.version, attributesKey(sm.scope.attributes)]);
    let s = r.scopes.get(sk);
    if (!s) r.scopes.set(sk, (s = { scope: sm, metrics: new Map() }));
    const mk = metricKey(m);
    let g = s.metrics.get(mk);
    if (!g) s.metrics.set(mk, (g = { metric: m, streams: new Map() }));
    return g;
  }

  /** New streams the points of `req` would add (to flush first when over the limit). */
  newStreams(req: ExportMetricsServiceRequest): number {
    const seen = new Set<string>();
    let n = 0;
    for (const rm of req.resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const rk = attributesKey(rm.resource.attributes);
          const r = this.resources.get(JSON.stringify([rk]));
          const s = r?.scopes.get(JSON.stringify([sm.scope.name, sm.scope.version, attributesKey(sm.scope.attributes)]));
          const g = s?.metrics.get(metricKey(m));
          for (const p of (m.data as { dataPoints?: Point[] }).dataPoints ?? []) {
            const id = JSON.stringify([rk, sm.scope.name, sm.scope.version, metricKey(m), attributesKey(p.attributes)]);
            if (!g?.streams.has(attributesKey(p.attributes)) && !seen.has(id)) {
              seen.add(id);
              n++;
            }
          }
        }
      }
    }
    return n;
  }

  /** Keeps each point unless its stream holds one at least as new. */
  add(req: ExportMetricsServiceRequest): void {
    for (const rm of req.resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const g = this.locate(rm, sm, m);
          for (const p of (m.data as { dataPoints?: Point[] }).dataPoints ?? []) {
            const k = attributesKey(p.attributes);
            const held = g.streams.get(k);
            if (held && held.point.timeUnixNano >= p.timeUnixNano) continue;
            if (!held) this.count++;
            g.metric = m;
            g.streams.set(k, { point: 'exemplars' in p ? { ...p, exemplars: [] } : p });
          }
        }
      }
    }
  }

  /** Everything held as one request, and the store emptied. */
  take(): ExportMetricsServiceRequest {
    const out: ExportMetricsServiceRequest = {
      resourceMetrics: [...this.resources.values()].map((r) => ({
        ...r.resource,
        scopeMetrics: [...r.scopes.values()].map((s) => ({
          ...s.scope,
          metrics: [...s.metrics.values()].map((g) => ({ ...g.metric, data: { ...g.metric.data, dataPoints: [...g.streams.values()].map((x) => x.point) } as MetricData })),
        })),
      })),
    };
    this.resources = new Map();
    this.count = 0;
    return out;
  }
}

/** A request split into the metrics to re-aggregate and those that pass through. */
export function splitAggregatable(req: ExportMetricsServiceRequest): { aggregatable: ExportMetricsServiceRequest; rest: ExportMetricsServiceRequest } {
  const part = (keep: (m: Metric) => boolean): ExportMetricsServiceRequest => ({
    resourceMetrics: req.resourceMetrics
      .map((rm) => ({ ...rm, scopeMetrics: rm.scopeMetrics.map((sm) => ({ ...sm, metrics: sm.metrics.filter(keep) })).filter((sm) => sm.metrics.length) }))
      .filter((rm) => rm.scopeMetrics.length),
  });
  return { aggregatable: part((m) => isAggregatable(m.data)), rest: part((m) => !isAggregatable(m.data)) };
}
