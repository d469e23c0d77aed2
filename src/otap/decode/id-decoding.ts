// Transport-optimized id encodings (OTAP spec 6.4), decode side. The field metadata key
// `encoding` says which one a column uses; absent means the transport encoding (Go never
// writes the key; Rust writes "plain", "delta" or "quasidelta").
import type { Field } from '../../arrow/types.js';

export function isPlainEncoded(field: Field | undefined): boolean {
  return field?.metadata?.get('encoding') === 'plain';
}

/** Running sum over non-null cells (u16/u32 wrap-around as the sender's unsigned math). */
export function deltaDecode(values: readonly (number | null)[], field: Field | undefined, bits: 16 | 32): (number | null)[] {
  if (isPlainEncoded(field)) return values.slice();
  const mask = bits === 16 ? 0xffff : 0xffffffff;
  const out = new Array<number | null>(values.length);
  let acc = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v == null) { out[i] = null; continue; }
    acc = bits === 16 ? (acc + v) & mask : (acc + v) >>> 0;
    out[i] = acc;
  }
  return out;
}

/** Quasi-delta: delta from the previous row's parent when `sameGroup(i)`, else absolute. */
export function quasiDeltaDecode(values: readonly number[], field: Field | undefined, sameGroup: (i: number) => boolean, bits: 16 | 32): number[] {
  if (isPlainEncoded(field)) return values.slice();
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = i > 0 && sameGroup(i) ? (bits === 16 ? (out[i - 1]! + v) & 0xffff : (out[i - 1]! + v) >>> 0) : v;
  }
  return out;
}
