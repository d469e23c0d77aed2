// A bounds-checked flatbuffer table reader. The `flatbuffers` runtime trusts its input
// (out-of-range reads yield garbage or throw RangeError), so remote metadata goes through
// this instead: every offset is checked against the bytes actually present and every
// failure is an OtelArrowError('MALFORMED_IPC').

import { OtelArrowError } from '../../errors.js';
import { utf8 } from '../../utf8-decoders.js';

export function malformed(message: string): never {
  throw new OtelArrowError('MALFORMED_IPC', message);
}

export class FbTable {
  private readonly view: DataView;
  private readonly vtable: number;
  private readonly vtableSize: number;

  /** `pos` is the absolute position of the table inside `bytes`. */
  constructor(
    private readonly bytes: Uint8Array,
    readonly pos: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.check(pos, 4);
    const vtable = pos - this.view.getInt32(pos, true);
    this.check(vtable, 4);
    const size = this.view.getUint16(vtable, true);
    if (size < 4 || size % 2 !== 0) malformed('bad flatbuffer vtable size');
    this.check(vtable, size);
    this.vtable = vtable;
    this.vtableSize = size;
  }

  /** Reads the root table of a finished flatbuffer. */
  static root(bytes: Uint8Array): FbTable {
    if (bytes.length < 8) malformed('flatbuffer too short');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new FbTable(bytes, view.getUint32(0, true));
  }

  private check(pos: number, size: number): void {
    if (pos < 0 || size < 0 || pos + size > this.bytes.length) malformed('flatbuffer offset out of range');
  }

  /** Absolute position of a field's inline value, or 0 when the field is absent. */
  private field(slot: number, size: number): number {
    const entry = 4 + slot * 2;
    if (entry + 2 > this.vtableSize) return 0;
    const rel = this.view.getUint16(this.vtable + entry, true);
    if (rel === 0) return 0;
    const at = this.pos + rel;
    this.check(at, size);
    return at;
  }

  has(slot: number): boolean {
    return this.field(slot, 0) !== 0;
  }

  uint8(slot: number, dflt: number): number {
    const at = this.field(slot, 1);
    return at === 0 ? dflt : this.view.getUint8(at);
  }

  bool(slot: number, dflt: boolean): boolean {
    const at = this.field(slot, 1);
    return at === 0 ? dflt : this.view.getUint8(at) !== 0;
  }

  int16(slot: number, dflt: number): number {
    const at = this.field(slot, 2);
    return at === 0 ? dflt : this.view.getInt16(at, true);
  }

  int32(slot: number, dflt: number): number {
    const at = this.field(slot, 4);
    return at === 0 ? dflt : this.view.getInt32(at, true);
  }

  /** An int64 that must be a non-negative safe integer (lengths, ids, offsets). */
  count64(slot: number, what: string): number {
    const at = this.field(slot, 8);
    return at === 0 ? 0 : readCount64(this.view, at, what);
  }

  /** Follows a uoffset stored at `at`; returns the absolute target position. */
  private deref(at: number): number {
    const target = at + this.view.getUint32(at, true);
    this.check(target, 4);
    return target;
  }

  table(slot: number): FbTable | null {
    const at = this.field(slot, 4);
    return at === 0 ? null : new FbTable(this.bytes, this.deref(at));
  }

  string(slot: number): string | null {
    const at = this.field(slot, 4);
    if (at === 0) return null;
    const start = this.deref(at);
    const length = this.view.getUint32(start, true);
    this.check(start + 4, length);
    return utf8.decode(this.bytes.subarray(start + 4, start + 4 + length));
  }

  /** A vector of `elementSize`-byte elements: absolute position of element 0 and count. */
  vector(slot: number, elementSize: number): { pos: number; length: number } | null {
    const at = this.field(slot, 4);
    if (at === 0) return null;
    const start = this.deref(at);
    const length = this.view.getUint32(start, true);
    if (length * elementSize > this.bytes.length) malformed('flatbuffer vector too long');
    this.check(start + 4, length * elementSize);
    return { pos: start + 4, length };
  }

  /** The tables of a vector of tables (each offset is checked when read); at most `max`. */
  tables(slot: number, max = Number.MAX_SAFE_INTEGER): FbTable[] {
    const vec = this.vector(slot, 4);
    if (vec === null) return [];
    if (vec.length > max) malformed('flatbuffer vector has too many entries');
    const out = new Array<FbTable>(vec.length);
    for (let i = 0; i < vec.length; i++) out[i] = new FbTable(this.bytes, this.deref(vec.pos + i * 4));
    return out;
  }

  /** Reads a non-negative safe int64 at an absolute position (used for vectors of structs). */
  count64At(pos: number, what: string): number {
    this.check(pos, 8);
    return readCount64(this.view, pos, what);
  }
}

function readCount64(view: DataView, at: number, what: string): number {
  const lo = view.getUint32(at, true);
  const hi = view.getInt32(at + 4, true);
  if (hi < 0 || hi >= 0x200000) malformed(`${what} out of range`);
  return hi * 0x100000000 + lo;
}
