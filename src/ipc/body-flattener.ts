// Flattens columns into the IPC body layout: one FieldNode per array node in depth-first
// order and that node's buffers in Arrow's order. Buffers are views, never per-row copies
// (except rebasing offsets that do not start at 0).

import { bitmapByteLength, bytesOf, sliceArrayData } from '../arrow/array-data.js';
import type { ArrayData, Field } from '../arrow/types.js';
import { OtelArrowError } from '../errors.js';

export interface FlatBody {
  /** [length, nullCount] per node. */
  readonly nodes: number[];
  readonly buffers: Uint8Array[];
}

const EMPTY = new Uint8Array(0);
const ZERO_OFFSET = bytesOf(new Int32Array(1));

export function flattenColumns(fields: readonly Field[], columns: readonly ArrayData[]): FlatBody {
  const body: FlatBody = { nodes: [], buffers: [] };
  fields.forEach((field, i) => {
    const column = columns[i];
    if (!column) bad(field.name, 'missing column');
    flatten(field, column, body);
  });
  return body;
}

function flatten(field: Field, data: ArrayData, body: FlatBody): void {
  const n = data.length;
  body.nodes.push(n, data.nullCount);
  body.buffers.push(validityOf(field, data));
  if (field.dictionary) {
    body.buffers.push(elements(field, data, field.dictionary.indexBitWidth / 8));
    return;
  }
  const type = field.type;
  switch (type.id) {
    case 'int':
    case 'float64':
    case 'timestamp':
    case 'duration':
      body.buffers.push(elements(field, data, type.id === 'int' ? type.bitWidth / 8 : 8));
      return;
    case 'bool':
      body.buffers.push(prefix(field, data.values as Uint8Array | undefined, bitmapByteLength(n)));
      return;
    case 'fixedSizeBinary':
      body.buffers.push(prefix(field, data.values as Uint8Array | undefined, n * type.byteWidth));
      return;
    case 'utf8':
    case 'binary': {
      const d = zeroBased(data);
      if (d.offsets === undefined) {
        if (n > 0) bad(field.name, 'missing offsets');
        body.buffers.push(ZERO_OFFSET, EMPTY);
        return;
      }
      body.buffers.push(prefix(field, bytesOf(d.offsets), (n + 1) * 4));
      body.buffers.push(prefix(field, d.values as Uint8Array | undefined, d.offsets[n] ?? 0));
      return;
    }
    case 'struct':
      type.children.forEach((child, i) => {
        const c = data.children?.[i];
        if (!c) bad(child.name, 'missing struct child');
        flatten(child, c, body);
      });
      return;
    case 'list': {
      const d = zeroBased(data);
      const child = d.children?.[0];
      if (!child) bad(field.name, 'missing list child');
      if (d.offsets === undefined && n > 0) bad(field.name, 'missing offsets');
      body.buffers.push(d.offsets === undefined ? ZERO_OFFSET : prefix(field, bytesOf(d.offsets), (n + 1) * 4));
      flatten(type.child, child, body);
      return;
    }
  }
}

function validityOf(field: Field, data: ArrayData): Uint8Array {
  // Like arrow-go: an all-valid node gets a zero-length validity buffer.
  if (data.nullCount === 0) return EMPTY;
  if (data.validity === null) bad(field.name, 'nullCount > 0 without a validity bitmap');
  return prefix(field, data.validity, bitmapByteLength(data.length));
}

function elements(field: Field, data: ArrayData, width: number): Uint8Array {
  if (data.length === 0) return EMPTY;
  if (!data.values || data.values.BYTES_PER_ELEMENT !== width) bad(field.name, `values must be ${width}-byte elements`);
  return prefix(field, bytesOf(data.values), data.length * width);
}

function prefix(field: Field, bytes: Uint8Array | undefined, length: number): Uint8Array {
  if (length === 0) return EMPTY;
  if (!bytes || bytes.length < length) bad(field.name, `buffer shorter than ${length} bytes`);
  return bytes.subarray(0, length);
}

/** Offsets must start at 0 on the wire for some readers; rebase (copy) when they do not. */
function zeroBased(data: ArrayData): ArrayData {
  const first = data.offsets?.[0];
  return first === undefined || first === 0 ? data : sliceArrayData(data, 0, data.length);
}

function bad(column: string, message: string): never {
  throw new OtelArrowError('INVALID_PAYLOAD', message, { column });
}
