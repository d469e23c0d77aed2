// An OTLP request as a flat list of records (resource, scope, item), the shape the console
// exporter and the debug processor print.
import type { AnyValue, InstrumentationScope, KeyValue, Resource, Signal, SignalRequest } from '../../../otlp/model.js';

export interface FlatRecord {
  kind: 'span' | 'log' | 'metric';
  resource: Resource;
  scope: InstrumentationScope;
  /** A Span, LogRecord or Metric object. */
  item: Record<string, unknown>;
}

export function flatRecords<S extends Signal>(signal: S, request: SignalRequest[S]): FlatRecord[] {
  const out: FlatRecord[] = [];
  if (signal === 'traces') {
    for (const rs of (request as SignalRequest['traces']).resourceSpans) {
      for (const ss of rs.scopeSpans) for (const s of ss.spans) out.push({ kind: 'span', resource: rs.resource, scope: ss.scope, item: s as unknown as Record<string, unknown> });
    }
  } else if (signal === 'logs') {
    for (const rl of (request as SignalRequest['logs']).resourceLogs) {
      for (const sl of rl.scopeLogs) for (const l of sl.logRecords) out.push({ kind: 'log', resource: rl.resource, scope: sl.scope, item: l as unknown as Record<string, unknown> });
    }
  } else {
    for (const rm of (request as SignalRequest['metrics']).resourceMetrics) {
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.push({ kind: 'metric', resource: rm.resource, scope: sm.scope, item: m as unknown as Record<string, unknown> });
    }
  }
  return out;
}

/** A value as JSON-safe data: bigint -> string (when `int64` is "string") or number, bytes -> hex. */
export function plain(value: unknown, int64: 'number' | 'string' = 'number'): unknown {
  if (typeof value === 'bigint') return int64 === 'string' || value > BigInt(Number.MAX_SAFE_INTEGER) ? value.toString() : Number(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map((v) => plain(v, int64));
  if (value && typeof value === 'object') {
    if ('type' in value && ('value' in value || 'values' in value || (value as { type: string }).type === 'empty')) return anyValue(value as AnyValue, int64);
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'attributes' || k === 'filteredAttributes' || k === 'metadata') o[k] = attributes(v as KeyValue[], int64);
      else o[k] = plain(v, int64);
    }
    return o;
  }
  return value;
}

export function anyValue(v: AnyValue, int64: 'number' | 'string' = 'number'): unknown {
  switch (v.type) {
    case 'empty': return null;
    case 'array': return v.values.map((x) => anyValue(x, int64));
    case 'kvlist': return attributes(v.values, int64);
    default: return plain(v.value, int64);
  }
}

export function attributes(kvs: readonly KeyValue[], int64: 'number' | 'string' = 'number'): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const kv of kvs) o[kv.key] = anyValue(kv.value, int64);
  return o;
}

const SEVERITY = ['UNSPECIFIED', 'TRACE', 'TRACE2', 'TRACE3', 'TRACE4', 'DEBUG', 'DEBUG2', 'DEBUG3', 'DEBUG4', 'INFO', 'INFO2', 'INFO3', 'INFO4', 'WARN', 'WARN2', 'WARN3', 'WARN4', 'ERROR', 'ERROR2', 'ERROR3', 'ERROR4', 'FATAL', 'FATAL2', 'FATAL3', 'FATAL4'];

function nanosToIso(n: unknown): string {
  return typeof n === 'bigint' && n > 0n ? new Date(Number(n / 1_000_000n)).toISOString() : '-';
}

/** One human-readable line per record; `detailed` adds attributes. */
export function prettyLine(r: FlatRecord, detailed: boolean): string {
  const it = r.item;
  const attrs = detailed && Array.isArray(it.attributes) && it.attributes.length > 0 ? ` ${JSON.stringify(attributes(it.attributes as KeyValue[]))}` : '';
  const service = r.resource.attributes.find((a) => a.key === 'service.name');
  const svc = service ? `${String(anyValue(service.value))} ` : '';
  if (r.kind === 'log') {
    const sev = (it.severityText as string) || SEVERITY[it.severityNumber as number] || '';
    return `${nanosToIso(it.timeUnixNano)} ${svc}${sev.padEnd(5)} ${JSON.stringify(anyValue(it.body as AnyValue))}${attrs}`;
  }
  if (r.kind === 'span') {
    const ms = Number(((it.endTimeUnixNano as bigint) - (it.startTimeUnixNano as bigint)) / 1000n) / 1000;
    return `${nanosToIso(it.startTimeUnixNano)} ${svc}span ${String(it.name)} ${ms.toFixed(3)} ms trace=${Buffer.from(it.traceId as Uint8Array).toString('hex')}${attrs}`;
  }
  const data = it.data as { type: string; dataPoints?: unknown[] };
  return `${svc}metric ${String(it.name)} (${data.type}, ${data.dataPoints?.length ?? 0} points)${detailed ? ` ${JSON.stringify(plain(data.dataPoints ?? []))}` : ''}`;
}
