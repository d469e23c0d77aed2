// Protobuf wire-format writer.
//
// One growable Uint8Array. Nested messages reserve a single length byte and are back-patched
// when they close (`beginMessage`/`endMessage`); only a message longer than 127 bytes pays a
// copyWithin to make room for its longer length varint. No per-field allocations.

export const WireType = {
  VARINT: 0,
  FIXED64: 1,
  LEN: 2,
  START_GROUP: 3,
  END_GROUP: 4,
  FIXED32: 5,
} as const;

const TWO_32 = 4294967296;
const MASK_32 = 0xffffffffn;
// A short string's UTF-8 form is at most 3 bytes per UTF-16 unit, so < 43 units always fits
// a one-byte length prefix.
const SHORT_STRING = 42;

const textEncoder = new TextEncoder();

export class WireWriter {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  /** The bytes written so far (a copy, so the writer can be reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    // Whole buffer: string() writes ahead of pos before committing.
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  // -------------------------------------------------------------------------------------
  // Primitives (no tag)

  /** Unsigned varint of a non-negative integer below 2^53. */
  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    if (value < 0x80) {
      buf[pos++] = value;
    } else if (value < TWO_32) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buf[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[pos++] = v;
    } else {
      this.pos = pos;
      this.varintParts(value >>> 0, Math.floor(value / TWO_32) >>> 0);
      return;
    }
    this.pos = pos;
  }

  /** int32/enum varint: negative values are sign-extended to 10 bytes, as proto requires. */
  int32(value: number): void {
    if (value >= 0) this.varint(value);
    else this.varintParts(value >>> 0, 0xffffffff);
  }

  /** 64-bit varint from its low and high unsigned 32-bit halves. */
  varintParts(lo: number, hi: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  /** int64/uint64 varint from a bigint (wrapped to 64 bits, two's complement). */
  varintBig(value: bigint): void {
    if (value >= 0n && value < 0x100000000n) {
      this.varint(Number(value));
      return;
    }
    const v = BigInt.asUintN(64, value);
    this.varintParts(Number(v & MASK_32), Number(v >> 32n));
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  /** fixed64 or sfixed64: both are the low 64 bits of the value, little-endian. */
  fixed64(value: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.pos, value, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** Length-prefixed bytes. */
  bytes(value: Uint8Array): void {
    const n = value.length;
    this.varint(n);
    this.ensure(n);
    this.buf.set(value, this.pos);
    this.pos += n;
  }

  /** Length-prefixed UTF-8 string. */
  string(value: string): void {
    const len = value.length;
    if (len <= SHORT_STRING) {
      this.ensure(1 + len * 3);
      const buf = this.buf;
      const start = this.pos + 1;
      let pos = start;
      let i = 0;
      for (; i < len; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[pos++] = c;
      }
      if (i < len) {
        pos = start + textEncoder.encodeInto(value, buf.subarray(start)).written;
      }
      buf[start - 1] = pos - start;
      this.pos = pos;
      return;
    }
    // Reserve the length prefix for the worst case, then shift if the text came out shorter.
    const max = len * 3;
    const prefix = varintSize(max);
    this.ensure(prefix + max);
    const start = this.pos + prefix;
    const written = textEncoder.encodeInto(value, this.buf.subarray(start)).written;
    const actual = varintSize(written);
    if (actual !== prefix) this.buf.copyWithin(this.pos + actual, start, start + written);
    this.varint(written);
    this.pos += written;
  }

  // -------------------------------------------------------------------------------------
  // Tags and nested messages

  tag(field: number, wireType: number): void {
    this.varint(((field << 3) | wireType) >>> 0);
  }

  /** Starts a length-delimited field body; pass the result to `endMessage`. */
  beginMessage(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Back-patches the length of the body started at `mark`. */
  endMessage(mark: number): void {
    const start = mark + 1;
    const len = this.pos - start;
    if (len < 0x80) {
      this.buf[mark] = len;
      return;
    }
    const size = varintSize(len);
    this.ensure(size - 1);
    this.buf.copyWithin(mark + size, start, this.pos);
    this.pos = mark;
    this.varint(len);
    this.pos += len;
  }

  // -------------------------------------------------------------------------------------
  // Tagged fields. The `...Field` helpers skip proto3 defaults; oneof members and optional
  // fields call tag() + primitive directly so presence survives.

  varintField(field: number, value: number): void {
    if (value !== 0) {
      this.tag(field, WireType.VARINT);
      this.varint(value);
    }
  }

  /** uint32 field: values outside 0..2^32-1 are wrapped like protobuf does. */
  uint32Field(field: number, value: number): void {
    if (value !== 0) {
      this.tag(field, WireType.VARINT);
      this.varint(value >>> 0);
    }
  }

  int32Field(field: number, value: number): void {
    if (value !== 0) {
      this.tag(field, WireType.VARINT);
      this.int32(value);
    }
  }

  sint32Field(field: number, value: number): void {
    if (value !== 0) {
      this.tag(field, WireType.VARINT);
      this.varint(((value << 1) ^ (value >> 31)) >>> 0);
    }
  }

  boolField(field: number, value: boolean): void {
    if (value) {
      this.tag(field, WireType.VARINT);
      this.buf[this.pos++] = 1; // tag() ensured 10 bytes
    }
  }

  int64Field(field: number, value: bigint): void {
    if (value !== 0n) {
      this.tag(field, WireType.VARINT);
      this.varintBig(value);
    }
  }

  fixed32Field(field: number, value: number): void {
    if (value !== 0) {
      this.tag(field, WireType.FIXED32);
      this.fixed32(value);
    }
  }

  fixed64Field(field: number, value: bigint): void {
    if (value !== 0n) {
      this.tag(field, WireType.FIXED64);
      this.fixed64(value);
    }
  }

  /** Skips only +0 so that -0 keeps its sign. */
  doubleField(field: number, value: number): void {
    if (value !== 0 || Object.is(value, -0)) {
      this.tag(field, WireType.FIXED64);
      this.double(value);
    }
  }

  stringField(field: number, value: string): void {
    if (value.length !== 0) {
      this.tag(field, WireType.LEN);
      this.string(value);
    }
  }

  bytesField(field: number, value: Uint8Array): void {
    if (value.length !== 0) {
      this.tag(field, WireType.LEN);
      this.bytes(value);
    }
  }

  /** Packed repeated fixed64. */
  packedFixed64(field: number, values: readonly bigint[]): void {
    const n = values.length;
    if (n === 0) return;
    this.tag(field, WireType.LEN);
    this.varint(n * 8);
    this.ensure(n * 8);
    const view = this.view;
    let pos = this.pos;
    for (let i = 0; i < n; i++, pos += 8) view.setBigUint64(pos, values[i]!, true);
    this.pos = pos;
  }

  /** Packed repeated double. */
  packedDouble(field: number, values: readonly number[]): void {
    const n = values.length;
    if (n === 0) return;
    this.tag(field, WireType.LEN);
    this.varint(n * 8);
    this.ensure(n * 8);
    const view = this.view;
    let pos = this.pos;
    for (let i = 0; i < n; i++, pos += 8) view.setFloat64(pos, values[i]!, true);
    this.pos = pos;
  }

  /** Packed repeated uint64 varints. */
  packedVarintBig(field: number, values: readonly bigint[]): void {
    const n = values.length;
    if (n === 0) return;
    this.tag(field, WireType.LEN);
    const mark = this.beginMessage();
    for (let i = 0; i < n; i++) this.varintBig(values[i]!);
    this.endMessage(mark);
  }
}

/** Bytes needed for the varint of a non-negative integer below 2^53. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let n = 5;
  let v = Math.floor(value / 0x800000000);
  while (v > 0) {
    n++;
    v = Math.floor(v / 128);
  }
  return n;
}
