// What the Rust engine's Producer loses, removed from a source request before comparing it
// with what went through that Producer (the engine's own Producer -> Consumer round trip
// loses the same, so this is the engine's behaviour, not a decoding difference):
// - the sign of a zero double attribute value (attribute lists of every level) and log body:
//   either may arrive as the other (-0 and +0 seem to share one entry in its value handling).
//   Apply this to both sides; values nested in maps and arrays keep their sign.
import type { Signal, SignalRequest } from '../../src/otlp/model.js';

const ATTRIBUTE_LISTS = new Set(['attributes', 'filteredAttributes', 'metadata']);

export function rustEngineEquivalent<S extends Signal>(_signal: S, req: SignalRequest[S]): SignalRequest[S] {
  const copy = structuredClone(req);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!node || typeof node !== 'object' || node instanceof Uint8Array) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'body' && v && typeof v === 'object') {
        const body = v as { type: string; value?: unknown };
        if (body.type === 'double' && Object.is(body.value, -0)) body.value = 0;
      } else if (ATTRIBUTE_LISTS.has(k) && Array.isArray(v)) {
        for (const kv of v as { value: { type: string; value?: unknown } }[]) {
          if (kv.value.type === 'double' && Object.is(kv.value.value, -0)) kv.value.value = 0;
        }
      } else {
        visit(v);
      }
    }
  };
  visit(copy);
  return copy;
}
