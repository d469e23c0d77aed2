// Rebuilds ArrayData from a RecordBatch header and its body: consumes FieldNodes and
// buffers in Arrow's depth-first order, checks every buffer against its node's length,
// and views the body in place when alignment allows (copies otherwise).

import { bitmapByteLength, emptyArrayData } from '../arrow/array-data.js';
import type { ArrayData, Field, ValueBuffer } from '../arrow/types.js';
import { decompressBuffer, type BodyDecompressor } from './compression.js';
import type { BatchHeader } from './flatbuf/message-parser.js';
import { malformed } from './flatbuf/table-reader.js';

export interface LoadContext {
  readonly dictionaries: ReadonlyMap<number, ArrayData>;
  readonly decompressor: BodyDecompressor | undefined;
  /** Bytes this message may still decompress to. */
  readonly budget: { left: number };
}

type TypedArrayCtor = { new (length: number): ValueBuffer; new (buffer: ArrayBufferLike, byteOffset: number, length: number): ValueBuffer; readonly BYTES_PER_ELEMENT: number };

const ZERO_OFFSETS = new Int32Array(1);

export function loadColumns(fields: readonly Field[], header: BatchHeader, body: Uint8Array, ctx: LoadContext): ArrayData[] {
  checkRowCount(header, body);
  const cursor = new BodyCursor(header, body, ctx);
  return fields.map((f) => {
    const column = cursor.load(f);
    if (column.length !== header.length) malformed(`column "${f.name}" has ${column.length} rows, batch has ${header.length}`);
    return column;
  });
}

/**
 * Every row of a real column takes at least one bit of some buffer (a validity bit, a
 * boolean, a key, an offset), so a batch cannot have more rows than 8 x its buffer bytes
 * (after decompression, as declared). A forged row count with no columns, childless
 * structs or zero-width values behind it would otherwise make consumers loop over rows
 * that do not exist.
 */
function checkRowCount(header: BatchHeader, body: Uint8Array): void {
  if (header.length === 0) return;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let bytes = 0;
  for (let i = 0; i + 1 < header.buffers.length; i += 2) {
    const offset = header.buffers[i]!;
    const length = header.buffers[i + 1]!;
    if (header.codec === null || length < 8 || offset + 8 > body.length) {
      bytes += length;
      continue;
    }
    const lo = view.getUint32(offset, true);
    const hi = view.getInt32(offset + 4, true);
    // -1: stored uncompressed after the prefix; anything else forged is rejected when loaded.
    bytes += hi === -1 && lo === 0xffffffff ? length - 8 : Math.max(0, hi) * 0x1_0000_0000 + lo;
  }
  if (header.length > bytes * 8) {
    malformed(`batch declares ${header.length} rows but its buffers hold only ${bytes} bytes`);
  }
}

class BodyCursor {
  private node = 0;
  private buffer = 0;

  constructor(
    private readonly header: BatchHeader,
    private readonly body: Uint8Array,
    private readonly ctx: LoadContext,
  ) {}

  load(field: Field): ArrayData {
    const nodes = this.header.nodes;
    if (this.node * 2 >= nodes.length) malformed(`no field node left for "${field.name}"`);
    const length = nodes[this.node * 2]!;
    const nullCount = nodes[this.node * 2 + 1]!;
    this.node++;
    if (nullCount > length) malformed(`field "${field.name}" has more nulls than rows`);
    const validity = this.validity(field, length, nullCount);
    const base = { type: field.type, length, nullCount, validity };
    if (field.dictionary) {
      const { indexBitWidth, indexSigned, id } = field.dictionary;
      const values = this.elements(field, intCtor(indexBitWidth, indexSigned), length);
      const dictionary = this.ctx.dictionaries.get(id) ?? (length === 0 ? emptyArrayData(field.type) : malformed(`dictionary ${id} of field "${field.name}" was never sent`));
      return { ...base, values, dictionary };
    }
    const type = field.type;
    switch (type.id) {
      case 'int':
        return { ...base, values: this.elements(field, intCtor(type.bitWidth, type.signed), length) };
      case 'float64':
        return { ...base, values: this.elements(field, Float64Array, length) };
      case 'timestamp':
      case 'duration':
        return { ...base, values: this.elements(field, BigInt64Array, length) };
      case 'bool':
        return { ...base, values: this.bytes(field, bitmapByteLength(length)) };
      case 'fixedSizeBinary':
        return { ...base, values: this.bytes(field, length * type.byteWidth) };
      case 'utf8':
      case 'binary': {
        const offsets = this.offsets(field, length);
        const values = this.next(field);
        this.checkOffsets(field, offsets, length, values.length);
        return { ...base, offsets, values };
      }
      case 'struct': {
        const children = type.children.map((c) => {
          const child = this.load(c);
          if (child.length < length) malformed(`struct child "${c.name}" is shorter than "${field.name}"`);
          return child;
        });
        return { ...base, children };
      }
      case 'list': {
        const offsets = this.offsets(field, length);
        const child = this.load(type.child);
        this.checkOffsets(field, offsets, length, child.length);
        return { ...base, offsets, children: [child] };
      }
    }
  }

  /** The next body buffer, decompressed when the body is compressed. */
  private next(field: Field): Uint8Array {
    const buffers = this.header.buffers;
    if (this.buffer * 2 >= buffers.length) malformed(`no buffer left for "${field.name}"`);
    const offset = buffers[this.buffer * 2]!;
    const length = buffers[this.buffer * 2 + 1]!;
    this.buffer++;
    if (offset + length > this.body.length) malformed(`buffer of "${field.name}" lies outside the message body`);
    const stored = this.body.subarray(offset, offset + length);
    return this.header.codec === null ? stored : decompressBuffer(stored, this.ctx.decompressor, this.ctx.budget);
  }

  private validity(field: Field, length: number, nullCount: number): Uint8Array | null {
    const buf = this.next(field);
    // Writers may send a zero-length (or any) validity buffer when nothing is null.
    if (nullCount === 0) return null;
    const need = bitmapByteLength(length);
    if (buf.length < need) malformed(`validity of "${field.name}" has ${buf.length} bytes, needs ${need}`);
    return buf.subarray(0, need);
  }

  private bytes(field: Field, need: number): Uint8Array {
    const buf = this.next(field);
    if (buf.length < need) malformed(`buffer of "${field.name}" has ${buf.length} bytes, needs ${need}`);
    return buf.subarray(0, need);
  }

  private elements(field: Field, ctor: TypedArrayCtor, count: number): ValueBuffer {
    return view(ctor, this.bytes(field, count * ctor.BYTES_PER_ELEMENT), count);
  }

  private offsets(field: Field, length: number): Int32Array {
    const buf = this.next(field);
    // Some writers send no offsets at all for an empty array.
    if (length === 0 && buf.length === 0) return ZERO_OFFSETS;
    const need = (length + 1) * 4;
    if (buf.length < need) malformed(`offsets of "${field.name}" have ${buf.length} bytes, need ${need}`);
    return view(Int32Array, buf, length + 1) as Int32Array;
  }

  /** Offsets must be non-decreasing and inside their data, so that every row's slice is
   *  in bounds for consumers; one tight pass per offsets buffer. */
  private checkOffsets(field: Field, offsets: Int32Array, length: number, limit: number): void {
    let previous = offsets[0]!;
    if (previous < 0) malformed(`offsets of "${field.name}" are negative`);
    for (let i = 1; i <= length; i++) {
      const current = offsets[i]!;
      if (current < previous) malformed(`offsets of "${field.name}" decrease at row ${i - 1}`);
      previous = current;
    }
    if (previous > limit) malformed(`offsets of "${field.name}" point past their data`);
  }
}

function view(ctor: TypedArrayCtor, bytes: Uint8Array, count: number): ValueBuffer {
  if (count === 0) return new ctor(0);
  if (bytes.byteOffset % ctor.BYTES_PER_ELEMENT === 0) return new ctor(bytes.buffer, bytes.byteOffset, count);
  const out = new ctor(count);
  new Uint8Array(out.buffer).set(bytes.subarray(0, count * ctor.BYTES_PER_ELEMENT));
  return out;
}

function intCtor(bitWidth: 8 | 16 | 32 | 64, signed: boolean): TypedArrayCtor {
  switch (bitWidth) {
    case 8: return signed ? Int8Array : Uint8Array;
    case 16: return signed ? Int16Array : Uint16Array;
    case 32: return signed ? Int32Array : Uint32Array;
    case 64: return signed ? BigInt64Array : BigUint64Array;
  }
}
