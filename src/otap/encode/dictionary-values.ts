// The cumulative, append-only value store of one dictionary-encoded column. Like the Go
// producer's memo tables it lives as long as the column's IPC stream, so batch N's
// dictionary is every distinct value seen since the stream began, in first-seen order.
// The IPC writer then sends only the new tail as a delta dictionary batch.
import { leafDataType } from '../../arrow/leaf-type.js';
import type { ArrayData } from '../../arrow/types.js';
import type { LeafKind } from '../schema/column-spec.js';

const utf8 = new TextEncoder();
// Not given ignoreBOM: Node 22's latin1 decoder then drops a leading 0xFF byte.
const latin1 = new TextDecoder('latin1');

type NumericStore = Uint32Array | Int32Array | BigInt64Array | BigUint64Array;

export class DictionaryValues {
  readonly kind: LeafKind;
  private readonly memo = new Map<unknown, number>();
  /** Values appended since the store was created (repeats included): the Go reset ratio's denominator. */
  inserted = 0;
  private bytes: Uint8Array = new Uint8Array(256);
  private byteLength = 0;
  private offsets: Int32Array = new Int32Array(64);
  private numbers: NumericStore;

  constructor(kind: LeafKind) {
    this.kind = kind;
    this.numbers = numericStore(kind, 64);
  }

  get size(): number {
    return this.memo.size;
  }

  /** Index of `value`, adding it when new. */
  indexOf(value: unknown): number {
    this.inserted++;
    const key = memoKey(this.kind, value);
    const found = this.memo.get(key);
    if (found !== undefined) return found;
    const index = this.memo.size;
    this.memo.set(key, index);
    this.push(value, index);
    return index;
  }

  toArrayData(): ArrayData {
    const length = this.memo.size;
    const type = leafDataType(this.kind);
    switch (this.kind) {
      case 'utf8':
      case 'binary':
        return {
          type, length, nullCount: 0, validity: null,
          offsets: this.offsets.subarray(0, length + 1),
          values: this.bytes.subarray(0, this.byteLength),
        };
      case 'fsb8':
      case 'fsb16':
        return { type, length, nullCount: 0, validity: null, values: this.bytes.subarray(0, this.byteLength) };
      default:
        return { type, length, nullCount: 0, validity: null, values: this.numbers.subarray(0, length) };
    }
  }

  private push(value: unknown, index: number): void {
    switch (this.kind) {
      case 'utf8':
      case 'binary': {
        const data = typeof value === 'string' ? utf8.encode(value) : (value as Uint8Array);
        this.appendBytes(data);
        if (index + 2 > this.offsets.length) this.offsets = grow(this.offsets, index + 2) as Int32Array;
        this.offsets[index + 1] = this.byteLength;
        return;
      }
      case 'fsb8':
      case 'fsb16':
        this.appendBytes(value as Uint8Array);
        return;
      default:
        if (index + 1 > this.numbers.length) this.numbers = grow(this.numbers, index + 1) as NumericStore;
        (this.numbers as { [i: number]: unknown })[index] = value;
    }
  }

  private appendBytes(data: Uint8Array): void {
    const need = this.byteLength + data.length;
    if (need > this.bytes.length) this.bytes = grow(this.bytes, need) as Uint8Array;
    this.bytes.set(data, this.byteLength);
    this.byteLength = need;
  }
}

function memoKey(kind: LeafKind, value: unknown): unknown {
  if (kind === 'binary' || kind === 'fsb8' || kind === 'fsb16') return latin1.decode(value as Uint8Array);
  // -0 and 0 are one Map key; keep them apart so -0 is not silently turned into 0.
  if (kind === 'f64' && Object.is(value, -0)) return '-0';
  return value;
}

function numericStore(kind: LeafKind, n: number): NumericStore {
  switch (kind) {
    case 'u32': case 'u16': case 'u8': return new Uint32Array(n);
    case 'i32': return new Int32Array(n);
    case 'u64': return new BigUint64Array(n);
    default: return new BigInt64Array(n);
  }
}

type Growable = Uint8Array | Int32Array | NumericStore;

function grow(arr: Growable, need: number): Growable {
  let cap = arr.length * 2;
  while (cap < need) cap *= 2;
  const next = new (arr.constructor as new (n: number) => Growable)(cap);
  (next as Uint8Array).set(arr as Uint8Array);
  return next;
}
