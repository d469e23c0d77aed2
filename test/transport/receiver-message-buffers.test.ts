// An OTAP Arrow stream decompresses its messages into the reusable buffers of
// src/transport/grpc/message-buffers.ts and gives each back once decoded: the decoder must
// copy whatever it keeps (dictionaries, schemas) or later batches would read reused memory.
// Runs on each backend (vitest.config.ts), with dictionaries that carry over between batches.
// The gRPC zstd codec is the native backend's (node:zlib cannot decompress into a given
// buffer), so the wasm and js decoders get pooled buffers too, as in a process where the
// native addon loads but a receiver decodes with another backend.
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson, canonicalize } from '../../src/otlp/canonical.js';
import { generateLogs } from '../../src/otlp/generate.js';
import type { ExportLogsServiceRequest } from '../../src/otlp/model.js';
import { decodeOtlp } from '../../src/otlp/signal-codec.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { loadBackend } from '../../src/backend/index.js';
import { backendZstdCodec, installGrpcCompression } from '../../src/transport/grpc/compression.js';
import { messageBuffers } from '../../src/transport/grpc/message-buffers.js';
import { OtapExporter } from '../../src/transport/exporter/index.js';
import { OtapReceiver } from '../../src/transport/receiver/index.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/** Each log record with its resource and scope, canonical (the receiver may regroup). */
function recordsOf(req: ExportLogsServiceRequest): string[] {
  return canonicalize('logs', req).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((l) =>
    canonicalJson({ resource: rl.resource, scope: sl.scope, record: l }))));
}

describe('OTAP Arrow streams and the message buffer pool', () => {
  it('reuse the buffers of decoded messages while later batches (dictionary deltas) arrive intact', async () => {
    // 40 batches drawn from a small value pool: dictionaries built by early batches are read
    // by later ones, after the early messages' buffers went back and were handed out again.
    await installGrpcCompression({ codec: backendZstdCodec(await loadBackend('native')) });
    const requests = Array.from({ length: 40 }, (_, i) => generateLogs({ seed: 5, batchSize: 200, batchIndex: i, uniqueValuesPerBatch: 3 }));
    const expected = requests.flatMap(recordsOf).sort();
    const got: string[] = [];
    const receiver = new OtapReceiver({ grpcPort: 0 }, async (b) => {
      got.push(...recordsOf(decodeOtlp('logs', b.payload.otlpBytes())));
    });
    const { grpcPort } = await receiver.start();
    stops.push(() => receiver.shutdown());
    const exporter = new OtapExporter({ endpoint: `127.0.0.1:${grpcPort}`, compression: 'zstd', numStreams: 1, maxStreamLifetimeMs: 0 });
    stops.push(() => exporter.shutdown({ timeoutMs: 5000 }));
    const before = { ...messageBuffers.stats };
    let next = 0;
    await Promise.all(Array.from({ length: 6 }, async () => {
      while (next < requests.length) await exporter.export(TelemetryBatch.fromRequest('logs', requests[next++]!));
    }));
    expect(got.length).toBe(expected.length);
    expect(got.sort()).toEqual(expected);
    expect(messageBuffers.enabled).toBe(true); // the stream is open
    expect(messageBuffers.stats.returned - before.returned).toBeGreaterThanOrEqual(requests.length);
    expect(messageBuffers.stats.reused - before.reused).toBeGreaterThan(0);
    await exporter.shutdown({ timeoutMs: 5000 });
    await receiver.shutdown();
    // The stream closed: nothing holds the pool any more.
    expect(messageBuffers.enabled).toBe(false);
  });
});
