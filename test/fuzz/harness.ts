// One fuzz case: a valid stream prefix, then one hostile BatchArrowRecords, then a valid
// check batch. Cases are regenerated from (run seed, index); corpus files hold the frames.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, BackendDecoder } from '../../src/backend/index.js';
import { OtelArrowError } from '../../src/errors.js';
import { frameMessages } from '../../src/otap/stream-file.js';
import type { Signal } from '../../src/otlp/model.js';
import { mutate } from './mutate.js';
import { mixSeed, Rng } from './rng.js';
import { checkBatch, type SeedStream } from './seeds.js';

export interface FuzzCase {
  signal: Signal;
  /** Valid batches decoded first (stream state: schemas, dictionaries). */
  prefix: Uint8Array[];
  input: Uint8Array;
  /** What produced it (seed stream and mutations), for reports. */
  label: string;
}

export function generateCase(seeds: readonly SeedStream[], runSeed: number, index: number, zstd: (d: Uint8Array) => Uint8Array): FuzzCase {
  const rng = new Rng(mixSeed(runSeed, index));
  const stream = rng.pick(seeds);
  const at = rng.int(stream.batches.length);
  const { bytes, applied } = mutate(stream.batches[at]!, { rng, zstd });
  return {
    signal: stream.signal,
    prefix: stream.batches.slice(0, at).map((b) => b.bar),
    input: bytes,
    label: `${stream.name} batch ${at}: ${applied.join('+')}`,
  };
}

/** Time allowed for one input: a hang detector (100 ms per KiB plus a constant), not a benchmark. */
export function timeBoundMs(input: Uint8Array, constantMs = 250): number {
  return constantMs + (100 * input.length) / 1024;
}

export type Outcome =
  | { ok: true; decoded: boolean; ms: number }
  | { ok: false; kind: 'trap' | 'untyped-error' | 'slow' | 'unusable' | 'bad-prefix'; message: string; ms: number };

/** Runs a case on a fresh decoder of `backend`; `check` is decoded afterwards by the same decoder. */
export function runCase(backend: Backend, c: FuzzCase, check: Uint8Array, constantMs?: number): Outcome {
  const dec: BackendDecoder = backend.createDecoder();
  try {
    for (const p of c.prefix) {
      try {
        dec.decode(p);
      } catch (err) {
        return { ok: false, kind: 'bad-prefix', message: describe(err), ms: 0 };
      }
    }
    const t0 = performance.now();
    let decoded = false;
    let thrown: unknown;
    try {
      dec.decode(c.input);
      decoded = true;
    } catch (err) {
      thrown = err;
    }
    const ms = performance.now() - t0;
    if (thrown !== undefined && !(thrown instanceof OtelArrowError)) {
      const trapped = thrown instanceof Error && (thrown as { code?: unknown }).code === 'BACKEND_TRAPPED';
      return { ok: false, kind: trapped ? 'trap' : 'untyped-error', message: describe(thrown), ms };
    }
    if (ms > timeBoundMs(c.input, constantMs)) {
      return { ok: false, kind: 'slow', message: `${ms.toFixed(0)} ms for ${c.input.length} bytes`, ms };
    }
    try {
      dec.decode(check);
    } catch (err) {
      return { ok: false, kind: 'unusable', message: `the check batch failed afterwards: ${describe(err)}`, ms };
    }
    return { ok: true, decoded, ms };
  } finally {
    try {
      dec.close();
    } catch {
      // a trapped wasm decoder has nothing left to free
    }
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}${'code' in err ? `[${String((err as { code: unknown }).code)}]` : ''}: ${err.message.slice(0, 300)}`;
  return String(err);
}

/** The check batch of each signal (from its first seed stream). */
export function checkBatches(seeds: readonly SeedStream[]): Record<Signal, Uint8Array> {
  const out = {} as Record<Signal, Uint8Array>;
  for (const s of seeds) out[s.signal] ??= checkBatch(s);
  return out;
}

// ---------------------------------------------------------------------------------------
// Corpus files: frames of u32 LE length + BAR; the last frame is the hostile input.

export function encodeCorpusFile(c: FuzzCase): Uint8Array {
  return frameMessages([...c.prefix, c.input]);
}

export function decodeCorpusFile(bytes: Uint8Array, signal: Signal, label: string): FuzzCase {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const len = view.getUint32(pos, true);
    pos += 4;
    if (pos + len > bytes.length) throw new Error(`${label}: frame ${frames.length} needs ${len} bytes`);
    frames.push(bytes.slice(pos, pos + len));
    pos += len;
  }
  const input = frames.pop();
  if (!input) throw new Error(`${label}: no frames`);
  return { signal, prefix: frames, input, label };
}

export const CORPUS_DIR = new URL('./corpus/', import.meta.url).pathname;

/** Every corpus file as a case: corpus/<signal>/<class>-<hash>.bin. */
export function readCorpus(dir = CORPUS_DIR): FuzzCase[] {
  const out: FuzzCase[] = [];
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    const sub = join(dir, signal);
    let names: string[] = [];
    try {
      names = readdirSync(sub).filter((n) => n.endsWith('.bin')).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const file = join(sub, name);
      if (!statSync(file).isFile()) continue;
      out.push(decodeCorpusFile(new Uint8Array(readFileSync(file)), signal, `${signal}/${name}`));
    }
  }
  return out;
}
