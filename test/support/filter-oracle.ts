// The test oracle for processor:filter: the engine's rules written plainly over OTLP objects,
// independent of src/. A record's categories are evaluated one by one; include needs them
// all, exclude drops on any; empty scopes and resources go.
import type { AnyValue, KeyValue, Signal, SignalRequest } from '../../src/otlp/model.js';

export interface OracleMatch {
  regexp: boolean;
  resource?: Array<[string, AnyValue]>;
  record?: Array<[string, AnyValue]>;
  events?: Array<[string, AnyValue]>;
  links?: Array<[string, AnyValue]>;
  severityTexts?: string[];
  severityNumber?: [number, boolean];
  bodies?: AnyValue[];
  spanNames?: string[];
  spanKinds?: number[];
  eventNames?: string[];
  metricNames?: string[];
}

function textMatches(pattern: string, s: string, regexp: boolean): boolean {
  return regexp ? new RegExp(pattern, 'u').test(s) : pattern === s;
}

function valueMatches(rule: AnyValue, v: AnyValue, regexp: boolean): boolean {
  if (rule.type !== v.type) return false;
  if (rule.type === 'string') return textMatches(rule.value, (v as { value: string }).value, regexp);
  if (rule.type === 'int') return BigInt.asIntN(64, rule.value) === BigInt.asIntN(64, (v as { value: bigint }).value);
  if (rule.type === 'double' || rule.type === 'bool') return rule.value === (v as { value: unknown }).value;
  return false;
}

const pairHolds = (attrs: KeyValue[], [k, v]: [string, AnyValue], regexp: boolean): boolean => attrs.some((kv) => kv.key === k && valueMatches(v, kv.value, regexp));

/** Per configured category: does it hold for this record? */
function verdicts(m: OracleMatch, resource: KeyValue[], r: Record<string, unknown>, signal: Signal): boolean[] {
  const out: boolean[] = [];
  const re = m.regexp;
  if (m.resource?.length) out.push(m.resource.every((p) => pairHolds(resource, p, re)));
  if (signal === 'logs') {
    if (m.record?.length) out.push(m.record.some((p) => pairHolds(r.attributes as KeyValue[], p, re)));
    if (m.severityTexts?.length) out.push(m.severityTexts.some((t) => textMatches(t, r.severityText as string, re)));
    if (m.severityNumber) out.push((r.severityNumber as number) >= m.severityNumber[0] || (m.severityNumber[1] && r.severityNumber === 0));
    if (m.bodies?.length) out.push(m.bodies.some((b) => valueMatches(b, r.body as AnyValue, re)));
  } else if (signal === 'traces') {
    const events = r.events as Array<{ name: string; attributes: KeyValue[] }>;
    const links = r.links as Array<{ attributes: KeyValue[] }>;
    if (m.spanNames?.length) out.push(m.spanNames.some((t) => textMatches(t, r.name as string, re)));
    if (m.spanKinds?.length) out.push(m.spanKinds.includes(r.kind as number));
    if (m.record?.length) out.push(m.record.some((p) => pairHolds(r.attributes as KeyValue[], p, re)));
    if (m.eventNames?.length) out.push(events.some((e) => m.eventNames!.some((t) => textMatches(t, e.name, re))));
    if (m.events?.length) out.push(events.some((e) => m.events!.some((p) => pairHolds(e.attributes, p, re))));
    if (m.links?.length) out.push(links.some((l) => m.links!.some((p) => pairHolds(l.attributes, p, re))));
  } else if (m.metricNames?.length) {
    out.push(m.metricNames.some((t) => textMatches(t, r.name as string, re)));
  }
  return out;
}

export function filterOracle<S extends Signal>(signal: S, request: SignalRequest[S], include?: OracleMatch, exclude?: OracleMatch): SignalRequest[S] {
  const copy = structuredClone(request) as unknown as Record<string, Array<Record<string, unknown>>>;
  const [rKey, sKey, iKey] = signal === 'logs' ? ['resourceLogs', 'scopeLogs', 'logRecords'] : signal === 'traces' ? ['resourceSpans', 'scopeSpans', 'spans'] : ['resourceMetrics', 'scopeMetrics', 'metrics'];
  const kept = copy[rKey!]!.map((res) => {
    const attrs = (res.resource as { attributes: KeyValue[] }).attributes;
    const scopes = (res[sKey!] as Array<Record<string, unknown>>).map((sc) => ({
      ...sc,
      [iKey!]: (sc[iKey!] as Array<Record<string, unknown>>).filter((r) => {
        const inc = include ? verdicts(include, attrs, r, signal).every(Boolean) : true;
        const exc = exclude ? verdicts(exclude, attrs, r, signal).some(Boolean) : false;
        return inc && !exc;
      }),
    })).filter((sc) => (sc[iKey!] as unknown[]).length > 0);
    return { ...res, [sKey!]: scopes };
  }).filter((res) => (res[sKey!] as unknown[]).length > 0);
  return { [rKey!]: kept } as unknown as SignalRequest[S];
}
