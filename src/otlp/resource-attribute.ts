// The value of one resource attribute for each resource of an OTLP request: what
// processor:content_router routes on (same answer as the Rust core's route.rs on tables).
import type { Signal, SignalRequest } from './model.js';

/** Per resource: the string value of its first attribute `key`, null when it has none,
 *  false when that value is not a string. */
export function resourceAttributeValues<S extends Signal>(signal: S, request: SignalRequest[S], key: string): Array<string | null | false> {
  const resources = signal === 'traces'
    ? (request as SignalRequest['traces']).resourceSpans
    : signal === 'logs' ? (request as SignalRequest['logs']).resourceLogs : (request as SignalRequest['metrics']).resourceMetrics;
  return resources.map((r) => {
    const kv = r.resource.attributes.find((a) => a.key === key);
    if (!kv) return null;
    return kv.value.type === 'string' ? kv.value.value : false;
  });
}
