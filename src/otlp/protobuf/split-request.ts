// Splitting and joining OTLP Export*ServiceRequest protobuf bytes without decoding them:
// joining is concatenation (the requests' repeated resource_* fields append); splitting
// copies each resource's and scope's own fields verbatim around a subset of its items.
// Items are spans and log records; for metrics, a whole Metric (weighing its data points),
// so a piece can exceed the limit by at most one metric.
import { OtelArrowError } from '../../errors.js';
import type { Signal } from '../model.js';

interface Field {
  field: number;
  /** Start of the tag (the field's raw bytes are [start, end)). */
  start: number;
  /** Start of a length-delimited value. */
  valueStart: number;
  end: number;
}

function varint(b: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= b.length) throw new OtelArrowError('MALFORMED_PROTOBUF', 'truncated varint');
    const x = b[pos++]!;
    v += (x & 0x7f) * mul;
    if (x < 0x80) return [v, pos];
    mul *= 128;
  }
  throw new OtelArrowError('MALFORMED_PROTOBUF', 'varint longer than 10 bytes');
}

function* fields(b: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const tagStart = pos;
    const [tag, p] = varint(b, pos);
    pos = p;
    const wire = tag % 8;
    const field = Math.floor(tag / 8);
    let valueStart = pos;
    switch (wire) {
      case 0: pos = varint(b, pos)[1]; break;
      case 1: pos += 8; break;
      case 5: pos += 4; break;
      case 2: {
        const [len, q] = varint(b, pos);
        valueStart = q;
        pos = q + len;
        break;
      }
      default: throw new OtelArrowError('MALFORMED_PROTOBUF', `unsupported wire type ${wire} at byte ${tagStart}`);
    }
    if (pos > end) throw new OtelArrowError('MALFORMED_PROTOBUF', `field ${field} at byte ${tagStart} runs past its message`);
    yield { field, start: tagStart, valueStart, end: pos };
  }
}

interface Item { raw: Uint8Array; weight: number }
interface Scope { head: Uint8Array[]; items: Item[] }
interface Resource { head: Uint8Array[]; scopes: Scope[] }

const METRIC_DATA = new Set([5, 7, 9, 10, 11]);

function metricWeight(b: Uint8Array, f: Field): number {
  let n = 0;
  for (const d of fields(b, f.valueStart, f.end)) {
    if (!METRIC_DATA.has(d.field)) continue;
    n = 0;
    for (const p of fields(b, d.valueStart, d.end)) if (p.field === 1) n++;
  }
  return n;
}

function parse(signal: Signal, b: Uint8Array): Resource[] {
  const out: Resource[] = [];
  for (const r of fields(b, 0, b.length)) {
    if (r.field !== 1) continue;
    const res: Resource = { head: [], scopes: [] };
    for (const s of fields(b, r.valueStart, r.end)) {
      if (s.field !== 2) {
        res.head.push(b.subarray(s.start, s.end));
        continue;
      }
      const scope: Scope = { head: [], items: [] };
      for (const it of fields(b, s.valueStart, s.end)) {
        if (it.field !== 2) scope.head.push(b.subarray(it.start, it.end));
        else scope.items.push({ raw: b.subarray(it.start, it.end), weight: signal === 'metrics' ? metricWeight(b, it) : 1 });
      }
      res.scopes.push(scope);
    }
    out.push(res);
  }
  return out;
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** Field 1 or 2 as a length-delimited message made of `parts`. */
function message(field: number, parts: Uint8Array[]): Uint8Array[] {
  const len = parts.reduce((a, p) => a + p.length, 0);
  return [Uint8Array.from([(field << 3) | 2, ...varintBytes(len)]), ...parts];
}

function concatParts(parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(len);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** One request made of several (their resources appended in order). */
export function joinOtlpRequests(requests: readonly Uint8Array[]): Uint8Array {
  return requests.length === 1 ? requests[0]! : concatParts([...requests]);
}

export type SplitMeasure = 'items' | 'bytes';

/**
 * Splits a request into pieces of at most `limit` items (or bytes of item encoding), the
 * first piece at most `firstLimit` (to top up a partly filled batch). Returns the pieces and
 * each one's item count. Throws OtelArrowError MALFORMED_PROTOBUF on broken framing.
 */
export function splitOtlpRequest(signal: Signal, bytes: Uint8Array, limit: number, measure: SplitMeasure, firstLimit = limit): Array<{ bytes: Uint8Array; items: number }> {
  const resources = parse(signal, bytes);
  const pieces: Array<{ bytes: Uint8Array; items: number }> = [];
  let current: Uint8Array[] = [];
  let used = 0;
  let items = 0;
  let cap = firstLimit;
  let openRes: { head: Uint8Array[]; scopes: Uint8Array[][] } | undefined;
  let openScope: { head: Uint8Array[]; items: Uint8Array[] } | undefined;
  const closeScope = (): void => {
    if (openScope && openScope.items.length > 0) openRes!.scopes.push(message(2, [...openScope.head, ...openScope.items]));
    openScope = undefined;
  };
  const closeResource = (): void => {
    closeScope();
    if (openRes) current.push(...message(1, [...openRes.head, ...openRes.scopes.flat()]));
    openRes = undefined;
  };
  const emit = (): void => {
    closeResource();
    if (current.length > 0) pieces.push({ bytes: concatParts(current), items });
    current = [];
    used = 0;
    items = 0;
    cap = limit;
  };
  for (const r of resources) {
    if (r.scopes.length === 0) current.push(...message(1, r.head)); // kept: splitting loses nothing
    for (const s of r.scopes) {
      if (s.items.length === 0) {
        openRes ??= { head: r.head, scopes: [] };
        openRes.scopes.push(message(2, s.head));
        continue;
      }
      for (const it of s.items) {
        const w = measure === 'items' ? it.weight : it.raw.length;
        if (used > 0 && used + w > cap) emit();
        openRes ??= { head: r.head, scopes: [] };
        openScope ??= { head: s.head, items: [] };
        openScope.items.push(it.raw);
        used += w;
        items += it.weight;
      }
      closeScope();
    }
    closeResource();
  }
  emit();
  return pieces;
}
