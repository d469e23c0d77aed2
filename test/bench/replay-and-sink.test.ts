// The benchmarks' raw HTTP/2 load and downstream (bench/bar-replay.ts, bench/bar-ack-sink.ts):
// they skip grpc-js, so these check that real gRPC peers accept them.
import { afterEach, describe, expect, it } from 'vitest';
import { BarAckSink } from '../../bench/bar-ack-sink.js';
import { BarReplayClient } from '../../bench/bar-replay.js';
import { grpcMessageSplitter } from '../../bench/grpc-frames.js';
import { loadBackend } from '../../src/backend/index.js';
import { generateLogs } from '../../src/otlp/generate.js';
import { encodeOtlp } from '../../src/otlp/signal-codec.js';
import { OtapExporter } from '../../src/transport/exporter/index.js';
import { grpcMessageFrame } from '../../src/transport/grpc/compression.js';
import { OtapReceiver } from '../../src/transport/receiver/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('grpcMessageSplitter', () => {
  it('finds every message whatever the chunking, with or without bodies', () => {
    const bodies = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(70_000, 7), Buffer.from('xyz')];
    const stream = Buffer.concat(bodies.map((b, i) => grpcMessageFrame(b, i % 2 === 1)));
    for (const size of [1, 2, 5, 6, 4096, stream.length]) {
      const kept: Buffer[] = [];
      let skipped = 0;
      const keep = grpcMessageSplitter((b) => kept.push(b!), true);
      const skip = grpcMessageSplitter((b) => {
        expect(b).toBeUndefined();
        skipped++;
      }, false);
      for (let at = 0; at < stream.length; at += size) {
        keep(stream.subarray(at, at + size));
        skip(stream.subarray(at, at + size));
      }
      expect(kept).toEqual(bodies);
      expect(skipped).toBe(bodies.length);
    }
  });
});

describe('benchmark load and downstream over raw HTTP/2', () => {
  it('BarReplayClient: a real OTAP receiver answers every replayed batch, over fresh streams per pass', async () => {
    const native = await loadBackend('native');
    const encoder = native.createEncoder({ zstdLevel: 3 });
    const bars = [0, 1, 2].map((i) => encoder.encode('logs', encodeOtlp('logs', generateLogs({ seed: 3, batchSize: 20, batchIndex: i }))));
    encoder.close();
    let records = 0;
    const receiver = new OtapReceiver({ grpcPort: 0, backend: 'native' }, async (b) => {
      records += b.payload.itemCount;
    });
    const { grpcPort } = await receiver.start();
    cleanups.push(() => receiver.shutdown());
    const client = new BarReplayClient(`127.0.0.1:${grpcPort}`, 'logs', bars, 2);
    cleanups.push(() => client.close());
    // 2 streams x 3 batches, then each stream retired and replaced: 12 sends, 4 passes.
    await Promise.all(Array.from({ length: 12 }, () => client.send()));
    expect(records).toBe(12 * 20);
  });

  it('BarAckSink: our exporter gets an OK for every batch, on every stream', async () => {
    const { sink, port } = await BarAckSink.start();
    cleanups.push(() => sink.close());
    const exporter = new OtapExporter({ endpoint: `127.0.0.1:${port}`, numStreams: 2, timeoutMs: 5_000, payloadCompression: 'zstd' });
    cleanups.push(() => exporter.shutdown({ timeoutMs: 1_000 }));
    await Promise.all(Array.from({ length: 40 }, (_, i) => exporter.export('logs', generateLogs({ seed: 5, batchSize: 10, batchIndex: i }))));
    expect(sink.acked).toBe(40);
  });
});
