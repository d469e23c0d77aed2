// A/B of two builds of the wasm module in one process: the codec's steps per record
// (bench/codec-steps.ts: encode, decodeTables, gRPC zstd both ways; bench/transport's pool),
// passes interleaved between the modules (their order alternating), medians. Two native
// addons cannot share a process (the addon holds static TLS), but two wasm instances can, so
// this is the way to see a few percent through the machine's run-to-run noise (±30% between
// processes on the 2-core box).
//
//   npx tsx bench/wasm-ab.ts A.wasm B.wasm [--passes 21] [--rows traces:512,logs:4096]
//
// Prints, per signal and batch size, each module's median µs per record and B / A (below 1 =
// B faster). Nothing is written to RESULTS.md: copy the figures with the command.
import { WasmBackend } from '../src/backend/wasm.js';
import type { Signal } from '../src/otlp/model.js';
import { codecSteps, type StepTimes } from './codec-steps.js';
import { numberFlag } from './results.js';
import { pool } from './transport-load.js';

const files = process.argv.slice(2).filter((a, i, all) => a.endsWith('.wasm') && !all[i - 1]?.startsWith('--'));
if (files.length !== 2) {
  console.error('usage: npx tsx bench/wasm-ab.ts A.wasm B.wasm [--passes 21] [--rows traces:512,logs:4096]');
  process.exit(2);
}
const PASSES = numberFlag('--passes', 21);
const rowsAt = process.argv.indexOf('--rows');
const rows = (rowsAt > 0 ? process.argv[rowsAt + 1]! : 'traces:512,traces:4096,logs:512,logs:4096,metrics:512,metrics:4096').split(',');

const backends = await Promise.all(files.map((f) => WasmBackend.load(f)));
for (const row of rows) {
  const [signal, size] = row.split(':') as [Signal, string];
  const { bytes, counts } = pool(signal, Number(size));
  const [a, b] = codecSteps(backends, signal, bytes, counts.reduce((n, c) => n + c, 0), PASSES) as [StepTimes, StepTimes];
  const cell = (step: keyof StepTimes): string => `${step} ${a[step].toFixed(3)} -> ${b[step].toFixed(3)} (${(b[step] / a[step]).toFixed(3)}x)`;
  console.log(`${row.padEnd(13)} µs/record: ${(['encode', 'decodeTables', 'zstd', 'unzstd'] as const).map(cell).join('   ')}`);
}
