// A compressed message is decompressed only once the stream took the one before it. A client
// can put many small zstd frames that each inflate to megabytes into one write (or into the
// HTTP/2 window while a stream is paused): decompressing them all before the stream could
// pause would hold messages x maxMessageBytes from a few kilobytes of input.
import * as http2 from 'node:http2';
import * as zlib from 'node:zlib';
import { afterEach, expect, it } from 'vitest';
import { loadBackend } from '../../src/backend/index.js';
import { backendZstdCodec, grpcMessageFrame, INFLATE_CONCURRENCY, inflation, installGrpcCompression } from '../../src/transport/grpc/compression.js';
import { messageBuffers } from '../../src/transport/grpc/message-buffers.js';
import { arrowPath } from '../../src/transport/grpc/services.js';
import { OtapReceiver } from '../../src/transport/receiver/index.js';
import { rawExport } from './receiver-support.js';

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/** `mib` MiB of zeros as one zstd frame (a few hundred bytes). */
function bomb(mib: number): Buffer {
  return zlib.zstdCompressSync(Buffer.alloc(mib << 20), { params: { [zlib.constants.ZSTD_c_compressionLevel]: 19 } });
}

it('decompresses the messages of one write one at a time, each after the stream took the last', async () => {
  // The native codec decompresses into pooled buffers: their count out at once is the measure.
  await installGrpcCompression({ codec: backendZstdCodec(await loadBackend('native')) });
  let out = 0;
  let maxOut = 0;
  let taken = 0;
  const take = messageBuffers.take.bind(messageBuffers);
  const give = messageBuffers.give.bind(messageBuffers);
  messageBuffers.take = (n: number) => {
    const b = take(n);
    if (b) {
      taken++;
      maxOut = Math.max(maxOut, ++out);
    }
    return b;
  };
  messageBuffers.give = (v: Uint8Array) => {
    out--;
    give(v);
  };
  stops.push(() => {
    messageBuffers.take = take;
    messageBuffers.give = give;
  });
  const receiver = new OtapReceiver({ grpcPort: 0, backend: 'native', requestLimitMiB: 64 }, async () => {});
  const { grpcPort } = await receiver.start();
  stops.push(() => receiver.shutdown());

  const MESSAGES = 24;
  const frame = grpcMessageFrame(bomb(4), true);
  const payload = Buffer.concat(Array.from({ length: MESSAGES }, () => frame));
  expect(payload.length).toBeLessThan(16 * 1024); // one write, one HTTP/2 DATA frame or so
  const session = http2.connect(`http://127.0.0.1:${grpcPort}`);
  session.on('error', () => {});
  stops.push(() => session.close());
  const { acks, status } = await new Promise<{ acks: number; status: string | undefined }>((resolve) => {
    const s = session.request({ ':method': 'POST', ':path': arrowPath('logs'), 'content-type': 'application/grpc', te: 'trailers', 'grpc-encoding': 'zstd' });
    let bytes = 0;
    let status: string | undefined;
    s.on('data', (c: Buffer) => (bytes += c.length));
    s.on('trailers', (h: http2.IncomingHttpHeaders) => (status = String(h['grpc-status'])));
    s.on('error', () => {});
    s.on('close', () => resolve({ acks: bytes, status }));
    s.end(payload);
  });
  // Every message was decompressed (into a pooled buffer) and answered (zeros are no
  // BatchArrowRecords), never more than one of them held at once.
  expect(status).toBe('0');
  expect(acks).toBeGreaterThan(0);
  expect(taken).toBe(MESSAGES);
  expect(maxOut).toBe(1);
});

// node:zlib inflates a message in chunks, back on the event loop between them: concurrent
// calls would all grow their outputs at once. Both Export paths share one bound.
it.each([true, false])('gzip Export calls (direct path: %s) decompress at most INFLATE_CONCURRENCY messages at once', async (direct) => {
  const receiver = new OtapReceiver({ grpcPort: 0, backend: 'js', grpcExportDirect: direct, maxMessageBytes: 16 << 20 }, async () => {});
  const { grpcPort } = await receiver.start();
  stops.push(() => receiver.shutdown());
  const frame = grpcMessageFrame(zlib.gzipSync(Buffer.alloc(8 << 20)), true); // 8 MiB from about 8 KiB
  const session = http2.connect(`http://127.0.0.1:${grpcPort}`);
  session.on('error', () => {});
  stops.push(() => session.close());
  inflation.peak = 0;
  const CALLS = 12;
  const statuses = await Promise.all(Array.from({ length: CALLS }, () => rawExport(session, 'logs', frame, 'gzip')));
  // Every call was answered (8 MiB of zeros is no OTLP request: INVALID_ARGUMENT), and no more
  // than the bound were ever inflating together.
  expect(statuses).toEqual(Array.from({ length: CALLS }, () => '3'));
  expect(inflation.peak).toBeGreaterThan(0);
  expect(inflation.peak).toBeLessThanOrEqual(INFLATE_CONCURRENCY);
  expect(inflation.running).toBe(0);
});
