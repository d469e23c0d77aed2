// zstd speed of the js backend, old vs new: fzstd (pure JS, decompression) and
// @bokuweb/zstd-wasm (compression), which the package used up to Node 20, against Node's own
// zlib zstd (src/zstd/zlib-zstd.ts, Node >= 22.15), side by side on the same inputs.
// Writes the table into bench/RESULTS.md (section zstd).
//
//   npm i --no-save fzstd@0.1.1 @bokuweb/zstd-wasm@0.0.27   # the old implementations (no longer dependencies)
//   npx tsx bench/zstd.ts [--iterations N]
//
// Inputs are what the package compresses: OTLP protobuf requests (gRPC message compression)
// and uncompressed OTAP BatchArrowRecords (close to Arrow IPC bodies), at three sizes each.
// Every cell is the median over N runs (default 15) of MB/s of uncompressed bytes.
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { encodeBatchArrowRecords } from '../src/otap/batch-arrow-records.js';
import { Producer } from '../src/otap/producer.js';
import { generateLogs, generateTraces } from '../src/otlp/generate.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';
import { zstdCompress, zstdDecompress } from '../src/zstd/zlib-zstd.js';
import { machineDescription, replaceSection } from './results.js';

const LEVEL = 3;
const arg = process.argv.indexOf('--iterations');
const ITERATIONS = arg > 0 ? Number(process.argv[arg + 1]) : 15;

interface OldZstd {
  compress(data: Uint8Array, level: number): Uint8Array;
  decompress(data: Uint8Array): Uint8Array;
}

async function loadOld(): Promise<OldZstd> {
  try {
    const wasm = (await import(/* @vite-ignore */ '@bokuweb/zstd-wasm' as string)) as { init(): Promise<void>; compress(d: Uint8Array, l: number): Uint8Array };
    const fzstd = (await import(/* @vite-ignore */ 'fzstd' as string)) as { decompress(d: Uint8Array): Uint8Array };
    await wasm.init();
    return { compress: (d, l) => wasm.compress(d, l), decompress: (d) => fzstd.decompress(d) };
  } catch (err) {
    throw new Error(`the old implementations are not installed (${(err as Error).message}); run: npm i --no-save fzstd@0.1.1 @bokuweb/zstd-wasm@0.0.27`);
  }
}

function inputs(): { name: string; data: Uint8Array }[] {
  const out: { name: string; data: Uint8Array }[] = [];
  for (const size of [100, 1000, 10_000]) {
    const req = generateTraces({ seed: 7, batchSize: size, batchIndex: 0, uniqueValuesPerBatch: 20 });
    out.push({ name: `OTLP traces, ${size} spans`, data: encodeOtlp('traces', req) });
  }
  for (const size of [100, 1000, 10_000]) {
    const req = generateLogs({ seed: 7, batchSize: size, batchIndex: 0, uniqueValuesPerBatch: 20 });
    out.push({ name: `OTAP logs, ${size} records`, data: encodeBatchArrowRecords(new Producer().encode('logs', req)) });
  }
  return out;
}

/** Median MB/s of `a` and of `b` over ITERATIONS rounds; each round times a then b
 *  (repeated to last >= ~20 ms each), so both see the same machine load. */
function measurePair(bytes: number, a: () => void, b: () => void): [number, number] {
  const repsFor = (fn: () => void): number => {
    fn();
    const t0 = performance.now();
    fn();
    return Math.max(1, Math.ceil(20 / Math.max(0.01, performance.now() - t0)));
  };
  const fns = [a, b] as const;
  const reps = fns.map(repsFor);
  const rates: [number[], number[]] = [[], []];
  for (let i = 0; i < ITERATIONS; i++) {
    for (const k of [0, 1] as const) {
      const s = performance.now();
      for (let r = 0; r < reps[k]!; r++) fns[k]();
      rates[k].push(bytes / 1e6 / ((performance.now() - s) / reps[k]! / 1000));
    }
  }
  const median = (xs: number[]): number => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return [median(rates[0]), median(rates[1])];
}

const old = await loadOld();
const speedups = { compress: [] as number[], decompress: [] as number[] };
const rows = [
  '| input | bytes | compress: zstd-wasm | compress: zlib | decompress: fzstd | decompress: zlib | ratio (zstd-wasm / zlib size) |',
  '|---|---:|---:|---:|---:|---:|---:|',
];
for (const { name, data } of inputs()) {
  const packedOld = old.compress(data, LEVEL);
  const packedNew = zstdCompress(data, LEVEL);
  // Both decoders read both encoders' frames (same format); each decodes its own here.
  if (Buffer.compare(Buffer.from(old.decompress(packedNew)), Buffer.from(data)) !== 0) throw new Error(`${name}: fzstd cannot read zlib's frame`);
  if (Buffer.compare(zstdDecompress(packedOld, data.length), Buffer.from(data)) !== 0) throw new Error(`${name}: zlib cannot read zstd-wasm's frame`);
  const [cOld, cNew] = measurePair(data.length, () => old.compress(data, LEVEL), () => zstdCompress(data, LEVEL));
  const [dOld, dNew] = measurePair(data.length, () => old.decompress(packedOld), () => zstdDecompress(packedNew, data.length));
  const f = (x: number): string => x.toFixed(0);
  rows.push(`| ${name} | ${data.length} | ${f(cOld)} | ${f(cNew)} (${(cNew / cOld).toFixed(1)}x) | ${f(dOld)} | ${f(dNew)} (${(dNew / dOld).toFixed(1)}x) | ${packedOld.length} / ${packedNew.length} |`);
  console.log(rows.at(-1));
  speedups.compress.push(cNew / cOld);
  speedups.decompress.push(dNew / dOld);
}
const range = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}x`;

replaceSection('zstd', 'zstd in the js backend: fzstd + @bokuweb/zstd-wasm vs node:zlib (bench/zstd.ts)', [
  `Command: \`npm i --no-save fzstd@0.1.1 @bokuweb/zstd-wasm@0.0.27 && npx tsx bench/zstd.ts\`. Machine: ${machineDescription()}. Date: ${new Date().toISOString().slice(0, 10)}.`,
  '',
  `MB/s of uncompressed bytes, median of ${ITERATIONS} rounds (old and new timed alternately in each round), level ${LEVEL}, one thread;`,
  `load average at the start ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores (other builds were running: compare the columns, not absolute numbers).`,
  `Old: @bokuweb/zstd-wasm 0.0.27 compresses, fzstd 0.1.1 decompresses`,
  '(the package\'s js backend and default gRPC codec before Node 22). New: `node:zlib` zstd (libzstd inside Node),',
  'decompression capped at the expected size as the package calls it.',
  '',
  ...rows,
  '',
  `node:zlib against the old pair on these inputs: compression ${range(speedups.compress)}, decompression ${range(speedups.decompress)} the speed;`,
  'compressed sizes equal within 1% (both are libzstd level 3). Hence the switch: the package no longer depends on fzstd or @bokuweb/zstd-wasm.',
].join('\n'));
