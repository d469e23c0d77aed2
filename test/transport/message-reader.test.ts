// GrpcMessageReader: gRPC length-prefixed messages out of DATA chunks split anywhere.
import fc from 'fast-check';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { grpcMessageFrame } from '../../src/transport/grpc/compression.js';
import { GrpcMessageReader } from '../../src/transport/grpc/message-reader.js';

describe('GrpcMessageReader', () => {
  it('gives back every message, in order, however the bytes are chunked', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ body: fc.uint8Array({ maxLength: 300 }), compressed: fc.boolean() }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }),
      (messages, cuts) => {
        const bytes = Buffer.concat(messages.map((m) => grpcMessageFrame(m.body, m.compressed)));
        const reader = new GrpcMessageReader(1000);
        const out: { body: Buffer; compressed: boolean }[] = [];
        let pos = 0;
        for (let i = 0; pos < bytes.length; i++) {
          const n = cuts[i % cuts.length]!;
          out.push(...reader.push(bytes.subarray(pos, pos + n)));
          pos += n;
        }
        expect(out.map((m) => ({ body: new Uint8Array(m.body), compressed: m.compressed }))).toEqual(messages.map((m) => ({ body: new Uint8Array(m.body), compressed: m.compressed })));
        expect(reader.partial).toBe(false);
      },
    ));
  });

  it('a message inside one chunk is a view of it (nothing copied); a partial one is reported', () => {
    const chunk = Buffer.concat([grpcMessageFrame(Buffer.from('abc'), false), grpcMessageFrame(Buffer.from('defg'), false).subarray(0, 7)]);
    const reader = new GrpcMessageReader(100);
    const [m] = reader.push(chunk);
    expect(m!.body.buffer).toBe(chunk.buffer);
    expect(reader.partial).toBe(true);
    expect(reader.push(Buffer.from('fg')).map((x) => x.body.toString())).toEqual(['defg']);
    expect(reader.partial).toBe(false);
  });

  it('refuses a length over the limit (RESOURCE_EXHAUSTED) and a bad flag (INTERNAL) from the prefix alone', () => {
    const big = Buffer.from([0, 0, 0, 4, 0]); // 1024 bytes announced
    expect(() => new GrpcMessageReader(1000).push(big)).toThrow(expect.objectContaining({ code: grpc.status.RESOURCE_EXHAUSTED }) as Error);
    expect(() => new GrpcMessageReader(1000).push(Buffer.from([2, 0, 0, 0, 1, 9]))).toThrow(expect.objectContaining({ code: grpc.status.INTERNAL }) as Error);
  });
});
