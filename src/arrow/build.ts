// Builds ArrayData from plain JS values (null = null). Used by the OTAP encoder for
// non-dictionary columns and by tests.
import type { LeafKind } from '../otap/schema/column-spec.js';
import { leafDataType } from './leaf-type.js';
import type { ArrayData, DataType } from './types.js';

const utf8 = new TextEncoder();

/** LSB validity bitmap for `valid`, or null when every entry is valid. */
export function validityBitmap(length: number, isValid: (i: number) => boolean): { bitmap: Uint8Array | null; nullCount: number } {
  let nullCount = 0;
  let bitmap: Uint8Array | null = null;
  for (let i = 0; i < length; i++) {
    if (!isValid(i)) {
      if (bitmap === null) {
        bitmap = new Uint8Array((length + 7) >> 3);
        for (let j = 0; j < i; j++) bitmap[j >> 3]! |= 1 << (j & 7);
      }
      nullCount++;
    } else if (bitmap !== null) {
      bitmap[i >> 3]! |= 1 << (i & 7);
    }
  }
  return { bitmap, nullCount };
}

export function typedArrayFor(kind: LeafKind, length: number) {
  switch (kind) {
    case 'u8': return new Uint8Array(length);
    case 'u16': return new Uint16Array(length);
    case 'u32': return new Uint32Array(length);
    case 'i32': return new Int32Array(length);
    case 'u64': return new BigUint64Array(length);
    case 'i64': case 'timestamp': case 'duration': return new BigInt64Array(length);
    case 'f64': return new Float64Array(length);
    default: throw new Error(`no typed array for ${kind}`);
  }
}

/** One leaf column from JS values: numbers, bigints, booleans, strings or byte arrays. */
export function buildLeaf(kind: LeafKind, values: readonly unknown[], type: DataType = leafDataType(kind)): ArrayData {
  const length = values.length;
  const { bitmap, nullCount } = validityBitmap(length, (i) => values[i] !== null && values[i] !== undefined);
  switch (kind) {
    case 'bool': {
      const bits = new Uint8Array((length + 7) >> 3);
      for (let i = 0; i < length; i++) if (values[i] === true) bits[i >> 3]! |= 1 << (i & 7);
      return { type, length, nullCount, validity: bitmap, values: bits };
    }
    case 'utf8':
    case 'binary': {
      const offsets = new Int32Array(length + 1);
      const parts = new Array<Uint8Array>(length);
      let total = 0;
      for (let i = 0; i < length; i++) {
        const v = values[i];
        const bytes = v == null ? EMPTY : typeof v === 'string' ? utf8.encode(v) : (v as Uint8Array);
        parts[i] = bytes;
        total += bytes.length;
        offsets[i + 1] = total;
      }
      const data = new Uint8Array(total);
      for (let i = 0; i < length; i++) data.set(parts[i]!, offsets[i]!);
      return { type, length, nullCount, validity: bitmap, offsets, values: data };
    }
    case 'fsb8':
    case 'fsb16': {
      const width = kind === 'fsb8' ? 8 : 16;
      const data = new Uint8Array(length * width);
      for (let i = 0; i < length; i++) {
        const v = values[i] as Uint8Array | null;
        if (v == null) continue;
        // The OTAP encoder refuses other widths before building (table-encoder.ts).
        if (v.length !== width) throw new Error(`internal: fixed-size binary of width ${width} given ${v.length} bytes`);
        data.set(v, i * width);
      }
      return { type, length, nullCount, validity: bitmap, values: data };
    }
    default: {
      const arr = typedArrayFor(kind, length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v != null) (arr as { [i: number]: unknown })[i] = v;
      }
      return { type, length, nullCount, validity: bitmap, values: arr };
    }
  }
}

const EMPTY = new Uint8Array(0);

