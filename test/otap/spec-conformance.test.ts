// Every Arrow IPC stream our Producer writes, checked by pyarrow against the OTAP spec's
// payload tables (docs/otap-spec.md section 5), which spec_conformance.py restates by hand —
// independently of src/otap/schema, so a mistake there cannot hide itself here.
//
// Per signal, with and without zstd IPC body compression: generated telemetry (12 batches;
// the last two carry > 255 distinct attribute keys, so u8 dictionaries upgrade to u16 and a
// new stream starts) followed by 30 fast-check requests, all through one Producer. The chunks
// of each (payload type, schema id) are joined into one IPC stream file plus the EOS marker.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { endOfStreamMarker } from '../../src/ipc/index.js';
import type { BatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { PAYLOAD_ORDER, payloadTypeName } from '../../src/otap/payload-type.js';
import { Producer } from '../../src/otap/producer.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { requestArb } from '../support/arbitraries.js';
import { zstdCompressor } from '../support/zstd.js';

const script = join(import.meta.dirname, 'spec_conformance.py');
const hasPyarrow = spawnSync('python3', ['-c', 'import pyarrow']).status === 0;
// Skipped only on a developer machine without pyarrow; CI must run it.
const skip = !hasPyarrow && !process.env.CI;

const GENERATED_BATCHES = 12;
const ARBITRARY_REQUESTS = 30;

interface Report {
  files: number;
  batches: number;
  rows: number;
  types: Record<string, { files: number; batches: number; rows: number }>;
  dictionaryKeys: Record<string, string[]>;
  violations: Record<string, unknown>[];
}

const generators: { [S in Signal]: (opts: Parameters<typeof generateLogs>[0]) => SignalRequest[S] } = {
  logs: generateLogs,
  traces: generateTraces,
  metrics: generateMetrics,
};

/** Batches 0..9: 400 fresh string values each (dictionary deltas, u16 value dictionaries);
 *  batches 10 and 11: 4 items with 300 unique values each, i.e. 300 distinct attribute keys
 *  `request.id.<n>`, more than a u8 dictionary holds. */
function generated<S extends Signal>(signal: S, b: number): SignalRequest[S] {
  const small = b >= GENERATED_BATCHES - 2;
  return generators[signal]({
    seed: 11,
    batchIndex: b,
    batchSize: small ? 4 : 150,
    uniqueValuesPerBatch: small ? 4 * 300 : 400,
  });
}

function arbitrary<S extends Signal>(signal: S): SignalRequest[S][] {
  return fc.sample(requestArb(signal), { numRuns: ARBITRARY_REQUESTS, seed: 20240917 });
}

/** Joins each (payload type, schema id)'s chunks into `<TYPE>-<schemaId>.arrows` in `dir`. */
function writeStreams(bars: BatchArrowRecords[], dir: string): number {
  const chunks = new Map<string, Uint8Array[]>();
  for (const bar of bars) {
    for (const p of bar.arrowPayloads) {
      const name = `${payloadTypeName(p.type)}-${p.schemaId}.arrows`;
      let list = chunks.get(name);
      if (!list) chunks.set(name, (list = []));
      list.push(p.record);
    }
  }
  for (const [name, list] of chunks) writeFileSync(join(dir, name), Buffer.concat([...list, endOfStreamMarker()]));
  return chunks.size;
}

function check(dir: string, signal: Signal): Report {
  const run = spawnSync('python3', [script, dir, '--signal', signal], { maxBuffer: 64 << 20, encoding: 'utf8' });
  if (run.status !== 0 && run.status !== 1) throw new Error(`spec_conformance.py failed (${run.status}): ${run.stderr}`);
  const report = JSON.parse(run.stdout) as Report;
  // Exit status and report must agree.
  expect(run.status).toBe(report.violations.length === 0 ? 0 : 1);
  return report;
}

describe.skipIf(skip)('OTAP payload streams conform to the spec tables (pyarrow)', () => {
  const root = mkdtempSync(join(tmpdir(), 'otap-spec-conformance-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('the checker itself flags schema and data that break the tables', () => {
    const run = spawnSync('python3', [script, '--selftest'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  const cases: { signal: Signal; compressed: boolean; metricMetadata: boolean }[] = [];
  for (const compressed of [false, true]) {
    cases.push({ signal: 'logs', compressed, metricMetadata: false });
    cases.push({ signal: 'traces', compressed, metricMetadata: false });
    // Spec 3.1.2 and 5.4.2 list METRIC_ATTRS, so it is checked like any other table; the
    // Producer only writes it when asked (the Go consumer rejects it).
    cases.push({ signal: 'metrics', compressed, metricMetadata: true });
  }
  cases.push({ signal: 'metrics', compressed: false, metricMetadata: false });

  for (const { signal, compressed, metricMetadata } of cases) {
    const label = `${signal}, ${compressed ? 'zstd' : 'uncompressed'}${signal === 'metrics' ? `, metricMetadata=${metricMetadata}` : ''}`;
    it(label, () => {
      const dir = mkdtempSync(join(root, `${signal}-`));
      const producer = new Producer({ metricMetadata, ...(compressed ? { compression: zstdCompressor() } : {}) });
      const bars: BatchArrowRecords[] = [];
      for (let b = 0; b < GENERATED_BATCHES; b++) bars.push(producer.encode(signal, generated(signal, b)));
      for (const req of arbitrary(signal)) bars.push(producer.encode(signal, req));
      const streams = writeStreams(bars, dir);

      const report = check(dir, signal);
      expect(report.violations).toEqual([]);
      expect(report.files).toBe(streams);
      expect(report.batches).toBe(bars.reduce((n, bar) => n + bar.arrowPayloads.length, 0));

      // Every payload type the signal can produce was seen (METRIC_ATTRS only when enabled).
      const expected = PAYLOAD_ORDER[signal]
        .map((t) => payloadTypeName(t))
        .filter((name) => metricMetadata || name !== 'METRIC_ATTRS');
      expect(Object.keys(report.types).sort()).toEqual([...expected].sort());
      for (const name of expected) expect(report.types[name]!.rows, name).toBeGreaterThan(0);

      // Both key widths were exercised, and at least one column went from u8 to u16.
      const widths = Object.values(report.dictionaryKeys);
      expect(widths.some((w) => w.includes('uint16'))).toBe(true);
      expect(widths.some((w) => w.includes('uint8') && w.includes('uint16'))).toBe(true);
    });
  }
});
