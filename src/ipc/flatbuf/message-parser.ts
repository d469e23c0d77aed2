// Reads the Message.fbs flatbuffer of one encapsulated message into plain objects.

import { OtelArrowError } from '../../errors.js';
import type { Schema } from '../../arrow/types.js';
import { CompressionCodec, HeaderType, METADATA_V4, METADATA_V5, Slot, STRUCT_16_BYTES } from './format.js';
import { parseSchema } from './schema-parser.js';
import { FbTable, malformed } from './table-reader.js';

/** RecordBatch header: flat [length, nullCount, ...] nodes and [offset, length, ...] buffers. */
export interface BatchHeader {
  readonly length: number;
  readonly nodes: number[];
  readonly buffers: number[];
  /** CompressionCodec value, or null for an uncompressed body. */
  readonly codec: number | null;
}

export type MessageHeader =
  | { readonly type: 'schema'; readonly schema: Schema }
  | { readonly type: 'dictionary'; readonly id: number; readonly isDelta: boolean; readonly batch: BatchHeader }
  | { readonly type: 'recordBatch'; readonly batch: BatchHeader };

export interface ParsedMessage {
  readonly header: MessageHeader;
  readonly bodyLength: number;
}

export function parseMessage(metadata: Uint8Array): ParsedMessage {
  const message = FbTable.root(metadata);
  const version = message.int16(Slot.Message.version, 0);
  if (version < METADATA_V4 || version > METADATA_V5) {
    throw new OtelArrowError('UNSUPPORTED', `Arrow metadata version ${version + 1} is not supported`);
  }
  const bodyLength = message.count64(Slot.Message.bodyLength, 'message body length');
  const headerType = message.uint8(Slot.Message.headerType, HeaderType.None);
  const table = message.table(Slot.Message.header) ?? malformed('message has no header');
  switch (headerType) {
    case HeaderType.Schema:
      return { header: { type: 'schema', schema: parseSchema(table) }, bodyLength };
    case HeaderType.RecordBatch:
      return { header: { type: 'recordBatch', batch: parseBatch(table) }, bodyLength };
    case HeaderType.DictionaryBatch: {
      const id = table.count64(Slot.DictionaryBatch.id, 'dictionary id');
      const data = table.table(Slot.DictionaryBatch.data) ?? malformed('dictionary batch has no data');
      const isDelta = table.bool(Slot.DictionaryBatch.isDelta, false);
      return { header: { type: 'dictionary', id, isDelta, batch: parseBatch(data) }, bodyLength };
    }
    default:
      throw new OtelArrowError('UNSUPPORTED', `Arrow message header type ${headerType} is not supported`);
  }
}

function parseBatch(table: FbTable): BatchHeader {
  const length = table.count64(Slot.RecordBatch.length, 'record batch length');
  const nodes = structPairs(table, Slot.RecordBatch.nodes, 'field node');
  const buffers = structPairs(table, Slot.RecordBatch.buffers, 'buffer');
  const compression = table.table(Slot.RecordBatch.compression);
  let codec: number | null = null;
  if (compression) {
    codec = compression.uint8(Slot.BodyCompression.codec, CompressionCodec.Lz4Frame);
    if (compression.uint8(Slot.BodyCompression.method, 0) !== 0) {
      throw new OtelArrowError('UNSUPPORTED', 'body compression method other than BUFFER');
    }
    if (codec === CompressionCodec.Lz4Frame) {
      throw new OtelArrowError('UNSUPPORTED', 'LZ4_FRAME body compression is not supported');
    }
    if (codec !== CompressionCodec.Zstd) {
      throw new OtelArrowError('UNSUPPORTED', `body compression codec ${codec} is not supported`);
    }
  }
  return { length, nodes, buffers, codec };
}

function structPairs(table: FbTable, slot: number, what: string): number[] {
  const vec = table.vector(slot, STRUCT_16_BYTES);
  if (vec === null) return [];
  const out = new Array<number>(vec.length * 2);
  for (let i = 0; i < vec.length; i++) {
    out[2 * i] = table.count64At(vec.pos + i * STRUCT_16_BYTES, what);
    out[2 * i + 1] = table.count64At(vec.pos + i * STRUCT_16_BYTES + 8, what);
  }
  return out;
}
