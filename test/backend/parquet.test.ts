// Parquet file sets on the Rust backends (native/core/src/parquet): generated OTLP ->
// tablesFromOtlp -> a ParquetWriter (several writes, output taken in between, small row
// groups) -> finish -> readParquetSet -> each piece's OTLP, equal to the input up to canonical
// form; native and wasm write byte-identical files; pyarrow reads every file with the payload
// type's OTAP columns; corrupt and foreign input is an OtelArrowError and the backend keeps
// working. The js backend has no Parquet.
//
// In CI native and wasm must be built; elsewhere a backend that is not built is skipped.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PARQUET_ID_OVERFLOW, probeBackends, type Backend, type BackendName, type ParquetFileBytes,
} from '../../src/backend/index.js';
import { OtelArrowError } from '../../src/errors.js';
import { TABLE_SPECS } from '../../src/otap/schema/tables.js';
import { ArrowPayloadType } from '../../src/otap/payload-type.js';
import { canonicalDiff, countItems } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../../src/otlp/signal-codec.js';
import { concatBytes } from '../../src/concat-bytes.js';

const CI = !!process.env.CI;
const probe = await probeBackends();
const RUST = ['native', 'wasm'] as const;
const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];
const hasPyarrow = spawnSync('python3', ['-c', 'import pyarrow.parquet']).status === 0;

function describeBackend(name: BackendName, title: string, fn: (b: Backend) => void): void {
  const b = probe[name].backend;
  describe.skipIf(!b && !CI)(`${name}: ${title}`, () => {
    if (b) fn(b);
    else it('is available', () => expect.fail(`${name} backend failed to load: ${probe[name].info.error}`));
  });
}

const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
const BATCHES = 4;
const MAX_ITEMS = 100;
const ROOT: Record<Signal, number> = { traces: ArrowPayloadType.SPANS, logs: ArrowPayloadType.LOGS, metrics: ArrowPayloadType.UNIVARIATE_METRICS };
const META = { _part_id: '3f2a9c1e-8d4b-4c6a-9e0f-1a2b3c4d5e6f', writer: 'parquet.test' };

function source<S extends Signal>(signal: S, b: number): SignalRequest[S] {
  return generators[signal]({ seed: 29, batchSize: 120, batchIndex: b, uniqueValuesPerBatch: 10, attributeCardinality: 30 }) as SignalRequest[S];
}

/** One request holding the resources of all of `reqs`. */
function merge<S extends Signal>(signal: S, reqs: SignalRequest[S][]): SignalRequest[S] {
  const key = signal === 'traces' ? 'resourceSpans' : signal === 'logs' ? 'resourceLogs' : 'resourceMetrics';
  return { [key]: reqs.flatMap((r) => (r as unknown as Record<string, unknown[]>)[key]!) } as unknown as SignalRequest[S];
}

interface WrittenSet { files: ParquetFileBytes[]; rows: Map<number, number>; takenChunks: number }

/** BATCHES generated requests through one writer, output taken after every write. */
function writeSet(b: Backend, signal: Signal): WrittenSet {
  const w = b.createParquetWriter!(signal, { rowGroupRows: 50, zstdLevel: 3, rootMetadata: META });
  const parts = new Map<number, Uint8Array[]>();
  const add = (out: ParquetFileBytes[]): void => {
    for (const { payloadType, bytes } of out) parts.set(payloadType, [...(parts.get(payloadType) ?? []), bytes.slice()]);
  };
  let takenChunks = 0;
  for (let i = 0; i < BATCHES; i++) {
    w.write(b.tablesFromOtlp!(signal, encodeOtlp(signal, source(signal, i))));
    const out = w.takeOutput();
    takenChunks += out.length;
    add(out);
  }
  expect(w.bufferedBytes()).toBeGreaterThan(0);
  const rows = w.rows();
  add(w.finish());
  expect(() => w.takeOutput()).toThrow(/finished/);
  const files = [...parts].map(([payloadType, chunks]) => ({ payloadType, bytes: concatBytes(chunks) }));
  return { files, rows, takenChunks };
}

const written = new Map<string, WrittenSet>();
function setOf(b: Backend, signal: Signal): WrittenSet {
  const key = `${b.name}/${signal}`;
  if (!written.has(key)) written.set(key, writeSet(b, signal));
  return written.get(key)!;
}

function thrown(fn: () => unknown): OtelArrowError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OtelArrowError);
    return err as OtelArrowError;
  }
  return expect.fail('expected an error');
}

describe('js backend', () => {
  it('has no Parquet (it needs native or wasm)', () => {
    const js = probe.js.backend!;
    expect(js.createParquetWriter).toBeUndefined();
    expect(js.readParquetSet).toBeUndefined();
  });

  it('the overflow error code is exported', () => {
    expect(PARQUET_ID_OVERFLOW).toBe('ID_OVERFLOW');
  });
});

for (const name of RUST) {
  describeBackend(name, 'Parquet file sets', (b) => {
    for (const signal of SIGNALS) {
      it(`${signal}: written in several row groups and read back equal to the input`, () => {
        const { files, rows, takenChunks } = setOf(b, signal);
        const input = Array.from({ length: BATCHES }, (_, i) => source(signal, i));
        const items = input.reduce((n, r) => n + countItems(signal, r), 0);
        expect(takenChunks).toBeGreaterThan(0);
        expect(files.some((f) => f.payloadType === ROOT[signal])).toBe(true);
        for (const f of files) {
          const info = b.parquetFileInfo!(f.bytes);
          expect(info.rows).toBe(rows.get(f.payloadType));
          if (f.payloadType === ROOT[signal]) {
            expect(info.metadata.get('_part_id')).toBe(META._part_id);
            if (signal !== 'metrics') expect(info.rowGroups).toBe(Math.ceil(items / 50));
          } else {
            expect(info.metadata.has('_part_id')).toBe(false);
          }
        }
        const pieces = b.readParquetSet!(signal, files, MAX_ITEMS);
        expect(pieces.length).toBeGreaterThan(1);
        expect(pieces.reduce((n, p) => n + p.itemCount(), 0)).toBe(items);
        const decoded = pieces.map((p) => decodeOtlp(signal, p.toOtlp()));
        for (const [i, p] of pieces.entries()) {
          const single = signal === 'metrics' && countMetrics(decoded[i] as SignalRequest['metrics']) === 1;
          expect(p.itemCount() <= MAX_ITEMS || single, `piece ${i}: ${p.itemCount()} items`).toBe(true);
        }
        expect(canonicalDiff(signal, merge(signal, decoded), merge(signal, input))).toBeUndefined();
      });
    }

    it('pieces go out through encodeTables like received tables', () => {
      const signal = 'traces';
      const pieces = b.readParquetSet!(signal, setOf(b, signal).files, MAX_ITEMS);
      const enc = b.createEncoder({ zstdLevel: 1 });
      const dec = b.createDecoder();
      const out = pieces.map((p) => decodeOtlp(signal, dec.decode(enc.encodeTables!(p)!).otlp));
      const input = Array.from({ length: BATCHES }, (_, i) => source(signal, i));
      expect(canonicalDiff(signal, merge(signal, out), merge(signal, input))).toBeUndefined();
    });

    it('corrupt and incomplete file sets are OtelArrowErrors and the backend keeps working', () => {
      const signal = 'logs';
      const { files } = setOf(b, signal);
      const root = files.find((f) => f.payloadType === ROOT[signal])!;
      const others = files.filter((f) => f !== root);
      const withRoot = (bytes: Uint8Array) => [{ payloadType: ROOT[signal], bytes }, ...others];
      expect(thrown(() => b.readParquetSet!(signal, withRoot(new TextEncoder().encode('not parquet at all')), 10)).code).toBe('MALFORMED_PARQUET');
      expect(thrown(() => b.readParquetSet!(signal, withRoot(root.bytes.subarray(0, root.bytes.length - 9)), 10)).code).toBe('MALFORMED_PARQUET');
      const damaged = root.bytes.slice();
      damaged[Math.floor(damaged.length / 3)]! ^= 0x40;
      expect(thrown(() => b.readParquetSet!(signal, withRoot(damaged), 10)).code).toBe('MALFORMED_PARQUET');
      expect(thrown(() => b.parquetFileInfo!(new Uint8Array(16))).code).toBe('MALFORMED_PARQUET');
      // No root file; a file of another signal's payload type.
      expect(thrown(() => b.readParquetSet!(signal, others, 10))).toMatchObject({ code: 'INVALID_PAYLOAD', table: 'LOGS' });
      expect(thrown(() => b.readParquetSet!(signal, [...files, { payloadType: ArrowPayloadType.SPAN_EVENTS, bytes: root.bytes }], 10)).code).toBe('UNKNOWN_PAYLOAD_TYPE');
      // Still working.
      expect(b.readParquetSet!(signal, files, 1000).reduce((n, p) => n + p.itemCount(), 0)).toBe(BATCHES * 120);
    });

    it('refuses tables of another signal or backend, bad options and use after finish', () => {
      const w = b.createParquetWriter!('logs');
      const traces = b.tablesFromOtlp!('traces', encodeOtlp('traces', source('traces', 0)));
      expect(thrown(() => w.write(traces)).code).toBe('INVALID_PAYLOAD');
      const foreign = { ...traces, signal: 'logs' as const };
      expect(thrown(() => w.write(foreign))).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/another backend/) as unknown });
      expect(w.rows().size).toBe(0);
      w.write(b.tablesFromOtlp!('logs', encodeOtlp('logs', source('logs', 0))));
      expect(w.rows().get(ArrowPayloadType.LOGS)).toBe(120);
      const out = w.finish();
      expect(out.find((f) => f.payloadType === ArrowPayloadType.LOGS)!.bytes.length).toBeGreaterThan(0);
      expect(() => w.finish()).toThrow(/finished/);
      expect(() => w.bufferedBytes()).toThrow(/finished/);
      expect(thrown(() => b.createParquetWriter!('logs', { rowGroupRows: 0 })).code).toBe('UNSUPPORTED');
      expect(thrown(() => b.createParquetWriter!('logs', { zstdLevel: 99 })).code).toBe('UNSUPPORTED');
    });
  });
}

function countMetrics(r: SignalRequest['metrics']): number {
  return r.resourceMetrics.reduce((n, rm) => n + rm.scopeMetrics.reduce((m, sm) => m + sm.metrics.length, 0), 0);
}

describe.skipIf(!(probe.native.backend && probe.wasm.backend) && !CI)('native and wasm', () => {
  it('write byte-identical files from the same input and metadata', () => {
    for (const signal of SIGNALS) {
      const a = setOf(probe.native.backend!, signal).files;
      const b = setOf(probe.wasm.backend!, signal).files;
      expect(b.map((f) => f.payloadType)).toEqual(a.map((f) => f.payloadType));
      for (const [i, f] of a.entries()) expect(Buffer.from(b[i]!.bytes).equals(Buffer.from(f.bytes)), `${signal} ${f.payloadType}`).toBe(true);
    }
  });

  it('read each other\'s files', () => {
    const pieces = probe.wasm.backend!.readParquetSet!('metrics', setOf(probe.native.backend!, 'metrics').files, MAX_ITEMS);
    const input = Array.from({ length: BATCHES }, (_, i) => source('metrics', i));
    expect(canonicalDiff('metrics', merge('metrics', pieces.map((p) => decodeOtlp('metrics', p.toOtlp()))), merge('metrics', input))).toBeUndefined();
  });
});

const pyarrowBackend = probe.native.backend ?? probe.wasm.backend;
describe.skipIf(!(hasPyarrow && pyarrowBackend) && !CI)('pyarrow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-arrow-parquet-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every file: the payload type\'s OTAP columns, its rows, the root metadata', () => {
    const script = [
      'import json, sys, pyarrow.parquet as pq',
      'out = {}',
      'for path in sys.argv[1:]:',
      '    t = pq.read_table(path)',
      '    md = {k.decode(): v.decode() for k, v in (t.schema.metadata or {}).items() if k != b"ARROW:schema"}',
      '    out[path] = {"columns": t.column_names, "rows": t.num_rows, "metadata": md}',
      'print(json.dumps(out))',
    ].join('\n');
    for (const signal of SIGNALS) {
      const { files, rows } = setOf(pyarrowBackend!, signal);
      const paths = files.map((f) => {
        const path = join(dir, `${signal}-${f.payloadType}.parquet`);
        writeFileSync(path, f.bytes);
        return path;
      });
      const result = JSON.parse(execFileSync('python3', ['-c', script, ...paths], { maxBuffer: 16 << 20 }).toString()) as
        Record<string, { columns: string[]; rows: number; metadata: Record<string, string> }>;
      for (const [i, f] of files.entries()) {
        const got = result[paths[i]!]!;
        expect(got.columns, `${signal} ${f.payloadType}`).toEqual(TABLE_SPECS.get(f.payloadType)!.columns.map((c) => c.name));
        expect(got.rows).toBe(rows.get(f.payloadType));
        if (f.payloadType === ROOT[signal]) expect(got.metadata).toMatchObject(META);
      }
    }
  });
});
