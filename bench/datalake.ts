// Data lake benchmark: what exporter:parquet costs and gives, in one run.
//
//   npm run build:rust && npx tsx bench/datalake.ts [--records 10000000] [--iterations 3] [--quick]
//
// 1. Bytes per log record on disk, the same records three ways: Parquet (DatalakeWriter, zstd
//    level 3, 131072-row groups, one file set), OTLP protobuf + zstd (each 10,000-record request
//    compressed alone, level 3: what OTLP+zstd files or request logs hold), and an OTAP stream
//    (one backend encoder, IPC bodies zstd level 3: what `exporter:file` format otap_stream
//    and a gRPC stream carry). Data: test/support/lake-data.ts (known answers), `--records`.
// 2. Write throughput on one core (a child process pinned with `taskset -c 0`): 1M log records
//    (100 batches of 10,000) written into a fresh lake per round, from OTAP tables held by the
//    backend (what an OTAP receiver hands over) and from OTLP protobuf bytes (tables built by
//    the backend first); native and wasm, rounds interleaved, medians. js cannot write Parquet.
// 3. The README's SQL examples over the lake of step 1 (DuckDB, all cores): one warm-up, then
//    `--iterations` runs each, median latency.
// Writes the `datalake` section of bench/RESULTS.md.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadBackend } from '../src/backend/index.js';
import type { Backend, BackendName, BackendTables } from '../src/backend/types.js';
import { TelemetryBatch } from '../src/batch/telemetry-batch.js';
import { DatalakeWriter } from '../src/datalake/datalake-writer.js';
import { openLake } from '../src/datalake/query.js';
import { generateLogs } from '../src/otlp/generate.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';
import { lakeLogs, lakeSpans } from '../test/support/lake-data.js';
import { machineDescription, median, numberFlag, replaceSection } from './results.js';

const quick = process.argv.includes('--quick');
const RECORDS = numberFlag('--records', quick ? 1_000_000 : 10_000_000);
const ITERATIONS = numberFlag('--iterations', quick ? 2 : 3);
const BATCH = 10_000;
const THROUGHPUT_BATCHES = quick ? 20 : 100;
const ROOT = path.resolve(import.meta.dirname, '..');

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    const s = fs.statSync(p);
    if (s.isFile()) n += s.size;
  }
  return n;
}

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

// ---------------------------------------------------------------------------------------
// 2. Write throughput (runs in the pinned child)

interface ThroughputRow { backend: BackendName; from: 'otap-tables' | 'otlp-bytes'; recordsPerSec: number; cpuPerM: number }

async function throughput(): Promise<ThroughputRow[]> {
  const names: BackendName[] = ['native', 'wasm'];
  const backends = new Map<BackendName, Backend>();
  for (const n of names) backends.set(n, await loadBackend(n));
  const otlp = Array.from({ length: THROUGHPUT_BATCHES }, (_, i) => encodeOtlp('logs', lakeLogs(i * BATCH, BATCH)));
  const tablesOf = (b: Backend): BackendTables[] => {
    const enc = b.createEncoder();
    const dec = b.createDecoder();
    return otlp.map((o) => dec.decodeTables!(enc.encode('logs', o))!);
  };
  const held = new Map([...backends].map(([n, b]) => [n, tablesOf(b)]));
  const samples = new Map<string, { rate: number[]; cpu: number[] }>();
  const records = THROUGHPUT_BATCHES * BATCH;
  for (let round = -1; round < ITERATIONS; round++) {
    for (const n of round % 2 ? names : [...names].reverse()) {
      for (const from of ['otap-tables', 'otlp-bytes'] as const) {
        const b = backends.get(n)!;
        const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-bench-'));
        const writer = new DatalakeWriter({ base, backend: b, targetRowsPerFile: records });
        const batches = from === 'otap-tables'
          ? held.get(n)!.map((t) => TelemetryBatch.fromBackendTables(t, { backend: b }))
          : otlp.map((o) => TelemetryBatch.fromOtlpBytes('logs', o, { backend: b, items: BATCH }));
        const [t0, c0] = [performance.now(), cpu()];
        for (const batch of batches) await writer.write(batch);
        await writer.flushAll();
        const [secs, cpuSecs] = [(performance.now() - t0) / 1000, cpu() - c0];
        fs.rmSync(base, { recursive: true, force: true });
        if (round < 0) continue; // warm-up
        const key = `${n}/${from}`;
        const s = samples.get(key) ?? { rate: [], cpu: [] };
        s.rate.push(records / secs);
        s.cpu.push((cpuSecs / records) * 1e6);
        samples.set(key, s);
      }
    }
  }
  return [...samples].map(([key, s]) => {
    const [backend, from] = key.split('/') as [BackendName, ThroughputRow['from']];
    return { backend, from, recordsPerSec: median(s.rate), cpuPerM: median(s.cpu) };
  });
}

function pinnedThroughput(): Promise<ThroughputRow[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', '0', process.execPath, ...process.execArgv, ...process.argv.slice(1), '--throughput-child'], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ThroughputRow[]) : reject(new Error(`throughput child exited ${code}`))));
  });
}

// ---------------------------------------------------------------------------------------
// 1 and 3

/** Parquet, OTAP stream and OTLP+zstd bytes of `batches` batches (in a scratch lake). */
async function sizesOf(backend: Backend, batch: (i: number) => Uint8Array, batches: number): Promise<{ parquet: number; otap: number; otlp: number; records: number }> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-bench-'));
  const writer = new DatalakeWriter({ base, backend });
  const encoder = backend.createEncoder({ zstdLevel: 3 });
  const out = { parquet: 0, otap: 0, otlp: 0, records: 0 };
  for (let i = 0; i < batches; i++) {
    const otlp = batch(i);
    out.otlp += backend.zstdCompress(otlp, 3).length;
    out.otap += encoder.encode('logs', otlp).length + 4;
    const b = TelemetryBatch.fromOtlpBytes('logs', otlp, { backend });
    out.records += b.itemCount;
    await writer.write(b);
  }
  await writer.flushAll();
  out.parquet = dirBytes(base);
  fs.rmSync(base, { recursive: true, force: true });
  return out;
}

function readmeExamples(): Array<[string, string]> {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```sql\n-- ([^\n]+)\n([\s\S]*?)```/g)].map((m) => [m[1]!, `-- ${m[1]}\n${m[2]}`]);
}

async function main(): Promise<void> {
  if (process.argv.includes('--throughput-child')) {
    process.stdout.write(JSON.stringify(await throughput()));
    return;
  }
  const backend = await loadBackend('native');
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-bench-'));
  const writer = new DatalakeWriter({ base, backend });
  const encoder = backend.createEncoder({ zstdLevel: 3 });
  let [otlpZstd, otapStream, writeSecs] = [0, 0, 0];
  const t0 = performance.now();
  for (let first = 0; first < RECORDS; first += BATCH) {
    const n = Math.min(BATCH, RECORDS - first);
    const otlp = encodeOtlp('logs', lakeLogs(first, n));
    otlpZstd += backend.zstdCompress(otlp, 3).length;
    otapStream += encoder.encode('logs', otlp).length + 4; // + the stream file's length frame
    const w0 = performance.now();
    await writer.write(TelemetryBatch.fromOtlpBytes('logs', otlp, { backend, items: n }));
    writeSecs += (performance.now() - w0) / 1000;
    if ((first / BATCH) % 100 === 0) process.stderr.write(`\rwriting the lake: ${((first / RECORDS) * 100).toFixed(0)}%`);
  }
  const s0 = performance.now();
  await writer.flushAll();
  writeSecs += (performance.now() - s0) / 1000;
  const logParquet = dirBytes(base); // only log sets so far
  // Spans for the route example: a tenth of the records.
  const spanWriter = new DatalakeWriter({ base, backend });
  for (let first = 0; first < RECORDS / 10; first += BATCH) await spanWriter.write(TelemetryBatch.fromRequest('traces', lakeSpans(first, BATCH), { backend }));
  await spanWriter.flushAll();
  process.stderr.write(`\rlake written in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);

  // The same three sizes on the package's realistic generator (src/otlp/generate.ts: varied
  // attributes, bodies and services), 1M records.
  const gen = await sizesOf(backend, (i) => encodeOtlp('logs', generateLogs({ seed: 42, batchSize: BATCH, batchIndex: i })), Math.min(RECORDS, 1_000_000) / BATCH);

  process.stderr.write('write throughput (pinned child)...\n');
  const rows = await pinnedThroughput();

  process.stderr.write('queries...\n');
  const lake = await openLake(base);
  const queries: Array<{ title: string; ms: number; rows: number }> = [];
  for (const [title, sql] of readmeExamples()) {
    await lake.run(sql);
    const ms: number[] = [];
    let n = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const q0 = performance.now();
      n = (await lake.run(sql)).rows.length;
      ms.push(performance.now() - q0);
    }
    queries.push({ title, ms: median(ms), rows: n });
  }
  lake.close();
  fs.rmSync(base, { recursive: true, force: true });

  const per = (bytes: number) => (bytes / RECORDS).toFixed(1);
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const native = (from: string) => rows.find((r) => r.backend === 'native' && r.from === from)!;
  const body = [
    `Machine: ${machineDescription()}. Command: \`npx tsx bench/datalake.ts --records ${RECORDS} --iterations ${ITERATIONS}\` (${new Date().toISOString().slice(0, 10)}).`,
    '',
    `### Bytes per log record on disk (${fmt(RECORDS)} records, test/support/lake-data.ts)`,
    '',
    '| format | bytes/record | vs Parquet |',
    '|---|---:|---:|',
    `| Parquet, zstd 3 (exporter:parquet; logs, log_attrs, resource_attrs, scope_attrs) | ${per(logParquet)} | 1.00 |`,
    `| OTAP stream, IPC zstd 3 (one encoder, 10,000-record batches) | ${per(otapStream)} | ${(otapStream / logParquet).toFixed(2)} |`,
    `| OTLP protobuf + zstd 3 (per 10,000-record request) | ${per(otlpZstd)} | ${(otlpZstd / logParquet).toFixed(2)} |`,
    '',
    `The same on ${fmt(gen.records)} records of src/otlp/generate.ts (\`generateLogs\`, seed 42: 3 services, varied attributes and bodies): Parquet ${(gen.parquet / gen.records).toFixed(1)}, OTAP stream ${(gen.otap / gen.records).toFixed(1)} (${(gen.otap / gen.parquet).toFixed(2)}x), OTLP+zstd ${(gen.otlp / gen.records).toFixed(1)} (${(gen.otlp / gen.parquet).toFixed(2)}x) bytes/record.`,
    '',
    `Writing the ${fmt(RECORDS)} records from OTLP bytes (unpinned, native): ${fmt(RECORDS / writeSecs)} records/s.`,
    '',
    `### Write throughput, one core (\`taskset -c 0\`), ${fmt(THROUGHPUT_BATCHES * BATCH)} log records per round, ${ITERATIONS} rounds, medians`,
    '',
    '| backend | input | records/s | CPU-s per 1M records |',
    '|---|---|---:|---:|',
    ...rows.map((r) => `| ${r.backend} | ${r.from} | ${fmt(r.recordsPerSec)} | ${r.cpuPerM.toFixed(2)} |`),
    '| js | — | cannot write Parquet (says so) | — |',
    '',
    `### README queries over ${fmt(RECORDS)} log records (and ${fmt(RECORDS / 10)} spans), DuckDB on all cores, median of ${ITERATIONS} after a warm-up`,
    '',
    '| query | rows | latency |',
    '|---|---:|---:|',
    ...queries.map((q) => `| ${q.title} | ${q.rows} | ${(q.ms / 1000).toFixed(3)} s |`),
    '',
    `Targets: Parquet bytes/record <= OTAP stream bytes/record: **${logParquet <= otapStream && gen.parquet <= gen.otap ? 'met' : 'not met'}** (${per(logParquet)} vs ${per(otapStream)}; generator data ${(gen.parquet / gen.records).toFixed(1)} vs ${(gen.otap / gen.records).toFixed(1)}); write >= 1M log records/s on one core (native, from OTAP tables): **${native('otap-tables').recordsPerSec >= 1e6 ? 'met' : 'not met'}** (${fmt(native('otap-tables').recordsPerSec)}); every README query under 1 s: **${queries.every((q) => q.ms < 1000) ? 'met' : 'not met'}**.`,
  ].join('\n');
  replaceSection('datalake', 'Data lake: Parquet exporter and SQL (bench/datalake.ts)', body);
  console.log(body);
}

await main();
