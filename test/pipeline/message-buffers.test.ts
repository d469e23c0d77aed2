// Reusable buffers for decompressed gRPC requests (src/transport/grpc/message-buffers.ts):
// the pool itself, the batch giving its bytes back, and pipelines under concurrent load
// whose data must arrive intact whether they reuse buffers (built-in nodes) or not (a
// custom node that keeps batches).
import { afterEach, describe, expect, it } from 'vitest';
import { loadBackend } from '../../src/backend/index.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { canonicalJson, canonicalize } from '../../src/otlp/canonical.js';
import { generateLogs } from '../../src/otlp/generate.js';
import type { ExportLogsServiceRequest } from '../../src/otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../../src/otlp/signal-codec.js';
import { backendZstdCodec, installGrpcCompression } from '../../src/transport/grpc/compression.js';
import { MessageBufferPool, messageBuffers } from '../../src/transport/grpc/message-buffers.js';
import { OtlpGrpcClient } from '../../src/transport/otlp-client.js';
import { OtapReceiver } from '../../src/transport/receiver/receiver.js';
import { freePort } from '../interop/go-collector.js';
import { pipelineYaml, startEngine } from '../support/pipeline-nodes.js';

const KiB = 1024;

describe('MessageBufferPool', () => {
  it('hands out power-of-two classes from 4 KiB and reuses what is given back while in use', () => {
    const pool = new MessageBufferPool();
    pool.retain();
    const a = pool.take(100 * KiB)!;
    expect(a.length).toBe(128 * KiB);
    expect(pool.take(10)!.length).toBe(4 * KiB);
    pool.give(a.subarray(0, 100 * KiB)); // any view of it
    pool.give(a); // twice: kept once
    const b = pool.take(120 * KiB)!;
    expect(b.buffer).toBe(a.buffer);
    expect(pool.take(120 * KiB)!.buffer).not.toBe(a.buffer);
    expect(pool.stats).toMatchObject({ reused: 1, returned: 1 });
    pool.release();
  });

  it('ignores memory it did not lend, sizes outside its classes, and gives when not in use', () => {
    const pool = new MessageBufferPool();
    expect(pool.enabled).toBe(false);
    const lent = pool.take(70 * KiB)!;
    pool.give(lent); // nobody retained the pool: not kept
    pool.give(new Uint8Array(128 * KiB));
    pool.give(Buffer.alloc(70 * KiB));
    expect(pool.stats.returned).toBe(0);
    expect(pool.take(0)).toBeUndefined();
    expect(pool.take(64 * 1024 * KiB)).toBeUndefined();
    pool.retain();
    const c = pool.take(70 * KiB)!;
    pool.give(c);
    pool.release(); // the last user out empties the pool
    expect(pool.stats.freeBytes).toBe(0);
    expect(pool.take(70 * KiB)!.buffer).not.toBe(c.buffer);
  });
});

describe('TelemetryBatch.detachOtlpBytes', () => {
  it('returns the received bytes once, keeps count and size, and refuses OTLP afterwards', () => {
    const bytes = encodeOtlp('logs', generateLogs({ seed: 3, batchSize: 20 }));
    const batch = TelemetryBatch.fromOtlpBytes('logs', bytes);
    expect(batch.detachOtlpBytes()).toBe(bytes);
    expect(batch.detachOtlpBytes()).toBeUndefined();
    expect(batch.itemCount).toBe(20);
    expect(batch.byteSize).toBe(bytes.length);
    expect(() => batch.otlpBytes()).toThrow(/received bytes were reused/);
    expect(() => batch.request).toThrow(/received bytes were reused/);
  });

  it('leaves other forms alone', () => {
    const batch = TelemetryBatch.fromRequest('logs', generateLogs({ seed: 3, batchSize: 5 }));
    expect(batch.detachOtlpBytes()).toBeUndefined();
    expect(batch.otlpBytes().length).toBeGreaterThan(0);
  });
});

describe('which pipelines reuse message buffers', () => {
  it('built-in nodes do; a fanout (it may answer before every copy is done) does not', async () => {
    const fan = await startEngine(pipelineYaml(`
in: { type: receiver:otlp, config: { protocols: { grpc: { listening_addr: "127.0.0.1:${await freePort()}" } } } }
fan: { type: processor:fanout, outputs: [a, b], config: { destinations: [{ port: a }, { port: b }], await_ack: all } }
a: { type: exporter:noop }
b: { type: exporter:noop }`, `
- { from: in, to: fan }
- { from: 'fan["a"]', to: a }
- { from: 'fan["b"]', to: b }`), undefined, 'native');
    expect(messageBuffers.enabled).toBe(false);
    const plain = await startEngine(pipelineYaml(`
in: { type: receiver:otlp, config: { protocols: { grpc: { listening_addr: "127.0.0.1:${await freePort()}" } } } }
f: { type: processor:filter, config: { logs: { include: { severity_number: { min: 9 } } } } }
out: { type: exporter:noop }`, '- { from: in, to: f }\n- { from: f, to: out }'), undefined, 'native');
    expect(messageBuffers.enabled).toBe(true);
    await plain.engine.shutdown(1000);
    expect(messageBuffers.enabled).toBe(false);
    await fan.engine.shutdown(1000);
  });
});

describe('pipelines under concurrent load: reused buffers never leak into data', () => {
  const stops: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
  });

  // 24 distinct requests of ~200 KB, 8 in flight, gRPC zstd: each decompresses into a
  // pooled buffer, so buffers come back and are handed out again while others are in use.
  const requests = Array.from({ length: 24 }, (_, i) => generateLogs({ seed: 11, batchSize: 1024, batchIndex: i, uniqueValuesPerBatch: 2 }));
  const expected = requests.map((r) => canonicalJson(canonicalize('logs', r))).sort();
  /** Each log record with its resource and scope, canonical (batches may be regrouped). */
  const recordsOf = (req: ExportLogsServiceRequest): string[] =>
    canonicalize('logs', req).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((l) =>
      canonicalJson({ resource: rl.resource, scope: sl.scope, record: l }))));
  const expectedRecords = requests.flatMap(recordsOf).sort();

  async function send(port: number): Promise<void> {
    const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${port}`, compression: 'zstd' });
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < requests.length) await client.exportEncoded('logs', encodeOtlp('logs', requests[next++]!));
    }));
    client.close();
  }

  it('built-in nodes: OTLP in -> batch (holding several requests) -> OTAP out arrives equal, with buffers reused', async () => {
    const native = await loadBackend('native');
    await installGrpcCompression({ codec: backendZstdCodec(native) });
    const got: string[] = [];
    const down = new OtapReceiver({ grpcPort: 0, backend: 'native' }, async (b) => {
      got.push(...recordsOf(decodeOtlp('logs', b.payload.otlpBytes())));
    });
    const { grpcPort: downPort } = await down.start();
    stops.push(() => down.shutdown());
    const port = await freePort();
    const { engine } = await startEngine(pipelineYaml(`
in: { type: receiver:otlp, config: { protocols: { grpc: { listening_addr: "127.0.0.1:${port}", wait_for_result: true } } } }
batch: { type: processor:batch, config: { otlp: { min_size: 600000, sizer: bytes }, format: otlp, max_batch_duration: 100ms } }
out: { type: exporter:otap, config: { grpc_endpoint: "http://127.0.0.1:${downPort}" } }`, '- { from: in, to: batch }\n- { from: batch, to: out }'), undefined, native);
    stops.push(() => engine.shutdown(2000));
    const before = { ...messageBuffers.stats };
    await send(port);
    expect(got.length).toBe(expectedRecords.length);
    expect(got.sort()).toEqual(expectedRecords);
    expect(messageBuffers.stats.returned - before.returned).toBeGreaterThanOrEqual(requests.length);
    expect(messageBuffers.stats.reused - before.reused).toBeGreaterThan(0);
  });

  it('a custom node that keeps batches: nothing is given back, and what it kept stays intact', async () => {
    const native = await loadBackend('native');
    await installGrpcCompression({ codec: backendZstdCodec(native) });
    // As if another pipeline of the process reused buffers: requests land in pooled ones.
    messageBuffers.retain();
    stops.push(async () => messageBuffers.release());
    const port = await freePort();
    const { engine, h } = await startEngine(pipelineYaml(`
in: { type: receiver:otlp, config: { protocols: { grpc: { listening_addr: "127.0.0.1:${port}", wait_for_result: true } } } }
sink: { type: exporter:test_sink }`, '- { from: in, to: sink }'), undefined, native);
    stops.push(() => engine.shutdown(2000));
    const before = { ...messageBuffers.stats };
    await send(port);
    expect(messageBuffers.stats.allocated - before.allocated).toBeGreaterThanOrEqual(requests.length);
    expect(messageBuffers.stats.returned).toBe(before.returned);
    const kept = h.sinks.get('sink')!.received.map((p) => canonicalJson(canonicalize('logs', decodeOtlp('logs', p.batch.otlpBytes()))));
    expect(kept.sort()).toEqual(expected);
  });
});
