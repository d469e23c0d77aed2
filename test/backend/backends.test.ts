// The three codec backends (native N-API addon, wasm module, TypeScript) against each other:
// every available encoder's output decoded by every available decoder (the js one is our
// Consumer), over 10 batches through one encoder/decoder pair per stream, compared with
// canonicalDiff; zstd round trips across backends; bad input gives an Error with a code and
// the next call still works; a wasm trap is recovered; backendInfo() explains choices.
//
// In CI (process.env.CI) native and wasm must be built (.ci/run builds them); elsewhere the
// tests of a backend that is not built are skipped (`npm run build:native` / `build:wasm`).
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BackendTrapError, backendInfo, loadBackend, NativeBackend, probeBackends, WasmBackend,
  type Backend, type BackendName, type EncoderOptions,
} from '../../src/backend/index.js';
import { OtelArrowError } from '../../src/errors.js';
import { peekBatchId } from '../../src/otap/batch-arrow-records.js';
import { encodeAttributeActions } from '../../src/backend/attribute-actions-bytes.js';
import { gatherAttributeActions } from '../../src/otlp/attribute-actions.js';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { countOtlpItems } from '../../src/otlp/protobuf/count-items.js';
import { setLogSink, type LogRecord } from '../../src/log/index.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../../src/otlp/signal-codec.js';

const CI = !!process.env.CI;
const probe = await probeBackends();
const backends: Partial<Record<BackendName, Backend>> = {};
for (const name of ['native', 'wasm', 'js'] as const) {
  const b = probe[name].backend;
  if (b) backends[name] = b;
}
const NAMES = ['native', 'wasm', 'js'] as const;
const RUST = ['native', 'wasm'] as const;

/** describe.skipIf for a backend that is not built (never skipped in CI: it must be there). */
function describeBackend(name: BackendName, title: string, fn: (b: Backend) => void): void {
  const b = backends[name];
  describe.skipIf(!b && !CI)(`${name}: ${title}`, () => {
    if (b) fn(b);
    else it('is available', () => expect.fail(`${name} backend failed to load: ${probe[name].info.error}`));
  });
}

const BATCHES = 10;
const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

function source<S extends Signal>(signal: S, b: number): SignalRequest[S] {
  return generators[signal]({ seed: 41, batchSize: 150, batchIndex: b, uniqueValuesPerBatch: 15, attributeCardinality: 40 }) as SignalRequest[S];
}

/** traces plain; logs zstd; metrics zstd with metric metadata: every option gets exercised. */
function encoderOptions(signal: Signal): EncoderOptions {
  if (signal === 'traces') return {};
  if (signal === 'logs') return { zstdLevel: 3 };
  return { zstdLevel: 1, metricMetadata: true };
}

/** Throws `fn`'s error, or fails when it does not throw. */
function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error & { code?: string };
  }
  return expect.fail('expected an error');
}

describe('availability', () => {
  it.runIf(CI)('native and wasm are built and load in CI', () => {
    expect(probe.native.info.error ?? 'loaded').toBe('loaded');
    expect(probe.wasm.info.error ?? 'loaded').toBe('loaded');
  });

  it('the js backend always loads', () => {
    expect(probe.js.info.status).toBe('loaded');
    expect(backends.js!.name).toBe('js');
  });
});

describe('loadBackend / backendInfo', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ['OTEL_ARROW_NATIVE_PATH', 'OTEL_ARROW_WASM_PATH', 'OTEL_ARROW_BACKEND']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('auto picks the first available of native, wasm, js and says why', async () => {
    const b = await loadBackend('auto');
    const expected = backends.native ? 'native' : backends.wasm ? 'wasm' : 'js';
    expect(b.name).toBe(expected);
    const info = backendInfo();
    expect(info.requested).toBe('auto');
    expect(info.selected).toBe(expected);
    expect(info.attempts[expected].status).toBe('loaded');
    // Those before the selected one failed (with the probe's error), those after were not tried.
    const at = NAMES.indexOf(expected);
    expect(NAMES.map((name) => info.attempts[name])).toMatchObject(NAMES.map((name, i) =>
      i < at ? { status: 'failed', error: probe[name].info.error }
        : i === at ? { status: 'loaded' }
          : { status: 'not tried', reason: `${expected} loaded first` }));
    expect(info.summary).toContain(`otel-arrow backend: ${expected}`);
  });

  it('reports the exact loader error of missing files and falls back to js', async () => {
    process.env.OTEL_ARROW_NATIVE_PATH = '/nonexistent/otap-node.node';
    process.env.OTEL_ARROW_WASM_PATH = '/nonexistent/otap.wasm';
    const b = await loadBackend('auto');
    expect(b.name).toBe('js');
    const info = backendInfo();
    expect(info.selected).toBe('js');
    expect(info.attempts.native).toMatchObject({ status: 'failed', path: '/nonexistent/otap-node.node' });
    expect(info.attempts.native.error).toMatch(/Cannot find module '\/nonexistent\/otap-node\.node'/);
    expect(info.attempts.wasm).toMatchObject({ status: 'failed', path: '/nonexistent/otap.wasm' });
    expect(info.attempts.wasm.error).toMatch(/ENOENT: no such file or directory, open '\/nonexistent\/otap\.wasm'/);
    expect(info.summary).toMatch(/native: failed \[\/nonexistent\/otap-node\.node\]: Cannot find module/);
  });

  it('a named backend that cannot load throws with the reason; OTEL_ARROW_BACKEND selects', async () => {
    process.env.OTEL_ARROW_WASM_PATH = '/nonexistent/otap.wasm';
    await expect(loadBackend('wasm')).rejects.toThrow(/no otel-arrow backend could be loaded[\s\S]*wasm: failed .*ENOENT/);
    process.env.OTEL_ARROW_BACKEND = 'js';
    expect((await loadBackend()).name).toBe('js');
    expect(backendInfo().attempts.native).toMatchObject({ status: 'not tried', reason: 'only js was requested' });
    process.env.OTEL_ARROW_BACKEND = 'rust';
    await expect(loadBackend()).rejects.toThrow(/unknown otel-arrow backend "rust"/);
  });
});

// ---------------------------------------------------------------------------------------
// zstd

const text = new TextEncoder().encode('OpenTelemetry Protocol with Apache Arrow, '.repeat(500));

for (const name of NAMES) {
  describeBackend(name, 'zstd', (b) => {
    it('round-trips through every other backend', () => {
      const packed = b.zstdCompress(text, 5);
      expect(packed.length).toBeLessThan(text.length / 10);
      for (const other of Object.values(backends)) {
        expect(Buffer.from(other.zstdDecompress(packed)).equals(Buffer.from(text)), `${name} -> ${other.name}`).toBe(true);
      }
    });

    it('rejects garbage and oversized output with coded errors, then keeps working', () => {
      const bad = thrown(() => b.zstdDecompress(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xff, 1, 2, 3])));
      expect(bad).toBeInstanceOf(OtelArrowError);
      expect(bad.code).toBe('DECOMPRESSION_FAILED');
      expect(bad.message.length).toBeGreaterThan(0);
      const packed = backends.native?.zstdCompress(text) ?? backends.wasm?.zstdCompress(text);
      if (!packed) return;
      const big = thrown(() => b.zstdDecompress(packed, 1000));
      expect(big.code).toBe('LIMIT_EXCEEDED');
      expect(b.zstdDecompress(packed).length).toBe(text.length);
    });

    it('frames a compressed gRPC message in one buffer exactly as compressing, then prefixing does', () => {
      if (!b.zstdGrpcMessage) return; // native only
      for (const data of [new Uint8Array(0), text]) {
        const message = Buffer.from(b.zstdGrpcMessage(data, 3));
        const frame = Buffer.from(b.zstdCompress(data, 3));
        expect(message.subarray(0, 5)).toEqual(Buffer.from([1, ...[0, 0, 0, 0].map((_, i) => (frame.length >>> (24 - 8 * i)) & 0xff)]));
        expect(message.subarray(5).equals(frame)).toBe(true);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------
// Conformance: every encoder x every decoder, 10 batches per stream

for (const encName of NAMES) {
  for (const decName of NAMES) {
    describeBackend(encName, `encoder -> ${decName} decoder`, (enc) => {
      const dec = backends[decName];
      for (const signal of SIGNALS) {
        it.skipIf(!dec && !CI)(`${signal}: ${BATCHES} batches decode to their source`, () => {
          if (!dec) return expect.fail(`${decName} backend failed to load: ${probe[decName].info.error}`);
          const encoder = enc.createEncoder(encoderOptions(signal));
          const decoder = dec.createDecoder();
          try {
            for (let b = 0; b < BATCHES; b++) {
              const req = source(signal, b);
              const bar = encoder.encode(signal, encodeOtlp(signal, req));
              const out = decoder.decode(bar);
              expect(out.signal).toBe(signal);
              const diff = canonicalDiff(signal, req, decodeOtlp(signal, out.otlp));
              expect(diff, `batch ${b}`).toBeUndefined();
            }
          } finally {
            encoder.close();
            decoder.close();
          }
        });
      }
    });
  }
}

// ---------------------------------------------------------------------------------------
// Bad input, closing, traps

const js = backends.js!;

for (const name of RUST) {
  describeBackend(name, 'bad input', (b) => {
    it('encoder: malformed OTLP gives a coded Error, the next call works', () => {
      const encoder = b.createEncoder();
      const decoder = js.createDecoder();
      const err = thrown(() => encoder.encode('logs', new Uint8Array([0x0a, 0xff, 0xff, 0x01])));
      expect(err).toBeInstanceOf(OtelArrowError);
      expect(err.code).toBe('MALFORMED_PROTOBUF');
      expect(err.message.length).toBeGreaterThan(0);
      const req = source('logs', 0);
      const out = decoder.decode(encoder.encode('logs', encodeOtlp('logs', req)));
      expect(canonicalDiff('logs', req, decodeOtlp('logs', out.otlp))).toBeUndefined();
      expect(() => encoder.encode('spans' as Signal, new Uint8Array(0))).toThrow(/unknown signal "spans"/);
      encoder.close();
      expect(() => encoder.encode('logs', new Uint8Array(0))).toThrow(/closed/);
    });

    it('decoder: malformed envelope and corrupt IPC give coded Errors, the next call works', () => {
      const decoder = b.createDecoder();
      const garbage = thrown(() => decoder.decode(new Uint8Array([0x12, 0x05, 0x01])));
      expect(garbage).toBeInstanceOf(OtelArrowError);
      expect(typeof garbage.code).toBe('string');
      expect(garbage.message.length).toBeGreaterThan(0);

      const encoder = js.createEncoder();
      const req0 = source('traces', 0);
      const bar0 = encoder.encode('traces', encodeOtlp('traces', req0));
      // Corrupt IPC: flip bytes in the middle of the message (the envelope stays intact).
      const corrupt = bar0.slice();
      for (let i = Math.floor(corrupt.length / 2); i < corrupt.length / 2 + 64; i++) corrupt[i] = 0xff;
      const other = b.createDecoder();
      const failed = thrown(() => other.decode(corrupt));
      expect(failed).toBeInstanceOf(OtelArrowError);
      expect(failed.code).toMatch(/^[A-Z_]+$/);
      // The first decoder was untouched by the bad envelope: the stream decodes from its start.
      const out0 = decoder.decode(bar0);
      expect(canonicalDiff('traces', req0, decodeOtlp('traces', out0.otlp))).toBeUndefined();
      const req1 = source('traces', 1);
      const out1 = decoder.decode(encoder.encode('traces', encodeOtlp('traces', req1)));
      expect(canonicalDiff('traces', req1, decodeOtlp('traces', out1.otlp))).toBeUndefined();
      expect(decoder.decode(new Uint8Array(0))).toMatchObject({ signal: undefined });
      expect(decoder.decode(new Uint8Array(0)).otlp.length).toBe(0);
      decoder.close();
      expect(() => decoder.decode(new Uint8Array(0))).toThrow(/closed/);
    });
  });
}

describeBackend('wasm', 'linear memory above 2 GiB', (b) => {
  it('encodes, decodes and holds tables when the allocator hands out addresses above 2 GiB', async () => {
    // A separate instance: the shared one keeps its memory small for the other tests.
    const wasm = await WasmBackend.load((b as WasmBackend).path);
    wasm.debugGrowMemory(2 ** 31);
    const reserved = wasm.memoryBytes();
    for (const signal of SIGNALS) {
      const encoder = wasm.createEncoder();
      const decoder = wasm.createDecoder();
      for (let i = 0; i < 3; i++) {
        const req = generators[signal]({ seed: 5, batchSize: 2048, batchIndex: i });
        const bar = encoder.encode(signal, encodeOtlp(signal, req));
        const tables = decoder.decodeTables!(bar)!;
        expect(canonicalDiff(signal, req, decodeOtlp(signal, tables.toOtlp()))).toBeUndefined();
        tables.release!();
      }
      encoder.close();
      decoder.close();
    }
    // The allocator grew memory past the reserved 2 GiB, so it did allocate above it.
    expect(wasm.memoryBytes()).toBeGreaterThan(reserved);
    expect(wasm.zstdDecompress(wasm.zstdCompress(text)).length).toBe(text.length);
  }, 60_000);
});

describeBackend('wasm', 'trap recovery', (b) => {
  it('a trap discards the instance: old handles refuse, new calls work', () => {
    const wasm = b as WasmBackend;
    const before = b.createEncoder();
    const trapsBefore = wasm.traps;
    const trap = thrown(() => wasm.debugTrap());
    expect(trap).toBeInstanceOf(BackendTrapError);
    expect(trap.code).toBe('BACKEND_TRAPPED');
    expect(wasm.traps).toBe(trapsBefore + 1);
    const stale = thrown(() => before.encode('logs', new Uint8Array(0)));
    expect(stale.code).toBe('BACKEND_TRAPPED');
    expect(stale.message).toMatch(/create a new Encoder/);
    before.close();
    expect(b.zstdDecompress(b.zstdCompress(text)).length).toBe(text.length);
    const encoder = b.createEncoder();
    const decoder = b.createDecoder();
    const req = source('metrics', 3);
    const out = decoder.decode(encoder.encode('metrics', encodeOtlp('metrics', req)));
    expect(canonicalDiff('metrics', req, decodeOtlp('metrics', out.otlp))).toBeUndefined();
  });

  it('an attribute editor made before a trap still edits and encodes (it holds no stream state)', () => {
    const wasm = b as WasmBackend;
    const actions = gatherAttributeActions([{ action: 'rename', sourceKey: 'service.name', destinationKey: 'svc' }], { signal: false, resource: true, scope: false });
    const editor = b.createAttributeEditor!(encodeAttributeActions(actions));
    thrown(() => wasm.debugTrap());
    const bytes = encodeOtlp('logs', source('logs', 1));
    const edited = editor.editOtlp('logs', bytes)!;
    expect(decodeOtlp('logs', edited).resourceLogs.flatMap((rl) => rl.resource.attributes.map((kv) => kv.key))).toContain('svc');
    thrown(() => wasm.debugTrap());
    const encoder = b.createEncoder();
    const plain = b.createEncoder();
    expect(Buffer.from(encoder.encodeEdited!('logs', bytes, editor)!).equals(plain.encode('logs', edited))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------
// Arrow record batches straight out of wasm memory (C Data Interface via arrow-js-ffi)

describeBackend('wasm', 'decodeArrow', (b) => {
  for (const signal of SIGNALS) {
    it(`${signal}: record batches equal apache-arrow's own IPC read, zero-copy and copied`, async () => {
      const { tableFromIPC } = await import('apache-arrow');
      const { decodeBatchArrowRecords } = await import('../../src/otap/batch-arrow-records.js');
      const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
      const decoder = (b as WasmBackend).createDecoder();
      const copier = (b as WasmBackend).createDecoder();
      // The first batch of a stream has no delta dictionaries, so apache-arrow reads it alone.
      const bar = js.createEncoder().encode(signal, encodeOtlp(signal, source(signal, 0)));
      const payloads = decodeBatchArrowRecords(bar).arrowPayloads;
      // Zero-copy views: valid until release() or the next call into the module (which may
      // grow wasm memory and so detach the buffer they view), so read them first.
      const views = decoder.decodeArrow(bar);
      expect(views.signal).toBe(signal);
      expect(views.batches.map((x) => x.payloadType)).toEqual(payloads.map((p) => p.type));
      const expected = payloads.map((p) => json(tableFromIPC(p.record).toArray()));
      for (const [i, p] of payloads.entries()) {
        expect(views.batches[i]!.batch.numRows).toBeGreaterThan(0);
        expect(json(views.batches[i]!.batch.toArray()), `payload ${p.type}`).toBe(expected[i]);
      }
      expect(canonicalDiff(signal, source(signal, 0), decodeOtlp(signal, views.otlp))).toBeUndefined();
      views.release();
      views.release();
      // Copies live in JS memory: unaffected by later calls and by release().
      const copies = copier.decodeArrow(bar, { copy: true });
      copies.release();
      b.zstdCompress(new Uint8Array(8 << 20));
      for (const [i, p] of payloads.entries()) {
        expect(json(copies.batches[i]!.batch.toArray()), `payload ${p.type} (copy)`).toBe(expected[i]);
      }
    });
  }
});

describeBackend('native', 'a panic in the Rust core', (b) => {
  // A panic unwinding into Node-API would abort the process: it must come out as an error
  // that closes the encoder or decoder it happened in (debugPanic*: test-only hooks).
  interface PanickingEncoder { encode(signal: string, otlp: Uint8Array): Buffer; debugPanic(): void; debugPanicAsync(): Promise<Buffer>; encodeAsync(signal: string, otlp: Uint8Array): Promise<Buffer> }
  interface PanickingDecoder { decode(bar: Uint8Array): unknown; debugPanic(): void }
  const addon = (b as unknown as { addon: { Encoder: new () => PanickingEncoder; Decoder: new () => PanickingDecoder } }).addon;
  const otlp = (): Uint8Array => encodeOtlp('logs', source('logs', 1));

  it('sync: the call throws, the process lives, the encoder / decoder is closed', () => {
    const enc = new addon.Encoder();
    expect(() => enc.debugPanic()).toThrow(/the Encoder panicked \(debugPanic\) and is closed/);
    expect(() => enc.encode('logs', otlp())).toThrow(/Encoder is closed/);
    const dec = new addon.Decoder();
    expect(() => dec.debugPanic()).toThrow(/the Decoder panicked \(debugPanic\) and is closed/);
    expect(() => dec.decode(new Uint8Array(0))).toThrow(/Decoder is closed/);
  });

  it('on the encoder thread: that promise rejects, the jobs behind it reject as closed, the thread goes on', async () => {
    const enc = new addon.Encoder();
    const before = enc.encodeAsync('logs', otlp());
    const panicking = enc.debugPanicAsync();
    const after = enc.encodeAsync('logs', otlp());
    expect((await before).length).toBeGreaterThan(0);
    await expect(panicking).rejects.toThrow(/the Encoder panicked \(debugPanicAsync\) and is closed/);
    await expect(after).rejects.toThrow(/Encoder is closed/);
    // Another encoder (its own thread) is unaffected.
    expect((await new addon.Encoder().encodeAsync('logs', otlp())).length).toBeGreaterThan(0);
  });
});

describeBackend('native', 'decodeArrow', (b) => {
  for (const signal of SIGNALS) {
    it(`${signal}: record batches over external ArrayBuffers equal apache-arrow's IPC read, and outlive later calls`, async () => {
      const { tableFromIPC } = await import('apache-arrow');
      const { decodeBatchArrowRecords } = await import('../../src/otap/batch-arrow-records.js');
      const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
      const native = b as NativeBackend;
      const kept: { batch: import('apache-arrow').RecordBatch; expected: string }[] = [];
      for (let n = 0; n < 4; n++) {
        // A fresh stream per round, so apache-arrow can read the payloads on their own.
        const bar = js.createEncoder().encode(signal, encodeOtlp(signal, source(signal, n)));
        const payloads = decodeBatchArrowRecords(bar).arrowPayloads;
        const r = native.createDecoder().decodeArrow(bar);
        expect(r.signal).toBe(signal);
        expect(r.batches.map((x) => x.payloadType)).toEqual(payloads.map((p) => p.type));
        for (const [i, p] of payloads.entries()) {
          kept.push({ batch: r.batches[i]!.batch, expected: json(tableFromIPC(p.record).toArray()) });
        }
        expect(canonicalDiff(signal, source(signal, n), decodeOtlp(signal, r.otlp))).toBeUndefined();
      }
      // Later calls, garbage and GC do not disturb batches still referenced.
      const bar9 = js.createEncoder().encode(signal, encodeOtlp(signal, source(signal, 9)));
      const again = native.createDecoder();
      for (let i = 0; i < 20; i++) again.decodeArrow(i === 0 ? bar9 : js.createEncoder().encode(signal, encodeOtlp(signal, source(signal, 9))), {});
      again.close();
      (globalThis as { gc?: () => void }).gc?.();
      for (const { batch, expected } of kept) expect(json(batch.toArray())).toBe(expected);
    });
  }
});

// native: the addon's encoder thread; wasm: a worker with its own instance (EncoderOptions.thread).
for (const name of ['native', 'wasm'] as const) describeBackend(name, 'encodeAsync (the encoder thread)', (b) => {
  const threaded = { thread: true };
  it('calls queued at once settle in order with the bytes of the same calls made synchronously', async () => {
    const sync = b.createEncoder();
    const async = b.createEncoder(threaded);
    const inputs = SIGNALS.flatMap((signal) => [0, 1, 2, 3].map((n) => ({ signal, otlp: encodeOtlp(signal, source(signal, n)) })));
    const expected = inputs.map(({ signal, otlp }) => sync.encode(signal, otlp));
    const got = await Promise.all(inputs.map(({ signal, otlp }) => async.encodeAsync!(signal, otlp)));
    expect(got.map((x) => Buffer.from(x).toString('base64'))).toEqual(expected.map((x) => Buffer.from(x).toString('base64')));
    // Sync and async calls on one encoder continue one stream (the JS side never overlaps them).
    const next = encodeOtlp('logs', source('logs', 7));
    expect(Buffer.from(async.encode('logs', next)).equals(Buffer.from(sync.encode('logs', next)))).toBe(true);
    sync.close();
    async.close();
  });

  it('encodeFramedAsync: gRPC zstd messages of the bytes encodeAsync gives, with their batch ids, queued in order with it', async () => {
    const sync = b.createEncoder();
    const enc = b.createEncoder(threaded);
    const inputs = SIGNALS.flatMap((signal) => [0, 1].map((n) => ({ signal, otlp: encodeOtlp(signal, source(signal, n)) })));
    const expected = inputs.map(({ signal, otlp }) => sync.encode(signal, otlp));
    // Alternate plain and framed calls on one stream.
    const got = await Promise.all(inputs.map((input, i) => (i % 2 === 0 ? enc.encodeAsync!(input.signal, input.otlp) : enc.encodeFramedAsync!(input, 3))));
    for (const [i, out] of got.entries()) {
      const want = Buffer.from(expected[i]!);
      if (out instanceof Uint8Array) {
        expect(Buffer.from(out).equals(want)).toBe(true);
        continue;
      }
      expect(out.frame[0]).toBe(1);
      expect(Buffer.from(out.frame).readUInt32BE(1)).toBe(out.frame.length - 5);
      expect(Buffer.from(b.zstdDecompress(out.frame.subarray(5))).equals(want)).toBe(true);
      expect(out.batchId).toBe(peekBatchId(want));
      expect(out.batchId).toBe(BigInt(i));
      expect(out.barBytes).toBe(want.length);
      // The items the exporter counts: no walk over the OTLP bytes needed.
      expect(out.items).toBe(countOtlpItems(inputs[i]!.signal, inputs[i]!.otlp));
      expect(out.items).toBeGreaterThan(0);
    }
    // A failed encode rejects as the sync call throws and takes no batch id.
    const bad = enc.encodeFramedAsync!({ signal: 'logs', otlp: new Uint8Array([0x0a, 0xff, 0xff, 0x01]) }, 3);
    const next = enc.encodeFramedAsync!({ signal: 'logs', otlp: encodeOtlp('logs', source('logs', 5)) }, 3);
    expect(((await bad.then(() => undefined, (e: unknown) => e)) as OtelArrowError).code).toBe('MALFORMED_PROTOBUF');
    expect((await next).batchId).toBe(BigInt(inputs.length));
    expect(() => enc.encodeFramedAsync!({ signal: 'spans' as Signal, otlp: new Uint8Array(0) }, 3)).toThrow(/unknown signal "spans"/);
    sync.close();
    enc.close();
  });

  it('encodeHeldAsync: the bytes encodeAsync gives, kept until framed as encodeFramedAsync frames them or taken, once', async () => {
    const enc = b.createEncoder(threaded);
    if (!enc.encodeHeldAsync) { // native only
      enc.close();
      return;
    }
    const framing = b.createEncoder(threaded);
    const inputs = SIGNALS.flatMap((signal) => [0, 1].map((n) => ({ signal, otlp: encodeOtlp(signal, source(signal, n)) })));
    const frames = await Promise.all(inputs.map((input) => framing.encodeFramedAsync!(input, 3)));
    const held = await Promise.all(inputs.map((input) => enc.encodeHeldAsync!(input)));
    for (const [i, h] of held.entries()) {
      const want = frames[i]!;
      expect([h.batchId, h.barBytes, h.items]).toEqual([want.batchId, want.barBytes, want.items]);
      if (i % 2 === 0) {
        expect(Buffer.from(h.zstdGrpcMessage(3)).equals(Buffer.from(want.frame))).toBe(true);
      } else {
        expect(Buffer.from(h.take()).equals(Buffer.from(b.zstdDecompress(want.frame.subarray(5))))).toBe(true);
      }
      expect(() => h.take()).toThrow(/already used/);
      expect(() => h.zstdGrpcMessage(3)).toThrow(/already used/);
    }
    const bad = enc.encodeHeldAsync!({ signal: 'logs', otlp: new Uint8Array([0x0a, 0xff, 0xff, 0x01]) });
    expect(((await bad.then(() => undefined, (e: unknown) => e)) as OtelArrowError).code).toBe('MALFORMED_PROTOBUF');
    framing.close();
    enc.close();
  });

  it('encodeCountedAsync: the bytes encodeAsync gives and their items, queued in order with the other calls', async () => {
    const sync = b.createEncoder();
    const enc = b.createEncoder(threaded);
    const inputs = SIGNALS.flatMap((signal) => [0, 1, 2].map((n) => ({ signal, otlp: encodeOtlp(signal, source(signal, n)) })));
    const expected = inputs.map(({ signal, otlp }) => sync.encode(signal, otlp));
    const got = await Promise.all(inputs.map((input, i) => (i % 3 === 2 ? enc.encodeAsync!(input.signal, input.otlp) : enc.encodeCountedAsync!(input))));
    for (const [i, out] of got.entries()) {
      const bar = out instanceof Uint8Array ? out : out.bar;
      expect(Buffer.from(bar).equals(Buffer.from(expected[i]!))).toBe(true);
      if (out instanceof Uint8Array) continue;
      expect(out.items).toBe(countOtlpItems(inputs[i]!.signal, inputs[i]!.otlp));
      expect(out.items).toBeGreaterThan(0);
    }
    // An empty request has no items; a malformed one rejects as the sync call throws.
    expect((await enc.encodeCountedAsync!({ signal: 'traces', otlp: new Uint8Array(0) })).items).toBe(0);
    const bad = enc.encodeCountedAsync!({ signal: 'logs', otlp: new Uint8Array([0x0a, 0xff, 0xff, 0x01]) });
    expect(((await bad.then(() => undefined, (e: unknown) => e)) as OtelArrowError).code).toBe('MALFORMED_PROTOBUF');
    const after = encodeOtlp('metrics', source('metrics', 4));
    expect((await enc.encodeCountedAsync!({ signal: 'metrics', otlp: after })).items).toBe(countOtlpItems('metrics', after));
    sync.close();
    enc.close();
  });

  it('rejects malformed OTLP with the coded Error of the sync call; the calls after it still run', async () => {
    const enc = b.createEncoder(threaded);
    const bad = enc.encodeAsync!('logs', new Uint8Array([0x0a, 0xff, 0xff, 0x01]));
    const good = enc.encodeAsync!('logs', encodeOtlp('logs', source('logs', 0)));
    const err = (await bad.then(() => undefined, (e: unknown) => e)) as OtelArrowError;
    expect(err).toBeInstanceOf(OtelArrowError);
    expect(err.code).toBe('MALFORMED_PROTOBUF');
    const out = js.createDecoder().decode(await good);
    expect(canonicalDiff('logs', source('logs', 0), decodeOtlp('logs', out.otlp))).toBeUndefined();
    expect(() => enc.encodeAsync!('spans' as Signal, new Uint8Array(0))).toThrow(/unknown signal "spans"/);
    enc.close();
  });

  it('close() lets the calls already queued finish, then refuses new ones', async () => {
    const enc = b.createEncoder(threaded);
    const queued = [0, 1, 2].map((n) => enc.encodeAsync!('traces', encodeOtlp('traces', source('traces', n))));
    enc.close();
    const dec = js.createDecoder();
    for (const [n, p] of queued.entries()) {
      expect(canonicalDiff('traces', source('traces', n), decodeOtlp('traces', dec.decode(await p).otlp))).toBeUndefined();
    }
    expect(() => enc.encodeAsync!('traces', new Uint8Array(0))).toThrow(/closed/);
    expect(() => enc.encode('traces', new Uint8Array(0))).toThrow(/closed/);
  });
});

describeBackend('wasm', 'no encodeAsync without a thread', (b) => {
  it('a plain wasm encoder has no encodeAsync; with thread it has no encodeTables/encodeEdited (the tables live in this thread\'s instance)', () => {
    const plain = b.createEncoder();
    expect(plain.encodeAsync).toBeUndefined();
    expect(plain.encodeTables).toBeTypeOf('function');
    plain.close();
    const threaded = b.createEncoder({ thread: true });
    expect(threaded.encodeTables).toBeUndefined();
    expect(threaded.encodeEdited).toBeUndefined();
    threaded.close();
  });
});

describeBackend('wasm', 'the encoder worker', (b) => {
  it('encodes only the bytes a view shows (not the buffer behind it), answers sync calls between async ones, and keeps no process alive', async () => {
    const enc = b.createEncoder({ thread: true });
    const plain = b.createEncoder();
    const otlp = encodeOtlp('traces', source('traces', 1));
    const framed = new Uint8Array(otlp.length + 64).fill(0xff);
    framed.set(otlp, 32);
    const first = enc.encodeAsync!('traces', framed.subarray(32, 32 + otlp.length));
    const second = enc.encode('traces', encodeOtlp('traces', source('traces', 2)));
    const expected = [plain.encode('traces', otlp), plain.encode('traces', encodeOtlp('traces', source('traces', 2)))];
    expect(Buffer.from(await first).equals(Buffer.from(expected[0]!))).toBe(true);
    expect(Buffer.from(second).equals(Buffer.from(expected[1]!))).toBe(true);
    enc.close();
    plain.close();
    // A process that leaves an encoder open with nothing pending still exits.
    const script = [
      "import { loadBackend } from './src/backend/index.ts';",
      "const enc = (await loadBackend('wasm')).createEncoder({ thread: true });",
      "const bar = await enc.encodeAsync('logs', new Uint8Array(0));",
      "console.log('encoded', bar.length);",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^encoded \d+/);
    expect(run.status).toBe(0);
  });

  it('a worker whose idle time ran out takes no new encoder, even before it has exited', async () => {
    const otlp = encodeOtlp('traces', source('traces', 1));
    const first = b.createEncoder({ thread: true });
    await first.encodeAsync!('traces', otlp);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      first.close(); // the worker's last encoder: its idle timer starts
      vi.advanceTimersByTime(31_000); // and ends it; 'exit' comes later
    } finally {
      vi.useRealTimers();
    }
    const next = b.createEncoder({ thread: true });
    const bar = await next.encodeAsync!('traces', otlp);
    expect(Buffer.from(bar).equals(Buffer.from(b.createEncoder().encode('traces', otlp)))).toBe(true);
    next.close();
  });
});

describeBackend('wasm', 'no worker to be had', () => {
  it('a threaded encoder is a plain one on this thread when the worker script is missing (one warning), and encodes the same bytes', async () => {
    const saved = process.env.OTEL_ARROW_WASM_WORKER_PATH;
    process.env.OTEL_ARROW_WASM_WORKER_PATH = join(tmpdir(), 'no-such-dir', 'wasm-encoder-worker.js');
    const logged: LogRecord[] = [];
    setLogSink((r) => void logged.push(r));
    try {
      const fresh = await WasmBackend.load();
      const enc = fresh.createEncoder({ thread: true });
      expect(enc.encodeAsync).toBeUndefined();
      expect(enc.encodeTables).toBeTypeOf('function');
      const otlp = encodeOtlp('logs', source('logs', 0));
      expect(Buffer.from(enc.encode('logs', otlp)).equals(Buffer.from(fresh.createEncoder().encode('logs', otlp)))).toBe(true);
      expect(fresh.createEncoder({ thread: true }).encodeAsync).toBeUndefined(); // decided once
      const warnings = logged.filter((r) => r.level === 'warn' && r.component === 'backend');
      expect(warnings.map((r) => r.message)).toEqual([expect.stringMatching(/^wasm encoders run on the JavaScript thread: no worker thread could be started \(.+\)$/)]);
    } finally {
      setLogSink(undefined);
      if (saved === undefined) delete process.env.OTEL_ARROW_WASM_WORKER_PATH;
      else process.env.OTEL_ARROW_WASM_WORKER_PATH = saved;
    }
  });
});

describeBackend('js', 'no encodeAsync', (b) => {
  it('has no encodeAsync, with or without thread: its exporter streams encode on the JavaScript thread', () => {
    expect(b.createEncoder().encodeAsync).toBeUndefined();
    expect(b.createEncoder({ thread: true }).encodeAsync).toBeUndefined();
  });
});
