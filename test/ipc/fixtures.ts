// Test-only builders of ArrayData from plain JS values (per-row, fine for fixtures).

import type { ArrayData, DataType, DictionaryEncoding, Field, IntBitWidth, ValueBuffer } from '../../src/arrow/types.js';

const enc = new TextEncoder();

function validityOf(nulls: boolean[]): { validity: Uint8Array | null; nullCount: number } {
  const nullCount = nulls.filter(Boolean).length;
  if (nullCount === 0) return { validity: null, nullCount };
  const validity = new Uint8Array((nulls.length + 7) >> 3);
  nulls.forEach((isNull, i) => {
    if (!isNull) validity[i >> 3]! |= 1 << (i & 7);
  });
  return { validity, nullCount };
}

export function intArray(type: { id: 'int'; bitWidth: IntBitWidth; signed: boolean }, values: (number | bigint | null)[]): ArrayData {
  const ctor = {
    8: type.signed ? Int8Array : Uint8Array,
    16: type.signed ? Int16Array : Uint16Array,
    32: type.signed ? Int32Array : Uint32Array,
    64: type.signed ? BigInt64Array : BigUint64Array,
  }[type.bitWidth];
  const out = new ctor(values.length) as ValueBuffer;
  values.forEach((v, i) => {
    (out as unknown as (number | bigint)[])[i] = type.bitWidth === 64 ? BigInt(v ?? 0) : Number(v ?? 0);
  });
  return { type, length: values.length, ...validityOf(values.map((v) => v === null)), values: out };
}

export const int = (bitWidth: IntBitWidth, signed: boolean) => ({ id: 'int', bitWidth, signed }) as const;

export function float64Array(values: (number | null)[]): ArrayData {
  return { type: { id: 'float64' }, length: values.length, ...validityOf(values.map((v) => v === null)), values: Float64Array.from(values, (v) => v ?? 0) };
}

export function bigArray(type: DataType, values: (bigint | null)[]): ArrayData {
  return { type, length: values.length, ...validityOf(values.map((v) => v === null)), values: BigInt64Array.from(values, (v) => v ?? 0n) };
}

export function boolArray(values: (boolean | null)[]): ArrayData {
  const bits = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    if (v) bits[i >> 3]! |= 1 << (i & 7);
  });
  return { type: { id: 'bool' }, length: values.length, ...validityOf(values.map((v) => v === null)), values: bits };
}

export function bytesArray(type: { id: 'utf8' } | { id: 'binary' }, values: (string | Uint8Array | null)[]): ArrayData {
  const parts = values.map((v) => (v === null ? new Uint8Array(0) : typeof v === 'string' ? enc.encode(v) : v));
  const offsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
  const bytes = new Uint8Array(offsets[values.length]!);
  parts.forEach((p, i) => bytes.set(p, offsets[i]!));
  return { type, length: values.length, ...validityOf(values.map((v) => v === null)), offsets, values: bytes };
}

export const utf8Array = (values: (string | null)[]): ArrayData => bytesArray({ id: 'utf8' }, values);
export const binaryArray = (values: (Uint8Array | null)[]): ArrayData => bytesArray({ id: 'binary' }, values);

export function fsbArray(byteWidth: number, values: (Uint8Array | null)[]): ArrayData {
  const bytes = new Uint8Array(values.length * byteWidth);
  values.forEach((v, i) => v && bytes.set(v, i * byteWidth));
  return { type: { id: 'fixedSizeBinary', byteWidth }, length: values.length, ...validityOf(values.map((v) => v === null)), values: bytes };
}

export function structArray(fields: Field[], children: ArrayData[], nulls?: boolean[]): ArrayData {
  const length = children[0]?.length ?? nulls?.length ?? 0;
  return { type: { id: 'struct', children: fields }, length, ...validityOf(nulls ?? new Array<boolean>(length).fill(false)), children };
}

/** `lists[i]` = number of child items in row i, or null for a null list. */
export function listArray(child: Field, sizes: (number | null)[], items: ArrayData): ArrayData {
  const offsets = new Int32Array(sizes.length + 1);
  sizes.forEach((s, i) => (offsets[i + 1] = offsets[i]! + (s ?? 0)));
  return { type: { id: 'list', child }, length: sizes.length, ...validityOf(sizes.map((s) => s === null)), offsets, children: [items] };
}

export function dictArray(encoding: DictionaryEncoding, indices: (number | null)[], dictionary: ArrayData): ArrayData {
  const ix = intArray(int(encoding.indexBitWidth, encoding.indexSigned), indices);
  return { ...ix, type: dictionary.type, dictionary };
}

export function field(name: string, type: DataType, extra: Partial<Field> = {}): Field {
  return { name, type, nullable: true, ...extra };
}

export function concatChunks(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
