// Protobuf wire-format reader.
//
// A cursor over one Uint8Array. Nested messages narrow `limit` (enter/leave) instead of
// slicing, so every primitive bounds-checks against the innermost message. Every failure is
// an OtelArrowError('MALFORMED_PROTOBUF'); message decoders add which message and field
// through `annotate`.

import { OtelArrowError } from '../errors.js';
import { plainBytes } from '../plain-bytes.js';
import { utf8 } from '../utf8-decoders.js';

/** Static facts about one message type, used for error text and wire-type checks. */
export interface MessageInfo {
  readonly name: string;
  readonly fields: Readonly<Record<number, string>>;
  /** Bit n set when field n (< 32) is known: a wrong wire type for it is an error. */
  readonly known: number;
}

export function messageInfo(name: string, fields: Record<number, string>): MessageInfo {
  let known = 0;
  for (const key of Object.keys(fields)) {
    const n = Number(key);
    if (n < 32) known |= 1 << n;
  }
  return { name, fields, known };
}

const EMPTY = new Uint8Array(0);
/** Shared zero-length array for absent bytes fields (it has no contents to mutate). */
export const EMPTY_BYTES: Uint8Array = EMPTY;

const SHORT_STRING = 32;

// Small bytes fields (ids, mostly) are copied into a shared slab and returned as views of it:
// one allocation per field instead of an ArrayBuffer plus a view, and the result does not pin
// the input buffer. Like Node's Buffer pool, the `.buffer` of such a result is the slab.
const SLAB_SIZE = 64 * 1024;
const SMALL_BYTES = 64;
let slab = new Uint8Array(SLAB_SIZE);
let slabPos = 0;

// Node's Buffer.prototype.utf8Slice works on any Uint8Array and is the fastest decoder there
// (no subarray allocation, SIMD validation); same U+FFFD replacement as TextDecoder.
type Utf8Slice = (this: Uint8Array, start: number, end: number) => string;
const utf8Slice = (globalThis as { Buffer?: { prototype: { utf8Slice?: Utf8Slice } } }).Buffer
  ?.prototype.utf8Slice;

function fail(reason: string): never {
  throw new OtelArrowError('MALFORMED_PROTOBUF', reason);
}

/**
 * Nested messages one reader decodes at most. Bytes alone do not bound memory: an empty
 * message costs 2 bytes on the wire but an object (or several) once decoded, so a request
 * inflating to just under the size limit could hold tens of millions of them.
 */
export const DEFAULT_MAX_NESTED_MESSAGES = 4_000_000;

export class WireReader {
  readonly buf: Uint8Array;
  private readonly view: DataView;
  pos = 0;
  /** End of the message being read. */
  limit: number;
  /** High 32 bits of the last varint read (set by the 64-bit paths). */
  private hi = 0;

  /** Nested messages entered so far (see DEFAULT_MAX_NESTED_MESSAGES). */
  private messages = 0;

  constructor(buf: Uint8Array, private readonly maxMessages = DEFAULT_MAX_NESTED_MESSAGES) {
    this.buf = plainBytes(buf);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.limit = buf.length;
  }

  // -------------------------------------------------------------------------------------
  // Varints

  /** Low 32 bits of a varint (unsigned); the high half lands in `this.hi`. */
  private varint(): number {
    const buf = this.buf;
    const limit = this.limit;
    let pos = this.pos;
    if (pos < limit) {
      const b = buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        this.hi = 0;
        return b;
      }
    }
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= limit) fail('truncated varint');
      b = buf[pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.hi = 0;
        return lo >>> 0;
      }
    }
    if (pos >= limit) fail('truncated varint');
    b = buf[pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) {
      this.pos = pos;
      this.hi = hi;
      return lo >>> 0;
    }
    for (let shift = 3; shift < 32; shift += 7) {
      if (pos >= limit) fail('truncated varint');
      b = buf[pos++]!;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.hi = hi >>> 0;
        return lo >>> 0;
      }
    }
    return fail('varint longer than 10 bytes');
  }

  /** A field tag; 0 means end of the current message. */
  tag(): number {
    const tag = this.varint();
    if (tag >>> 3 === 0) fail('field number 0');
    return tag;
  }

  uint32(): number {
    return this.varint();
  }

  /** int32 and enums: the low 32 bits, signed. */
  int32(): number {
    return this.varint() | 0;
  }

  sint32(): number {
    const v = this.varint();
    return (v >>> 1) ^ -(v & 1);
  }

  bool(): boolean {
    const lo = this.varint();
    return lo !== 0 || this.hi !== 0;
  }

  uint64(): bigint {
    const lo = this.varint();
    const hi = this.hi;
    return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }

  int64(): bigint {
    const lo = this.varint();
    const hi = this.hi;
    if (hi === 0) return BigInt(lo);
    if (hi === 0xffffffff && lo >= 0x80000000) return BigInt(lo | 0);
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  // -------------------------------------------------------------------------------------
  // Fixed width

  private need(n: number): number {
    const pos = this.pos;
    if (pos + n > this.limit) fail(`truncated ${n}-byte field`);
    this.pos = pos + n;
    return pos;
  }

  fixed32(): number {
    return this.view.getUint32(this.need(4), true);
  }

  fixed64(): bigint {
    return this.view.getBigUint64(this.need(8), true);
  }

  sfixed64(): bigint {
    return this.view.getBigInt64(this.need(8), true);
  }

  double(): number {
    return this.view.getFloat64(this.need(8), true);
  }

  // -------------------------------------------------------------------------------------
  // Length-delimited

  /** Reads a length prefix and returns where that field ends. */
  lengthEnd(): number {
    const len = this.varint();
    if (this.hi !== 0 || len > this.limit - this.pos) fail('length past end of message');
    return this.pos + len;
  }

  /** UTF-8 text; invalid sequences become U+FFFD rather than failing. */
  string(): string {
    const end = this.lengthEnd();
    const buf = this.buf;
    const start = this.pos;
    this.pos = end;
    if (utf8Slice !== undefined) return utf8Slice.call(buf, start, end);
    if (end - start <= SHORT_STRING) {
      let s = '';
      let i = start;
      for (; i < end; i++) {
        const c = buf[i]!;
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (i === end) return s;
    }
    return utf8.decode(buf.subarray(start, end));
  }

  /** A copy of the bytes, so the result does not pin the input buffer. */
  bytes(): Uint8Array {
    const end = this.lengthEnd();
    const start = this.pos;
    this.pos = end;
    const len = end - start;
    if (len === 0) return EMPTY;
    if (len > SMALL_BYTES) return this.buf.slice(start, end);
    if (slabPos + len > SLAB_SIZE) {
      slab = new Uint8Array(SLAB_SIZE);
      slabPos = 0;
    }
    const at = slabPos;
    const buf = this.buf;
    for (let i = 0; i < len; i++) slab[at + i] = buf[start + i]!;
    slabPos = at + len;
    return slab.subarray(at, at + len);
  }

  /** A view into the input (no copy). */
  bytesView(): Uint8Array {
    const end = this.lengthEnd();
    const start = this.pos;
    this.pos = end;
    return this.buf.subarray(start, end);
  }

  /** Narrows the reader to a nested message; returns the outer limit for `leave`. */
  enter(): number {
    if (++this.messages > this.maxMessages) {
      throw new OtelArrowError('LIMIT_EXCEEDED',
        `more than ${this.maxMessages} nested messages in one protobuf message; send smaller requests`);
    }
    const end = this.lengthEnd();
    const outer = this.limit;
    this.limit = end;
    return outer;
  }

  leave(outer: number): void {
    this.limit = outer;
  }

  // -------------------------------------------------------------------------------------
  // Unknown fields

  /** Skips a field the decoder did not match; a known field with the wrong wire type fails. */
  skip(tag: number, info: MessageInfo): void {
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field < 32 && ((info.known >>> field) & 1) === 1) {
      fail(`wrong wire type ${wireType}`);
    }
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.need(8);
        return;
      case 2:
        this.pos = this.lengthEnd();
        return;
      case 5:
        this.need(4);
        return;
      case 3:
      case 4:
        return fail('groups are not supported');
      default:
        return fail(`invalid wire type ${wireType}`);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Error context

const annotated = new WeakSet<object>();

/**
 * Adds "Message.field" to an error thrown while decoding `info` at `tag`. Only the innermost
 * message annotates; outer ones pass the error through unchanged.
 */
export function annotate(err: unknown, info: MessageInfo, tag: number): OtelArrowError {
  if (err instanceof OtelArrowError && annotated.has(err)) return err;
  const field = tag >>> 3;
  const name = info.fields[field];
  const where = tag === 0
    ? info.name
    : `${info.name}.${name ?? `field ${field}`} (${field})`;
  const reason = err instanceof Error ? err.message : String(err);
  // A limit stays a limit (callers answer RESOURCE_EXHAUSTED, not INVALID_ARGUMENT).
  const code = err instanceof OtelArrowError && err.code === 'LIMIT_EXCEEDED' ? err.code : 'MALFORMED_PROTOBUF';
  const out = new OtelArrowError(code, `${where}: ${reason}`, { cause: err });
  annotated.add(out);
  return out;
}
