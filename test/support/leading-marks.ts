// Requests whose strings begin with U+FEFF and whose attribute byte values begin with 0xFF,
// next to an empty byte value in the same list. A UTF-8 TextDecoder without ignoreBOM drops
// the first (the js decoder did); Node 20-22's latin1 TextDecoder given ignoreBOM drops the
// second, which the js encoder keys byte dictionaries with.
import type { AnyValue, KeyValue } from '../../src/otlp/model.js';

const ATTRIBUTE_LISTS = new Set(['attributes', 'filteredAttributes', 'metadata']);

function mark(value: unknown, key: string): unknown {
  if (typeof value === 'string') return key === 'type' ? value : `\uFEFF${value}`;
  if (value instanceof Uint8Array) return key === 'value' ? Uint8Array.from([0xff, ...value]) : value;
  if (Array.isArray(value)) {
    const items = value.map((v) => mark(v, ''));
    if (!ATTRIBUTE_LISTS.has(key)) return items;
    const bytes = (b: number[]): AnyValue => ({ type: 'bytes', value: Uint8Array.from(b) });
    const extra: KeyValue[] = [{ key: '\uFEFFempty', value: bytes([]) }, { key: '\uFEFFff', value: bytes([0xff]) }];
    return [...items, ...extra];
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mark(v, k)]));
  }
  return value;
}

/** A deep copy of `req` with the marks added (ids and discriminators untouched). */
export function withLeadingMarks<T>(req: T): T {
  return mark(req, '') as T;
}
