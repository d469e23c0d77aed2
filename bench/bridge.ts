// Bridge benchmark: the whole OTLP/gRPC -> OTAP/gRPC job in one process pinned to one core
// (`taskset -c 0`): our `otap bridge` (built bin, per backend) against the Go Collector doing
// the same job (otlp receiver -> the Go otel-arrow producer's Arrow exporter, test/interop/
// collector). The load (our OtlpGrpcClient, pre-encoded OTLP protobuf, gRPC zstd) and the
// downstream (our OtapReceiver, native backend) run in this process, pinned to core 1.
// Figures per cell: records/s acknowledged end to end, and the bridge process's CPU seconds
// (the run time of its threads, from /proc schedstat) per million records. Contenders run interleaved, every cell
// several times; medians.
//
//   npm run build && npx tsx bench/bridge.ts [--iterations 3] [--seconds 3] [--no-go] [--no-write]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { countItems } from '../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../src/otlp/model.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';
import { OtlpGrpcClient } from '../src/transport/otlp-client.js';
import { OtapReceiver } from '../src/transport/receiver/index.js';
import { freePorts, hasGoCollector, otlpToArrowstreamYaml, startGoCollector, type GoCollector } from '../test/interop/go-collector.js';
import { OTAP_BIN } from '../test/support/dist.js';
import { cpuSeconds, runPinned, waitForPort } from './process-stats.js';
import { fmt, machineDescription, median, numberFlag, replaceSection } from './results.js';

const ITERATIONS = numberFlag('--iterations', 3);
const SECONDS = numberFlag('--seconds', 3);
const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
const SIZES = [512, 4096];
const IN_FLIGHT = 8;
const BRIDGE_CPU = '0';
const LOAD_CPU = '1';
const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

// The load and the downstream stay off the bridge's core: re-run this script pinned to core 1.

interface Contender {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

interface Cell { records: number; seconds: number; cpu: number }

async function startOurs(backend: string, downPort: number): Promise<Contender> {
  const [port] = await freePorts(1);
  const child = spawn('taskset', ['-c', BRIDGE_CPU, process.execPath, OTAP_BIN, 'bridge', '--quiet', '--backend', backend,
    '--listen', `127.0.0.1:${port}`, '--http', 'none', '--to', `127.0.0.1:${downPort}`], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OTEL_LOG_LEVEL: 'error' },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  await waitForPort(port!, child, () => out, 'bridge');
  return {
    name: `ours (${backend})`, port: port!, pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function startGo(downPort: number): Promise<Contender> {
  const [port] = await freePorts(1);
  const collector: GoCollector = await startGoCollector(otlpToArrowstreamYaml(port!, downPort, { num_streams: 1, payload_compression: 'none' }), { cpus: BRIDGE_CPU });
  return { name: 'Go Collector', port: port!, pid: collector.pid, stop: () => collector.stop(5000) };
}

async function drive(client: OtlpGrpcClient, signal: Signal, batches: Uint8Array[], counts: number[], pid: number): Promise<Cell> {
  let records = 0;
  let next = 0;
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (performance.now() < end) {
      const i = next++ % batches.length;
      await client.exportEncoded(signal, batches[i]!); // answered once the downstream acked
      records += counts[i]!;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  return { records, seconds, cpu: cpuSeconds(pid) - cpu0 };
}

async function main(): Promise<void> {
  if (!fs.existsSync(OTAP_BIN)) throw new Error(`${OTAP_BIN} is missing: run npm run build first`);
  const t0 = Date.now();
  const down = new OtapReceiver({ grpcPort: 0, backend: 'native', requestLimitMiB: 512 }, async () => {});
  const { grpcPort: downPort } = await down.start();
  const contenders: Contender[] = [];
  for (const b of ['native', 'wasm', 'js']) contenders.push(await startOurs(b, downPort));
  const withGo = !process.argv.includes('--no-go') && hasGoCollector();
  if (withGo) contenders.push(await startGo(downPort));
  console.log(`contenders: ${contenders.map((c) => c.name).join(', ')}; bridge on CPU ${BRIDGE_CPU}, load on CPU ${LOAD_CPU}`);

  const cells = SIGNALS.flatMap((signal) => SIZES.map((size) => {
    const n = size >= 4096 ? 4 : 12;
    const reqs = Array.from({ length: n }, (_, i) =>
      generators[signal]({ seed: 7, batchSize: size, batchIndex: i, uniqueValuesPerBatch: 2 }) as SignalRequest[Signal]);
    return { signal, size, batches: reqs.map((r) => encodeOtlp(signal, r)), counts: reqs.map((r) => countItems(signal, r)) };
  }));
  const clients = new Map(contenders.map((c) => [c.name, new OtlpGrpcClient({ endpoint: `127.0.0.1:${c.port}`, compression: 'zstd' })]));
  // Warm-up: connections, Arrow schemas, JIT.
  for (const c of contenders) for (const cell of cells) await clients.get(c.name)!.exportEncoded(cell.signal, cell.batches[0]!);

  const results = new Map<string, Cell[]>();
  const load: number[] = [];
  for (let it = 0; it < ITERATIONS; it++) {
    load.push(os.loadavg()[0]!);
    for (const cell of cells) {
      for (const c of contenders) {
        const r = await drive(clients.get(c.name)!, cell.signal, cell.batches, cell.counts, c.pid);
        const key = `${c.name}|${cell.signal}|${cell.size}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        console.log(`${key}: ${fmt(r.records / r.seconds)} records/s, ${fmt((r.cpu / r.records) * 1e6, 2)} CPU-s/M`);
      }
    }
  }
  for (const c of clients.values()) c.close();
  for (const c of contenders) await c.stop();
  await down.shutdown();

  const names = contenders.map((c) => c.name);
  const rps = (name: string, s: Signal, size: number) => median(results.get(`${name}|${s}|${size}`)!.map((r) => r.records / r.seconds));
  const cpm = (name: string, s: Signal, size: number) => median(results.get(`${name}|${s}|${size}`)!.map((r) => (r.cpu / r.records) * 1e6));
  const go = withGo ? 'Go Collector' : undefined;
  const header = ['signal', 'batch', ...names.map((n) => `${n} records/s`), ...names.map((n) => `${n} CPU-s/M`),
    'native / js CPU', ...(go ? ['native / Go CPU'] : [])];
  const rows = [`| ${header.join(' | ')} |`, `|---|${header.slice(1).map(() => '---:').join('|')}|`];
  for (const cell of cells) {
    const { signal: s, size } = cell;
    const n = cpm('ours (native)', s, size);
    rows.push(`| ${[s, size, ...names.map((x) => fmt(rps(x, s, size))), ...names.map((x) => fmt(cpm(x, s, size), 2)),
      `${(n / cpm('ours (js)', s, size)).toFixed(2)}x`, ...(go ? [`${(n / cpm(go, s, size)).toFixed(2)}x`] : [])].join(' | ')} |`);
  }
  const table = rows.join('\n');
  console.log(table);
  const body = [
    `Machine: ${machineDescription()}. Command: \`npm run build && npx tsx bench/bridge.ts --iterations ${ITERATIONS} --seconds ${SECONDS}\` (${new Date().toISOString().slice(0, 10)}, ${Math.round((Date.now() - t0) / 1000)} s; load average at the start of each round: ${load.map((l) => l.toFixed(2)).join(', ')}).`,
    '',
    `The same job for every contender, each one process pinned to CPU ${BRIDGE_CPU} (\`taskset -c ${BRIDGE_CPU}\`): OTLP/gRPC (zstd) in, OTAP over one Arrow stream out (gRPC zstd, no IPC body compression). **ours** = \`otap bridge --backend <b>\` (dist/, every OTLP request exported as one OTAP batch, answered after the downstream acked it); **Go Collector** = test/interop/collector (otlp receiver -> \`arrowstream\`, our stand-in for the contrib otelarrow exporter built on the Go otel-arrow producer v0.46.0, which the module proxy here does not serve; \`num_streams: 1\`, \`payload_compression: none\`, no batch processor). Load: our OtlpGrpcClient, ${IN_FLIGHT} requests in flight of pre-encoded batches (src/otlp/generate.ts, a pool of 12 x 512 / 4 x 4096 per signal); downstream: our OtapReceiver (native); both on CPU ${LOAD_CPU}. Each cell: ${SECONDS} s, ${ITERATIONS} rounds interleaved across contenders, medians. CPU-s/M = the run time of the bridge process's threads (/proc/<pid>/task/*/schedstat, ns) per million records: lower is better; "native / X CPU" < 1 means ours uses less CPU than X.`,
    '',
    table,
  ].join('\n');
  if (!process.argv.includes('--no-write')) replaceSection('bridge', 'Bridge: CPU per million records on one core, ours vs the Go Collector', body);
}

runPinned(LOAD_CPU, 'BENCH_BRIDGE_PINNED', main);
