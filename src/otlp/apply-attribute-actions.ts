// processor:attribute on OTLP objects: the TypeScript backend's path, and what a batch
// without OTAP tables goes through. Same rules as the Rust core (native/core/src/attributes):
// per attribute list, a rename replaces the destination's existing entries, deleted keys go,
// upsert/update/hash change values in place, then insert/upsert add missing keys (UTF-8 key
// order) at the end. Exponential-histogram points and their exemplars are left alone, as the
// Rust engine does. Returns new objects; the input request is not modified.
import { createHash } from 'node:crypto';
import { additions, type AttributeActions } from './attribute-actions.js';
import type {
  AnyValue,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  KeyValue,
  Metric,
  MetricData,
  Signal,
  SignalRequest,
} from './model.js';

/** Lowercase hex SHA-256 of salt || the value's bytes; undefined for empty, array and map values. */
export function hashAttributeValue(value: AnyValue, salt: string): string | undefined {
  let bytes: Uint8Array;
  switch (value.type) {
    case 'string':
      bytes = Buffer.from(value.value, 'utf8');
      break;
    case 'bytes':
      bytes = value.value;
      break;
    case 'bool':
      bytes = Uint8Array.of(value.value ? 1 : 0);
      break;
    case 'int': {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt.asUintN(64, value.value));
      bytes = b;
      break;
    }
    case 'double': {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(value.value);
      bytes = b;
      break;
    }
    default:
      return undefined;
  }
  return createHash('sha256').update(salt, 'utf8').update(bytes).digest('hex');
}

/** One attribute list with the actions applied. */
export function applyToAttributes(list: readonly KeyValue[], a: AttributeActions): KeyValue[] {
  const replaced = new Set<string>();
  for (const kv of list) {
    const dest = a.rename.get(kv.key);
    if (dest !== undefined) replaced.add(dest);
  }
  const out: KeyValue[] = [];
  const present = new Set<string>();
  for (const kv of list) {
    if (a.delete.has(kv.key) || replaced.has(kv.key)) continue;
    present.add(kv.key);
    const dest = a.rename.get(kv.key);
    if (dest !== undefined) {
      out.push({ key: dest, value: kv.value });
      continue;
    }
    const literal = a.upsert.get(kv.key) ?? a.update.get(kv.key);
    const salt = a.hash.get(kv.key);
    const hashed = literal === undefined && salt !== undefined ? hashAttributeValue(kv.value, salt) : undefined;
    out.push(literal !== undefined ? { key: kv.key, value: literal } : hashed !== undefined ? { key: kv.key, value: { type: 'string', value: hashed } } : kv);
  }
  for (const [key, value] of additions(a)) {
    if (!present.has(key)) out.push({ key, value });
  }
  return out;
}

type Lists = (list: readonly KeyValue[]) => KeyValue[];

function metricData(d: MetricData, signal: Lists): MetricData {
  const exemplars = <E extends { filteredAttributes: KeyValue[] }>(es: E[]): E[] => es.map((e) => ({ ...e, filteredAttributes: signal(e.filteredAttributes) }));
  switch (d.type) {
    case 'gauge':
    case 'sum':
      return { ...d, dataPoints: d.dataPoints.map((p) => ({ ...p, attributes: signal(p.attributes), exemplars: exemplars(p.exemplars) })) } as MetricData;
    case 'histogram':
      return { ...d, dataPoints: d.dataPoints.map((p) => ({ ...p, attributes: signal(p.attributes), exemplars: exemplars(p.exemplars) })) };
    case 'summary':
      return { ...d, dataPoints: d.dataPoints.map((p) => ({ ...p, attributes: signal(p.attributes) })) };
    default:
      return d; // exponential histograms: not touched (the Rust engine's table list)
  }
}

/** The request with the actions applied to the attribute lists `applyTo` selects. */
export function applyAttributeActions<S extends Signal>(signal: S, request: SignalRequest[S], a: AttributeActions): SignalRequest[S] {
  const apply: Lists = (l) => applyToAttributes(l, a);
  const keep: Lists = (l) => [...l];
  const sig = a.applyTo.signal ? apply : keep;
  const res = a.applyTo.resource ? apply : keep;
  const scope = a.applyTo.scope ? apply : keep;
  const withResource = <R extends { resource: { attributes: KeyValue[] } }>(r: R): R => ({ ...r, resource: { ...r.resource, attributes: res(r.resource.attributes) } });
  const withScope = <X extends { scope: { attributes: KeyValue[] } }>(s: X): X => ({ ...s, scope: { ...s.scope, attributes: scope(s.scope.attributes) } });
  switch (signal) {
    case 'logs': {
      const r = request as ExportLogsServiceRequest;
      return { resourceLogs: r.resourceLogs.map((rl) => ({ ...withResource(rl), scopeLogs: rl.scopeLogs.map((sl) => ({ ...withScope(sl), logRecords: sl.logRecords.map((l) => ({ ...l, attributes: sig(l.attributes) })) })) })) } as SignalRequest[S];
    }
    case 'traces': {
      const r = request as ExportTraceServiceRequest;
      return {
        resourceSpans: r.resourceSpans.map((rs) => ({
          ...withResource(rs),
          scopeSpans: rs.scopeSpans.map((ss) => ({
            ...withScope(ss),
            spans: ss.spans.map((s) => ({
              ...s,
              attributes: sig(s.attributes),
              events: s.events.map((e) => ({ ...e, attributes: sig(e.attributes) })),
              links: s.links.map((l) => ({ ...l, attributes: sig(l.attributes) })),
            })),
          })),
        })),
      } as SignalRequest[S];
    }
    default: {
      const r = request as ExportMetricsServiceRequest;
      const metric = (m: Metric): Metric => ({ ...m, metadata: sig(m.metadata), data: a.applyTo.signal ? metricData(m.data, apply) : m.data });
      return { resourceMetrics: r.resourceMetrics.map((rm) => ({ ...withResource(rm), scopeMetrics: rm.scopeMetrics.map((sm) => ({ ...withScope(sm), metrics: sm.metrics.map(metric) })) })) } as SignalRequest[S];
    }
  }
}
