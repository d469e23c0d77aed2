// CBOR (RFC 8949) for nested AnyValues: the `ser` column of attribute tables and log bodies
// holds Map (kvlist) and Slice (array) values as CBOR.
//
// Encoding reproduces the Go reference producer byte for byte (otel-arrow
// go/pkg/otel/common/cbor.go, fxamacker/cbor v2.9.2 with `EncOptions{Sort: SortCanonical}`,
// every other option at its default):
// - kvlist -> indefinite-length map (0xBF ... 0xFF), entries in insertion order (the map is
//   streamed entry by entry, so the sort option never applies), keys as text strings;
// - array  -> indefinite-length array (0x9F ... 0xFF);
// - string -> definite-length text string, shortest length header;
// - int    -> major 0 / major 1, shortest argument;
// - double -> always 0xFB + 8 bytes big-endian (ShortestFloatNone; -0.0 stays FB 80 00..00),
//   except NaN -> F9 7E 00 (NaNConvert7e00), +Inf -> F9 7C 00, -Inf -> F9 FC 00
//   (InfConvertFloat16);
// - bool -> F5 / F4; empty -> F6 (null);
// - bytes -> byte string (major 2); an EMPTY byte string is written as F6 (null) because Go's
//   pdata `ByteSlice.AsRaw()` returns a nil slice for it and fxamacker writes nil slices as
//   null (NilContainerAsNull). Pass `{ emptyBytesAsNull: false }` to write 0x40 instead.
//
// Decoding accepts every well-formed encoding of these values (definite or indefinite lengths,
// chunked strings, half/single/double floats, tags, null/undefined) and turns everything else
// into OtelArrowError('INVALID_PAYLOAD'); callers add table/column context.

import { OtelArrowError } from '../errors.js';
import type { AnyValue, KeyValue } from '../otlp/model.js';
import { utf8Strict } from '../utf8-decoders.js';

// ---------------------------------------------------------------------------------------
// Encoding

export interface CborEncodeOptions {
  /** Write an empty byte string as CBOR null (F6), as the Go producer does. Default true. */
  emptyBytesAsNull?: boolean;
}

const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);
/** Scratch buffers larger than this are released after the call instead of being kept. */
const KEEP_SCRATCH_BYTES = 1 << 20;

const textEncoder = new TextEncoder();

let scratch: Uint8Array = new Uint8Array(512);
let scratchView: DataView = new DataView(scratch.buffer);

class Writer {
  buf: Uint8Array = scratch;
  view: DataView = scratchView;
  pos = 0;
  emptyBytesAsNull = true;

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Writes a head (major type + argument) for an argument that fits in 32 bits. */
  head(major: number, arg: number): void {
    this.ensure(5);
    const b = this.buf;
    const m = major << 5;
    if (arg < 24) {
      b[this.pos++] = m | arg;
    } else if (arg < 0x100) {
      b[this.pos++] = m | 24;
      b[this.pos++] = arg;
    } else if (arg < 0x10000) {
      b[this.pos++] = m | 25;
      b[this.pos++] = arg >>> 8;
      b[this.pos++] = arg & 0xff;
    } else {
      b[this.pos++] = m | 26;
      this.view.setUint32(this.pos, arg);
      this.pos += 4;
    }
  }

  /** Writes a head for a 64-bit argument given as a non-negative bigint. */
  headBig(major: number, arg: bigint): void {
    if (arg <= 0xffffffffn) {
      this.head(major, Number(arg));
      return;
    }
    this.ensure(9);
    this.buf[this.pos++] = (major << 5) | 27;
    this.view.setBigUint64(this.pos, arg);
    this.pos += 8;
  }

  string(s: string): void {
    const n = s.length;
    // Fast path: short ASCII strings are copied char by char (no encodeInto call).
    if (n < 24) {
      this.ensure(1 + n * 3);
      const b = this.buf;
      const start = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[start + 1 + i] = c;
      }
      if (i === n) {
        b[start] = 0x60 | n;
        this.pos = start + 1 + n;
        return;
      }
    }
    // General path: encode in place after a header sized for the worst case, then move the
    // bytes back if the actual length needs a shorter header.
    const max = n * 3;
    const hdr = headSize(max);
    // +5: `head` below ensures 5 bytes itself; that must never reallocate (it would drop the
    // string bytes already written past `pos`).
    this.ensure(hdr + max + 5);
    const start = this.pos;
    const written = textEncoder.encodeInto(s, this.buf.subarray(start + hdr, start + hdr + max)).written;
    const actualHdr = headSize(written);
    if (actualHdr !== hdr) {
      this.buf.copyWithin(start + actualHdr, start + hdr, start + hdr + written);
    }
    this.head(3, written);
    this.pos = start + actualHdr + written;
  }

  value(v: AnyValue, depth = 0): void {
    switch (v.type) {
      case 'string':
        this.string(v.value);
        return;
      case 'int': {
        const x = v.value;
        if (x > MAX_INT64 || x < MIN_INT64) {
          throw new OtelArrowError('INVALID_PAYLOAD', `int AnyValue ${x} is outside the int64 range`);
        }
        if (x >= 0n) this.headBig(0, x);
        else this.headBig(1, -1n - x);
        return;
      }
      case 'double': {
        const d = v.value;
        this.ensure(9);
        const b = this.buf;
        if (d !== d) {
          b[this.pos++] = 0xf9;
          b[this.pos++] = 0x7e;
          b[this.pos++] = 0x00;
        } else if (d === Infinity || d === -Infinity) {
          b[this.pos++] = 0xf9;
          b[this.pos++] = d > 0 ? 0x7c : 0xfc;
          b[this.pos++] = 0x00;
        } else {
          b[this.pos++] = 0xfb;
          this.view.setFloat64(this.pos, d);
          this.pos += 8;
        }
        return;
      }
      case 'bool':
        this.ensure(1);
        this.buf[this.pos++] = v.value ? 0xf5 : 0xf4;
        return;
      case 'bytes': {
        const bytes = v.value;
        if (bytes.length === 0 && this.emptyBytesAsNull) {
          this.ensure(1);
          this.buf[this.pos++] = 0xf6;
          return;
        }
        this.head(2, bytes.length);
        this.ensure(bytes.length);
        this.buf.set(bytes, this.pos);
        this.pos += bytes.length;
        return;
      }
      case 'array': {
        tooDeep(depth);
        this.ensure(1);
        this.buf[this.pos++] = 0x9f;
        for (const item of v.values) this.value(item, depth + 1);
        this.ensure(1);
        this.buf[this.pos++] = 0xff;
        return;
      }
      case 'kvlist': {
        tooDeep(depth);
        this.ensure(1);
        this.buf[this.pos++] = 0xbf;
        for (const kv of v.values) {
          this.string(kv.key);
          this.value(kv.value, depth + 1);
        }
        this.ensure(1);
        this.buf[this.pos++] = 0xff;
        return;
      }
      case 'empty':
        this.ensure(1);
        this.buf[this.pos++] = 0xf6;
        return;
      default: {
        const unknown: never = v;
        throw new OtelArrowError('INVALID_PAYLOAD', `unknown AnyValue type ${(unknown as { type: unknown }).type}`);
      }
    }
  }
}

/** Maps and arrays nest at most as deep as every OTAP decoder reads them (CBOR_MAX_DEPTH):
 *  deeper values are refused when encoding rather than sent undecodable. */
function tooDeep(depth: number): void {
  if (depth >= CBOR_MAX_DEPTH) {
    throw new OtelArrowError('LIMIT_EXCEEDED', `AnyValue maps and arrays nested deeper than ${CBOR_MAX_DEPTH} levels: OTAP carries them as CBOR, which decoders read to ${CBOR_MAX_DEPTH} levels`);
  }
}

function headSize(arg: number): number {
  return arg < 24 ? 1 : arg < 0x100 ? 2 : arg < 0x10000 ? 3 : arg <= 0xffffffff ? 5 : 9;
}

/**
 * Encodes an AnyValue as CBOR exactly as the Go OTAP producer does (see the file comment).
 * Meant for kvlist and array values (the `ser` column) but encodes any value.
 */
export function encodeAnyValueCbor(value: AnyValue, options?: CborEncodeOptions): Uint8Array {
  const w = new Writer();
  w.emptyBytesAsNull = options?.emptyBytesAsNull ?? true;
  try {
    w.value(value);
    return w.buf.slice(0, w.pos);
  } finally {
    // Keep a grown scratch buffer for the next call unless it became very large.
    if (w.buf !== scratch && w.buf.length <= KEEP_SCRATCH_BYTES) {
      scratch = w.buf;
      scratchView = w.view;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Decoding

/** Maximum nesting of arrays and maps accepted by the decoder. */
export const CBOR_MAX_DEPTH = 128;

function fail(message: string): never {
  throw new OtelArrowError('INVALID_PAYLOAD', `invalid CBOR: ${message}`);
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (mant + 1024) * 2 ** (exp - 25);
}

class Reader {
  readonly b: Uint8Array;
  pos = 0;
  private dv: DataView | undefined;

  constructor(b: Uint8Array) {
    this.b = b;
  }

  private view(): DataView {
    return (this.dv ??= new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength));
  }

  private need(n: number): void {
    if (n > this.b.length - this.pos) fail(`truncated at offset ${this.pos} (need ${n} more bytes)`);
  }

  private byte(): number {
    const x = this.b[this.pos];
    if (x === undefined) fail(`truncated at offset ${this.pos}`);
    this.pos++;
    return x;
  }

  /** Reads the argument for additional info 0..27 as a bigint. */
  private argBig(ai: number): bigint {
    if (ai < 24) return BigInt(ai);
    if (ai === 27) {
      this.need(8);
      const x = this.view().getBigUint64(this.pos);
      this.pos += 8;
      return x;
    }
    return BigInt(this.argNum(ai));
  }

  /** Reads the argument for additional info 0..27 as a number; 64-bit values above 2^53 fail. */
  private argNum(ai: number): number {
    if (ai < 24) return ai;
    switch (ai) {
      case 24:
        return this.byte();
      case 25: {
        this.need(2);
        const x = this.view().getUint16(this.pos);
        this.pos += 2;
        return x;
      }
      case 26: {
        this.need(4);
        const x = this.view().getUint32(this.pos);
        this.pos += 4;
        return x;
      }
      case 27: {
        this.need(8);
        const hi = this.view().getUint32(this.pos);
        const lo = this.view().getUint32(this.pos + 4);
        this.pos += 8;
        // Any length this large exceeds the input anyway; report it as such.
        return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
      }
      default:
        return fail(`reserved additional information ${ai} at offset ${this.pos - 1}`);
    }
  }

  /** Reads a definite length and checks that `length * minItemBytes` bytes remain. */
  private length(ai: number, minItemBytes: number, what: string): number {
    const start = this.pos - 1;
    const n = this.argNum(ai);
    if (n * minItemBytes > this.b.length - this.pos) {
      fail(`${what} length ${n} at offset ${start} exceeds the remaining ${this.b.length - this.pos} bytes`);
    }
    return n;
  }

  /** Reads the payload of a byte or text string (major 2 or 3) whose head was just read. */
  private stringBytes(major: number, ai: number): Uint8Array {
    if (ai !== 31) {
      const n = this.length(ai, 1, major === 2 ? 'byte string' : 'text string');
      const out = this.b.subarray(this.pos, this.pos + n);
      this.pos += n;
      return out;
    }
    // Indefinite length: definite-length chunks of the same major type until a break.
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const ib = this.byte();
      if (ib === 0xff) break;
      if (ib >> 5 !== major || (ib & 31) === 31) {
        fail(`bad chunk 0x${ib.toString(16)} in indefinite-length string at offset ${this.pos - 1}`);
      }
      const n = this.length(ib & 31, 1, 'string chunk');
      chunks.push(this.b.subarray(this.pos, this.pos + n));
      this.pos += n;
      total += n;
    }
    if (chunks.length === 1) return chunks[0]!;
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  private text(bytes: Uint8Array): string {
    // Short ASCII strings: skip the TextDecoder call.
    if (bytes.length <= 16) {
      let s = '';
      for (let i = 0; i < bytes.length; i++) {
        const c = bytes[i]!;
        if (c >= 0x80) return this.utf8(bytes);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.utf8(bytes);
  }

  private utf8(bytes: Uint8Array): string {
    try {
      return utf8Strict.decode(bytes);
    } catch {
      return fail(`text string is not valid UTF-8 (before offset ${this.pos})`);
    }
  }

  item(depth: number): AnyValue {
    let start = this.pos;
    let ib = this.byte();
    // Tags: skip the tag number and decode the tagged item (looped, so tag chains cost no stack).
    while (ib >> 5 === 6) {
      const ai = ib & 31;
      if (ai === 31) fail(`indefinite-length tag at offset ${start}`);
      this.argNum(ai);
      start = this.pos;
      ib = this.byte();
    }
    const major = ib >> 5;
    const ai = ib & 31;
    switch (major) {
      case 0: {
        if (ai > 27) fail(`bad additional information ${ai} for an integer at offset ${start}`);
        const n = this.argBig(ai);
        if (n > MAX_INT64) fail(`unsigned integer ${n} at offset ${start} overflows int64`);
        return { type: 'int', value: n };
      }
      case 1: {
        if (ai > 27) fail(`bad additional information ${ai} for an integer at offset ${start}`);
        const n = this.argBig(ai);
        if (n > MAX_INT64) fail(`negative integer -1-${n} at offset ${start} overflows int64`);
        return { type: 'int', value: -1n - n };
      }
      case 2:
        // Copy: the result must not keep the whole input alive or alias it.
        return { type: 'bytes', value: this.stringBytes(2, ai).slice() };
      case 3:
        return { type: 'string', value: this.text(this.stringBytes(3, ai)) };
      case 4: {
        if (depth >= CBOR_MAX_DEPTH) fail(`nesting deeper than ${CBOR_MAX_DEPTH} at offset ${start}`);
        const values: AnyValue[] = [];
        if (ai === 31) {
          for (;;) {
            if (this.pos >= this.b.length) fail(`truncated indefinite-length array starting at offset ${start}`);
            if (this.b[this.pos] === 0xff) {
              this.pos++;
              break;
            }
            values.push(this.item(depth + 1));
          }
        } else {
          const n = this.length(ai, 1, 'array');
          for (let i = 0; i < n; i++) values.push(this.item(depth + 1));
        }
        return { type: 'array', values };
      }
      case 5: {
        if (depth >= CBOR_MAX_DEPTH) fail(`nesting deeper than ${CBOR_MAX_DEPTH} at offset ${start}`);
        const values: KeyValue[] = [];
        if (ai === 31) {
          for (;;) {
            if (this.pos >= this.b.length) fail(`truncated indefinite-length map starting at offset ${start}`);
            if (this.b[this.pos] === 0xff) {
              this.pos++;
              break;
            }
            values.push(this.entry(depth));
          }
        } else {
          const n = this.length(ai, 2, 'map');
          for (let i = 0; i < n; i++) values.push(this.entry(depth));
        }
        return { type: 'kvlist', values };
      }
      default:
        return this.simple(ai, start);
    }
  }

  private entry(depth: number): KeyValue {
    const start = this.pos;
    const ib = this.byte();
    if (ib >> 5 !== 3) fail(`map key at offset ${start} is not a text string (initial byte 0x${ib.toString(16)})`);
    const key = this.text(this.stringBytes(3, ib & 31));
    return { key, value: this.item(depth + 1) };
  }

  /** Major type 7: simple values and floats. */
  private simple(ai: number, start: number): AnyValue {
    switch (ai) {
      case 20:
        return { type: 'bool', value: false };
      case 21:
        return { type: 'bool', value: true };
      case 22: // null
      case 23: // undefined
        return { type: 'empty' };
      case 24: {
        const v = this.byte();
        if (v < 32) fail(`simple value ${v} encoded in two bytes at offset ${start}`);
        return fail(`unsupported simple value ${v} at offset ${start}`);
      }
      case 25: {
        this.need(2);
        const h = this.view().getUint16(this.pos);
        this.pos += 2;
        return { type: 'double', value: halfToNumber(h) };
      }
      case 26: {
        this.need(4);
        const f = this.view().getFloat32(this.pos);
        this.pos += 4;
        return { type: 'double', value: f };
      }
      case 27: {
        this.need(8);
        const f = this.view().getFloat64(this.pos);
        this.pos += 8;
        return { type: 'double', value: f };
      }
      case 31:
        return fail(`unexpected break at offset ${start}`);
      default:
        return ai < 20
          ? fail(`unsupported simple value ${ai} at offset ${start}`)
          : fail(`reserved additional information ${ai} at offset ${start}`);
    }
  }
}

/**
 * Decodes one CBOR data item into an AnyValue. The `ser` column holds maps and arrays, but any
 * item is decoded (as Go's consumer does); callers that require a container check `type`.
 * Trailing bytes after the item are an error. Every failure is OtelArrowError('INVALID_PAYLOAD').
 */
export function decodeAnyValueCbor(bytes: Uint8Array): AnyValue {
  const r = new Reader(bytes);
  const v = r.item(0);
  if (r.pos !== bytes.length) {
    fail(`${bytes.length - r.pos} trailing bytes after the data item at offset ${r.pos}`);
  }
  return v;
}
