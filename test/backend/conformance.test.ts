// Conformance of every codec backend (native addon, wasm module, TypeScript) through the
// backend interface only (OTLP bytes in, BatchArrowRecords bytes out, and back), reusing the
// codec suite's vectors:
// (a) fast-check arbitrary requests through ONE long-lived encoder/decoder pair per backend,
//     decoded by the same backend and by the js backend (metric metadata on);
// (b) the long delta-dictionary stream (u8 -> u16 -> plain event_name, schema resets);
// (c) the Go reference's streams decoded by each backend, and each backend's streams decoded
//     by the Go consumer;
// (d) native, wasm and js outputs decode to the same canonical OTLP for the same inputs
//     (generated, arbitrary, and strings and bytes with leading U+FEFF / 0xFF);
// (e) truncated and bit-flipped BARs through native and wasm: coded Errors, never a crash or
//     a dead instance.
// A backend that is not built is skipped, except in CI where native and wasm must load.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, BackendDecoder, BackendEncoder, BackendName, EncoderOptions } from '../../src/backend/index.js';
import { IpcStreamReader } from '../../src/ipc/index.js';
import { decodeBatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { ArrowPayloadType as T } from '../../src/otap/payload-type.js';
import { canonicalDiff, canonicalize, canonicalJson } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { ExportLogsServiceRequest, Signal, SignalRequest } from '../../src/otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../../src/otlp/signal-codec.js';
import { goEquivalent } from '../interop/go-equivalence.js';
import { goDecode, goEqual, goGen, goPeerBinary, hasGo, readFramedBars, writeFramedBars } from '../interop/go-peer.js';
import { requestArb } from '../support/arbitraries.js';
import { withLeadingMarks } from '../support/leading-marks.js';
import { yieldToEventLoop } from '../support/event-loop.js';
import { backendRows, BACKEND_NAMES, CI, jsBackend, RUST_BACKENDS, requireBackend, backendsToRun } from '../support/backends.js';

const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];
const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const canon = <S extends Signal>(signal: S, req: SignalRequest[S]): string => canonicalJson(canonicalize(signal, req));

function expectDecodes<S extends Signal>(signal: S, source: SignalRequest[S], otlp: Uint8Array, what: string): void {
  const diff = canonicalDiff(signal, source, decodeOtlp(signal, otlp));
  expect(diff, what).toBeUndefined();
}

// ---------------------------------------------------------------------------------------
// (a) fast-check arbitrary requests

const ARB_RUNS = 60;

describe.each(backendRows())('%s backend: arbitrary requests (fast-check)', (name) => {
  let b: Backend;
  let encoder: BackendEncoder;
  let decoder: BackendDecoder;
  let jsDecoder: BackendDecoder;

  beforeAll(() => {
    b = requireBackend(name);
    // One long-lived pair for every signal: the stream state persists across properties.
    encoder = b.createEncoder({ metricMetadata: true });
    decoder = b.createDecoder();
    jsDecoder = jsBackend().createDecoder();
  });
  afterAll(() => {
    encoder?.close();
    decoder?.close();
    jsDecoder?.close();
  });

  for (const signal of SIGNALS) {
    it(`${signal}: ${ARB_RUNS} requests decode to their source with ${name} and with js`, () => {
      fc.assert(
        fc.property(requestArb(signal), (req) => {
          const bar = encoder.encode(signal, encodeOtlp(signal, req));
          const own = decoder.decode(bar);
          const viaJs = jsDecoder.decode(bar);
          const expected = canon(signal, req);
          // An empty request still yields the signal's root payload.
          expect(own.signal).toBe(signal);
          expect(viaJs.signal).toBe(signal);
          for (const [who, out] of [[name, own], ['js', viaJs]] as const) {
            const got = canon(signal, decodeOtlp(signal, out.otlp));
            if (got !== expected) expectDecodes(signal, req, out.otlp, `${name} encoder -> ${who} decoder`);
          }
        }),
        { numRuns: ARB_RUNS, seed: 0x07a9 + SIGNALS.indexOf(signal), endOnFailure: true },
      );
    });
  }
});

// ---------------------------------------------------------------------------------------
// (b) the long delta-dictionary stream

const LONG_BATCHES = 55;
const LONG_SIZE = 3000;

/** As test/otap/long-stream.test.ts: event names pass 255, then 65,535 distinct values. */
function longBatch(b: number): ExportLogsServiceRequest {
  const req = generateLogs({ seed: 5, batchSize: LONG_SIZE, batchIndex: b, uniqueValuesPerBatch: 1300 });
  let i = 0;
  for (const rl of req.resourceLogs) {
    for (const sl of rl.scopeLogs) {
      for (const log of sl.logRecords) {
        log.eventName = b < 30 ? `evt-${b * 10 + (i % 10)}` : `evt-${b}-${i}`;
        i++;
      }
    }
  }
  return req;
}

/** OTLP bytes and the hash of the canonical form of each batch (built once, shared). */
let longStream: { otlp: Uint8Array[]; canonical: string[] } | undefined;
async function longStreamInputs(): Promise<{ otlp: Uint8Array[]; canonical: string[] }> {
  if (!longStream) {
    const otlp: Uint8Array[] = [];
    const canonical: string[] = [];
    for (let b = 0; b < LONG_BATCHES; b++) {
      await yieldToEventLoop();
      const req = longBatch(b);
      otlp.push(encodeOtlp('logs', req));
      canonical.push(sha(canon('logs', req)));
    }
    longStream = { otlp, canonical };
  }
  return longStream;
}
/** Hashes of decoded OTLP bytes already verified equal to batch b's source (any backend). */
const verifiedLong = new Map<number, Set<string>>();

function eventNameKeyWidth(firstChunk: Uint8Array): number {
  const reader = new IpcStreamReader();
  reader.read(firstChunk);
  const field = reader.schema!.fields.find((f) => f.name === 'event_name')!;
  return field.dictionary?.indexBitWidth ?? 0;
}

describe.each(backendRows())('%s backend: long delta-dictionary stream', (name) => {
  it(`${LONG_BATCHES} batches of ${LONG_SIZE} logs: every batch decodes; LOGS schema resets at u8->u16 and u16->plain`, async () => {
    const b = requireBackend(name);
    const inputs = await longStreamInputs();
    const encoder = b.createEncoder();
    const decoder = b.createDecoder();
    const logsStreams: { schemaId: string; batch: number; keyWidth: number }[] = [];
    const started = performance.now();
    try {
      for (let i = 0; i < LONG_BATCHES; i++) {
        await yieldToEventLoop(); // minutes of work on a loaded machine: see test/support/event-loop.ts
        const bar = encoder.encode('logs', inputs.otlp[i]!);
        for (const p of decodeBatchArrowRecords(bar).arrowPayloads) {
          if (p.type === T.LOGS && logsStreams.at(-1)?.schemaId !== p.schemaId) {
            logsStreams.push({ schemaId: p.schemaId, batch: i, keyWidth: eventNameKeyWidth(p.record) });
          }
        }
        const out = decoder.decode(bar);
        expect(out.signal).toBe('logs');
        const seen = verifiedLong.get(i) ?? new Set<string>();
        const h = sha(out.otlp);
        if (!seen.has(h)) {
          if (sha(canon('logs', decodeOtlp('logs', out.otlp))) !== inputs.canonical[i]) {
            expectDecodes('logs', longBatch(i), out.otlp, `${name}: batch ${i}`);
          }
          seen.add(h);
          verifiedLong.set(i, seen);
        }
      }
    } finally {
      encoder.close();
      decoder.close();
    }
    console.log(`${name}: long stream ${LONG_BATCHES} x ${LONG_SIZE} logs in ${((performance.now() - started) / 1000).toFixed(1)} s; LOGS streams ${JSON.stringify(logsStreams)}`);
    expect(logsStreams.map((s) => s.keyWidth)).toEqual([8, 16, 0]);
    expect(new Set(logsStreams.map((s) => s.schemaId)).size).toBe(3);
    expect(logsStreams[1]!.batch).toBeGreaterThan(20);
    expect(logsStreams[2]!.batch).toBeGreaterThan(45);
  }, 600_000); // it yields between batches, so the timeout applies: minutes on a loaded machine
});

// ---------------------------------------------------------------------------------------
// (c) the Go reference implementation

const GO = hasGo();
let work = '';
const goData = new Map<Signal, Promise<{ dir: string; frames: Uint8Array[]; sources: SignalRequest[Signal][] }>>();

function otlpFiles(dir: string, prefix: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.startsWith(prefix) && n.endsWith('.pb')).sort().map((n) => path.join(dir, n));
}

/** The Go Producer's stream (8 batches of ~200 items, zstd bodies) and its source OTLP. */
function goStream<S extends Signal>(signal: S): Promise<{ dir: string; frames: Uint8Array[]; sources: SignalRequest[S][] }> {
  let p = goData.get(signal);
  if (!p) {
    p = (async () => {
      const dir = path.join(work, `go-${signal}`);
      await goGen({ signal, batches: 8, batchSize: 200, seed: 7, out: dir });
      const sources = otlpFiles(dir, 'otlp-').map((f) => decodeOtlp(signal, fs.readFileSync(f)));
      return { dir, frames: readFramedBars(path.join(dir, 'go.bars')), sources };
    })();
    goData.set(signal, p);
  }
  return p as Promise<{ dir: string; frames: Uint8Array[]; sources: SignalRequest[S][] }>;
}

describe.skipIf(!GO && !CI)('Go reference interop', () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-backend-go-'));
    await goPeerBinary();
  });
  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  describe.each(backendRows())('%s backend', (name) => {
    for (const signal of SIGNALS) {
      it(`${signal}: decodes the Go Producer stream (zstd bodies) to the source OTLP`, async () => {
        const b = requireBackend(name);
        const { frames, sources } = await goStream(signal);
        expect(frames.length).toBe(sources.length);
        const decoder = b.createDecoder();
        try {
          for (const [i, frame] of frames.entries()) {
            await yieldToEventLoop(); // see test/support/event-loop.ts
            const out = decoder.decode(frame);
            expect(out.signal).toBe(signal);
            expect(canonicalDiff(signal, goEquivalent(signal, sources[i]!), decodeOtlp(signal, out.otlp)), `batch ${i}`).toBeUndefined();
          }
        } finally {
          decoder.close();
        }
      });

      it(`${signal}: the Go Consumer decodes this backend's stream (zstd bodies) to the source OTLP`, async () => {
        const b = requireBackend(name);
        const { dir, sources } = await goStream(signal);
        const encoder = b.createEncoder({ zstdLevel: 3 });
        let bars: Uint8Array[];
        try {
          bars = sources.map((r) => encoder.encode(signal, encodeOtlp(signal, r)));
        } finally {
          encoder.close();
        }
        const file = path.join(dir, `${name}.bars`);
        writeFramedBars(file, bars);
        const out = path.join(dir, `decoded-${name}`);
        await goDecode({ signal, in: file, out });
        expect((await goEqual({ signal, a: dir, b: out })).equal).toBe(true);
        const decodedFiles = otlpFiles(out, 'decoded-');
        expect(decodedFiles).toHaveLength(sources.length);
        for (const [i, f] of decodedFiles.entries()) {
          await yieldToEventLoop(); // see test/support/event-loop.ts
          const decoded = decodeOtlp(signal, fs.readFileSync(f));
          expect(canonicalDiff(signal, goEquivalent(signal, sources[i]!), goEquivalent(signal, decoded)), `batch ${i}`).toBeUndefined();
        }
      });
    }
  });
});

// ---------------------------------------------------------------------------------------
// (d) every backend decodes to the same OTLP for the same inputs

describe('native, wasm and js agree', () => {
  const names = backendsToRun(BACKEND_NAMES);

  for (const signal of SIGNALS) {
    it(`${signal}: generated and arbitrary inputs decode to the same canonical OTLP on ${names.join(', ')}`, () => {
      const inputs: SignalRequest[Signal][] = [
        ...Array.from({ length: 6 }, (_, i) => generators[signal]({ seed: 17, batchSize: 120, batchIndex: i, uniqueValuesPerBatch: 20 })),
        ...fc.sample(requestArb(signal), { seed: 99, numRuns: 20 }),
        // Strings led by U+FEFF, byte values by 0xFF beside empty ones (two decoder traps).
        ...Array.from({ length: 2 }, (_, i) => withLeadingMarks(generators[signal]({ seed: 23, batchSize: 40, batchIndex: i }))),
      ];
      const options: EncoderOptions = { zstdLevel: 3, metricMetadata: true };
      const results = new Map<BackendName, string[]>();
      for (const name of names) {
        const b = requireBackend(name);
        const encoder = b.createEncoder(options);
        const decoders = [b.createDecoder(), jsBackend().createDecoder()];
        const outs: string[] = [];
        try {
          for (const req of inputs) {
            const bar = encoder.encode(signal, encodeOtlp(signal, req));
            const decoded = decoders.map((d) => canon(signal, decodeOtlp(signal, d.decode(bar).otlp)));
            expect(decoded[1], `${name} encoder: own decoder and js decoder agree`).toBe(decoded[0]);
            outs.push(decoded[0]!);
          }
        } finally {
          encoder.close();
          for (const d of decoders) d.close();
        }
        results.set(name, outs);
      }
      const [first, ...rest] = names;
      for (const name of rest) {
        results.get(name)!.forEach((out, i) => {
          expect(out, `${name} vs ${first}: input ${i}`).toBe(results.get(first!)![i]);
        });
      }
      // And that common output is the source.
      results.get(first!)!.forEach((out, i) => expect(out, `input ${i}`).toBe(canon(signal, inputs[i]!)));
    });
  }
});

// ---------------------------------------------------------------------------------------
// (e) bad input: truncated and bit-flipped BARs

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(backendRows(RUST_BACKENDS))('%s backend: truncated and bit-flipped BARs', (name) => {
  for (const signal of SIGNALS) {
    it(`${signal}: every corrupt BAR gives a coded Error or a result; the backend stays usable`, () => {
      const b = requireBackend(name);
      const traps = () => (b as { traps?: number }).traps ?? 0;
      const trapsBefore = traps();
      const req = generators[signal]({ seed: 23, batchSize: 25, batchIndex: 0, uniqueValuesPerBatch: 5 });
      const otlp = encodeOtlp(signal, req);
      // Stream starts (schemas + dictionaries + batches), uncompressed and zstd bodies.
      // Copied into plain Uint8Arrays: native returns Buffers, whose slice() is a view.
      const valid = [b.createEncoder({}).encode(signal, otlp), b.createEncoder({ zstdLevel: 3 }).encode(signal, otlp)].map((x) => new Uint8Array(x));
      const expected = valid.map((bar) => b.createDecoder().decode(bar).otlp);
      for (const e of expected) expectDecodes(signal, req, e, 'valid');

      const random = rng(0xbad + SIGNALS.indexOf(signal));
      const cases: { what: string; bar: Uint8Array; base: number }[] = [];
      valid.forEach((bar, v) => {
        for (let k = 0; k < 50; k++) {
          const len = k < 10 ? k : Math.floor(random() * bar.length);
          cases.push({ what: `truncated to ${len}/${bar.length}`, bar: bar.slice(0, len), base: v });
        }
        for (let k = 0; k < 50; k++) {
          const bad = bar.slice();
          const flips = 1 + Math.floor(random() * 3);
          for (let f = 0; f < flips; f++) {
            const at = Math.floor(random() * bad.length);
            bad[at] = bad[at]! ^ (1 << Math.floor(random() * 8));
          }
          cases.push({ what: `${flips} bit flip(s), case ${k}`, bar: bad, base: v });
        }
      });

      let errors = 0;
      const codes = new Map<string, number>();
      for (const c of cases) {
        const decoder = b.createDecoder();
        try {
          decoder.decode(c.bar); // a flip in a value may decode (to other data): fine
        } catch (err) {
          errors++;
          expect(err, c.what).toBeInstanceOf(Error);
          const e = err as Error & { code?: unknown };
          expect(e.message.length, c.what).toBeGreaterThan(0);
          expect(typeof e.code === 'string' ? e.code : `no code: ${e.message}`, c.what).toMatch(/^[A-Z_]+$/);
          expect(e.code, c.what).not.toBe('BACKEND_TRAPPED');
          codes.set(e.code as string, (codes.get(e.code as string) ?? 0) + 1);
        }
        // The same decoder takes the valid stream start (or refuses it with a coded error);
        // a new decoder on the same backend decodes it exactly.
        try {
          decoder.decode(valid[c.base]!);
        } catch (err) {
          expect((err as { code?: unknown }).code, c.what).toMatch(/^[A-Z_]+$/);
        }
        decoder.close();
        const fresh = b.createDecoder();
        expect(Buffer.from(fresh.decode(valid[c.base]!).otlp).equals(Buffer.from(expected[c.base]!)), c.what).toBe(true);
        fresh.close();
      }
      expect(traps()).toBe(trapsBefore);
      // All truncations to < 10 bytes of a non-trivial BAR and most others fail.
      expect(errors).toBeGreaterThan(cases.length / 4);
      console.log(`${name} ${signal}: ${cases.length} corrupt BARs, ${errors} errors ${JSON.stringify(Object.fromEntries(codes))}`);
    });
  }
});
