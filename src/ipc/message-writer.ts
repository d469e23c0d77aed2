// Encapsulated IPC message framing: 0xFFFFFFFF continuation, int32 LE metadata length
// (padded so the body starts 8-byte aligned), the Message flatbuffer, then the body
// buffers each padded to 8 bytes. Messages of one write() are gathered into one chunk.

import { Builder } from 'flatbuffers';
import type { ArrayData, Field, Schema } from '../arrow/types.js';
import { compressBuffer, type BodyCompressor } from './compression.js';
import { flattenColumns } from './body-flattener.js';
import { CompressionCodec } from './flatbuf/format.js';
import {
  buildDictionaryBatchMessage,
  buildRecordBatchMessage,
  buildSchemaMessage,
  type BatchLayout,
} from './flatbuf/message-builder.js';

const CONTINUATION = 0xffffffff;
const pad8 = (n: number): number => (n + 7) & ~7;

/** Collects message parts and copies them once into a single chunk. */
export class ChunkAssembler {
  private readonly parts: { bytes: Uint8Array; at: number }[] = [];
  private size = 0;

  /** Appends `bytes` (kept by reference until finish) followed by zero padding to `span`. */
  push(bytes: Uint8Array, span = bytes.length): void {
    this.parts.push({ bytes, at: this.size });
    this.size += span;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    for (const p of this.parts) out.set(p.bytes, p.at);
    return out;
  }
}

export class MessageWriter {
  private readonly builder = new Builder(1024);

  constructor(private readonly compressor: BodyCompressor | undefined) {}

  writeSchema(out: ChunkAssembler, schema: Schema): void {
    frame(out, buildSchemaMessage(this.builder, schema), [], 0);
  }

  writeRecordBatch(out: ChunkAssembler, fields: readonly Field[], columns: readonly ArrayData[], length: number): void {
    const { layout, buffers, bodyLength } = this.body(fields, columns, length);
    frame(out, buildRecordBatchMessage(this.builder, layout, bodyLength), buffers, bodyLength);
  }

  /** `field` is the dictionary-encoded field; its dictionary travels as a one-column batch
   *  of the value type. */
  writeDictionaryBatch(out: ChunkAssembler, id: number, isDelta: boolean, field: Field, dictionary: ArrayData): void {
    const valueField: Field = { name: field.name, type: field.type, nullable: true };
    const { layout, buffers, bodyLength } = this.body([valueField], [dictionary], dictionary.length);
    frame(out, buildDictionaryBatchMessage(this.builder, id, isDelta, layout, bodyLength), buffers, bodyLength);
  }

  private body(fields: readonly Field[], columns: readonly ArrayData[], length: number) {
    const flat = flattenColumns(fields, columns);
    const compressor = this.compressor;
    const buffers = compressor ? flat.buffers.map((b) => compressBuffer(compressor, b)) : flat.buffers;
    const pairs = new Array<number>(buffers.length * 2);
    let offset = 0;
    buffers.forEach((b, i) => {
      pairs[2 * i] = offset;
      pairs[2 * i + 1] = b.length;
      offset += pad8(b.length);
    });
    const layout: BatchLayout = {
      length,
      nodes: flat.nodes,
      buffers: pairs,
      codec: compressor ? CompressionCodec.Zstd : null,
    };
    return { layout, buffers, bodyLength: offset };
  }
}

function frame(out: ChunkAssembler, metadata: Uint8Array, buffers: readonly Uint8Array[], bodyLength: number): void {
  const metaSpan = pad8(8 + metadata.length) - 8;
  const prefix = new Uint8Array(8);
  const view = new DataView(prefix.buffer);
  view.setUint32(0, CONTINUATION, true);
  view.setInt32(4, metaSpan, true);
  out.push(prefix);
  // The builder reuses its buffer for the next message, so the metadata is copied now.
  out.push(metadata.slice(), metaSpan);
  let written = 0;
  for (const b of buffers) {
    out.push(b, pad8(b.length));
    written += pad8(b.length);
  }
  if (written !== bodyLength) throw new Error('internal: body length mismatch');
}
