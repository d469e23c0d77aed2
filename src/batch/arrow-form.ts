// Conversions between a batch's OTLP protobuf form and its OTAP Arrow form (one apache-arrow
// RecordBatch per payload type). Both go through a backend, on a fresh encoder/decoder pair:
// the Arrow form is self-contained (dictionaries resolved), unlike a stream's BARs.
import type { Backend } from '../backend/types.js';
import { arrowModuleNow } from '../backend/arrow-module.js';
import { OtelArrowError } from '../errors.js';
import { decodeBatchArrowRecords, encodeBatchArrowRecords } from '../otap/batch-arrow-records.js';
import type { Signal } from '../otlp/model.js';
import type { OtapArrowPayload } from './telemetry-batch.js';

function arrowModule() {
  const A = arrowModuleNow();
  if (typeof A === 'string') throw new OtelArrowError('UNSUPPORTED', `the OTAP Arrow form of a batch needs ${A}`);
  return A;
}

/** OTLP request bytes -> one record batch per payload, in payload order. */
export function otlpToArrow(backend: Backend, signal: Signal, otlp: Uint8Array): OtapArrowPayload[] {
  const encoder = backend.createEncoder();
  const decoder = backend.createDecoder();
  try {
    const bar = encoder.encode(signal, otlp);
    if (decoder.decodeArrow) {
      const r = decoder.decodeArrow(bar, { copy: true });
      r.release();
      return r.batches;
    }
    // The js backend: the first BAR of a fresh encoder is a complete, uncompressed IPC
    // stream per payload, which apache-arrow reads as it is.
    const A = arrowModule();
    return decodeBatchArrowRecords(bar).arrowPayloads.map((p) => {
      const batches = A.tableFromIPC(p.record).batches;
      if (batches.length !== 1) throw new OtelArrowError('INVALID_PAYLOAD', `payload ${p.type} holds ${batches.length} record batches, expected 1`);
      return { payloadType: p.type, batch: batches[0]! };
    });
  } finally {
    encoder.close();
    decoder.close();
  }
}

/** One record batch per payload -> OTLP request bytes (the tables are checked as any
 *  received OTAP batch is). */
export function arrowToOtlp(backend: Backend, signal: Signal, payloads: readonly OtapArrowPayload[]): Uint8Array {
  const A = arrowModule();
  const bar = encodeBatchArrowRecords({
    batchId: 0n,
    headers: new Uint8Array(0),
    arrowPayloads: payloads.map((p, i) => ({
      schemaId: String(i),
      type: p.payloadType,
      record: A.tableToIPC(new A.Table(p.batch), 'stream'),
    })),
  });
  const decoder = backend.createDecoder();
  try {
    const r = decoder.decode(bar);
    if (r.signal !== undefined && r.signal !== signal) {
      throw new OtelArrowError('INVALID_PAYLOAD', `the Arrow tables hold a ${r.signal} batch, not ${signal}`);
    }
    return r.otlp;
  } finally {
    decoder.close();
  }
}
