// SQL over the data lake: the README's examples (read from README.md, so the documentation
// is what is tested) over generated data with known answers, through `query()` and through the
// built `otap query`; the views; and the files opened without our code (DuckDB's own
// read_parquet, and pyarrow with its schema compared to the OTAP tables).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/types.js';
import { openLake, query } from '../../src/datalake/query.js';
import { payloadDir } from '../../src/datalake/layout.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { generateMetrics } from '../../src/otlp/generate.js';
import { backendsToRun, requireBackend } from '../support/backends.js';
import { filesUnder, tempLake, writeRequests } from '../support/datalake.js';
import { OTAP_BIN, requireDist, ROOT } from '../support/dist.js';
import { errorsByServiceMinute, lakeLogs, lakeSpans, slowestByRoute } from '../support/lake-data.js';

const N = 30_000;
const [backendName] = backendsToRun(['native', 'wasm']);
let base = '';
let backend: Backend;

/** The SQL block of README.md that starts with the comment `-- <title>`. */
function readmeExample(title: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.startsWith(`-- ${title}\n`));
  if (!block) throw new Error(`README.md has no \`\`\`sql block starting with "-- ${title}"`);
  return block;
}

beforeAll(async () => {
  if (!backendName) return;
  backend = requireBackend(backendName);
  base = tempLake();
  const batches = 6;
  await writeRequests(backend, 'logs', Array.from({ length: batches }, (_, i) => lakeLogs(i * (N / batches), N / batches)), { base, targetRowsPerFile: 12_000 });
  await writeRequests(backend, 'traces', Array.from({ length: batches }, (_, i) => lakeSpans(i * (N / batches), N / batches)), { base });
  await writeRequests(backend, 'metrics', [generateMetrics({ seed: 2, batchSize: 200 })], { base });
}, 120_000);
afterAll(() => { if (base) fs.rmSync(base, { recursive: true, force: true }); });

describe.skipIf(!backendName)('SQL over the data lake', () => {
  it('README: errors by service per minute', async () => {
    const r = await query(base, readmeExample('errors by service per minute'));
    expect(r.columns).toEqual(['service_name', 'minute', 'errors']);
    const expected = errorsByServiceMinute(N);
    // minute: "2026-01-01 00:03:00+00" (TIMESTAMPTZ): minutes since the data's first minute.
    const minuteOf = (m: unknown) => Number(/ (\d\d):(\d\d):/.exec(String(m))!.slice(1).reduce((h, mm) => String(Number(h) * 60 + Number(mm))));
    const got = new Map(r.rows.map(([service, minute, errors]) => [`${service as string} ${minuteOf(minute)}`, Number(errors)]));
    expect(got).toEqual(expected);
  });

  it('README: slowest spans by route', async () => {
    const r = await query(base, readmeExample('slowest spans by route'));
    expect(r.columns).toEqual(['route', 'spans', 'p99_ms', 'max_ms']);
    const expected = slowestByRoute(N);
    expect(r.rows).toHaveLength(expected.size);
    for (const [route, spans, , max] of r.rows) {
      expect({ spans: Number(spans), maxMs: Number(max) }).toEqual(expected.get(route as string));
    }
    const maxes = r.rows.map((row) => Number(row[3]));
    expect(maxes).toEqual([...maxes].sort((a, b) => b - a));
  });

  it('README: top attribute values of log records', async () => {
    const r = await query(base, readmeExample('top attribute values of log records'));
    expect(r.columns).toEqual(['key', 'value', 'n']);
    expect(r.rows[0]).toEqual(['http.response.status_code', '200', String(N - Math.ceil(N / 7))]);
    expect(r.rows.slice(1, 5).map((row) => row[0])).toEqual(Array(4).fill('http.route'));
    expect(r.rows.slice(1, 5).map((row) => Number(row[2]))).toEqual(Array(4).fill(N / 4));
  });

  it('flat views carry resource, scope and record attributes as maps', async () => {
    const lake = await openLake(base);
    try {
      expect(lake.views).toEqual(expect.arrayContaining(['logs', 'log_attrs', 'resource_attrs', 'spans', 'span_attrs', 'univariate_metrics', 'logs_flat', 'spans_flat', 'resources', 'scopes']));
      const logs = await lake.run(`SELECT count(*), count(DISTINCT body), min(resource_attributes['deployment.environment.name']), min(scope_name), min(attributes['http.response.status_code'])
        FROM logs_flat WHERE service_name = 'cart'`);
      expect(logs.rows[0]).toEqual([String(N / 3), String(N / 3), 'prod', 'shop', '200']);
      const spans = await lake.run(`SELECT count(*) FILTER (status_code = 2), count(*) FROM spans_flat`);
      expect(spans.rows[0]).toEqual([String(Math.ceil(N / 7)), String(N)]);
    } finally {
      lake.close();
    }
  });

  it('DuckDB reads the files by itself (no views, no otel-arrow code)', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      const r = await c.runAndReadAll(`SELECT count(*)::INT, count(*) FILTER (severity_number >= 17)::INT FROM read_parquet('${base}/logs/*.parquet')`);
      expect(r.getRows()[0]).toEqual([N, Math.ceil(N / 7)]);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });

  it('pyarrow reads every file, and its columns are the OTAP tables\' columns', () => {
    const files = filesUnder(base).filter((f) => f.endsWith('.parquet'));
    const script = `
import json, sys, pyarrow.parquet as pq
out = {}
for f in sys.argv[2:]:
    t = pq.read_table(sys.argv[1] + '/' + f)
    out[f] = {'rows': t.num_rows, 'fields': {fl.name: str(fl.type) for fl in t.schema}}
print(json.dumps(out))`;
    const py = spawnSync('python3', ['-c', script, base, ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(py.status, py.stderr).toBe(0);
    const read = JSON.parse(py.stdout) as Record<string, { rows: number; fields: Record<string, string> }>;
    expect(Object.keys(read).sort()).toEqual(files);
    // The OTAP tables the encoder builds for the same data: every column of theirs is in the
    // file, ids widened to uint32, dictionaries as their values.
    const otap = new Map<string, Map<string, string>>();
    for (const request of [lakeLogs(0, 100), lakeSpans(0, 100)]) {
      const signal = 'resourceLogs' in request ? 'logs' : 'traces';
      const t = backend.tablesFromOtlp!(signal, TelemetryBatch.fromRequest(signal, request).otlpBytes());
      for (const { payloadType, batch } of t.toArrow()) {
        otap.set(payloadDir(payloadType), new Map(batch.schema.fields.map((f) => [f.name, String(f.type)])));
      }
    }
    for (const [file, { rows, fields }] of Object.entries(read)) {
      expect(rows).toBeGreaterThan(0);
      const columns = otap.get(file.split('/')[0]!);
      if (!columns) continue;
      for (const [name] of columns) expect(Object.keys(fields), `${file} lacks ${name}`).toContain(name);
      if (fields.id) expect(fields.id).toBe('uint32');
      if (fields.parent_id) expect(fields.parent_id).toBe('uint32');
      if (fields.time_unix_nano) expect(fields.time_unix_nano).toBe('timestamp[ns, tz=UTC]');
      if (fields.trace_id && file.startsWith('spans/')) expect(fields.trace_id).toBe('fixed_size_binary[16]');
    }
  });

  it('otap query (the built CLI) prints CSV and JSON lines, and says what is wrong', () => {
    requireDist();
    const sql = readmeExample('errors by service per minute');
    const csv = execFileSync(process.execPath, [OTAP_BIN, 'query', base, sql, '--format', 'csv'], { encoding: 'utf8' });
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('service_name,minute,errors');
    expect(lines).toHaveLength(errorsByServiceMinute(N).size + 1);
    const json = execFileSync(process.execPath, [OTAP_BIN, 'query', base, 'SELECT count(*) AS n FROM logs', '--format', 'json'], { encoding: 'utf8' });
    expect(JSON.parse(json)).toEqual({ n: String(N) });
    const bad = spawnSync(process.execPath, [OTAP_BIN, 'query', base, 'SELECT nope FROM logs'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^otap query: .*nope/m);
    const missing = spawnSync(process.execPath, [OTAP_BIN, 'query', path.join(base, 'absent'), 'SELECT 1'], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/is not a directory/);
  });
});
