// OtapExporter / OtlpGrpcClient against a scripted in-test OTAP server (grpc-js + the raw
// Arrow service definitions): it decodes every batch with a per-stream Consumer and answers
// BatchStatus as each test tells it (delay, hold, reorder, refuse, kill the stream, drop).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import type { Signal, SignalRequest, Resource } from '../../src/otlp/model.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { Consumer } from '../../src/otap/consumer.js';
import { decodeBatchArrowRecords, type BatchStatus } from '../../src/otap/batch-arrow-records.js';
import { rawArrowServiceFor, otlpServiceFor, SIGNALS } from '../../src/transport/grpc/services.js';
import { installGrpcCompression } from '../../src/transport/grpc/compression.js';
import { OtapExporter, ExportError, type ExporterOptions } from '../../src/transport/exporter/index.js';
import { OtlpGrpcClient } from '../../src/transport/otlp-client.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { loadBackend } from '../../src/backend/index.js';
import type { Backend, BackendOption, EncoderOptions } from '../../src/backend/types.js';

await installGrpcCompression();

// ---------------------------------------------------------------------------------------
// Data: small generated requests tagged with a unique resource attribute `test.seq`.

const SEQ_KEY = 'test.seq';

function resourcesOf(signal: Signal, req: SignalRequest[Signal]): Resource[] {
  switch (signal) {
    case 'traces': return (req as SignalRequest['traces']).resourceSpans.map((r) => r.resource);
    case 'logs': return (req as SignalRequest['logs']).resourceLogs.map((r) => r.resource);
    default: return (req as SignalRequest['metrics']).resourceMetrics.map((r) => r.resource);
  }
}

function makeRequest<S extends Signal>(signal: S, seq: number, batchSize = 3): SignalRequest[S] {
  const opts = { seed: 11, batchSize, batchIndex: seq % 40, resources: 1 };
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

// ---------------------------------------------------------------------------------------
// Scripted server

interface Received {
  signal: Signal;
  request: SignalRequest[Signal];
  seq: number;
  /** How many times this seq has been received so far (1 = first). */
  attempt: number;
  stream: number;
  batchId: bigint;
  metadata: grpc.Metadata;
}

interface Reply {
  /** BatchStatus code (default OK). */
  code?: number;
  delayMs?: number;
  /** Keep the answer until release(). */
  hold?: boolean;
  /** Never answer. */
  drop?: boolean;
  /** End the whole stream with this status instead of answering. */
  kill?: { code: number; details: string };
  /** End the stream with status OK instead of answering (a server closing early). */
  endOk?: boolean;
}

class FakeOtapServer {
  server: grpc.Server | undefined;
  port = 0;
  readonly received: Received[] = [];
  streamsOpened = 0;
  /** Streams the client half-closed (graceful end). */
  clientEnds = 0;
  decide: (r: Received) => Reply | void = () => {};
  private held: Array<() => void> = [];
  private readonly attempts = new Map<string, number>();
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  async start(port = 0): Promise<number> {
    const server = new grpc.Server();
    for (const signal of SIGNALS) {
      const def = rawArrowServiceFor(signal);
      const name = Object.keys(def)[0]!;
      server.addService(def, { [name]: (call: grpc.ServerDuplexStream<Uint8Array, BatchStatus>) => this.handle(signal, call) });
    }
    this.port = await bind(server, port);
    this.server = server;
    return this.port;
  }

  /** Drops every connection at once (a crashed collector). */
  kill(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }

  stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => { s.forceShutdown(); resolve(); }, 500);
      s.tryShutdown(() => { clearTimeout(t); resolve(); });
    });
  }

  get heldCount(): number {
    return this.held.length;
  }

  release(order: 'fifo' | 'reverse' = 'fifo'): void {
    const held = this.held;
    this.held = [];
    if (order === 'reverse') held.reverse();
    for (const h of held) h();
  }

  waitReceived(n: number): Promise<void> {
    if (this.received.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  seqCounts(): Map<number, number> {
    const m = new Map<number, number>();
    for (const r of this.received) m.set(r.seq, (m.get(r.seq) ?? 0) + 1);
    return m;
  }

  private handle(signal: Signal, call: grpc.ServerDuplexStream<Uint8Array, BatchStatus>): void {
    const stream = ++this.streamsOpened;
    const consumer = new Consumer();
    let outstanding = 0;
    let clientEnded = false;
    let dead = false;
    const finish = (): void => {
      if (clientEnded && outstanding === 0 && !dead) {
        dead = true;
        call.end();
      }
    };
    call.on('error', () => { dead = true; });
    call.on('cancelled', () => { dead = true; });
    call.on('end', () => {
      clientEnded = true;
      this.clientEnds++;
      finish();
    });
    call.on('data', (bytes: Uint8Array) => {
      if (dead) return;
      const bar = decodeBatchArrowRecords(bytes);
      let request: SignalRequest[Signal];
      try {
        request = consumer.decodeSignal(signal, bar);
      } catch (err) {
        dead = true;
        call.emit('error', { code: grpc.status.INTERNAL, details: `decode: ${(err as Error).message}` });
        return;
      }
      const seq = seqOf(signal, request);
      const key = `${signal}/${seq}`;
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      this.attempts.set(key, attempt);
      const rec: Received = { signal, request, seq, attempt, stream, batchId: bar.batchId, metadata: call.metadata };
      this.received.push(rec);
      this.waiters = this.waiters.filter((w) => (this.received.length >= w.n ? (w.resolve(), false) : true));
      const reply = this.decide(rec) ?? {};
      if (reply.kill) {
        dead = true;
        call.emit('error', reply.kill);
        return;
      }
      if (reply.drop) return;
      if (reply.endOk) {
        dead = true;
        call.end();
        return;
      }
      outstanding++;
      const answer = (): void => {
        outstanding--;
        if (!dead) call.write({ batchId: bar.batchId, statusCode: reply.code ?? 0, statusMessage: reply.code ? 'scripted' : '' });
        finish();
      };
      if (reply.hold) this.held.push(answer);
      else if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  }
}

function bind(server: grpc.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
}

// ---------------------------------------------------------------------------------------

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(setup?: (s: FakeOtapServer) => void): Promise<FakeOtapServer> {
  const s = new FakeOtapServer();
  setup?.(s);
  await s.start();
  cleanups.push(() => s.stop());
  return s;
}

function exporterFor(port: number, options: Partial<ExporterOptions> = {}): OtapExporter {
  const exp = new OtapExporter({
    endpoint: `127.0.0.1:${port}`,
    numStreams: 2,
    retry: { initialIntervalMs: 10, maxIntervalMs: 100, maxElapsedMs: 5_000 },
    timeoutMs: 5_000,
    ...options,
  });
  cleanups.push(() => exp.shutdown({ timeoutMs: 1_000 }));
  return exp;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Settles all, returning the rejections (never leaves a rejection unhandled). */
async function settleAll(ps: Promise<void>[]): Promise<unknown[]> {
  const results = await Promise.allSettled(ps);
  return results.flatMap((r): unknown[] => (r.status === 'rejected' ? [r.reason] : []));
}

// ---------------------------------------------------------------------------------------

describe('OtapExporter', () => {
  for (const compression of ['zstd', 'gzip', 'none'] as const) {
    it(`exports every signal losslessly (gRPC compression ${compression})`, async () => {
      const server = await startServer();
      const exp = exporterFor(server.port, { compression, payloadCompression: compression === 'zstd' ? 'zstd' : 'none' });
      const sent = new Map<string, SignalRequest[Signal]>();
      for (const signal of SIGNALS) {
        for (let seq = 0; seq < 4; seq++) {
          const req = makeRequest(signal, seq, 20);
          sent.set(`${signal}/${seq}`, req);
          await exp.export(signal, req);
        }
      }
      expect(server.received).toHaveLength(12);
      for (const r of server.received) {
        const original = sent.get(`${r.signal}/${r.seq}`)!;
        // Re-generate: the exporter must not have mutated the caller's request either.
        expect(canonicalDiff(r.signal, r.request, makeRequest(r.signal, r.seq, 20))).toBeUndefined();
        expect(canonicalDiff(r.signal, r.request, original)).toBeUndefined();
      }
      expect(exp.mode).toBe('otap');
      expect(exp.stats.batches).toBe(12);
      expect(exp.stats.items).toBe(12 * 20);
      expect(exp.stats.retries).toBe(0);
      expect(exp.stats.streamsOpened).toBe(3); // one per signal: sequential exports reuse the idle stream
      expect(exp.stats.bytesOut).toBeGreaterThan(0);
      expect(exp.stats.otlpBytes).toBeGreaterThan(0);
      await exp.shutdown();
      expect(server.clientEnds).toBe(3);
    });
  }

  it('matches acks that arrive out of order', async () => {
    const server = await startServer((s) => (s.decide = () => ({ hold: true })));
    const exp = exporterFor(server.port, { numStreams: 1 });
    const done: number[] = [];
    const ps = Array.from({ length: 8 }, (_, i) => exp.export('logs', makeRequest('logs', i)).then(() => void done.push(i)));
    await server.waitReceived(8);
    expect(server.received.map((r) => r.batchId)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    server.release('reverse');
    expect(await settleAll(ps)).toEqual([]);
    expect(done).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    expect(exp.stats.streamsOpened).toBe(1);
  });

  it('spreads concurrent batches over numStreams streams (least loaded)', async () => {
    const server = await startServer((s) => (s.decide = () => ({ hold: true })));
    const exp = exporterFor(server.port, { numStreams: 3 });
    const ps = Array.from({ length: 9 }, (_, i) => exp.export('traces', makeRequest('traces', i)));
    await server.waitReceived(9);
    const perStream = new Map<number, number>();
    for (const r of server.received) perStream.set(r.stream, (perStream.get(r.stream) ?? 0) + 1);
    expect([...perStream.values()]).toEqual([3, 3, 3]);
    server.release();
    expect(await settleAll(ps)).toEqual([]);
  });

  it('rotates streams after maxStreamLifetimeMs under load: every batch exactly once', async () => {
    let n = 0;
    const server = await startServer((s) => (s.decide = () => ({ delayMs: 1 + ((n++ * 7) % 9) })));
    const exp = exporterFor(server.port, { numStreams: 2, maxStreamLifetimeMs: 200, maxUnackedBatches: 8, compression: 'none' });
    const total = 300;
    const ps: Promise<void>[] = [];
    for (let i = 0; i < total; i++) ps.push(exp.export(i % 4 ? 'logs' : 'traces', makeRequest(i % 4 ? 'logs' : 'traces', i, 2)));
    expect(await settleAll(ps)).toEqual([]);
    const counts = server.seqCounts();
    expect(counts.size).toBe(total);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(exp.stats.retries).toBe(0);
    expect(exp.stats.batches).toBe(total);
    expect(exp.stats.streamsOpened).toBeGreaterThan(4); // rotated at least once per signal
    expect(server.streamsOpened).toBe(exp.stats.streamsOpened);
    // Every server stream started at batch_id 0: a fresh Producer per stream.
    const firstIds = new Map<number, bigint>();
    for (const r of server.received) if (!firstIds.has(r.stream)) firstIds.set(r.stream, r.batchId);
    expect([...firstIds.values()].every((id) => id === 0n)).toBe(true);
    // Rotated streams were half-closed by the client, not cut.
    await sleep(20);
    expect(server.clientEnds).toBeGreaterThanOrEqual(server.streamsOpened - 4); // all but the current ones
  });

  it('survives a server killed mid-stream and restarted on the same port (at-least-once)', async () => {
    const server = await startServer((s) => (s.decide = () => ({ delayMs: 5 })));
    const port = server.port;
    const exp = exporterFor(port, { numStreams: 2, maxUnackedBatches: 16, retry: { initialIntervalMs: 20, maxIntervalMs: 100, maxElapsedMs: 10_000 } });
    const total = 80;
    const resolved = new Set<number>();
    const ps = Array.from({ length: total }, (_, i) => exp.export('traces', makeRequest('traces', i)).then(() => void resolved.add(i)));
    await server.waitReceived(30);
    while (resolved.size < 5) await sleep(5); // so that "acked before the crash" is never an empty set
    const resolvedBeforeKill = new Set(resolved);
    server.kill();
    const first = server.received.slice();
    await sleep(150); // a dead peer meanwhile: connection refused -> backoff
    const again = new FakeOtapServer();
    again.decide = () => ({ delayMs: 2 });
    await again.start(port);
    cleanups.push(() => again.stop());
    expect(await settleAll(ps)).toEqual([]);
    expect(resolved.size).toBe(total);
    const all = [...first, ...again.received];
    const counts = new Map<number, number>();
    for (const r of all) counts.set(r.seq, (counts.get(r.seq) ?? 0) + 1);
    // Every acknowledged batch reached a server.
    for (let i = 0; i < total; i++) expect(counts.get(i) ?? 0).toBeGreaterThanOrEqual(1);
    // Batches acked before the crash were never re-sent; duplicates are at most the batches
    // that were unacknowledged when the connection died (bounded by maxUnackedBatches).
    for (const i of resolvedBeforeKill) expect(counts.get(i)).toBe(1);
    const dups = [...counts.values()].filter((c) => c > 1).length;
    expect(dups).toBeLessThanOrEqual(16);
    expect(exp.stats.retries).toBeGreaterThan(0);
    expect(exp.stats.batches).toBe(total);
  });

  it('retries a stream killed with INTERNAL on a fresh stream (re-encoded with a new Producer)', async () => {
    const server = await startServer((s) => (s.decide = (r) => (r.seq === 3 && r.attempt === 1 ? { kill: { code: grpc.status.INTERNAL, details: 'boom' } } : {})));
    const exp = exporterFor(server.port, { numStreams: 1 });
    for (let i = 0; i < 6; i++) await exp.export('metrics', makeRequest('metrics', i, 10));
    expect(server.received.map((r) => [r.seq, r.stream, r.batchId])).toEqual([
      [0, 1, 0n], [1, 1, 1n], [2, 1, 2n], [3, 1, 3n], [3, 2, 0n], [4, 2, 1n], [5, 2, 2n],
    ]);
    expect(exp.stats.retries).toBe(1);
    expect(exp.stats.streamsOpened).toBe(2);
  });

  it('re-sends batches left unanswered by a stream the server ended with OK', async () => {
    const server = await startServer((s) => (s.decide = (r) => (r.seq === 2 && r.attempt === 1 ? { endOk: true } : {})));
    const exp = exporterFor(server.port, { numStreams: 1 });
    for (let i = 0; i < 4; i++) await exp.export('logs', makeRequest('logs', i));
    expect([...server.seqCounts().entries()]).toEqual([[0, 1], [1, 1], [2, 2], [3, 1]]);
    expect(exp.stats.retries).toBe(1);
  });

  it('an encoding failure rejects that batch only; the next batches use a fresh stream', async () => {
    const server = await startServer();
    const exp = exporterFor(server.port, { numStreams: 1, payloadCompression: 'zstd' });
    await exp.export('logs', makeRequest('logs', 0));
    // A resource_logs field whose length runs past the end: the backend encoder refuses it.
    const broken = TelemetryBatch.fromOtlpBytes('logs', new Uint8Array([0x0a, 0x7f, 0x0a, 0x00]));
    const err = await exp.export(broken).catch((e: unknown) => e);
    expect((err as ExportError).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((err as ExportError).message).toMatch(/OTAP encoding failed/);
    await exp.export('logs', makeRequest('logs', 2));
    expect(server.received.map((r) => [r.seq, r.stream, r.batchId])).toEqual([[0, 1, 0n], [2, 2, 0n]]);
    expect(exp.stats.streamsOpened).toBe(2);
  });

  it('an encoder failure that is not the batch\'s (a plain Error: a trapped wasm instance, a worker gone, a closed encoder): the batch goes again on a fresh stream', async () => {
    const server = await startServer();
    const backend = await loadBackend();
    let encodes = 0;
    // The stream's second encode fails as an encoder whose wasm instance trapped does.
    const failing: Backend = Object.assign(Object.create(backend) as Backend, {
      createEncoder: (o?: EncoderOptions) => {
        const enc = backend.createEncoder(o);
        return Object.assign(Object.create(enc) as typeof enc, {
          encode: (signal: Signal, otlp: Uint8Array) => {
            if (++encodes === 2) throw new Error('this Encoder belonged to a wasm instance that trapped');
            return enc.encode(signal, otlp);
          },
        });
      },
    });
    const exp = exporterFor(server.port, { numStreams: 1, encodeOffThread: false, backend: failing });
    for (let i = 0; i < 3; i++) await exp.export('logs', makeRequest('logs', i));
    expect(server.received.map((r) => [r.seq, r.stream])).toEqual([[0, 1], [1, 2], [2, 2]]);
    expect(exp.stats.retries).toBe(1);
  });

  it('a backend that cannot load: export() rejects with an ExportError, FAILED_PRECONDITION', async () => {
    const exp = exporterFor(1, { backend: 'no-such-backend' as BackendOption });
    const err = await exp.export('logs', makeRequest('logs', 0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as ExportError).code).toBe(grpc.status.FAILED_PRECONDITION);
    expect((err as ExportError).message).toMatch(/no OTAP backend: unknown otel-arrow backend "no-such-backend"/);
  });

  for (const encodeOffThread of [true, false]) it(`an encoding failure with batches queued behind it (encodeOffThread ${encodeOffThread}): those go to a fresh stream, in order, once each`, async () => {
    const server = await startServer();
    const exp = exporterFor(server.port, { numStreams: 1, maxUnackedBatches: 16, encodeOffThread });
    await exp.export('logs', makeRequest('logs', 0));
    const broken = TelemetryBatch.fromOtlpBytes('logs', new Uint8Array([0x0a, 0x7f, 0x0a, 0x00]));
    // Exported together: on the native backend all four are in the encoder thread's queue at once.
    const results = await Promise.allSettled([
      exp.export('logs', makeRequest('logs', 1)),
      exp.export(broken),
      exp.export('logs', makeRequest('logs', 3)),
      exp.export('logs', makeRequest('logs', 4)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(((results[1] as PromiseRejectedResult).reason as ExportError).code).toBe(grpc.status.INVALID_ARGUMENT);
    // Every stream decodes from its start (the server's Consumer per stream): 3 and 4 were
    // re-encoded on stream 2, not sent from the failed stream's encoder.
    expect(server.received.map((r) => [r.seq, r.stream])).toEqual([[0, 1], [1, 1], [3, 2], [4, 2]]);
    expect(exp.stats.streamsOpened).toBe(2);
  });

  it('zstd streams: the encoder\'s thread also compresses while it keeps up, the event loop once encodes pile up; both kinds arrive in order on one stream', async () => {
    const server = await startServer();
    const backend = await loadBackend();
    const calls = { framed: 0, plain: 0, held: 0 };
    // The backend's encoders, counting how each off-thread encode was asked for.
    const spying: Backend = Object.assign(Object.create(backend) as Backend, {
      createEncoder: (options?: EncoderOptions) => new Proxy(backend.createEncoder(options), {
        get(enc, key) {
          const v: unknown = Reflect.get(enc, key, enc);
          if (typeof v !== 'function') return v;
          const count = key === 'encodeAsync' || key === 'encodeCountedAsync' ? 'plain' : key === 'encodeFramedAsync' ? 'framed' : key === 'encodeHeldAsync' ? 'held' : undefined;
          return (...args: unknown[]): unknown => {
            if (count) calls[count]++;
            return (v as (...a: unknown[]) => unknown).apply(enc, args);
          };
        },
      }),
    });
    const exp = exporterFor(server.port, { numStreams: 1, maxUnackedBatches: 16, encodeOffThread: true, backend: spying });
    await exp.export('logs', makeRequest('logs', 0)); // opens the stream: alone on the encoder, so framed
    await Promise.all([1, 2, 3, 4, 5].map((seq) => exp.export('logs', makeRequest('logs', seq))));
    expect(server.received.map((r) => [r.seq, r.stream])).toEqual([0, 1, 2, 3, 4, 5].map((seq) => [seq, 1]));
    for (const r of server.received) expect(canonicalDiff('logs', makeRequest('logs', r.seq), r.request as SignalRequest['logs'])).toBeUndefined();
    if (backend.name === 'js') {
      expect(calls).toEqual({ framed: 0, plain: 0, held: 0 }); // no encoder thread: encoded on the event loop
    } else {
      // 0 alone; 1..5 exported at once: two go to the encoder with compression, three without
      // (native: kept in Rust memory until the event loop compresses them).
      expect(calls).toEqual(backend.name === 'native' ? { framed: 3, plain: 0, held: 3 } : { framed: 3, plain: 3, held: 0 });
    }
  });

  it('backs off on RESOURCE_EXHAUSTED BatchStatus and eventually succeeds', async () => {
    const server = await startServer((s) => (s.decide = (r) => (r.attempt <= 3 ? { code: grpc.status.RESOURCE_EXHAUSTED } : {})));
    const exp = exporterFor(server.port, { retry: { initialIntervalMs: 20, maxIntervalMs: 200, maxElapsedMs: 5_000, multiplier: 2 } });
    const t0 = Date.now();
    await Promise.all([0, 1, 2].map((i) => exp.export('logs', makeRequest('logs', i))));
    const elapsed = Date.now() - t0;
    expect(exp.stats.retries).toBe(9);
    expect(server.received).toHaveLength(12);
    expect([...server.seqCounts().values()]).toEqual([4, 4, 4]);
    // Waits of 20, 40, 80 ms, each +-50%: at least 70 ms in all.
    expect(elapsed).toBeGreaterThanOrEqual(70);
    expect(exp.stats.streamsOpened).toBeLessThanOrEqual(2); // the stream itself stayed healthy
  });

  it('gives up on a retryable code after maxElapsedMs with that code', async () => {
    const server = await startServer((s) => (s.decide = () => ({ code: grpc.status.UNAVAILABLE })));
    // 600 ms: the first attempt may include starting an encoder thread (wasm: a worker).
    const exp = exporterFor(server.port, { retry: { initialIntervalMs: 10, maxIntervalMs: 20, maxElapsedMs: 600 } });
    const err = await exp.export('logs', makeRequest('logs', 0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as ExportError).code).toBe(grpc.status.UNAVAILABLE);
    expect((err as ExportError).attempts).toBeGreaterThan(3);
  });

  it('rejects permanent errors at once with their code', async () => {
    const server = await startServer((s) => (s.decide = (r) => ({ code: r.seq === 0 ? grpc.status.INVALID_ARGUMENT : grpc.status.PERMISSION_DENIED })));
    const exp = exporterFor(server.port);
    const e0 = await exp.export('traces', makeRequest('traces', 0)).catch((e: unknown) => e);
    const e1 = await exp.export('traces', makeRequest('traces', 1)).catch((e: unknown) => e);
    expect((e0 as ExportError).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((e1 as ExportError).code).toBe(grpc.status.PERMISSION_DENIED);
    expect(exp.stats.retries).toBe(0);
    expect(server.received).toHaveLength(2);
  });

  it('sends headers as gRPC metadata (UNAUTHENTICATED without them)', async () => {
    const server = await startServer((s) => (s.decide = (r) => (r.metadata.get('authorization')[0] === 'Bearer t0k3n' ? {} : { code: grpc.status.UNAUTHENTICATED })));
    const good = exporterFor(server.port, { headers: { Authorization: 'Bearer t0k3n' } });
    await good.export('logs', makeRequest('logs', 0));
    const bad = exporterFor(server.port);
    const err = await bad.export('logs', makeRequest('logs', 1)).catch((e: unknown) => e);
    expect((err as ExportError).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('retries a batch whose ack never comes after timeoutMs (possible duplicate)', async () => {
    const server = await startServer((s) => (s.decide = (r) => (r.seq === 1 && r.attempt === 1 ? { drop: true } : {})));
    const exp = exporterFor(server.port, { numStreams: 1, timeoutMs: 150 });
    await Promise.all([0, 1, 2].map((i) => exp.export('logs', makeRequest('logs', i))));
    expect(server.seqCounts().get(1)).toBe(2);
    expect(exp.stats.retries).toBe(1);
    expect(exp.stats.batches).toBe(3);
  });

  it('bounds unacknowledged batches: export() waits for room', async () => {
    const server = await startServer((s) => (s.decide = () => ({ hold: true })));
    const exp = exporterFor(server.port, { numStreams: 2, maxUnackedBatches: 4 });
    let resolved = 0;
    const ps = Array.from({ length: 10 }, (_, i) => exp.export('logs', makeRequest('logs', i)).then(() => void resolved++));
    await server.waitReceived(4);
    await sleep(50);
    expect(server.received).toHaveLength(4);
    for (let round = 0; round < 3 && resolved < 10; round++) {
      server.release();
      await sleep(30);
      expect(server.received.length).toBeLessThanOrEqual(resolved + 4);
    }
    server.release();
    expect(await settleAll(ps)).toEqual([]);
    expect(server.received).toHaveLength(10);
  });

  it('shutdown drains outstanding batches, then refuses new exports', async () => {
    const server = await startServer((s) => (s.decide = () => ({ delayMs: 30 })));
    const exp = exporterFor(server.port, { numStreams: 2, maxUnackedBatches: 4 });
    let resolved = 0;
    const ps = Array.from({ length: 12 }, (_, i) => exp.export('metrics', makeRequest('metrics', i)).then(() => void resolved++));
    await server.waitReceived(1);
    await exp.shutdown();
    expect(resolved).toBe(12);
    expect(await settleAll(ps)).toEqual([]);
    expect(server.clientEnds).toBe(server.streamsOpened);
    const err = await exp.export('metrics', makeRequest('metrics', 99)).catch((e: unknown) => e);
    expect((err as ExportError).code).toBe(grpc.status.CANCELLED);
  });

  it('shutdown with a timeout cancels what cannot drain', async () => {
    const server = await startServer((s) => (s.decide = () => ({ drop: true })));
    const exp = exporterFor(server.port);
    const p = exp.export('logs', makeRequest('logs', 0)).catch((e: unknown) => e);
    await server.waitReceived(1);
    await exp.shutdown({ timeoutMs: 100 });
    expect(((await p) as ExportError).code).toBe(grpc.status.CANCELLED);
  });

  it('a dead peer: retries with backoff, then rejects UNAVAILABLE (no crash, no unhandled rejection)', async () => {
    const server = await startServer();
    const port = server.port;
    await server.stop(); // nothing listens there any more
    const exp = exporterFor(port, { retry: { initialIntervalMs: 20, maxIntervalMs: 50, maxElapsedMs: 300 } });
    const errs = await settleAll([exp.export('traces', makeRequest('traces', 0)), exp.export('logs', makeRequest('logs', 0))]);
    expect(errs).toHaveLength(2);
    for (const e of errs) expect((e as ExportError).code).toBe(grpc.status.UNAVAILABLE);
    expect(exp.stats.retries).toBeGreaterThan(2);
  });
});

describe('downgrade to OTLP', () => {
  async function otlpOnlyServer(): Promise<{ port: number; got: SignalRequest['traces'][]; server: grpc.Server }> {
    const got: SignalRequest['traces'][] = [];
    const server = new grpc.Server();
    server.addService(otlpServiceFor('traces'), {
      Export: (call: grpc.ServerUnaryCall<SignalRequest['traces'], object>, cb: grpc.sendUnaryData<object>) => {
        got.push(call.request);
        cb(null, {});
      },
    });
    const port = await bind(server, 0);
    cleanups.push(() => server.forceShutdown());
    return { port, got, server };
  }

  it('falls back to plain OTLP/gRPC when the Arrow service is UNIMPLEMENTED', async () => {
    const { port, got } = await otlpOnlyServer();
    const exp = exporterFor(port);
    const reqs = [0, 1, 2].map((i) => makeRequest('traces', i, 5));
    await Promise.all(reqs.map((r) => exp.export('traces', r)));
    await exp.export('traces', makeRequest('traces', 3, 5));
    expect(exp.mode).toBe('otlp');
    expect(exp.modeOf('traces')).toBe('otlp');
    expect(exp.modeOf('logs')).toBe('otap'); // per signal: logs have not been tried yet
    expect(got).toHaveLength(4);
    for (const g of got) expect(canonicalDiff('traces', g, makeRequest('traces', seqOf('traces', g), 5))).toBeUndefined();
    expect(exp.stats.batches).toBe(4);
    expect(exp.stats.retries).toBe(0);
    // Logs are not served at all: plain OTLP answers UNIMPLEMENTED too, permanently.
    const err = await exp.export('logs', makeRequest('logs', 0)).catch((e: unknown) => e);
    expect((err as ExportError).code).toBe(grpc.status.UNIMPLEMENTED);
    expect(exp.modeOf('logs')).toBe('otlp');
  });

  it('downgrades per signal: Arrow traces stay OTAP while logs fall back to OTLP', async () => {
    const gotLogs: SignalRequest['logs'][] = [];
    let arrowBatches = 0;
    const server = new grpc.Server();
    const def = rawArrowServiceFor('traces');
    server.addService(def, {
      [Object.keys(def)[0]!]: (call: grpc.ServerDuplexStream<Uint8Array, BatchStatus>) => {
        call.on('data', (bytes: Uint8Array) => {
          arrowBatches++;
          call.write({ batchId: decodeBatchArrowRecords(bytes).batchId, statusCode: 0, statusMessage: '' });
        });
        call.on('end', () => call.end());
      },
    });
    server.addService(otlpServiceFor('logs'), {
      Export: (call: grpc.ServerUnaryCall<SignalRequest['logs'], object>, cb: grpc.sendUnaryData<object>) => (gotLogs.push(call.request), cb(null, {})),
    });
    const port = await bind(server, 0);
    cleanups.push(() => server.forceShutdown());
    const exp = exporterFor(port);
    await exp.export('traces', makeRequest('traces', 0));
    await exp.export('logs', makeRequest('logs', 1));
    await exp.export('traces', makeRequest('traces', 2));
    await exp.export('logs', makeRequest('logs', 3));
    expect(arrowBatches).toBe(2);
    expect(gotLogs.map((r) => seqOf('logs', r))).toEqual([1, 3]);
    expect(exp.modeOf('traces')).toBe('otap');
    expect(exp.modeOf('logs')).toBe('otlp');
  });

  it('does not downgrade with disableDowngrade', async () => {
    const { port, got } = await otlpOnlyServer();
    const exp = exporterFor(port, { disableDowngrade: true });
    const err = await exp.export('traces', makeRequest('traces', 0)).catch((e: unknown) => e);
    expect((err as ExportError).code).toBe(grpc.status.UNIMPLEMENTED);
    expect(exp.mode).toBe('otap');
    expect(got).toHaveLength(0);
  });
});

describe('OtlpGrpcClient', () => {
  it('exports with each compression and reports gRPC errors with their code', async () => {
    const got: SignalRequest['logs'][] = [];
    const server = new grpc.Server();
    server.addService(otlpServiceFor('logs'), {
      Export: (call: grpc.ServerUnaryCall<SignalRequest['logs'], object>, cb: grpc.sendUnaryData<object>) => {
        if (call.metadata.get('x-fail')[0] === 'yes') cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'slow down' });
        else (got.push(call.request), cb(null, {}));
      },
    });
    const port = await bind(server, 0);
    cleanups.push(() => server.forceShutdown());
    for (const compression of ['zstd', 'gzip', 'none'] as const) {
      const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${port}`, compression });
      await client.export('logs', makeRequest('logs', 5));
      client.close();
    }
    expect(got).toHaveLength(3);
    for (const g of got) expect(canonicalDiff('logs', g, makeRequest('logs', 5))).toBeUndefined();
    const failing = new OtlpGrpcClient({ endpoint: `127.0.0.1:${port}`, headers: { 'x-fail': 'yes' } });
    const err = await failing.export('logs', makeRequest('logs', 6)).catch((e: unknown) => e);
    failing.close();
    expect((err as ExportError).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });
});

describe('TLS', () => {
  function makeCerts(): { ca: Buffer; serverCert: Buffer; serverKey: Buffer; clientCert: Buffer; clientKey: Buffer } | undefined {
    const dir = mkdtempSync(join(tmpdir(), 'otap-exporter-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    try {
      ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=otap-test-ca');
      writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:otap.test\n');
      ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=otap.test');
      ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext');
      ssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=otap-client');
      ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '1');
    } catch {
      return undefined; // no openssl here
    }
    const read = (f: string): Buffer => readFileSync(join(dir, f));
    return { ca: read('ca.crt'), serverCert: read('server.crt'), serverKey: read('server.key'), clientCert: read('client.crt'), clientKey: read('client.key') };
  }

  it('exports over mutual TLS with a custom CA and serverName', async (ctx) => {
    const certs = makeCerts();
    if (!certs) return ctx.skip();
    const got: SignalRequest['traces'][] = [];
    const server = new grpc.Server();
    const def = rawArrowServiceFor('traces');
    server.addService(def, {
      [Object.keys(def)[0]!]: (call: grpc.ServerDuplexStream<Uint8Array, BatchStatus>) => {
        const consumer = new Consumer();
        call.on('data', (bytes: Uint8Array) => {
          const bar = decodeBatchArrowRecords(bytes);
          got.push(consumer.decodeSignal('traces', bar));
          call.write({ batchId: bar.batchId, statusCode: 0, statusMessage: '' });
        });
        call.on('end', () => call.end());
      },
    });
    const creds = grpc.ServerCredentials.createSsl(certs.ca, [{ cert_chain: certs.serverCert, private_key: certs.serverKey }], true);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))));
    cleanups.push(() => server.forceShutdown());

    const exp = exporterFor(port, { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, serverName: 'otap.test' } });
    await exp.export('traces', makeRequest('traces', 1));
    expect(got).toHaveLength(1);
    expect(canonicalDiff('traces', got[0]!, makeRequest('traces', 1))).toBeUndefined();

    // Without a client certificate the handshake fails: UNAVAILABLE after retries.
    const anon = exporterFor(port, { tls: { ca: certs.ca, serverName: 'otap.test' }, retry: { initialIntervalMs: 10, maxIntervalMs: 20, maxElapsedMs: 100 } });
    const err = await anon.export('traces', makeRequest('traces', 2)).catch((e: unknown) => e);
    expect((err as ExportError).code).toBe(grpc.status.UNAVAILABLE);
    expect(got).toHaveLength(1);
  });
});
