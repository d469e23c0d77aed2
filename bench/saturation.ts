// Shared by the saturation benchmarks (bench/pipeline.ts, bench/processors.ts): systems under
// test started as processes (`otap run` from dist/, or the Go Collector), their idle cost, and
// a closed-loop driver that keeps N requests in flight for a fixed time.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePorts, startGoCollector } from '../test/interop/go-collector.js';
import { OTAP_BIN } from '../test/support/dist.js';
import { cpuSeconds, rssBytes, waitForPort } from './process-stats.js';
import { fmt, median } from './results.js';

export interface SystemUnderTest {
  name: string;
  port: number;
  pid: number;
  idle: { rss: number; cpuPercent: number };
  stop(): Promise<void>;
}

/** cpu: the system under test's CPU-seconds; loadCpu: this process's (load + downstream). */
export interface Cell { records: number; seconds: number; cpu: number; loadCpu: number }


export async function measureIdle(pid: number): Promise<{ rss: number; cpuPercent: number }> {
  await new Promise((r) => setTimeout(r, 1500));
  const c0 = cpuSeconds(pid);
  await new Promise((r) => setTimeout(r, 3000));
  return { rss: rssBytes(pid), cpuPercent: ((cpuSeconds(pid) - c0) / 3) * 100 };
}

export interface OtapRunOptions {
  name: string;
  /** The config for the receiver's port. */
  yaml: (port: number) => string;
  backend?: 'native' | 'wasm' | 'js';
  /** Worker processes; 1 = pinned to `cpu` with taskset, more = on every CPU (otap run pins each worker to its core). */
  cores?: number;
  cpu: string;
}

/** `otap run` (dist/) on a config, ready when its receiver port answers, idle cost measured. */
export async function startOtapRun(o: OtapRunOptions): Promise<SystemUnderTest> {
  if (!fs.existsSync(OTAP_BIN)) throw new Error(`${OTAP_BIN} is missing: run npm run build first`);
  const [port] = await freePorts(1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sut-'));
  const file = path.join(dir, 'p.yaml');
  fs.writeFileSync(file, o.yaml(port!));
  const cores = o.cores ?? 1;
  // BENCH_SUT_NODE_ARGS: extra node flags for our process (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
  const nodeArgs = (process.env.BENCH_SUT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const argv = [...nodeArgs, OTAP_BIN, 'run', '--config', file, '--quiet', '--num-cores', String(cores)];
  const env = { ...process.env, OTEL_ARROW_BACKEND: o.backend ?? 'native', OTEL_LOG_LEVEL: 'error' };
  // Several workers get every CPU of the machine: a child inherits this process's affinity, and
  // the benchmark pins itself to the load's CPU, where `otap run` would see one core only
  // (and run one in-process engine, whatever --num-cores says).
  const cpus = cores === 1 ? o.cpu : `0-${os.cpus().length - 1}`;
  const child = spawn('taskset', ['-c', cpus, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  await waitForPort(port!, child, () => out, 'otap run');
  const idle = await measureIdle(child.pid!);
  return {
    name: o.name, port: port!, pid: child.pid!, idle,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Go Collector (test/interop/collector) on a config, pinned to `cpu`. */
export async function startGoSystem(name: string, yaml: (port: number) => string, cpu: string): Promise<SystemUnderTest> {
  const [port] = await freePorts(1);
  const c = await startGoCollector(yaml(port!), { cpus: cpu });
  const idle = await measureIdle(c.pid);
  return { name, port: port!, pid: c.pid, idle, stop: () => c.stop(5000) };
}

export type Sender = (i: number) => Promise<void>;

/** Keeps `inflight` requests going for `seconds`; records counted from `counts` per request. */
export async function drive(send: Sender, counts: number[], pid: number, inflight: number, seconds: number): Promise<Cell> {
  let records = 0;
  let next = 0;
  const cpu0 = cpuSeconds(pid);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (performance.now() < end) {
      const i = next++ % counts.length;
      await send(i);
      records += counts[i]!;
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  return { records, seconds: elapsed, cpu: cpuSeconds(pid) - cpu0, loadCpu: (own.user + own.system) / 1e6 };
}

export interface SaturationTable {
  /** Markdown: one row per (row label, batch size), records/s then CPU-s/M per system. */
  table: string;
  /** Median records/s of a system on a row and batch size. */
  rps(name: string, row: string, size: number): number;
  /** Median CPU-seconds per million records. */
  cpm(name: string, row: string, size: number): number;
}

/** A last column of a saturation table: a ratio from the CPU medians (NaN when a figure is missing). */
export interface RatioColumn {
  header: string;
  value: (cpm: (name: string, row: string, size: number) => number, row: string, size: number) => number;
}

/** A ratio as "0.42x", or "-" when a figure is missing. */
const ratioText = (v: number): string => (Number.isNaN(v) ? '-' : `${v.toFixed(2)}x`);

/** The results table of a saturation benchmark (`cells` keyed `name|row|size`), with an
 *  optional last columns computed from the CPU medians. */
export function saturationTable(o: {
  rowHeader: string;
  rows: readonly string[];
  sizes: readonly number[];
  names: readonly string[];
  cells: ReadonlyMap<string, Cell[]>;
  extras?: readonly RatioColumn[];
}): SaturationTable {
  // A system not run on a row and batch size has NaN figures, shown as "-".
  const get = (n: string, row: string, size: number): Cell[] => o.cells.get(`${n}|${row}|${size}`) ?? [];
  const ofCells = (cells: Cell[], f: (c: Cell) => number): number => (cells.length ? median(cells.map(f)) : NaN);
  const rps = (n: string, row: string, size: number) => ofCells(get(n, row, size), (r) => r.records / r.seconds);
  const cpm = (n: string, row: string, size: number) => ofCells(get(n, row, size), (r) => (r.cpu / r.records) * 1e6);
  const show = (v: number, digits = 0): string => (Number.isNaN(v) ? '-' : fmt(v, digits));
  const extras = o.extras ?? [];
  const header = [o.rowHeader, 'batch', ...o.names.map((n) => `${n} records/s`), ...o.names.map((n) => `${n} CPU-s/M`), ...extras.map((e) => e.header)];
  const lines = [`| ${header.join(' | ')} |`, `|---|${header.slice(1).map(() => '---:').join('|')}|`];
  for (const row of o.rows) {
    for (const size of o.sizes) {
      lines.push(`| ${[row, size, ...o.names.map((n) => show(rps(n, row, size))), ...o.names.map((n) => show(cpm(n, row, size), 2)),
        ...extras.map((e) => ratioText(e.value(cpm, row, size)))].join(' | ')} |`);
    }
  }
  return { table: lines.join('\n'), rps, cpm };
}

/** The Go Collector's OTAP exporter batcher (test/interop/collector's arrowstream, the contrib
 *  otelarrow exporter's defaults): an export leaves at 1000 records, holds at most 1500, or
 *  leaves 1 s after its first record. The Rust engine's exporter:otap sends each batch it gets. */
export const GO_EXPORTER_BATCH = { min: 1000, max: 1500 } as const;

/** What a `batchLikeGoExporter` node does, for the results' text. */
export const batchNote = `the Go exporter's default batcher in test/interop/collector sends at ${GO_EXPORTER_BATCH.min} records, at most ${GO_EXPORTER_BATCH.max}, or 1 s after the first; the node's OTLP sizes are in bytes, as the engine requires, at the data's OTLP bytes per record; OTAP sizes in records`;

/** A processor:batch node that batches as the Go exporter does (GO_EXPORTER_BATCH, 1 s). The
 *  engine sizes OTLP batches in bytes only, so OTLP input gets the byte sizes of those record
 *  counts at the data's OTLP bytes per record; OTAP input is sized in records. */
export function batchLikeGoExporter(otlpBytesPerRecord: number): string {
  const bytes = (records: number) => Math.round(records * otlpBytesPerRecord);
  const { min, max } = GO_EXPORTER_BATCH;
  return `{ type: processor:batch, config: { otlp: { min_size: ${bytes(min)}, max_size: ${bytes(max)}, sizer: bytes }, otap: { min_size: ${min}, max_size: ${max}, sizer: items }, max_batch_duration: 1s } }`;
}

/** An `otap run` document for one pipeline `p` of a chain of nodes (id -> node YAML, in
 *  order; each connected to the next), with the benchmarks' memory limits. */
export function chainDocument(nodes: Array<[string, string]>): string {
  const connections = nodes.slice(1).map(([id], i) => `{ from: ${nodes[i]![0]}, to: ${id} }`).join(', ');
  return `version: otel_dataflow/v1
policies:
  resources: { memory_limiter: { mode: enforce, soft_limit: 512 MiB, hard_limit: 1 GiB } }
groups:
  bench:
    pipelines:
      p:
        nodes:
${nodes.map(([id, yaml]) => `          ${id}: ${yaml}`).join('\n')}
        connections: [${connections}]
`;
}
