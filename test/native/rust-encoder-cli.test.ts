// The Rust encoder (native/core, via its `encode_file` example) against the TypeScript
// consumer: several batches through one stream per signal, with dictionaries growing from
// batch to batch, must decode to the source requests (canonical equality), with the same
// envelope (payload types, schema ids) and Arrow schemas as the TypeScript Producer.
// Skipped when cargo is not installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpcStreamReader } from '../../src/ipc/index.js';
import { decodeBatchArrowRecords, type BatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { Consumer } from '../../src/otap/consumer.js';
import { Producer } from '../../src/otap/producer.js';
import { unframeMessages } from '../../src/otap/stream-file.js';
import { canonicalDiff, canonicalEqual } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { encodeOtlp } from '../../src/otlp/signal-codec.js';

const ROOT = resolve(__dirname, '../..');
const TARGET = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME ?? ROOT, '.cache/otel-arrow/cargo-target');
const hasCargo = spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0;
const BATCHES = 5;

function generate<S extends Signal>(signal: S, i: number): SignalRequest[S] {
  // Growing attribute cardinality and fresh unique values per batch: the dictionaries grow
  // (delta dictionary batches) and some pass 255 entries (u8 -> u16, new schema id).
  const opts = { seed: 11, batchSize: 150 + 100 * i, batchIndex: i, attributeCardinality: 40 + 120 * i, uniqueValuesPerBatch: 40 };
  const gen = signal === 'traces' ? generateTraces : signal === 'logs' ? generateLogs : generateMetrics;
  return gen(opts) as SignalRequest[S];
}

function decodeWith(consumer: Consumer, signal: Signal, bar: BatchArrowRecords): SignalRequest[Signal] {
  return signal === 'traces' ? consumer.decodeTraces(bar) : signal === 'logs' ? consumer.decodeLogs(bar) : consumer.decodeMetrics(bar);
}

const schemaJson = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v as Map<string, unknown>) : v));

describe.skipIf(!hasCargo)('Rust encoder (encode_file example) -> TypeScript consumer', () => {
  let dir: string;
  let bin: string;

  beforeAll(() => {
    const build = spawnSync('cargo', ['build', '-q', '-p', 'otap_core', '--example', 'encode_file'], {
      cwd: ROOT,
      env: { ...process.env, CARGO_TARGET_DIR: TARGET },
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`cargo build failed:\n${build.stderr}`);
    bin = join(TARGET, 'debug', 'examples', 'encode_file');
    dir = mkdtempSync(join(tmpdir(), 'rust-encoder-'));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function runEncoder(signal: Signal, requests: readonly SignalRequest[Signal][], extra: string[] = []): BatchArrowRecords[] {
    const inputs = requests.map((req, i) => {
      const path = join(dir, `${signal}-${i}.pb`);
      writeFileSync(path, encodeOtlp(signal, req as never));
      return path;
    });
    const out = join(dir, `${signal}${extra.join('')}.otap`);
    const run = spawnSync(bin, [signal, '-o', out, ...extra, ...inputs], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`encode_file failed:\n${run.stderr}`);
    return unframeMessages(readFileSync(out)).map(decodeBatchArrowRecords);
  }

  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    it(`${signal}: ${BATCHES} batches decode to the source, same envelope and schemas as the TS Producer`, () => {
      const requests = Array.from({ length: BATCHES }, (_, i) => generate(signal, i));
      const bars = runEncoder(signal, requests);
      expect(bars).toHaveLength(BATCHES);
      const consumer = new Consumer();
      const producer = new Producer();
      const readers = { rs: new Map<string, IpcStreamReader>(), ts: new Map<string, IpcStreamReader>() };
      const schemaOf = (side: 'rs' | 'ts', schemaId: string, record: Uint8Array): string => {
        let r = readers[side].get(schemaId);
        if (!r) readers[side].set(schemaId, (r = new IpcStreamReader()));
        r.read(record);
        return schemaJson(r.schema);
      };
      let schemaIds = new Set<string>();
      bars.forEach((bar, i) => {
        expect(bar.batchId).toBe(BigInt(i));
        const got = decodeWith(consumer, signal, bar);
        const want = requests[i]!;
        if (!canonicalEqual(signal, want as never, got as never)) {
          throw new Error(`batch ${i}: ${canonicalDiff(signal, want as never, got as never)}`);
        }
        const ts = producer.encode(signal, want as never);
        expect(bar.arrowPayloads.map((p) => `${p.type}:${p.schemaId}`)).toEqual(ts.arrowPayloads.map((p) => `${p.type}:${p.schemaId}`));
        bar.arrowPayloads.forEach((p, j) => {
          expect(schemaOf('rs', p.schemaId, p.record)).toBe(schemaOf('ts', ts.arrowPayloads[j]!.schemaId, ts.arrowPayloads[j]!.record));
        });
        schemaIds = new Set([...schemaIds, ...bar.arrowPayloads.map((p) => p.schemaId)]);
      });
      // Some table changed schema along the way (a new column or a u8 -> u16 upgrade).
      expect(schemaIds.size).toBeGreaterThan(bars[0]!.arrowPayloads.length);
    });
  }

  it('zstd IPC bodies decode to the source', () => {
    const requests = Array.from({ length: 3 }, (_, i) => generate('logs', i));
    const bars = runEncoder('logs', requests, ['--zstd', '3']);
    const consumer = new Consumer();
    bars.forEach((bar, i) => {
      expect(canonicalEqual('logs', requests[i]!, decodeWith(consumer, 'logs', bar) as never)).toBe(true);
    });
  });
});
