// Where bench/transport's CPU goes: the same loop (our clients -> our OtapReceiver on
// loopback, one process, IN_FLIGHT exports of pre-encoded OTLP batches), measured as records/s
// and the process's CPU time per record (every thread: event loop, encoder threads and
// workers, libuv, GC) and the event loop's utilization, for OTLP and OTAP with native and
// wasm, encoding off and on the event loop.
// On a machine whose cores the fastest protocol already keeps busy, records/s of A over B
// cannot go much past B's CPU per record over A's, however A's work is spread over threads:
// the "CPU bound" columns say how far that is. Then the codec's stages alone, per backend in
// one process (passes interleaved): encode, decodeTables, and the gRPC zstd (level 3) of the
// BatchArrowRecords both ways.
//
//   npx tsx bench/transport-cpu.ts [--iterations 3] [--seconds 2] [--passes 15] [--no-write]
import { loadBackend } from '../src/backend/index.js';
import type { BackendName } from '../src/backend/types.js';
import type { Signal } from '../src/otlp/model.js';
import { OtapReceiver } from '../src/transport/receiver/index.js';
import { codecSteps, GRPC_ZSTD_LEVEL, type StepTimes } from './codec-steps.js';
import { fmt, machineDescription, median, numberFlag, ratio as x, replaceSection } from './results.js';
import { IN_FLIGHT, SIGNALS, SIZES, backendOf, drive, pool, sender, type Endpoint, type Protocol } from './transport-load.js';

const ITERATIONS = numberFlag('--iterations', 3);
const SECONDS = numberFlag('--seconds', 2);
const PASSES = numberFlag('--passes', 15);
const PROTOCOLS: Protocol[] = ['OTLP', 'native', 'wasm', 'native-loop', 'wasm-loop'];
const CODECS = ['native', 'wasm'] as const;

interface Load { recordsPerSecond: number; cpus: number; cpuMicrosPerRecord: number; eventLoop: number }

/** One timed run of `protocol`: records/s and the process's CPU over the run. */
async function measure(protocol: Protocol, signal: Signal, reqs: Uint8Array[], counts: number[], at: Endpoint): Promise<Load> {
  const client = sender(protocol, signal, at.port);
  await client.send(reqs[0]!); // connection, Arrow schemas, a wasm worker's start: untimed
  const loop0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const { records, seconds } = await drive(client.send, reqs, counts, { seconds: SECONDS });
  const cpu = process.cpuUsage(cpu0);
  const eventLoop = performance.eventLoopUtilization(loop0).utilization;
  await client.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { recordsPerSecond: records / seconds, cpus: cpuSeconds / seconds, cpuMicrosPerRecord: (cpuSeconds * 1e6) / records, eventLoop };
}

async function main(): Promise<void> {
  const started = Date.now();
  const endpoints = new Map<BackendName, Endpoint>();
  for (const b of CODECS) {
    const receiver = new OtapReceiver({ grpcPort: 0, requestLimitMiB: 512, backend: b, releaseAfterConsume: true }, async () => {});
    endpoints.set(b, { receiver, port: (await receiver.start()).grpcPort });
  }
  const backends = await Promise.all(CODECS.map((b) => loadBackend(b)));
  const loadRows = [
    '| signal | batch | protocol | records/s | CPUs busy | event loop busy | CPU µs/record |',
    '|---|---:|---|---:|---:|---:|---:|',
  ];
  const boundRows = [
    '| signal | batch | native / OTLP records/s | CPU bound (OTLP µs / native µs) | wasm / native records/s | CPU bound (native µs / wasm µs) | wasm / native, event loop | CPU bound, event loop |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const stageRows = [
    '| signal | batch | step | native µs/record | wasm µs/record | wasm / native |',
    '|---|---:|---|---:|---:|---:|',
  ];
  for (const signal of SIGNALS) {
    for (const size of SIZES) {
      const { bytes, counts } = pool(signal, size);
      const runs = Object.fromEntries(PROTOCOLS.map((p) => [p, [] as Load[]])) as Record<Protocol, Load[]>;
      for (let it = 0; it < ITERATIONS; it++) {
        for (const p of PROTOCOLS) runs[p].push(await measure(p, signal, bytes, counts, endpoints.get(p === 'OTLP' ? 'native' : backendOf(p))!));
      }
      const m = (p: Protocol, k: keyof Load): number => median(runs[p].map((r) => r[k]));
      for (const p of PROTOCOLS) {
        loadRows.push(`| ${signal} | ${size} | ${p} | ${fmt(m(p, 'recordsPerSecond'))} | ${m(p, 'cpus').toFixed(2)} | ${m(p, 'eventLoop').toFixed(2)} | ${m(p, 'cpuMicrosPerRecord').toFixed(2)} |`);
      }
      const rps = (p: Protocol): number => m(p, 'recordsPerSecond');
      const us = (p: Protocol): number => m(p, 'cpuMicrosPerRecord');
      const bound = `| ${signal} | ${size} | ${x(rps('native'), rps('OTLP'))} | ${x(us('OTLP'), us('native'))} | ${x(rps('wasm'), rps('native'))} | ${x(us('native'), us('wasm'))} | ${x(rps('wasm-loop'), rps('native-loop'))} | ${x(us('native-loop'), us('wasm-loop'))} |`;
      console.log(bound);
      boundRows.push(bound);
      const records = counts.reduce((a, b) => a + b, 0);
      const [native, wasm] = codecSteps(backends, signal, bytes, records, PASSES) as [StepTimes, StepTimes];
      for (const step of Object.keys(native) as (keyof StepTimes)[]) {
        const label = step === 'zstd' ? `zstd ${GRPC_ZSTD_LEVEL} of the BAR` : step === 'unzstd' ? 'zstd decompress of the BAR' : step;
        stageRows.push(`| ${signal} | ${size} | ${label} | ${native[step].toFixed(3)} | ${wasm[step].toFixed(3)} | ${x(wasm[step], native[step])} |`);
      }
      console.log(stageRows.slice(-4).join('\n'));
    }
  }
  for (const e of endpoints.values()) await e.receiver.shutdown();
  const body = [
    `Machine: ${machineDescription()}. Command: \`npx tsx bench/transport-cpu.ts --iterations ${ITERATIONS} --seconds ${SECONDS} --passes ${PASSES}\` (${new Date().toISOString().slice(0, 10)}, ${Math.round((Date.now() - started) / 1000)} s).`,
    '',
    `bench/transport's loop (the same clients, pool and receivers: OTLP into the native receiver, OTAP into a receiver decoding with the exporter's backend; ${IN_FLIGHT} exports in flight, ${SECONDS} s runs, protocols interleaved, medians of ${ITERATIONS}), with the process's CPU time over each run (\`process.cpuUsage\`: every thread, so the encoder threads and wasm workers, libuv and GC too) and the event loop's utilization (\`performance.eventLoopUtilization\`: the share of the run it was not idle; the exporter's and the receiver's sides share it). "-loop" = encodeOffThread false. Records/s of A over B cannot go much past B's CPU per record over A's once B keeps the cores busy (2 here), however A spreads its work: that quotient is the "CPU bound" column.`,
    '',
    ...boundRows,
    '',
    ...loadRows,
    '',
    `### The codec's steps alone, per backend`,
    '',
    `One process, each step over the pool (dictionaries warm), ${PASSES} passes with the backends' order alternating, medians, µs per record. The loop above runs encode and the zstd on the exporter's side, zstd decompress and decodeTables on the receiver's.`,
    '',
    ...stageRows,
  ].join('\n');
  if (!process.argv.includes('--no-write')) replaceSection('transport-cpu', 'Transport: where the CPU goes (records/s against CPU per record)', body);
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
