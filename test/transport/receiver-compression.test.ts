// zstd (ours, patched into grpc-js) and gzip (grpc-js's own) message compression between a
// grpc-js client and server built from our service definitions.
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compressionChannelOptions, decodedSizeLowerBound, grpcMessageFrame, installGrpcCompression, isZstdEncoding, loadDefaultZstdCodec, preframedZstd, zlibZstdCodec,
} from '../../src/transport/grpc/compression.js';
import { loadBackend } from '../../src/backend/index.js';
import { zstdCompress } from '../../src/zstd/zlib-zstd.js';
import { asBuffer } from '../../src/transport/grpc/services.js';

// An echo service that reports the grpc-encoding it saw: raw bytes in, raw bytes out.
const ECHO: grpc.ServiceDefinition = {
  Echo: {
    path: '/test.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Uint8Array) => asBuffer(b),
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Uint8Array) => asBuffer(b),
    responseDeserialize: (b: Buffer) => b,
  },
};

let server: grpc.Server;
let port = 0;
const counts = { compress: 0, decompress: 0 };

beforeAll(async () => {
  const real = await loadDefaultZstdCodec();
  await installGrpcCompression({
    codec: {
      compress: (d, l) => (counts.compress++, real.compress(d, l)),
      decompress: (d, m) => (counts.decompress++, real.decompress(d, m)),
    },
  });
  server = new grpc.Server({ 'grpc.max_receive_message_length': 1 << 20 });
  server.addService(ECHO, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request),
  });
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
});

afterAll(() => server?.forceShutdown());

function client(options: grpc.ChannelOptions): grpc.Client & { Echo: (req: Uint8Array, cb: (err: grpc.ServiceError | null, res?: Buffer) => void) => void } {
  const Ctor = grpc.makeGenericClientConstructor(ECHO, 'Echo');
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options) as never;
}

function echo(c: ReturnType<typeof client>, data: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => c.Echo(data, (err, res) => (err ? reject(err) : resolve(res!))));
}

const payload = Buffer.from(Array.from({ length: 20000 }, (_, i) => `item-${i % 97};`).join(''));

describe('grpc message compression', () => {
  it('names: zstd and zstdarrow1..10', () => {
    expect(isZstdEncoding('zstd')).toBe(true);
    for (let i = 1; i <= 10; i++) expect(isZstdEncoding(`zstdarrow${i}`)).toBe(true);
    expect(isZstdEncoding('zstdarrow11')).toBe(false);
    expect(isZstdEncoding('zstdarrow0')).toBe(false);
    expect(isZstdEncoding('gzip')).toBe(false);
  });

  it('the default codec is the native backend\'s zstd when native is the selected backend, node:zlib otherwise', async () => {
    const backend = await loadBackend();
    const codec = await loadDefaultZstdCodec();
    expect(codec === zlibZstdCodec).toBe(backend.name !== 'native');
    // Either way the frames are ordinary zstd: each codec reads the other's.
    const data = new TextEncoder().encode('otel-arrow '.repeat(5000));
    expect(Buffer.from(zlibZstdCodec.decompress(codec.compress(data, 3)))).toEqual(Buffer.from(data));
    expect(Buffer.from(codec.decompress(zlibZstdCodec.compress(data, 3)))).toEqual(Buffer.from(data));
    expect(() => codec.decompress(codec.compress(data, 3), 1000)).toThrow(/exceeds 1000 bytes/);
  });

  it('limited zstd decompression stops at the limit', async () => {
    const codec = await loadDefaultZstdCodec();
    const big = codec.compress(new Uint8Array(1 << 20), 3);
    expect(codec.decompress(big).length).toBe(1 << 20);
    expect(codec.decompress(big, 1 << 20).length).toBe(1 << 20);
    expect(() => codec.decompress(big, 1000)).toThrow(/exceeds 1000 bytes/);
  });

  for (const alg of ['zstd', 'gzip', 'none'] as const) {
    it(`${alg}: client and server exchange messages`, async () => {
      const c = client(compressionChannelOptions(alg));
      const before = { ...counts };
      try {
        for (let i = 0; i < 3; i++) expect((await echo(c, payload)).equals(payload)).toBe(true);
        expect((await echo(c, new Uint8Array(0))).length).toBe(0);
        // zstd went through our codec on both ends; the others never touched it.
        const used = counts.compress - before.compress;
        expect(used).toBe(alg === 'zstd' ? 4 : 0);
        expect(counts.decompress - before.decompress).toBe(alg === 'zstd' ? 4 : 0);
      } finally {
        c.close();
      }
    });
  }

  for (const alg of ['zstd', 'gzip', 'none'] as const) {
    it(`${alg}: a message written already compressed (preframedZstd, an encoder thread's frame) arrives as the plain message`, async () => {
      const c = client(compressionChannelOptions(alg));
      const frame = grpcMessageFrame((await loadDefaultZstdCodec()).compress(payload, 3), true);
      const before = { ...counts };
      try {
        expect((await echo(c, preframedZstd(frame))).equals(payload)).toBe(true);
        // zstd: sent as it was made (no compression here); otherwise decompressed, then sent as that call sends.
        expect(counts.compress - before.compress).toBe(0);
        expect(counts.decompress - before.decompress).toBe(1);
      } finally {
        c.close();
      }
    });
  }

  it('zstd: a message that decompresses past the receive limit is RESOURCE_EXHAUSTED', async () => {
    const c = client(compressionChannelOptions('zstd'));
    try {
      await expect(echo(c, new Uint8Array(2 << 20))).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    } finally {
      c.close();
    }
  });

  it('installing twice is harmless', async () => {
    await installGrpcCompression();
    await installGrpcCompression({ level: 5 });
    const c = client(compressionChannelOptions('zstd'));
    try {
      expect((await echo(c, payload)).equals(payload)).toBe(true);
    } finally {
      c.close();
    }
  });
});

/** One unary call over raw HTTP/2 with a hand-made grpc-encoding (what a Go exporter sends). */
async function rawCall(encoding: string, body: Uint8Array, compressed: boolean): Promise<{ status: string; message: Buffer; accept: string }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const req = session.request({
      ':method': 'POST', ':path': '/test.Echo/Echo', 'content-type': 'application/grpc', te: 'trailers', 'grpc-encoding': encoding,
    });
    req.end(grpcMessageFrame(body, compressed));
    const chunks: Buffer[] = [];
    let accept = '';
    let status = '';
    req.on('response', (h) => { accept = String(h['grpc-accept-encoding'] ?? ''); if (h['grpc-status'] !== undefined) status = String(h['grpc-status']); });
    req.on('trailers', (t: http2.IncomingHttpHeaders) => { status = String(t['grpc-status']); });
    req.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((resolve) => req.on('close', resolve));
    const all = Buffer.concat(chunks);
    return { status, message: all.length >= 5 ? all.subarray(5) : Buffer.alloc(0), accept };
  } finally {
    session.close();
  }
}

describe('encodings as other implementations send them', () => {
  it('accepts Go exporter names zstdarrow1..10 and advertises them', async () => {
    const codec = await loadDefaultZstdCodec();
    for (const level of [1, 5, 10]) {
      const r = await rawCall(`zstdarrow${level}`, codec.compress(payload, level), true);
      expect(r.status).toBe('0');
      expect(r.message.equals(payload)).toBe(true);
      expect(r.accept.split(',')).toEqual(expect.arrayContaining(['gzip', 'zstd', 'zstdarrow1', 'zstdarrow5', 'zstdarrow10']));
    }
  });

  it('accepts gzip and uncompressed frames under a zstd encoding', async () => {
    expect((await rawCall('gzip', zlib.gzipSync(payload), true)).message.equals(payload)).toBe(true);
    expect((await rawCall('zstdarrow5', payload, false)).message.equals(payload)).toBe(true);
  });

  it('corrupt zstd is INTERNAL, unknown encodings UNIMPLEMENTED', async () => {
    expect((await rawCall('zstd', Buffer.from('not zstd at all'), true)).status).toBe(String(grpc.status.INTERNAL));
    expect((await rawCall('br', Buffer.from('x'), true)).status).toBe(String(grpc.status.UNIMPLEMENTED));
  });
});

describe('decodedSizeLowerBound', () => {
  it('never exceeds the decoded size, for stored (incompressible) and compressed data in gzip, zlib and zstd', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 300_000 }), fc.boolean(), fc.integer({ min: 0, max: 9 }), (data, repetitive, level) => {
      // Random bytes are stored as they are (the worst case); repeated text compresses.
      const bytes = repetitive ? Buffer.from(Buffer.from(data.subarray(0, 64)).toString('hex').repeat(data.length / 128 + 1).slice(0, data.length)) : data;
      for (const compressed of [zlib.gzipSync(bytes, { level }), zlib.deflateSync(bytes, { level }), zstdCompress(bytes, Math.max(1, level))]) {
        expect(decodedSizeLowerBound(compressed.length)).toBeLessThanOrEqual(bytes.length);
      }
    }), { numRuns: 60 });
    // Stored data: the bound is within a few bytes per block of the truth.
    const random = Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 2654435761) >>> 24));
    const stored = zlib.gzipSync(random, { level: 0 });
    expect(decodedSizeLowerBound(stored.length)).toBeGreaterThan(random.length - 200);
    expect(decodedSizeLowerBound(0)).toBe(0);
  });
});
