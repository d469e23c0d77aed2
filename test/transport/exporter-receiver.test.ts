// OtapExporter against our OtapReceiver: lossless delivery of every signal, headers and
// bearer auth, consume() refusals (retryable and permanent), lifetime rotation under load,
// and a receiver shut down and restarted on the same port while batches are in flight.
import { afterEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import type { Resource, Signal, SignalRequest } from '../../src/otlp/model.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { SIGNALS } from '../../src/transport/grpc/services.js';
import { OtapReceiver, StatusError, permanent, type ReceivedBatch, type ReceiverOptions } from '../../src/transport/receiver/index.js';
import { OtapExporter, ExportError, type ExporterOptions } from '../../src/transport/exporter/index.js';

const SEQ_KEY = 'test.seq';

function resourcesOf(signal: Signal, req: SignalRequest[Signal]): Resource[] {
  switch (signal) {
    case 'traces': return (req as SignalRequest['traces']).resourceSpans.map((r) => r.resource);
    case 'logs': return (req as SignalRequest['logs']).resourceLogs.map((r) => r.resource);
    default: return (req as SignalRequest['metrics']).resourceMetrics.map((r) => r.resource);
  }
}

function makeRequest<S extends Signal>(signal: S, seq: number, batchSize = 3): SignalRequest[S] {
  const opts = { seed: 23, batchSize, batchIndex: seq % 40, resources: 2 };
  const req = (signal === 'traces' ? generateTraces(opts) : signal === 'logs' ? generateLogs(opts) : generateMetrics(opts)) as SignalRequest[S];
  for (const r of resourcesOf(signal, req)) r.attributes.push({ key: SEQ_KEY, value: { type: 'int', value: BigInt(seq) } });
  return req;
}

function seqOf(signal: Signal, req: SignalRequest[Signal]): number {
  for (const r of resourcesOf(signal, req)) {
    const kv = r.attributes.find((a) => a.key === SEQ_KEY);
    if (kv && kv.value.type === 'int') return Number(kv.value.value);
  }
  return -1;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receiver(
  consume: (b: ReceivedBatch) => Promise<void>,
  options: ReceiverOptions = {},
): Promise<{ receiver: OtapReceiver; port: number }> {
  const r = new OtapReceiver(options, consume);
  const { grpcPort } = await r.start();
  cleanups.push(() => r.shutdown());
  return { receiver: r, port: grpcPort };
}

function exporterFor(port: number, options: Partial<ExporterOptions> = {}): OtapExporter {
  const exp = new OtapExporter({
    endpoint: `127.0.0.1:${port}`,
    numStreams: 2,
    retry: { initialIntervalMs: 10, maxIntervalMs: 100, maxElapsedMs: 10_000 },
    timeoutMs: 5_000,
    ...options,
  });
  cleanups.push(() => exp.shutdown({ timeoutMs: 1_000 }));
  return exp;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('OtapExporter -> OtapReceiver', () => {
  it('delivers every signal losslessly with headers and bearer auth (zstd gRPC + zstd IPC)', async () => {
    const got: ReceivedBatch[] = [];
    const { port } = await receiver(async (b) => void got.push(b), { bearerToken: 's3cret' });
    const exp = exporterFor(port, { payloadCompression: 'zstd', headers: { authorization: 'Bearer s3cret', 'x-tenant': 'acme' } });
    for (const signal of SIGNALS) for (let i = 0; i < 3; i++) await exp.export(signal, makeRequest(signal, i, 25));
    expect(got).toHaveLength(9);
    for (const b of got) {
      expect(b.protocol).toBe('otap');
      expect(b.metadata['x-tenant']).toBe('acme');
      expect(canonicalDiff(b.signal, b.request, makeRequest(b.signal, seqOf(b.signal, b.request), 25))).toBeUndefined();
    }
    expect(exp.stats.batches).toBe(9);
    expect(exp.stats.items).toBe(9 * 25);

    const intruder = exporterFor(port);
    const err = await intruder.export('logs', makeRequest('logs', 0)).catch((e: unknown) => e);
    expect((err as ExportError).code).toBe(grpc.status.UNAUTHENTICATED);
    expect(got).toHaveLength(9);
  });

  it('releaseAfterConsume: held tables are freed when consume() settles (counts and the forms taken stay); off, a batch outlives consume()', async () => {
    const released: ReceivedBatch[] = [];
    const r1 = await receiver(async (b) => {
      released.push(b);
      if (b.signal === 'traces') b.payload.otlpBytes(); // a form taken inside consume() stays
    }, { releaseAfterConsume: true });
    const kept: ReceivedBatch[] = [];
    const r2 = await receiver(async (b) => void kept.push(b));
    for (const { port } of [r1, r2]) {
      const exp = exporterFor(port, { numStreams: 1 });
      for (const signal of SIGNALS) await exp.export(signal, makeRequest(signal, 1, 25));
    }
    expect(released).toHaveLength(3);
    expect(r1.receiver.stats.items).toBe(3 * 25);
    for (const b of released) {
      const want = makeRequest(b.signal, 1, 25);
      expect(b.payload.itemCount).toBe(25);
      expect(b.payload.byteSize).toBeGreaterThan(0);
      // Backends that hand over their own tables (native, wasm) freed them; OTLP bytes (js)
      // are ordinary memory and stay.
      if (b.payload.backendTables && b.signal !== 'traces') {
        expect(() => b.request).toThrow(/released.*releaseAfterConsume/s);
        expect(() => b.payload.arrow()).toThrow(/released/);
      } else {
        expect(canonicalDiff(b.signal, b.request, want)).toBeUndefined();
      }
    }
    expect(kept).toHaveLength(3);
    for (const b of kept) expect(canonicalDiff(b.signal, b.request, makeRequest(b.signal, 1, 25))).toBeUndefined();

    // A consume() that frees the tables itself: accepted and counted as usual, once.
    let calls = 0;
    const r3 = await receiver(async (b) => {
      calls++;
      b.payload.backendTables?.release?.();
    }, { releaseAfterConsume: true });
    const exp = exporterFor(r3.port, { numStreams: 1 });
    for (const signal of SIGNALS) await exp.export(signal, makeRequest(signal, 2, 25));
    expect(calls).toBe(3);
    expect(r3.receiver.stats).toMatchObject({ batches: 3, items: 3 * 25 });
    expect(exp.stats.retries).toBe(0);
  });

  it('retries consume() refusals that are retryable; permanent ones reject at once', async () => {
    const tries = new Map<number, number>();
    const { port } = await receiver(async (b) => {
      const seq = seqOf(b.signal, b.request);
      const n = (tries.get(seq) ?? 0) + 1;
      tries.set(seq, n);
      if (seq === 99) throw permanent(new Error('bad data'));
      if (n <= 2) throw new StatusError(grpc.status.RESOURCE_EXHAUSTED, 'busy');
    });
    const exp = exporterFor(port);
    await Promise.all([0, 1, 2, 3].map((i) => exp.export('metrics', makeRequest('metrics', i))));
    expect([...tries.values()]).toEqual([3, 3, 3, 3]);
    expect(exp.stats.retries).toBe(8);
    const err = await exp.export('metrics', makeRequest('metrics', 99)).catch((e: unknown) => e);
    expect((err as ExportError).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(tries.get(99)).toBe(1);
  });

  it('rotates streams under load without loss or duplicates', async () => {
    const counts = new Map<number, number>();
    let n = 0;
    const { receiver: r, port } = await receiver(async (b) => {
      const seq = seqOf(b.signal, b.request);
      counts.set(seq, (counts.get(seq) ?? 0) + 1);
      await sleep(5 + ((n++ * 5) % 7));
    });
    // Every batch takes >= 5 ms and at most 8 are unacknowledged, so the 100 take >= 62 ms:
    // at least three 20 ms stream lifetimes, however fast the backend encodes.
    const exp = exporterFor(port, { maxStreamLifetimeMs: 20, maxUnackedBatches: 8, compression: 'gzip' });
    const total = 100;
    const ps = Array.from({ length: total }, (_, i) => exp.export('logs', makeRequest('logs', i, 2)));
    await Promise.all(ps);
    expect(counts.size).toBe(total);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(exp.stats.retries).toBe(0);
    expect(exp.stats.streamsOpened).toBeGreaterThan(2);
    await exp.shutdown();
    await sleep(20);
    expect(r.stats.streams).toBe(0);
  });

  it('a receiver restarted on the same port: every acknowledged batch delivered (at-least-once)', async () => {
    const counts = new Map<number, number>();
    const consume = async (b: ReceivedBatch): Promise<void> => {
      const seq = seqOf(b.signal, b.request);
      counts.set(seq, (counts.get(seq) ?? 0) + 1);
      await sleep(3);
    };
    const first = await receiver(consume, { shutdownGraceMs: 50 });
    const exp = exporterFor(first.port, { maxUnackedBatches: 12 });
    const total = 80;
    const acked = new Set<number>();
    const ps = Array.from({ length: total }, (_, i) => exp.export('logs', makeRequest('logs', i)).then(() => void acked.add(i)));
    while (counts.size < 25 || acked.size < 5) await sleep(5); // "acked before" is never empty
    const ackedBefore = new Set(acked);
    await first.receiver.shutdown();
    await sleep(100);
    await receiver(consume, { grpcPort: first.port });
    await Promise.all(ps);
    expect(acked.size).toBe(total);
    for (let i = 0; i < total; i++) expect(counts.get(i) ?? 0).toBeGreaterThanOrEqual(1);
    for (const i of ackedBefore) expect(counts.get(i)).toBe(1);
    expect([...counts.values()].filter((c) => c > 1).length).toBeLessThanOrEqual(12);
    expect(exp.stats.retries).toBeGreaterThan(0);
  });
});
