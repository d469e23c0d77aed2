// Many Export calls whose zstd messages each inflate to megabytes, sent together, are
// handled in one turn of the event loop. Their decompressed bytes must be memory that V8
// collects as it allocates: as external Buffers (which V8 frees only at its next
// collection), 120 such calls of 535 bytes each held 2 GB at once.
import * as http2 from 'node:http2';
import * as zlib from 'node:zlib';
import { afterEach, expect, it } from 'vitest';
import { grpcMessageFrame } from '../../src/transport/grpc/compression.js';
import { OtapReceiver } from '../../src/transport/receiver/index.js';
import { rawExport } from './receiver-support.js';

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

const MIB = 1 << 20;
const CALLS = 64;
const BOMB_MIB = 16;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

it.each([
  ['declare their size', true],
  ['do not declare their size', false],
])('a burst of Export calls whose zstd frames %s holds a bounded amount of memory', async (_, declared) => {
  const receiver = new OtapReceiver({ grpcPort: 0, maxMessageBytes: 32 * MIB }, async () => {});
  const { grpcPort } = await receiver.start();
  stops.push(() => receiver.shutdown());
  const compressed = zlib.zstdCompressSync(Buffer.alloc(BOMB_MIB * MIB), {
    params: { [zlib.constants.ZSTD_c_compressionLevel]: 19, [zlib.constants.ZSTD_c_contentSizeFlag]: declared ? 1 : 0 },
  });
  const frame = grpcMessageFrame(compressed, true);
  expect(frame.length).toBeLessThan(1024);
  const session = http2.connect(`http://127.0.0.1:${grpcPort}`);
  session.on('error', () => {});
  stops.push(() => session.close());
  await new Promise((resolve) => session.once('connect', resolve));

  gc();
  const before = process.memoryUsage().rss;
  const statuses = await Promise.all(Array.from({ length: CALLS }, () => rawExport(session, 'logs', frame, 'zstd')));
  const grown = process.memoryUsage().rss - before;
  // Each was decompressed (16 MiB of zeros is no OTLP request: INVALID_ARGUMENT) ...
  expect(statuses).toEqual(Array.from({ length: CALLS }, () => '3'));
  // ... and the process never held most of the 64 x 16 MiB (1 GiB) at once.
  expect(grown).toBeLessThan(400 * MIB);
});
