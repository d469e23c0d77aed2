// OTLP Export served straight from HTTP/2 (receiver/otlp-export-direct.ts) against the same
// calls served by grpc-js (`grpcExportDirect: false`): every case must get the same gRPC
// status, and the accepted requests the same bytes and metadata in consume().
import * as http2 from 'node:http2';
import { deflateSync, gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeOtlp } from '../../src/otlp/signal-codec.js';
import { grpcMessageFrame } from '../../src/transport/grpc/compression.js';
import { otlpPath } from '../../src/transport/grpc/services.js';
import { grpcMessageHeader, headerMetadata } from '../../src/transport/receiver/direct-routes.js';
import { StatusError } from '../../src/transport/receiver/status.js';
import { zstdCompress } from '../../src/zstd/zlib-zstd.js';
import { generate, startReceiver, type Started } from './receiver-support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Reply { httpStatus: number; grpcStatus: number | undefined; grpcMessage: string; body: Buffer }

/** One raw HTTP/2 gRPC call: exactly the bytes and headers a case needs. */
async function rawCall(port: number, path: string, body: Buffer, headers: http2.OutgoingHttpHeaders = {}): Promise<Reply> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  try {
    return await new Promise<Reply>((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers });
      let head: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      const parts: Buffer[] = [];
      stream.on('response', (h) => (head = h));
      stream.on('trailers', (t: http2.IncomingHttpHeaders) => (trailers = t));
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('error', () => {});
      stream.on('close', () => {
        const src = trailers['grpc-status'] !== undefined ? trailers : head;
        if (head[':status'] === undefined) return reject(new Error(`no response (rst ${stream.rstCode})`));
        resolve({
          httpStatus: Number(head[':status']),
          grpcStatus: src['grpc-status'] === undefined ? undefined : Number(src['grpc-status']),
          grpcMessage: decodeURIComponent(String(src['grpc-message'] ?? '')),
          body: Buffer.concat(parts),
        });
      });
      stream.end(body);
    });
  } finally {
    session.close();
  }
}

const logsPath = otlpPath('logs');
const request = Buffer.from(encodeOtlp('logs', generate('logs', 3, 12)));
const MAX = 64 * 1024;

async function both(options: Parameters<typeof startReceiver>[0] = {}, consume?: Parameters<typeof startReceiver>[1]): Promise<[Started, Started]> {
  const direct = await startReceiver({ maxMessageBytes: MAX, ...options }, consume);
  const viaGrpcJs = await startReceiver({ maxMessageBytes: MAX, ...options, grpcExportDirect: false }, consume);
  cleanups.push(() => direct.receiver.shutdown(), () => viaGrpcJs.receiver.shutdown());
  return [direct, viaGrpcJs];
}

describe('OTLP Export served directly from HTTP/2', () => {
  it('accepts every grpc-encoding grpc-js accepts, with the same request bytes and metadata in consume()', async () => {
    const servers = await both();
    const bodies: [string, Buffer, http2.OutgoingHttpHeaders][] = [
      ['identity', grpcMessageFrame(request, false), {}],
      ['gzip', grpcMessageFrame(gzipSync(request), true), { 'grpc-encoding': 'gzip' }],
      ['deflate', grpcMessageFrame(deflateSync(request), true), { 'grpc-encoding': 'deflate' }],
      ['zstd', grpcMessageFrame(zstdCompress(request, 3), true), { 'grpc-encoding': 'zstd' }],
      ['zstdarrow3', grpcMessageFrame(zstdCompress(request, 3), true), { 'grpc-encoding': 'zstdarrow3' }],
      ['identity, uncompressed flag', grpcMessageFrame(request, false), { 'grpc-encoding': 'gzip' }],
    ];
    const md = { 'x-tenant': 'acme', 'x-trace-bin': 'AAEC', 'user-agent': 'case' };
    for (const s of servers) {
      for (const [name, body, headers] of bodies) {
        const r = await rawCall(s.port, logsPath, body, { ...headers, ...md });
        expect([name, r.httpStatus, r.grpcStatus]).toEqual([name, 200, 0]);
        expect(r.body).toEqual(Buffer.alloc(5)); // an empty ExportLogsServiceResponse
      }
    }
    const [direct, viaGrpcJs] = servers;
    expect(direct.received).toHaveLength(bodies.length);
    for (let i = 0; i < bodies.length; i++) {
      const a = direct.received[i]!;
      const b = viaGrpcJs.received[i]!;
      expect(Buffer.from(a.payload.otlpBytes())).toEqual(request);
      expect(a.metadata).toEqual(b.metadata);
      expect(a.metadata).toMatchObject(md);
      expect([a.protocol, a.signal, a.bytes]).toEqual([b.protocol, b.signal, b.bytes]);
    }
  });

  it('refuses what grpc-js refuses, with the same status codes', async () => {
    const servers = await both();
    const big = Buffer.alloc(MAX + 1000, 1);
    const cases: [string, Buffer, http2.OutgoingHttpHeaders, number][] = [
      ['unknown encoding', grpcMessageFrame(request, true), { 'grpc-encoding': 'snappy' }, grpc.status.UNIMPLEMENTED],
      ['message over the limit', grpcMessageFrame(big, false), {}, grpc.status.RESOURCE_EXHAUSTED],
      ['decompresses over the limit', grpcMessageFrame(gzipSync(big), true), { 'grpc-encoding': 'gzip' }, grpc.status.RESOURCE_EXHAUSTED],
      ['zstd over the limit', grpcMessageFrame(zstdCompress(big, 3), true), { 'grpc-encoding': 'zstd' }, grpc.status.RESOURCE_EXHAUSTED],
      ['corrupt gzip', grpcMessageFrame(Buffer.from('not gzip at all'), true), { 'grpc-encoding': 'gzip' }, grpc.status.INTERNAL],
      ['malformed protobuf', grpcMessageFrame(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), false), {}, grpc.status.INVALID_ARGUMENT],
    ];
    const codes = await Promise.all(servers.map(async (s) => {
      const out: [string, number | undefined][] = [];
      for (const [name, body, headers] of cases) out.push([name, (await rawCall(s.port, logsPath, body, headers)).grpcStatus]);
      return out;
    }));
    expect(codes[0]).toEqual(cases.map(([name, , , code]) => [name, code]));
    expect(codes[0]).toEqual(codes[1]);
    for (const s of servers) expect(s.received).toHaveLength(0);
  });

  it('refuses broken framing with INTERNAL (no message, a truncated one, two messages) and stays up', async () => {
    const [direct] = await both();
    const frame = grpcMessageFrame(request, false);
    for (const body of [Buffer.alloc(0), frame.subarray(0, frame.length - 3), Buffer.concat([frame, frame])]) {
      expect((await rawCall(direct.port, logsPath, body)).grpcStatus).toBe(grpc.status.INTERNAL);
    }
    expect((await rawCall(direct.port, logsPath, frame)).grpcStatus).toBe(0);
    expect(direct.received).toHaveLength(1);
  });

  it('checks the bearer token and passes consume() statuses through, percent-encoding the message', async () => {
    const servers = await both({ bearerToken: 's3cret' }, async (b) => {
      if (b.metadata['x-fail'] === 'yes') throw new StatusError(grpc.status.RESOURCE_EXHAUSTED, 'memory 100% used — slow down');
    });
    for (const s of servers) {
      const frame = grpcMessageFrame(request, false);
      expect((await rawCall(s.port, logsPath, frame)).grpcStatus).toBe(grpc.status.UNAUTHENTICATED);
      expect((await rawCall(s.port, logsPath, frame, { authorization: 'Bearer wrong' })).grpcStatus).toBe(grpc.status.UNAUTHENTICATED);
      expect((await rawCall(s.port, logsPath, frame, { authorization: 'Bearer s3cret' })).grpcStatus).toBe(0);
      const refused = await rawCall(s.port, logsPath, frame, { authorization: 'Bearer s3cret', 'x-fail': 'yes' });
      expect(refused.grpcStatus).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(refused.grpcMessage).toBe('memory 100% used — slow down');
      expect(s.received.map((b) => b.metadata.authorization)).toEqual([undefined, undefined]);
    }
  });

  it('a client that cancels while consume() runs: no answer is written, the receiver keeps serving', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const [direct] = await both({}, async (b) => {
      if (b.metadata['x-hold'] === 'yes') await gate;
    });
    const session = http2.connect(`http://127.0.0.1:${direct.port}`);
    session.on('error', () => {});
    const stream = session.request({ ':method': 'POST', ':path': logsPath, 'content-type': 'application/grpc', te: 'trailers', 'x-hold': 'yes' });
    stream.on('error', () => {});
    stream.end(grpcMessageFrame(request, false));
    await new Promise((r) => setTimeout(r, 100));
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await new Promise((r) => setTimeout(r, 50));
    release();
    session.close();
    expect((await rawCall(direct.port, logsPath, grpcMessageFrame(request, false))).grpcStatus).toBe(0);
    expect(direct.received).toHaveLength(2);
  });

  it('refuseEarly answers from the message prefix, while the client is still sending, and is asked a lower bound of the decoded size', async () => {
    const asked: number[] = [];
    const [direct] = await both({ maxMessageBytes: 8 << 20, refuseEarly: (bytes) => {
      asked.push(bytes);
      return bytes > 100_000 ? new StatusError(grpc.status.RESOURCE_EXHAUSTED, 'pipeline memory limit reached') : undefined;
    } });
    // 1 MiB announced, 64 KiB sent, the request left open: the answer cannot wait for the body.
    const session = http2.connect(`http://127.0.0.1:${direct.port}`);
    cleanups.push(() => session.destroy());
    session.on('error', () => {});
    const stream = session.request({ ':method': 'POST', ':path': logsPath, 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => {});
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(1 << 20, 1);
    stream.write(Buffer.concat([prefix, Buffer.alloc(64 * 1024)]));
    const head = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
    expect([head['grpc-status'], decodeURIComponent(String(head['grpc-message']))]).toEqual(['8', 'pipeline memory limit reached']);
    expect(asked).toEqual([1 << 20]);
    expect(direct.received).toHaveLength(0);
    expect(direct.receiver.stats.rejected).toEqual({ RESOURCE_EXHAUSTED: 1 });

    // Requests it lets through are read and consumed as before; compressed ones are asked at
    // most their decoded size (and not much less than their wire size).
    const gz = gzipSync(request);
    expect((await rawCall(direct.port, logsPath, grpcMessageFrame(request, false))).grpcStatus).toBe(0);
    expect((await rawCall(direct.port, logsPath, grpcMessageFrame(gz, true), { 'grpc-encoding': 'gzip' })).grpcStatus).toBe(0);
    expect(asked[1]).toBe(request.length);
    expect(asked[2]).toBeLessThanOrEqual(request.length);
    expect(asked[2]).toBeGreaterThan(gz.length - 64);
    expect(direct.received).toHaveLength(2);
  });

  it('leaves other paths and content types to grpc-js', async () => {
    const [direct] = await both();
    expect((await rawCall(direct.port, '/no.Such/Method', grpcMessageFrame(request, false))).grpcStatus).toBe(grpc.status.UNIMPLEMENTED);
    const wrongType = await rawCall(direct.port, logsPath, grpcMessageFrame(request, false), { 'content-type': 'application/json' });
    expect(wrongType.httpStatus).toBe(415);
    expect(direct.received).toHaveLength(0);
  });
});

describe('headerMetadata and grpcMessageHeader', () => {
  it('drops protocol headers and pseudo-headers, keeps the first value, canonicalises -bin values', () => {
    expect(headerMetadata({
      ':path': '/x', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '1S', 'grpc-encoding': 'gzip',
      'grpc-accept-encoding': 'gzip', 'accept-encoding': 'gzip', authorization: 'Bearer t', 'x-a': 'b', 'x-k-bin': 'AAEC, BBBB', 'x-u-bin': 'AAE',
    })).toEqual({ 'x-a': 'b', 'x-k-bin': 'AAEC', 'x-u-bin': 'AAE=' });
  });

  it('percent-encodes outside printable ASCII and % itself', () => {
    expect(grpcMessageHeader('ok: 100% é\n')).toBe('ok: 100%25 %C3%A9%0A');
    expect(decodeURIComponent(grpcMessageHeader('ok: 100% é\n'))).toBe('ok: 100% é\n');
  });
});
