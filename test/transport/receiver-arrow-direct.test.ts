// OTAP Arrow streams served straight from HTTP/2 (receiver/arrow-call-direct.ts) against the
// same streams served by grpc-js (`grpcArrowDirect: false`): every case must get the same
// acks, the same final status and the same consume() input.
import * as http2 from 'node:http2';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBatchStatus, encodeBatchArrowRecords, type BatchStatus } from '../../src/otap/batch-arrow-records.js';
import { Producer } from '../../src/otap/producer.js';
import { compressionChannelOptions, grpcMessageFrame } from '../../src/transport/grpc/compression.js';
import { arrowPath } from '../../src/transport/grpc/services.js';
import { grpcTimeoutMs } from '../../src/transport/receiver/arrow-call-direct.js';
import { arrowCall, generate, startReceiver, type Started } from './receiver-support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function both(options: Parameters<typeof startReceiver>[0] = {}): Promise<[Started, Started]> {
  const direct = await startReceiver(options);
  const viaGrpcJs = await startReceiver({ ...options, grpcArrowDirect: false });
  cleanups.push(() => direct.receiver.shutdown(), () => viaGrpcJs.receiver.shutdown());
  return [direct, viaGrpcJs];
}

interface RawOutcome { acks: [bigint, number][]; status: string | undefined; message: string }

/** A raw HTTP/2 Arrow call: `chunks` written as they are (message boundaries anywhere),
 *  then half-closed unless `keepOpen`; resolves with the acks and the final status. */
async function rawArrow(port: number, chunks: Buffer[], headers: http2.OutgoingHttpHeaders = {}, keepOpen = false): Promise<RawOutcome> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  try {
    return await new Promise<RawOutcome>((resolve) => {
      const stream = session.request({ ':method': 'POST', ':path': arrowPath('logs'), 'content-type': 'application/grpc', te: 'trailers', ...headers });
      const acks: [bigint, number][] = [];
      let pending = Buffer.alloc(0);
      let final: http2.IncomingHttpHeaders = {};
      const done = (): void => resolve({ acks, status: final['grpc-status'] as string | undefined, message: decodeURIComponent(String(final['grpc-message'] ?? '')) });
      // The status ends the call (a server need not reset a stream the client keeps open).
      const onStatus = (h: http2.IncomingHttpHeaders): void => {
        if (h['grpc-status'] === undefined) return;
        final = h;
        setImmediate(() => {
          done();
          stream.close();
        });
      };
      stream.on('response', onStatus);
      stream.on('trailers', onStatus);
      stream.on('data', (c: Buffer) => {
        pending = Buffer.concat([pending, c]);
        while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
          const s: BatchStatus = decodeBatchStatus(pending.subarray(5, 5 + pending.readUInt32BE(1)));
          acks.push([s.batchId, s.statusCode]);
          pending = pending.subarray(5 + pending.readUInt32BE(1));
        }
      });
      stream.on('error', () => {});
      stream.on('close', done);
      for (const c of chunks) stream.write(c);
      if (!keepOpen) stream.end();
    });
  } finally {
    session.close();
  }
}

const producer = () => new Producer();
const bars = (n: number): Uint8Array[] => {
  const p = producer();
  return Array.from({ length: n }, (_, i) => encodeBatchArrowRecords(p.encode('logs', generate('logs', 5, 8, i))));
};

describe('OTAP Arrow streams served directly from HTTP/2', () => {
  it('gives the same acks, status and consume() input as grpc-js, with gzip and zstd messages and metadata', async () => {
    const servers = await both();
    for (const compression of ['zstd', 'gzip', 'none'] as const) {
      const outcomes = await Promise.all(servers.map(async (s) => {
        const c = arrowCall('logs', s.port, { metadata: { 'x-tenant': 'acme' }, channelOptions: compressionChannelOptions(compression) });
        cleanups.push(() => c.client.close());
        for (const bar of bars(4)) c.send(bar);
        await c.waitAcks(4);
        c.call.end();
        const status = await c.done;
        return { acks: c.acks.map((a) => [a.batchId, a.statusCode]), status: status.code, received: s.received.splice(0).map((b) => ({ metadata: b.metadata, request: b.request, bytes: b.bytes })) };
      }));
      expect(outcomes[0]!.acks).toEqual([[0n, 0], [1n, 0], [2n, 0], [3n, 0]]);
      expect(outcomes[0]!.status).toBe(grpc.status.OK);
      expect(outcomes[0]!.received).toHaveLength(4);
      expect(outcomes[0]!.received[0]!.metadata).toMatchObject({ 'x-tenant': 'acme' });
      expect(outcomes[0]).toEqual(outcomes[1]);
    }
  });

  it('splits messages at any chunk boundary: one byte at a time, several per chunk', async () => {
    const [direct, viaGrpcJs] = await both();
    const frames = Buffer.concat(bars(3).map((b) => grpcMessageFrame(b, false)));
    const oneByOne = Array.from({ length: Math.min(frames.length, 400) }, (_, i) => frames.subarray(i, i + 1));
    const chunks = [...oneByOne, frames.subarray(oneByOne.length)];
    for (const s of [direct, viaGrpcJs]) {
      expect(await rawArrow(s.port, chunks)).toMatchObject({ acks: [[0n, 0], [1n, 0], [2n, 0]], status: '0' });
      expect(await rawArrow(s.port, [frames])).toMatchObject({ acks: [[0n, 0], [1n, 0], [2n, 0]], status: '0' });
    }
  });

  it('ends calls as grpc-js does: over the message limit, unknown encoding, broken framing, bad token, a malformed batch', async () => {
    const servers = await both({ maxMessageBytes: 64 * 1024, bearerToken: 's3cret' });
    const auth = { authorization: 'Bearer s3cret' };
    const [bar] = bars(1);
    const malformed = grpcMessageFrame(encodeBatchArrowRecords({ batchId: 9n, arrowPayloads: [{ schemaId: 'x', type: 30, record: new Uint8Array(40).fill(3) }], headers: new Uint8Array(0) }), false);
    const cases: [string, Buffer[], http2.OutgoingHttpHeaders][] = [
      ['over the limit', [grpcMessageFrame(Buffer.alloc(70 * 1024), false)], auth],
      ['unknown encoding', [grpcMessageFrame(gzipSync(bar!), true)], { ...auth, 'grpc-encoding': 'snappy' }],
      ['compressed without an encoding', [grpcMessageFrame(gzipSync(bar!), true)], auth],
      ['corrupt gzip', [grpcMessageFrame(Buffer.from('not gzip'), true)], { ...auth, 'grpc-encoding': 'gzip' }],
      ['ends mid-message', [grpcMessageFrame(bar!, false).subarray(0, 20)], auth],
      ['no token', [grpcMessageFrame(bar!, false)], {}],
      ['malformed batch, then a good one', [malformed, grpcMessageFrame(bar!, false)], auth],
    ];
    const results = await Promise.all(servers.map(async (s) => {
      const out: [string, string | undefined, [bigint, number][]][] = [];
      for (const [name, chunks, headers] of cases) {
        const r = await rawArrow(s.port, chunks, headers);
        out.push([name, r.status, r.acks]);
      }
      return out;
    }));
    expect(results[0]).toEqual([
      ['over the limit', String(grpc.status.RESOURCE_EXHAUSTED), []],
      ['unknown encoding', String(grpc.status.UNIMPLEMENTED), []],
      ['compressed without an encoding', String(grpc.status.INTERNAL), []],
      ['corrupt gzip', String(grpc.status.INTERNAL), []],
      ['ends mid-message', String(grpc.status.INTERNAL), []],
      ['no token', String(grpc.status.UNAUTHENTICATED), []],
      ['malformed batch, then a good one', '0', [[9n, grpc.status.INVALID_ARGUMENT], [0n, 0]]],
    ]);
    // grpc-js differs in two cases, where the direct path follows the gRPC protocol: it reads
    // a compressed message without a grpc-encoding as uncompressed (here: a malformed batch,
    // INVALID_ARGUMENT ack), and ends a call cut mid-message OK.
    const lenient = new Set(['compressed without an encoding', 'ends mid-message']);
    expect(results[1]!.filter(([name]) => !lenient.has(name))).toEqual(results[0]!.filter(([name]) => !lenient.has(name)));
    for (const s of servers) expect(s.received).toHaveLength(1);
  });

  it('ends a call at its grpc-timeout with DEADLINE_EXCEEDED, and reads grpc-timeout units', { timeout: 15_000 }, async () => {
    const [direct, viaGrpcJs] = await both();
    for (const s of [direct, viaGrpcJs]) {
      const t0 = Date.now();
      const r = await rawArrow(s.port, [grpcMessageFrame(bars(1)[0]!, false)], { 'grpc-timeout': '300m' }, true);
      expect(r.acks).toEqual([[0n, 0]]);
      expect(r.status).toBe(String(grpc.status.DEADLINE_EXCEEDED));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    }
    expect([grpcTimeoutMs('2S'), grpcTimeoutMs('1M'), grpcTimeoutMs('1H'), grpcTimeoutMs('1500u'), grpcTimeoutMs('10n'), grpcTimeoutMs('x1S'), grpcTimeoutMs('123456789m'), grpcTimeoutMs(undefined)])
      .toEqual([2000, 60_000, 3_600_000, 1.5, 1e-5, undefined, undefined, undefined]);
  });
});
