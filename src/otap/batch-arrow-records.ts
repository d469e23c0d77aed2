// The OTAP gRPC envelope (package opentelemetry.proto.experimental.arrow.v1):
// BatchArrowRecords, ArrowPayload and BatchStatus, with their protobuf codec.

import { annotate, EMPTY_BYTES, messageInfo, WireReader } from '../proto/wire-reader.js';
import { WireType, WireWriter } from '../proto/wire-writer.js';

export interface ArrowPayload {
  /** Identifies the Arrow schema of `record` within its stream. */
  schemaId: string;
  /** An ArrowPayloadType value (payload-type.ts); unknown values are kept as is. */
  type: number;
  /** Arrow IPC stream bytes for one table. */
  record: Uint8Array;
}

export interface BatchArrowRecords {
  batchId: bigint;
  arrowPayloads: ArrowPayload[];
  /** HPACK-encoded headers, or empty. */
  headers: Uint8Array;
}

export interface BatchStatus {
  batchId: bigint;
  statusCode: number;
  statusMessage: string;
}

/** BatchStatus.status_code values (they follow gRPC status codes). */
export const StatusCode = {
  OK: 0,
  CANCELED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const LEN = WireType.LEN;

// ---------------------------------------------------------------------------------------
// Encoding

export function encodeBatchArrowRecords(batch: BatchArrowRecords): Uint8Array {
  let size = 32 + batch.headers.length;
  const payloads = batch.arrowPayloads;
  for (let i = 0; i < payloads.length; i++) {
    const p = payloads[i]!;
    size += 32 + p.schemaId.length * 3 + p.record.length;
  }
  const w = new WireWriter(size);
  w.int64Field(1, batch.batchId);
  for (let i = 0; i < payloads.length; i++) {
    const p = payloads[i]!;
    w.tag(2, LEN);
    const mark = w.beginMessage();
    w.stringField(1, p.schemaId);
    w.int32Field(2, p.type);
    w.bytesField(3, p.record);
    w.endMessage(mark);
  }
  w.bytesField(3, batch.headers);
  return w.finish();
}

export function encodeBatchStatus(status: BatchStatus): Uint8Array {
  const w = new WireWriter(32 + status.statusMessage.length * 3);
  w.int64Field(1, status.batchId);
  w.int32Field(2, status.statusCode);
  w.stringField(3, status.statusMessage);
  return w.finish();
}

// ---------------------------------------------------------------------------------------
// Decoding

const BATCH = messageInfo('BatchArrowRecords', { 1: 'batch_id', 2: 'arrow_payloads', 3: 'headers' });
const PAYLOAD = messageInfo('ArrowPayload', { 1: 'schema_id', 2: 'type', 3: 'record' });
const STATUS = messageInfo('BatchStatus', { 1: 'batch_id', 2: 'status_code', 3: 'status_message' });

/**
 * Decodes a BatchArrowRecords. Each payload's `record` is a subarray view of `bytes` (no
 * copy): it stays valid only as long as the caller does not reuse that buffer.
 */
export function decodeBatchArrowRecords(bytes: Uint8Array): BatchArrowRecords {
  const r = new WireReader(bytes);
  const batch: BatchArrowRecords = { batchId: 0n, arrowPayloads: [], headers: EMPTY_BYTES };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 8: batch.batchId = r.int64(); break;
        case 18: batch.arrowPayloads.push(readPayload(r)); break;
        case 26: batch.headers = r.bytesView(); break;
        default: r.skip(tag, BATCH);
      }
    }
  } catch (err) {
    throw annotate(err, BATCH, tag);
  }
  return batch;
}

function readPayload(r: WireReader): ArrowPayload {
  const outer = r.enter();
  const p: ArrowPayload = { schemaId: '', type: 0, record: EMPTY_BYTES };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: p.schemaId = r.string(); break;
        case 16: p.type = r.int32(); break;
        case 26: p.record = r.bytesView(); break;
        default: r.skip(tag, PAYLOAD);
      }
    }
  } catch (err) {
    throw annotate(err, PAYLOAD, tag);
  }
  r.leave(outer);
  return p;
}

export function decodeBatchStatus(bytes: Uint8Array): BatchStatus {
  const r = new WireReader(bytes);
  const status: BatchStatus = { batchId: 0n, statusCode: 0, statusMessage: '' };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 8: status.batchId = r.int64(); break;
        case 16: status.statusCode = r.int32(); break;
        case 26: status.statusMessage = r.string(); break;
        default: r.skip(tag, STATUS);
      }
    }
  } catch (err) {
    throw annotate(err, STATUS, tag);
  }
  return status;
}

/** batch_id of encoded BatchArrowRecords without parsing them: field 1 comes first in every
 *  encoder's output (absent = 0). Also used on BARs that do not parse. */
export function peekBatchId(raw: Uint8Array): bigint {
  if (raw[0] !== 0x08) return 0n;
  let v = 0n;
  for (let i = 1, shift = 0n; i < raw.length && i < 11; i++, shift += 7n) {
    v |= BigInt(raw[i]! & 0x7f) << shift;
    if ((raw[i]! & 0x80) === 0) return BigInt.asIntN(64, v);
  }
  return 0n;
}
