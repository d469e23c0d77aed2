// Orderings and equalities of AnyValues used for sorting attribute rows and for the
// quasi-delta rule. Equality follows the Go reference: same type and equal scalar value
// (doubles by IEEE ==); maps, slices and empty values are never equal to anything.
import type { AnyValue, KeyValue } from '../../otlp/model.js';
import { AttrType } from '../schema/attributes-table.js';

export function attrTypeOf(v: AnyValue): number {
  switch (v.type) {
    case 'empty': return AttrType.EMPTY;
    case 'string': return AttrType.STR;
    case 'int': return AttrType.INT;
    case 'double': return AttrType.DOUBLE;
    case 'bool': return AttrType.BOOL;
    case 'kvlist': return AttrType.MAP;
    case 'array': return AttrType.SLICE;
    case 'bytes': return AttrType.BYTES;
  }
}

/** Code point order, which is UTF-8 byte order (the Go reference compares bytes). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

// UTF-16 puts surrogates (code points >= U+10000) below U+E000..U+FFFF; move them above.
function codeUnitRank(u: number): number {
  return u >= 0xe000 ? u - 0x800 : u >= 0xd800 ? u + 0x2000 : u;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Order of two values of the same type (maps/slices/empty compare equal). */
export function compareScalar(a: AnyValue, b: AnyValue): number {
  switch (a.type) {
    case 'string': return compareStrings(a.value, (b as typeof a).value);
    case 'int': { const y = (b as typeof a).value; return a.value < y ? -1 : a.value > y ? 1 : 0; }
    case 'double': {
      const y = (b as typeof a).value;
      const ra = doubleRank(a.value);
      const rb = doubleRank(y);
      if (ra !== rb) return ra - rb;
      return a.value < y ? -1 : a.value > y ? 1 : 0;
    }
    case 'bool': return Number(a.value) - Number((b as typeof a).value);
    case 'bytes': return compareBytes(a.value, (b as typeof a).value);
    default: return 0;
  }
}

// Numbers first, then NaN, then -0: the order stays total, and -0 never sits next to +0,
// a pair that Go's delta rule (IEEE ==) calls equal and the Rust engine's (total order) not.
function doubleRank(x: number): number {
  return Number.isNaN(x) ? 1 : Object.is(x, -0) ? 2 : 0;
}

/**
 * Whether an encoder may write row b's parent id as a delta from row a's: both references
 * must call the values equal (Go: IEEE ==, the Rust engine: total order), so doubles need
 * `===` and `Object.is` (no NaN, no +0/-0 pair).
 */
export function deltaEqual(a: AnyValue, b: AnyValue): boolean {
  if (a.type === 'double' && b.type === 'double') return a.value === b.value && Object.is(a.value, b.value);
  return scalarEqual(a, b);
}

export function scalarEqual(a: AnyValue, b: AnyValue): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'string': return a.value === (b as typeof a).value;
    case 'int': return a.value === (b as typeof a).value;
    case 'double': return a.value === (b as typeof a).value;
    case 'bool': return a.value === (b as typeof a).value;
    case 'bytes': return compareBytes(a.value, (b as typeof a).value) === 0;
    default: return false;
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return compareBytes(a, b) === 0;
}

/** An unambiguous string for any value: resource/scope identity keys and memo keys. */
export function valueKey(v: AnyValue): string {
  switch (v.type) {
    case 'empty': return '_';
    case 'string': return 's' + JSON.stringify(v.value);
    case 'int': return 'i' + v.value.toString();
    case 'double': return 'd' + (Object.is(v.value, -0) ? '-0' : String(v.value));
    case 'bool': return v.value ? 'T' : 'F';
    case 'bytes': return 'b' + hex(v.value);
    case 'array': return '[' + v.values.map(valueKey).join(',') + ']';
    case 'kvlist': return '{' + v.values.map((kv) => JSON.stringify(kv.key) + ':' + valueKey(kv.value)).join(',') + '}';
  }
}

/** Attribute list identity, insensitive to order (OTAP does not keep attribute order). */
export function attributesKey(attrs: readonly KeyValue[]): string {
  return attrs
    .map((kv) => JSON.stringify(kv.key) + '=' + valueKey(kv.value))
    .sort()
    .join(',');
}

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}
