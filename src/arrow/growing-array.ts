// An array that grows by appending rows in place, for dictionaries that delta batches
// extend all along a stream. Concatenating copies the whole dictionary with every delta, so
// a long-lived stream's cost per batch would follow everything it has seen; here the
// buffers have spare capacity (doubled when full) and each `data` is a view of their prefix.
// Earlier views stay valid: appending writes only past every view's end, and a full buffer
// is replaced, not overwritten.
// Handled: utf8, binary, fixedSizeBinary and primitive values without nulls (what OTAP
// dictionaries hold); `from` and `append` answer undefined / false for anything else, and
// the caller concatenates instead.

import { concatArrayData } from './array-data.js';
import type { ArrayData, DataType, ValueBuffer } from './types.js';

const MAX_BYTES = 0x7fff_ffff; // int32 offsets

type Layout = 'offsets' | 'fixedSize' | 'primitive';

function layoutOf(type: DataType): Layout | undefined {
  switch (type.id) {
    case 'utf8':
    case 'binary':
      return 'offsets';
    case 'fixedSizeBinary':
      return 'fixedSize';
    case 'int':
    case 'float64':
    case 'timestamp':
    case 'duration':
      return 'primitive';
    default:
      return undefined;
  }
}

function appendable(data: ArrayData): boolean {
  return data.nullCount === 0 && data.dictionary === undefined && data.values !== undefined;
}

/** A buffer of the same type with room for `need` elements (at least double), holding the first `used`. */
function grown(old: ValueBuffer, used: number, need: number): ValueBuffer {
  const ctor = old.constructor as new (length: number) => ValueBuffer;
  const next = new ctor(Math.max(need, old.length * 2, 64));
  (next as Uint8Array).set((old as Uint8Array).subarray(0, used));
  return next;
}

export class GrowingArray {
  private length = 0;
  /** Elements (primitive), bytes (utf8/binary, fixedSizeBinary) of `values` in use. */
  private used = 0;
  private values: ValueBuffer;
  private offsets: Int32Array | undefined;
  private view: ArrayData;

  private constructor(
    readonly type: DataType,
    private readonly layout: Layout,
    first: ArrayData,
  ) {
    this.values = (first.values as ValueBuffer).subarray(0, 0);
    this.offsets = layout === 'offsets' ? new Int32Array(1) : undefined;
    this.view = first;
    this.append(first);
  }

  /** A growing copy of `data`, or undefined when its type or nulls are not handled. */
  static from(data: ArrayData): GrowingArray | undefined {
    const layout = layoutOf(data.type);
    return layout !== undefined && appendable(data) ? new GrowingArray(data.type, layout, data) : undefined;
  }

  /** The rows so far: views of the buffers' prefix, valid for as long as the caller keeps them. */
  get data(): ArrayData {
    return this.view;
  }

  /** Appends `rows` (same type); false, changing nothing, when they cannot be appended in place. */
  append(rows: ArrayData): boolean {
    if (!appendable(rows) || rows.type.id !== this.type.id) return false;
    const n = rows.length;
    switch (this.layout) {
      case 'offsets': {
        const src = rows.offsets!;
        const first = src[0]!;
        const bytes = src[n]! - first;
        if (this.used + bytes > MAX_BYTES) return false;
        this.reserve(this.used + bytes);
        if (this.offsets!.length < this.length + n + 1) this.offsets = grown(this.offsets!, this.length + 1, this.length + n + 1) as Int32Array;
        const offsets = this.offsets!;
        const shift = this.used - first;
        for (let i = 1; i <= n; i++) offsets[this.length + i] = src[i]! + shift;
        (this.values as Uint8Array).set((rows.values as Uint8Array).subarray(first, first + bytes), this.used);
        this.used += bytes;
        break;
      }
      case 'fixedSize': {
        if (this.type.id !== 'fixedSizeBinary' || rows.type.id !== 'fixedSizeBinary' || rows.type.byteWidth !== this.type.byteWidth) return false;
        const bytes = n * this.type.byteWidth;
        this.reserve(this.used + bytes);
        (this.values as Uint8Array).set((rows.values as Uint8Array).subarray(0, bytes), this.used);
        this.used += bytes;
        break;
      }
      case 'primitive': {
        if (rows.values!.constructor !== this.values.constructor) return false;
        this.reserve(this.used + n);
        (this.values as Uint8Array).set((rows.values as Uint8Array).subarray(0, n), this.used);
        this.used += n;
        break;
      }
    }
    this.length += n;
    this.view = {
      type: this.type,
      length: this.length,
      nullCount: 0,
      validity: null,
      values: this.values.subarray(0, this.used),
      ...(this.offsets ? { offsets: this.offsets.subarray(0, this.length + 1) } : {}),
    };
    return true;
  }

  private reserve(need: number): void {
    if (this.values.length < need) this.values = grown(this.values, this.used, need);
  }
}

/** The dictionaries of one stream that deltas extend, by dictionary id. */
export class GrowingDictionaries {
  private readonly byId = new Map<number, GrowingArray>();

  /** `previous` (the dictionary `id` holds) followed by `delta`: appended in place when the
   *  values allow it, else a concatenated copy. */
  extend(id: number, previous: ArrayData, delta: ArrayData): ArrayData {
    const held = this.byId.get(id);
    // The held copy is only extended when `previous` is what it holds (its latest view).
    const growing = held !== undefined && held.data === previous ? held : GrowingArray.from(previous);
    if (growing?.append(delta)) {
      this.byId.set(id, growing);
      return growing.data;
    }
    this.byId.delete(id);
    return concatArrayData(previous, delta);
  }

  /** Dictionary `id` was replaced: the next delta starts from the replacement. */
  forget(id: number): void {
    this.byId.delete(id);
  }

  clear(): void {
    this.byId.clear();
  }
}
