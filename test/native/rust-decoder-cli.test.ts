// The Rust decoder (native/core, `Decoder`) against the TypeScript Producer and the Go
// reference: stream files (uint32 LE length + BatchArrowRecords frames) are decoded by
// native/core/examples/decode_file.rs, which writes one OTLP protobuf per batch; each must
// decode (src/otlp/signal-codec.ts) to the source request and to what the TS Consumer makes
// of the same frames (src/otlp/canonical.ts canonicalDiff).
//
// Skipped when cargo is not installed. The example is built once (release) into
// CARGO_TARGET_DIR, default ~/.cache/otel-arrow/cargo-target.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { yieldToEventLoop } from '../support/event-loop.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatchArrowRecords, encodeBatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { Consumer } from '../../src/otap/consumer.js';
import { Producer, type ProducerOptions } from '../../src/otap/producer.js';
import { frameMessages } from '../../src/otap/stream-file.js';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { decodeOtlp } from '../../src/otlp/signal-codec.js';
import { goEquivalent } from '../interop/go-equivalence.js';
import { goGen, goPeerBinary, hasGo, readFramedBars } from '../interop/go-peer.js';
import { requestArb } from '../support/arbitraries.js';
import { zstdCompressor } from '../support/zstd.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

function hasCargo(): boolean {
  try {
    execFileSync('cargo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const targetDir = process.env.CARGO_TARGET_DIR || path.join(os.homedir(), '.cache', 'otel-arrow', 'cargo-target');
let binary: string;
let work: string;

interface Summary {
  batches: number;
  signals: (Signal | null)[];
  nanos: number;
}

/** Runs decode_file on framed BARs; returns the decoded OTLP requests, one per batch. Async:
 *  the worker's event loop keeps turning while the decoder runs (see test/support/event-loop.ts). */
async function rustDecode<S extends Signal>(signal: S, name: string, frames: Uint8Array[]): Promise<SignalRequest[S][]> {
  const file = path.join(work, `${name}.bars`);
  const out = path.join(work, `${name}-out`);
  fs.writeFileSync(file, frameMessages(frames));
  let stdout: string;
  try {
    stdout = (await promisify(execFile)(binary, [file, out], { encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`decode_file failed on ${name}: ${e.stdout ?? ''} ${e.stderr ?? ''}`);
  }
  const summary = JSON.parse(stdout) as Summary;
  expect(summary.batches).toBe(frames.length);
  return frames.map((_, i) => {
    expect(summary.signals[i]).toBe(signal);
    return decodeOtlp(signal, fs.readFileSync(path.join(out, `decoded-${String(i).padStart(4, '0')}.pb`)));
  });
}

function tsDecode<S extends Signal>(signal: S, frames: Uint8Array[]): SignalRequest[S][] {
  const consumer = new Consumer();
  return frames.map((f) => consumer.decodeSignal(signal, decodeBatchArrowRecords(f)));
}

function produce<S extends Signal>(signal: S, requests: SignalRequest[S][], options: ProducerOptions): Uint8Array[] {
  const producer = new Producer(options);
  return requests.map((r) => encodeBatchArrowRecords(producer.encode(signal, r)));
}

async function expectSame<S extends Signal>(signal: S, expected: SignalRequest[S][], actual: SignalRequest[S][], what: string): Promise<void> {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const diff = canonicalDiff(signal, expected[i]!, actual[i]!);
    expect(diff, `${what}, batch ${i}: ${diff}`).toBeUndefined();
    await yieldToEventLoop();
  }
}

describe.skipIf(!hasCargo())('Rust Decoder (native/core examples/decode_file)', () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-rust-decoder-'));
    // Async: a long synchronous build would starve the worker's RPC with the runner.
    await promisify(execFile)('cargo', ['build', '--release', '-p', 'otap_core', '--example', 'decode_file'], {
      cwd: ROOT,
      env: { ...process.env, CARGO_TARGET_DIR: targetDir },
      maxBuffer: 64 << 20,
    });
    binary = path.join(targetDir, 'release', 'examples', 'decode_file');
  }, 900_000);
  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  for (const signal of SIGNALS) {
    for (const compressed of [false, true]) {
      it(`${signal}: TS Producer stream, 10 batches, growing dictionaries, ${compressed ? 'zstd' : 'uncompressed'} bodies`, async () => {
        const sources = Array.from({ length: 10 }, (_, b) =>
          generators[signal]({ seed: 11, batchSize: 250, batchIndex: b, uniqueValuesPerBatch: 40 }),
        ) as SignalRequest[typeof signal][];
        const frames = produce(signal, sources, {
          metricMetadata: true,
          ...(compressed ? { compression: zstdCompressor() } : {}),
        });
        const rust = await rustDecode(signal, `ts-${signal}-${compressed}`, frames);
        await expectSame(signal, sources, rust, 'source vs Rust');
        await expectSame(signal, tsDecode(signal, frames), rust, 'TS Consumer vs Rust');
      });
    }

    it(`${signal}: fast-check requests through one TS Producer stream`, async () => {
      const sources = fc.sample(requestArb(signal), { numRuns: 60, seed: 4242 }) as SignalRequest[typeof signal][];
      for (const compressed of [false, true]) {
        const frames = produce(signal, sources, {
          metricMetadata: true,
          ...(compressed ? { compression: zstdCompressor() } : {}),
        });
        const rust = await rustDecode(signal, `arb-${signal}-${compressed}`, frames);
        await expectSame(signal, tsDecode(signal, frames), rust, 'TS Consumer vs Rust');
        await expectSame(signal, sources, rust, 'source vs Rust');
      }
    });
  }

  describe.skipIf(!hasGo())('Go reference streams (zstd bodies)', () => {
    beforeAll(async () => {
      await goPeerBinary();
    }, 900_000);

    for (const signal of SIGNALS) {
      for (const profile of ['standard', 'random'] as const) {
        it(`${signal}: Go Producer stream (${profile} profile)`, async () => {
          const dir = path.join(work, `go-${signal}-${profile}`);
          await goGen({ signal, batches: 10, batchSize: 200, seed: 9, out: dir, profile });
          const sources = fs
            .readdirSync(dir)
            .filter((n) => n.startsWith('otlp-') && n.endsWith('.pb'))
            .sort()
            .map((n) => decodeOtlp(signal, fs.readFileSync(path.join(dir, n))));
          const frames = readFramedBars(path.join(dir, 'go.bars'));
          const rust = await rustDecode(signal, `go-${signal}-${profile}`, frames);
          await expectSame(signal, tsDecode(signal, frames), rust, 'TS Consumer vs Rust');
          await expectSame(signal, sources.map((s) => goEquivalent(signal, s)), rust, 'source vs Rust');
        });
      }
    }
  });

  it('reports a decode error as JSON with code, table and column', () => {
    const source = generateLogs({ seed: 1, batchSize: 20 });
    const bar = new Producer().encodeLogs(source);
    // Drop the LOGS root payload: the batch has no root.
    expect(bar.arrowPayloads[1]?.type).toBe(1);
    const frames = [encodeBatchArrowRecords({ ...bar, arrowPayloads: bar.arrowPayloads.filter((p) => p.type !== 30) })];
    const file = path.join(work, 'bad.bars');
    fs.writeFileSync(file, frameMessages(frames));
    let out = '';
    try {
      execFileSync(binary, [file, path.join(work, 'bad-out')], { encoding: 'utf8' });
    } catch (err) {
      out = (err as { stdout: string }).stdout;
    }
    const { error } = JSON.parse(out) as { error: { code: string; table: string | null } };
    expect(error.code).toBe('UNKNOWN_PAYLOAD_TYPE');
    expect(error.table).toBe('RESOURCE_ATTRS');
  });
});
