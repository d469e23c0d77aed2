import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtelArrowError } from '../../src/errors.js';
import {
  decodeBatchArrowRecords, decodeBatchStatus, encodeBatchArrowRecords, encodeBatchStatus,
  StatusCode,
} from '../../src/otap/batch-arrow-records.js';
import type { BatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { ArrowPayloadType } from '../../src/otap/payload-type.js';
import { attempt } from '../support/outcome.js';
import { expectTruncationsRefused } from '../support/truncation.js';

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

function sample(): BatchArrowRecords {
  return {
    batchId: 42n,
    arrowPayloads: [
      { schemaId: '0', type: ArrowPayloadType.LOGS, record: new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]) },
      { schemaId: 'schema:1', type: ArrowPayloadType.LOG_ATTRS, record: new Uint8Array(300).fill(7) },
      { schemaId: '', type: ArrowPayloadType.UNKNOWN, record: new Uint8Array(0) },
    ],
    headers: new Uint8Array([0x82, 0x86]),
  };
}

function expectMalformed(fn: () => unknown, pattern?: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OtelArrowError);
    expect((err as OtelArrowError).code).toBe('MALFORMED_PROTOBUF');
    if (pattern) expect((err as OtelArrowError).message).toMatch(pattern);
    return;
  }
  throw new Error('expected MALFORMED_PROTOBUF');
}

describe('BatchArrowRecords', () => {
  it('round-trips, with payload records viewing the input buffer', () => {
    const bytes = encodeBatchArrowRecords(sample());
    const decoded = decodeBatchArrowRecords(bytes);
    expect(decoded).toEqual(sample());
    expect(decoded.arrowPayloads[1]!.record.buffer).toBe(bytes.buffer);
  });

  it('writes the documented field numbers and wire types', () => {
    const bytes = encodeBatchArrowRecords({
      batchId: 1n,
      arrowPayloads: [{ schemaId: 'a', type: 30, record: new Uint8Array([9]) }],
      headers: new Uint8Array([5]),
    });
    expect(Array.from(bytes)).toEqual([
      0x08, 0x01, // batch_id = 1
      0x12, 0x08, 0x0a, 0x01, 0x61, 0x10, 0x1e, 0x1a, 0x01, 0x09, // arrow_payloads
      0x1a, 0x01, 0x05, // headers
    ]);
  });

  it('handles int64 batch id extremes and an empty batch', () => {
    for (const batchId of [0n, -1n, I64_MIN, I64_MAX]) {
      const batch = { batchId, arrowPayloads: [], headers: new Uint8Array(0) };
      expect(decodeBatchArrowRecords(encodeBatchArrowRecords(batch))).toEqual(batch);
    }
    expect(encodeBatchArrowRecords({ batchId: 0n, arrowPayloads: [], headers: new Uint8Array(0) }).length).toBe(0);
  });

  it('property: round trip', () => {
    const payload = fc.record({
      schemaId: fc.string(),
      type: fc.constantFrom(...Object.values(ArrowPayloadType)),
      record: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(fc.property(
      fc.bigInt({ min: I64_MIN, max: I64_MAX }), fc.array(payload, { maxLength: 5 }), fc.uint8Array({ maxLength: 20 }),
      (batchId, arrowPayloads, headers) => {
        const batch = { batchId, arrowPayloads, headers };
        expect(decodeBatchArrowRecords(encodeBatchArrowRecords(batch))).toEqual(batch);
      },
    ));
  });

  it('keeps unknown payload types and skips unknown fields', () => {
    const bytes = encodeBatchArrowRecords({
      batchId: 3n, arrowPayloads: [{ schemaId: 'x', type: 999, record: new Uint8Array([1]) }], headers: new Uint8Array(0),
    });
    const withUnknown = new Uint8Array([0x20, 0x05, ...bytes, 0x2a, 0x00]);
    expect(decodeBatchArrowRecords(withUnknown).arrowPayloads[0]!.type).toBe(999);
  });

  it('rejects truncated input at every prefix that cuts a field short, and wrong wire types', () => {
    const bytes = encodeBatchArrowRecords(sample());
    expectTruncationsRefused(bytes, decodeBatchArrowRecords, 'MALFORMED_PROTOBUF');
    expectMalformed(() => decodeBatchArrowRecords(bytes.subarray(0, bytes.length - 1)));
    expectMalformed(() => decodeBatchArrowRecords(new Uint8Array([0x0a, 0x00])), /BatchArrowRecords\.batch_id/);
    expectMalformed(
      () => decodeBatchArrowRecords(new Uint8Array([0x12, 0x02, 0x12, 0x00])),
      /ArrowPayload\.type \(2\): wrong wire type/,
    );
  });

  it('random garbage never throws anything but MALFORMED_PROTOBUF', () => {
    let refused = 0;
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      for (const decode of [decodeBatchArrowRecords, decodeBatchStatus]) {
        const out = attempt(() => decode(bytes));
        if (!out.ok) refused++;
        expect(out.ok || (out.error instanceof OtelArrowError && out.error.code === 'MALFORMED_PROTOBUF')).toBe(true);
      }
    }), { numRuns: 2000 });
    // Random bytes are rarely a valid message: the decoders must actually check them.
    expect(refused).toBeGreaterThan(1000);
  });
});

describe('BatchStatus', () => {
  it('round-trips every status code', () => {
    for (const statusCode of Object.values(StatusCode)) {
      const status = { batchId: 7n, statusCode, statusMessage: statusCode === 0 ? '' : 'ünïcode message' };
      expect(decodeBatchStatus(encodeBatchStatus(status))).toEqual(status);
    }
  });

  it('uses the documented field numbers', () => {
    expect(Array.from(encodeBatchStatus({ batchId: 2n, statusCode: StatusCode.UNAVAILABLE, statusMessage: 'x' })))
      .toEqual([0x08, 0x02, 0x10, 0x0e, 0x1a, 0x01, 0x78]);
    expect(decodeBatchStatus(new Uint8Array(0))).toEqual({ batchId: 0n, statusCode: 0, statusMessage: '' });
  });

  it('exports the gRPC-aligned status codes', () => {
    expect(StatusCode).toEqual({
      OK: 0, CANCELED: 1, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7,
      RESOURCE_EXHAUSTED: 8, ABORTED: 10, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16,
    });
  });

  it('rejects malformed status bytes', () => {
    expectMalformed(() => decodeBatchStatus(new Uint8Array([0x1a, 0x05, 0x61])), /BatchStatus\.status_message/);
    expectMalformed(() => decodeBatchStatus(new Uint8Array([0x09, 0, 0])), /BatchStatus\.batch_id/);
  });
});
