// The test oracle for processor:attribute: the Rust engine's rules written plainly over OTLP
// objects, independent of src/ (what the columnar implementations must agree with once
// decoded). Per attribute list: keys first (a present rename source removes the entries of
// its destination; deleted keys go; sources take their destination's name), then values
// (upsert/update literal, hash -> hex SHA-256 of salt || value bytes), then missing
// insert/upsert keys added.
import { createHash } from 'node:crypto';
import type { AnyValue, KeyValue, Signal, SignalRequest } from '../../src/otlp/model.js';

export interface OracleActions {
  applyTo: { signal: boolean; resource: boolean; scope: boolean };
  rename: Record<string, string>;
  delete: string[];
  insert: Record<string, AnyValue>;
  upsert: Record<string, AnyValue>;
  update: Record<string, AnyValue>;
  hash: Record<string, string>;
}

function valueBytes(v: AnyValue): Buffer | undefined {
  switch (v.type) {
    case 'string': return Buffer.from(v.value);
    case 'bytes': return Buffer.from(v.value);
    case 'bool': return Buffer.from([v.value ? 1 : 0]);
    case 'int': return Buffer.from(new BigInt64Array([BigInt.asIntN(64, v.value)]).buffer);
    case 'double': return Buffer.from(new Float64Array([v.value]).buffer);
    default: return undefined;
  }
}

export function oracleList(list: KeyValue[], a: OracleActions): KeyValue[] {
  const has = (o: Record<string, unknown>, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
  const destinationsHit = new Set(list.filter((kv) => has(a.rename, kv.key)).map((kv) => a.rename[kv.key]));
  const keyed = list
    .filter((kv) => !a.delete.includes(kv.key) && !destinationsHit.has(kv.key))
    .map((kv) => (has(a.rename, kv.key) ? { key: a.rename[kv.key]!, value: kv.value } : kv));
  const valued = keyed.map((kv): KeyValue => {
    if (has(a.upsert, kv.key)) return { key: kv.key, value: a.upsert[kv.key]! };
    if (has(a.update, kv.key)) return { key: kv.key, value: a.update[kv.key]! };
    const bytes = has(a.hash, kv.key) ? valueBytes(kv.value) : undefined;
    if (bytes) return { key: kv.key, value: { type: 'string', value: createHash('sha256').update(Buffer.concat([Buffer.from(a.hash[kv.key]!), bytes])).digest('hex') } };
    return kv;
  });
  for (const [key, value] of [...Object.entries(a.insert), ...Object.entries(a.upsert)]) {
    if (!valued.some((kv) => kv.key === key)) valued.push({ key, value });
  }
  return valued;
}

/** Every attribute list of the request `applyTo` selects, rewritten (a deep copy). */
export function oracle<S extends Signal>(signal: S, request: SignalRequest[S], a: OracleActions): SignalRequest[S] {
  const copy = structuredClone(request) as unknown as Record<string, unknown>;
  const fix = (holder: { attributes?: KeyValue[]; filteredAttributes?: KeyValue[]; metadata?: KeyValue[] }, on: boolean): void => {
    if (!on) return;
    if (holder.attributes) holder.attributes = oracleList(holder.attributes, a);
    if (holder.filteredAttributes) holder.filteredAttributes = oracleList(holder.filteredAttributes, a);
    if (holder.metadata) holder.metadata = oracleList(holder.metadata, a);
  };
  const resources = (copy.resourceLogs ?? copy.resourceSpans ?? copy.resourceMetrics) as Array<Record<string, unknown>>;
  for (const r of resources) {
    fix(r.resource as { attributes: KeyValue[] }, a.applyTo.resource);
    for (const s of (r.scopeLogs ?? r.scopeSpans ?? r.scopeMetrics) as Array<Record<string, unknown>>) {
      fix(s.scope as { attributes: KeyValue[] }, a.applyTo.scope);
      for (const item of (s.logRecords ?? s.spans ?? s.metrics) as Array<Record<string, unknown>>) {
        if (signal === 'metrics') {
          if (a.applyTo.signal) item.metadata = oracleList(item.metadata as KeyValue[], a);
          const data = item.data as { type: string; dataPoints: Array<{ attributes: KeyValue[]; exemplars?: Array<{ filteredAttributes: KeyValue[] }> }> };
          if (data.type === 'exponentialHistogram') continue; // the engine leaves these alone
          for (const p of data.dataPoints ?? []) {
            fix(p, a.applyTo.signal);
            for (const e of p.exemplars ?? []) fix(e, a.applyTo.signal);
          }
          continue;
        }
        fix(item as { attributes: KeyValue[] }, a.applyTo.signal);
        for (const child of [...((item.events ?? []) as Array<{ attributes: KeyValue[] }>), ...((item.links ?? []) as Array<{ attributes: KeyValue[] }>)]) fix(child, a.applyTo.signal);
      }
    }
  }
  return copy as unknown as SignalRequest[S];
}
