// Builds Arrow Message.fbs flatbuffers (Schema, RecordBatch, DictionaryBatch headers).

import { Builder } from 'flatbuffers';
import type { Schema } from '../../arrow/types.js';
import { CompressionCodec, HeaderType, METADATA_V5, Slot, STRUCT_16_BYTES } from './format.js';
import { buildSchema } from './schema-builder.js';

type Offset = number;

/** RecordBatch metadata: flat [length, nullCount, ...] and [offset, length, ...] pairs. */
export interface BatchLayout {
  readonly length: number;
  readonly nodes: readonly number[];
  readonly buffers: readonly number[];
  readonly codec: number | null;
}

/** Returns a view into the builder's buffer, valid until the builder is reused. */
export function buildSchemaMessage(b: Builder, schema: Schema): Uint8Array {
  b.clear();
  const header = buildSchema(b, schema);
  return finishMessage(b, HeaderType.Schema, header, 0);
}

export function buildRecordBatchMessage(b: Builder, layout: BatchLayout, bodyLength: number): Uint8Array {
  b.clear();
  const header = buildRecordBatch(b, layout);
  return finishMessage(b, HeaderType.RecordBatch, header, bodyLength);
}

export function buildDictionaryBatchMessage(
  b: Builder,
  id: number,
  isDelta: boolean,
  layout: BatchLayout,
  bodyLength: number,
): Uint8Array {
  b.clear();
  const data = buildRecordBatch(b, layout);
  b.startObject(3);
  b.addFieldInt64(Slot.DictionaryBatch.id, BigInt(id), 0n);
  b.addFieldOffset(Slot.DictionaryBatch.data, data, 0);
  b.addFieldInt8(Slot.DictionaryBatch.isDelta, isDelta ? 1 : 0, 0);
  const header = b.endObject();
  return finishMessage(b, HeaderType.DictionaryBatch, header, bodyLength);
}

function finishMessage(b: Builder, headerType: number, header: Offset, bodyLength: number): Uint8Array {
  b.startObject(5);
  b.addFieldInt16(Slot.Message.version, METADATA_V5, 0);
  b.addFieldInt8(Slot.Message.headerType, headerType, 0);
  b.addFieldOffset(Slot.Message.header, header, 0);
  b.addFieldInt64(Slot.Message.bodyLength, BigInt(bodyLength), 0n);
  b.finish(b.endObject());
  return b.asUint8Array();
}

function buildRecordBatch(b: Builder, layout: BatchLayout): Offset {
  const nodes = structPairVector(b, layout.nodes);
  const buffers = structPairVector(b, layout.buffers);
  let compression = 0;
  if (layout.codec !== null) {
    b.startObject(2);
    b.addFieldInt8(Slot.BodyCompression.codec, layout.codec, CompressionCodec.Lz4Frame);
    // method BUFFER (0) is the default and the only one defined.
    compression = b.endObject();
  }
  b.startObject(5);
  b.addFieldInt64(Slot.RecordBatch.length, BigInt(layout.length), 0n);
  b.addFieldOffset(Slot.RecordBatch.nodes, nodes, 0);
  b.addFieldOffset(Slot.RecordBatch.buffers, buffers, 0);
  if (compression !== 0) b.addFieldOffset(Slot.RecordBatch.compression, compression, 0);
  return b.endObject();
}

/** A vector of {long, long} structs (FieldNode or Buffer) from flat pairs. */
function structPairVector(b: Builder, pairs: readonly number[]): Offset {
  const n = pairs.length / 2;
  b.startVector(STRUCT_16_BYTES, n, 8);
  // The builder writes back to front: last struct first, second member first.
  for (let i = n - 1; i >= 0; i--) {
    b.prep(8, STRUCT_16_BYTES);
    b.writeInt64(BigInt(pairs[2 * i + 1]!));
    b.writeInt64(BigInt(pairs[2 * i]!));
  }
  return b.endVector();
}
