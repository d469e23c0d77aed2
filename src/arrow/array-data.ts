// Helpers over ArrayData shared by the IPC writer/reader (delta dictionaries) and tests.
// Buffers are handled whole (byte copies and compares); only bitmaps at unaligned bit
// positions and rebased offsets need per-element loops.

import { OtelArrowError } from '../errors.js';
import type { ArrayData, DataType, ValueBuffer } from './types.js';

export function bitmapByteLength(bits: number): number {
  return (bits + 7) >>> 3;
}

export function getBit(bitmap: Uint8Array, i: number): boolean {
  return ((bitmap[i >>> 3]! >>> (i & 7)) & 1) === 1;
}

/** True when row `i` is not null. */
export function isValid(data: ArrayData, i: number): boolean {
  return data.validity === null || getBit(data.validity, i);
}

/** The bytes behind a typed array (a view, no copy). */
export function bytesOf(v: ValueBuffer | Int32Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Copies `count` bits from src[srcBit..] to dst[dstBit..] (dst must be large enough). */
export function copyBits(src: Uint8Array, srcBit: number, dst: Uint8Array, dstBit: number, count: number): void {
  if ((srcBit & 7) === 0 && (dstBit & 7) === 0) {
    const whole = count >>> 3;
    dst.set(src.subarray(srcBit >>> 3, (srcBit >>> 3) + whole), dstBit >>> 3);
    for (let i = whole * 8; i < count; i++) setBit(dst, dstBit + i, getBit(src, srcBit + i));
    return;
  }
  for (let i = 0; i < count; i++) setBit(dst, dstBit + i, getBit(src, srcBit + i));
}

function setBit(bitmap: Uint8Array, i: number, on: boolean): void {
  if (on) bitmap[i >>> 3]! |= 1 << (i & 7);
  else bitmap[i >>> 3]! &= ~(1 << (i & 7));
}

function countNulls(validity: Uint8Array | null, start: number, count: number): number {
  if (validity === null) return 0;
  let nulls = 0;
  for (let i = 0; i < count; i++) if (!getBit(validity, start + i)) nulls++;
  return nulls;
}

function bitsEqual(a: Uint8Array | null, aStart: number, b: Uint8Array | null, bStart: number, n: number): boolean {
  if (a === null && b === null) return true;
  if (a !== null && b !== null && aStart === 0 && bStart === 0) {
    const whole = n >>> 3;
    if (!bytesEqual(a.subarray(0, whole), b.subarray(0, whole))) return false;
    for (let i = whole * 8; i < n; i++) if (getBit(a, i) !== getBit(b, i)) return false;
    return true;
  }
  for (let i = 0; i < n; i++) {
    const x = a === null || getBit(a, aStart + i);
    const y = b === null || getBit(b, bStart + i);
    if (x !== y) return false;
  }
  return true;
}

/** Bytes per element of the `values` buffer, or 0 when it is a bitmap or absent. */
function valueWidth(data: ArrayData): number {
  if (data.dictionary !== undefined) return data.values?.BYTES_PER_ELEMENT ?? 0;
  switch (data.type.id) {
    case 'int':
    case 'float64':
    case 'timestamp':
    case 'duration':
      return data.values?.BYTES_PER_ELEMENT ?? 0;
    case 'fixedSizeBinary':
      return data.type.byteWidth;
    default:
      return 0;
  }
}

function allocLike(v: ValueBuffer, length: number): ValueBuffer {
  const ctor = v.constructor as new (length: number) => ValueBuffer;
  return new ctor(length);
}

/** Copies rows [start, end) into fresh, zero-based buffers (offsets rebased to 0). */
export function sliceArrayData(data: ArrayData, start: number, end: number): ArrayData {
  const n = end - start;
  let validity: Uint8Array | null = null;
  let nullCount = 0;
  if (data.validity !== null && data.nullCount > 0) {
    nullCount = start === 0 && end === data.length ? data.nullCount : countNulls(data.validity, start, n);
    if (nullCount > 0) {
      validity = new Uint8Array(bitmapByteLength(n));
      copyBits(data.validity, start, validity, 0, n);
    }
  }
  const base = { type: data.type, length: n, nullCount, validity };
  if (data.dictionary !== undefined) {
    return { ...base, values: copyElements(data.values!, start, n), dictionary: data.dictionary };
  }
  switch (data.type.id) {
    case 'bool': {
      const values = new Uint8Array(bitmapByteLength(n));
      copyBits(data.values as Uint8Array, start, values, 0, n);
      return { ...base, values };
    }
    case 'utf8':
    case 'binary': {
      const { offsets, first, last } = rebaseOffsets(data.offsets!, start, n);
      return { ...base, offsets, values: (data.values as Uint8Array).slice(first, last) };
    }
    case 'list': {
      const { offsets, first, last } = rebaseOffsets(data.offsets!, start, n);
      return { ...base, offsets, children: [sliceArrayData(data.children![0]!, first, last)] };
    }
    case 'struct':
      return { ...base, children: data.children!.map((c) => sliceArrayData(c, start, end)) };
    case 'fixedSizeBinary': {
      const w = data.type.byteWidth;
      return { ...base, values: (data.values as Uint8Array).slice(start * w, end * w) };
    }
    default:
      return { ...base, values: copyElements(data.values!, start, n) };
  }
}

function copyElements(v: ValueBuffer, start: number, n: number): ValueBuffer {
  const out = allocLike(v, n);
  (out as Uint8Array).set((v as Uint8Array).subarray(start, start + n));
  return out;
}

function rebaseOffsets(src: Int32Array, start: number, n: number): { offsets: Int32Array; first: number; last: number } {
  const first = src[start]!;
  const last = src[start + n]!;
  const offsets = src.slice(start, start + n + 1);
  if (first !== 0) for (let i = 0; i <= n; i++) offsets[i]! -= first;
  return { offsets, first, last };
}

/** A copy holding the rows of `a` followed by the rows of `b` (same type). */
export function concatArrayData(a: ArrayData, b: ArrayData): ArrayData {
  const n = a.length + b.length;
  const nullCount = a.nullCount + b.nullCount;
  let validity: Uint8Array | null = null;
  if (nullCount > 0) {
    validity = new Uint8Array(bitmapByteLength(n));
    if (a.validity !== null && a.nullCount > 0) copyBits(a.validity, 0, validity, 0, a.length);
    else setRange(validity, 0, a.length);
    if (b.validity !== null && b.nullCount > 0) copyBits(b.validity, 0, validity, a.length, b.length);
    else setRange(validity, a.length, n);
  }
  const base = { type: a.type, length: n, nullCount, validity };
  if (a.dictionary !== undefined) {
    return { ...base, values: concatElements(a.values!, a.length, b.values!, b.length), dictionary: b.dictionary ?? a.dictionary };
  }
  switch (a.type.id) {
    case 'bool': {
      const values = new Uint8Array(bitmapByteLength(n));
      copyBits(a.values as Uint8Array, 0, values, 0, a.length);
      copyBits(b.values as Uint8Array, 0, values, a.length, b.length);
      return { ...base, values };
    }
    case 'utf8':
    case 'binary': {
      const offsets = concatOffsets(a.offsets!, a.length, b.offsets!, b.length);
      const av = (a.values as Uint8Array).subarray(a.offsets![0]!, a.offsets![a.length]!);
      const bv = (b.values as Uint8Array).subarray(b.offsets![0]!, b.offsets![b.length]!);
      const values = new Uint8Array(av.length + bv.length);
      values.set(av);
      values.set(bv, av.length);
      return { ...base, offsets, values };
    }
    case 'list': {
      const offsets = concatOffsets(a.offsets!, a.length, b.offsets!, b.length);
      const ac = sliceArrayData(a.children![0]!, a.offsets![0]!, a.offsets![a.length]!);
      const bc = sliceArrayData(b.children![0]!, b.offsets![0]!, b.offsets![b.length]!);
      return { ...base, offsets, children: [concatArrayData(ac, bc)] };
    }
    case 'struct':
      return { ...base, children: a.children!.map((c, i) => concatArrayData(c, b.children![i]!)) };
    case 'fixedSizeBinary': {
      const w = a.type.byteWidth;
      const values = new Uint8Array(n * w);
      values.set((a.values as Uint8Array).subarray(0, a.length * w));
      values.set((b.values as Uint8Array).subarray(0, b.length * w), a.length * w);
      return { ...base, values };
    }
    default:
      return { ...base, values: concatElements(a.values!, a.length, b.values!, b.length) };
  }
}

/** Sets bits [from, to): whole bytes by fill, the ragged ends bit by bit. */
function setRange(bitmap: Uint8Array, from: number, to: number): void {
  let i = from;
  for (; i < to && (i & 7) !== 0; i++) setBit(bitmap, i, true);
  const wholeEnd = to & ~7;
  if (i < wholeEnd) {
    bitmap.fill(0xff, i >>> 3, wholeEnd >>> 3);
    i = wholeEnd;
  }
  for (; i < to; i++) setBit(bitmap, i, true);
}

function concatElements(a: ValueBuffer, an: number, b: ValueBuffer, bn: number): ValueBuffer {
  const out = allocLike(a, an + bn);
  (out as Uint8Array).set((a as Uint8Array).subarray(0, an));
  (out as Uint8Array).set((b as Uint8Array).subarray(0, bn), an);
  return out;
}

function concatOffsets(a: Int32Array, an: number, b: Int32Array, bn: number): Int32Array {
  const out = new Int32Array(an + bn + 1);
  const aBase = a[0]!;
  for (let i = 0; i <= an; i++) out[i] = a[i]! - aBase;
  const shift = out[an]! - b[0]!;
  if (out[an]! + (b[bn]! - b[0]!) > 0x7fffffff) {
    throw new OtelArrowError('LIMIT_EXCEEDED', 'concatenated array exceeds 2 GiB of values');
  }
  for (let i = 1; i <= bn; i++) out[an + i] = b[i]! + shift;
  return out;
}

/** True when the first `n` rows of `a` (from aStart) and `b` (from bStart) are stored
 *  identically (validity bits and value bytes, including bytes under null slots). */
export function rangeEquals(a: ArrayData, aStart: number, b: ArrayData, bStart: number, n: number): boolean {
  if (n === 0) return true;
  const av = a.nullCount > 0 ? a.validity : null;
  const bv = b.nullCount > 0 ? b.validity : null;
  if (!bitsEqual(av, aStart, bv, bStart, n)) return false;
  const width = valueWidth(a);
  if (width > 0) {
    const ab = bytesOf(a.values!).subarray(aStart * width, (aStart + n) * width);
    const bb = bytesOf(b.values!).subarray(bStart * width, (bStart + n) * width);
    return bytesEqual(ab, bb);
  }
  switch (a.type.id) {
    case 'bool':
      return bitsEqual(a.values as Uint8Array, aStart, b.values as Uint8Array, bStart, n);
    case 'utf8':
    case 'binary': {
      if (!offsetsEqual(a.offsets!, aStart, b.offsets!, bStart, n)) return false;
      const ab = (a.values as Uint8Array).subarray(a.offsets![aStart]!, a.offsets![aStart + n]!);
      const bb = (b.values as Uint8Array).subarray(b.offsets![bStart]!, b.offsets![bStart + n]!);
      return bytesEqual(ab, bb);
    }
    case 'list': {
      if (!offsetsEqual(a.offsets!, aStart, b.offsets!, bStart, n)) return false;
      const first = a.offsets![aStart]!;
      const count = a.offsets![aStart + n]! - first;
      return rangeEquals(a.children![0]!, first, b.children![0]!, b.offsets![bStart]!, count);
    }
    case 'struct':
      return a.children!.every((c, i) => rangeEquals(c, aStart, b.children![i]!, bStart, n));
    default:
      return false;
  }
}

function offsetsEqual(a: Int32Array, aStart: number, b: Int32Array, bStart: number, n: number): boolean {
  const aBase = a[aStart]!;
  const bBase = b[bStart]!;
  if (aBase === bBase) return bytesEqual(bytesOf(a.subarray(aStart, aStart + n + 1)), bytesOf(b.subarray(bStart, bStart + n + 1)));
  for (let i = 0; i <= n; i++) if (a[aStart + i]! - aBase !== b[bStart + i]! - bBase) return false;
  return true;
}

/** True when `prefix` holds exactly the first prefix.length rows of `full`. */
export function isPrefixOf(prefix: ArrayData, full: ArrayData): boolean {
  return prefix.length <= full.length && rangeEquals(prefix, 0, full, 0, prefix.length);
}

export function dataTypeEquals(a: DataType, b: DataType): boolean {
  switch (a.id) {
    case 'int':
      return b.id === 'int' && a.bitWidth === b.bitWidth && a.signed === b.signed;
    case 'fixedSizeBinary':
      return b.id === 'fixedSizeBinary' && a.byteWidth === b.byteWidth;
    case 'timestamp':
      return b.id === 'timestamp' && a.timezone === b.timezone;
    case 'struct':
      return (
        b.id === 'struct' &&
        a.children.length === b.children.length &&
        a.children.every((c, i) => c.name === b.children[i]!.name && dataTypeEquals(c.type, b.children[i]!.type))
      );
    case 'list':
      return b.id === 'list' && dataTypeEquals(a.child.type, b.child.type);
    default:
      return a.id === b.id;
  }
}

/** Logical equality (for tests): same type and length, same nulls, same non-null values;
 *  dictionary-encoded data compares decoded values. Per row, so not for hot paths. */
export function arrayDataEquals(a: ArrayData, b: ArrayData): boolean {
  if (a.length !== b.length || !dataTypeEquals(a.type, b.type)) return false;
  for (let i = 0; i < a.length; i++) if (!rowEquals(a, i, b, i)) return false;
  return true;
}

function rowEquals(a: ArrayData, i: number, b: ArrayData, j: number): boolean {
  // Decode dictionary indices first: a valid index may point at a null dictionary entry.
  if (a.dictionary !== undefined && isValid(a, i)) return rowEquals(a.dictionary, Number(a.values![i]!), b, j);
  if (b.dictionary !== undefined && isValid(b, j)) return rowEquals(a, i, b.dictionary, Number(b.values![j]!));
  const va = isValid(a, i);
  if (va !== isValid(b, j)) return false;
  if (!va) return true;
  switch (a.type.id) {
    case 'bool':
      return getBit(a.values as Uint8Array, i) === getBit(b.values as Uint8Array, j);
    case 'utf8':
    case 'binary': {
      const x = (a.values as Uint8Array).subarray(a.offsets![i]!, a.offsets![i + 1]!);
      const y = (b.values as Uint8Array).subarray(b.offsets![j]!, b.offsets![j + 1]!);
      return bytesEqual(x, y);
    }
    case 'fixedSizeBinary': {
      const w = a.type.byteWidth;
      return bytesEqual((a.values as Uint8Array).subarray(i * w, i * w + w), (b.values as Uint8Array).subarray(j * w, j * w + w));
    }
    case 'struct':
      return a.children!.every((c, k) => rowEquals(c, i, b.children![k]!, j));
    case 'list': {
      const n = a.offsets![i + 1]! - a.offsets![i]!;
      if (n !== b.offsets![j + 1]! - b.offsets![j]!) return false;
      for (let k = 0; k < n; k++) {
        if (!rowEquals(a.children![0]!, a.offsets![i]! + k, b.children![0]!, b.offsets![j]! + k)) return false;
      }
      return true;
    }
    default: {
      const x = a.values![i]!;
      const y = b.values![j]!;
      return x === y || (Number.isNaN(x) && Number.isNaN(y));
    }
  }
}

/** A zero-row ArrayData of `type` (used for dictionaries nobody has sent yet). */
export function emptyArrayData(type: DataType): ArrayData {
  const base = { type, length: 0, nullCount: 0, validity: null };
  switch (type.id) {
    case 'int':
      return { ...base, values: emptyIntValues(type.bitWidth, type.signed) };
    case 'float64':
      return { ...base, values: new Float64Array(0) };
    case 'timestamp':
    case 'duration':
      return { ...base, values: new BigInt64Array(0) };
    case 'bool':
    case 'fixedSizeBinary':
      return { ...base, values: new Uint8Array(0) };
    case 'utf8':
    case 'binary':
      return { ...base, offsets: new Int32Array(1), values: new Uint8Array(0) };
    case 'struct':
      return { ...base, children: type.children.map((c) => emptyArrayData(c.type)) };
    case 'list':
      return { ...base, offsets: new Int32Array(1), children: [emptyArrayData(type.child.type)] };
  }
}

function emptyIntValues(bitWidth: 8 | 16 | 32 | 64, signed: boolean): ValueBuffer {
  switch (bitWidth) {
    case 8: return signed ? new Int8Array(0) : new Uint8Array(0);
    case 16: return signed ? new Int16Array(0) : new Uint16Array(0);
    case 32: return signed ? new Int32Array(0) : new Uint32Array(0);
    case 64: return signed ? new BigInt64Array(0) : new BigUint64Array(0);
  }
}
