// Hostile input through every decoder backend: the committed corpus (every input the fuzzer
// found crashing, trapping, hanging or throwing untyped errors) plus a short randomized
// budget of fresh mutations. Each input must decode or fail with an OtelArrowError, within
// a time bound scaled to its size (a hang detector: 100 ms/KiB + a constant), and the same
// decoder must still decode a valid batch afterwards; memory growth over the run is bounded.
//
// Randomized cases: seed FUZZ_SEED (printed in every failure; default: a fixed seed plus a
// fresh random one per run), FUZZ_CASES per backend (default 400).
// The long run is `npm run fuzz` (test/fuzz/run.ts; see test/README.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/index.js';
import type { Signal } from '../../src/otlp/model.js';
import { backendRows, requireBackend } from '../support/backends.js';
import { loadFuzzBackends, zstdOf } from './backends.js';
import { checkBatches, generateCase, readCorpus, runCase, type FuzzCase } from './harness.js';
import { buildSeeds, type SeedStream } from './seeds.js';

const FIXED_SEED = 20261201;
const RANDOM_SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) >>> 0 : (Math.random() * 0x1_0000_0000) >>> 0;
const CASES = Number(process.env.FUZZ_CASES ?? 400);
/** Generous constant part of the time bound: CI machines are shared and GC pauses happen. */
const CONSTANT_MS = 1000;
/** Resident memory may grow this much over one backend's whole run (no leak, no blow-up). */
const MAX_RSS_GROWTH = 768 * 1024 * 1024;

const corpus = readCorpus();
let seeds: SeedStream[];
let checks: Record<Signal, Uint8Array>;
let zstd: (d: Uint8Array) => Uint8Array;

beforeAll(async () => {
  const encoders = await loadFuzzBackends();
  seeds = buildSeeds(encoders);
  checks = checkBatches(seeds);
  zstd = zstdOf(encoders);
});

function expectSurvives(backend: Backend, c: FuzzCase, where: string): void {
  const out = runCase(backend, c, checks[c.signal], CONSTANT_MS);
  expect(out.ok ? 'ok' : `${out.kind}: ${out.message}`, `${where} (${c.label}, ${c.input.length} bytes)`).toBe('ok');
}

it('the corpus holds inputs for every signal', () => {
  const signals = new Set(corpus.map((c) => c.signal));
  expect([...signals].sort()).toEqual(['logs', 'metrics', 'traces']);
});

describe.each(backendRows())('%s decoder under hostile input', (name) => {
  let backend: Backend;
  let rssBefore = 0;

  beforeAll(() => {
    backend = requireBackend(name);
    rssBefore = process.memoryUsage().rss;
  });

  afterAll(() => {
    // A trapped wasm instance would have been replaced: none may trap.
    if ('traps' in backend) expect((backend as { traps: number }).traps).toBe(0);
  });

  it(`every corpus input (${corpus.length}) fails typed or decodes, in time, and the decoder stays usable`, () => {
    for (const c of corpus) expectSurvives(backend, c, `corpus ${c.label}`);
  });

  it.each([['fixed', FIXED_SEED], ['random', RANDOM_SEED]] as const)(`%s seed: ${CASES} fresh mutations`, (_kind, seed) => {
    for (let i = 0; i < CASES; i++) {
      expectSurvives(backend, generateCase(seeds, seed, i, zstd), `FUZZ_SEED=${seed} case ${i}`);
    }
  });

  it('memory stays bounded over the run', () => {
    const growth = process.memoryUsage().rss - rssBefore;
    expect(growth, `resident memory grew by ${(growth / 2 ** 20).toFixed(0)} MiB`).toBeLessThan(MAX_RSS_GROWTH);
  });
});
