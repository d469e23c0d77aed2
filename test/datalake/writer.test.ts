// DatalakeWriter: file layout, rotation by rows and by age, ids unique within a file set,
// `_part_id` in the root schema and as a partition, restarts that never overwrite, and what
// the js backend says. Files are inspected with DuckDB straight from Parquet (not our reader).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { DatalakeWriter } from '../../src/datalake/datalake-writer.js';
import { generateLogs, generateTraces } from '../../src/otlp/generate.js';
import { countItems } from '../../src/otlp/canonical.js';
import { backendRows, jsBackend, requireBackend } from '../support/backends.js';
import { filesUnder, readBack, tempLake, writeRequests } from '../support/datalake.js';

const dirs: string[] = [];
const lake = (): string => {
  const d = tempLake();
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function sql(query: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(query)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

describe.each(backendRows(['native', 'wasm']))('DatalakeWriter on %s', (name) => {
  it('writes one file per payload type and set, hidden while in progress, named alike across tables', async () => {
    const backend = requireBackend(name);
    const base = lake();
    const writer = new DatalakeWriter({ base, backend });
    await writer.write(TelemetryBatch.fromRequest('traces', generateTraces({ seed: 1, resources: 2, batchSize: 40 }), { backend }));
    const open = filesUnder(base);
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((f) => /\/\.part-\d+-[\w-]+\.\d+\.parquet\.inprogress$/.test(f)), open.join('\n')).toBe(true);
    await writer.flushAll();
    const files = filesUnder(base);
    expect(files.some((f) => f.includes('inprogress'))).toBe(false);
    const names = new Set(files.map((f) => path.basename(f)));
    expect(names.size).toBe(1);
    const dirsWritten = files.map((f) => f.split('/')[0]);
    expect(dirsWritten).toEqual(expect.arrayContaining(['spans', 'resource_attrs', 'span_attrs', 'span_events']));
    expect(writer.snapshot()).toMatchObject({ setsCommitted: 1, openSets: 0 });
  });

  it('rotates by rows, keeps ids unique across the batches of a set, and loses nothing', async () => {
    const backend = requireBackend(name);
    const base = lake();
    const requests = Array.from({ length: 6 }, (_, i) => generateLogs({ seed: 1, batchIndex: i, resources: 2, batchSize: 50 }));
    const perBatch = countItems('logs', requests[0]!);
    const writer = await writeRequests(backend, 'logs', requests, { base, targetRowsPerFile: perBatch * 2, rowGroupRows: 16 });
    expect(writer.snapshot().rotatedByRows).toBeGreaterThanOrEqual(2);
    const glob = `${base}/logs/*.parquet`;
    const perFile = await sql(`SELECT filename, count(id)::INT AS n, count(DISTINCT id)::INT AS ids FROM read_parquet('${glob}', filename = true) GROUP BY ALL`);
    expect(perFile.length).toBe(writer.snapshot().setsCommitted);
    for (const f of perFile) expect(f.ids).toBe(f.n); // a record without children has no id
    // Every record attribute points at a log record of its own set.
    const dangling = await sql(`SELECT count(*)::INT AS n FROM read_parquet('${base}/log_attrs/*.parquet', filename = true) a
      ANTI JOIN read_parquet('${glob}', filename = true) l ON l.id = a.parent_id AND parse_filename(l.filename) = parse_filename(a.filename)`);
    expect(dangling[0]!.n).toBe(0);
    const rowGroups = await sql(`SELECT max(row_group_id)::INT AS g FROM parquet_metadata('${glob}')`);
    expect(rowGroups[0]!.g).toBeGreaterThan(0);
    const total = requests.reduce((n, r) => n + countItems('logs', r), 0);
    const { request } = await readBack(backend, base, 'logs');
    expect(countItems('logs', request)).toBe(total);
  });

  it('commits sets older than flush_when_older_than', async () => {
    const backend = requireBackend(name);
    const base = lake();
    const writer = new DatalakeWriter({ base, backend, flushWhenOlderThanMs: 30 });
    const before = Date.now();
    await writer.write(TelemetryBatch.fromRequest('logs', generateLogs({ seed: 3, batchSize: 30 }), { backend }));
    // The set was created after `before`: at before + 29 ms it is younger than the limit,
    // however long the write took on a loaded machine.
    await writer.flushAged(before + 29);
    expect(writer.snapshot().setsCommitted).toBe(0);
    await new Promise((r) => setTimeout(r, 40));
    await writer.flushAged();
    expect(writer.snapshot()).toMatchObject({ setsCommitted: 1, rotatedByAge: 1, openSets: 0 });
    expect(filesUnder(base).filter((f) => f.startsWith('logs/'))).toHaveLength(1);
  });

  it('puts _part_id in the root schema metadata and, when asked, in the path', async () => {
    const backend = requireBackend(name);
    const base = lake();
    const writer = await writeRequests(backend, 'logs', [generateLogs({ seed: 4, batchSize: 30 })], { base, partitionKeys: ['_part_id'] });
    const files = filesUnder(base);
    expect(files.every((f) => f.split('/')[1] === `_part_id=${writer.partId}`), files.join('\n')).toBe(true);
    const meta = await sql(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${base}/logs/**/*.parquet')`);
    expect(meta).toContainEqual({ k: '_part_id', v: writer.partId });
    const hive = await sql(`SELECT DISTINCT _part_id FROM read_parquet('${base}/logs/**/*.parquet', hive_partitioning = true)`);
    expect(hive).toEqual([{ _part_id: writer.partId }]);
  });

  it('a second writer on the same directory adds files and overwrites none', async () => {
    const backend = requireBackend(name);
    const base = lake();
    await writeRequests(backend, 'logs', [generateLogs({ seed: 5, batchSize: 30 })], { base });
    const first = filesUnder(base);
    const sizes = first.map((f) => fs.statSync(path.join(base, f)).size);
    await writeRequests(backend, 'logs', [generateLogs({ seed: 6, batchSize: 30 })], { base });
    const second = filesUnder(base);
    expect(second).toEqual(expect.arrayContaining(first));
    expect(second.filter((f) => f.startsWith('logs/'))).toHaveLength(2);
    expect(first.map((f) => fs.statSync(path.join(base, f)).size)).toEqual(sizes);
    expect((await readBack(backend, base, 'logs')).sets).toBe(2);
  });
});

describe('DatalakeWriter on the js backend', () => {
  it('says that Parquet needs the native or wasm backend', () => {
    expect(() => new DatalakeWriter({ base: lake(), backend: jsBackend() })).toThrow(/needs the native or wasm backend/);
  });
});
