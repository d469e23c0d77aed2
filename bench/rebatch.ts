// processor:batch's work on received OTAP batches, Arrow path vs OTLP-bytes path, side by
// side in one run. Writes the `rebatch` section of bench/RESULTS.md.
//
//   npx tsx bench/rebatch.ts [--quick]
//
// Per signal and Rust backend, inputs are held tables (BackendDecoder.decodeTables of one
// stream, as receiver:otap holds them):
// - join: 16 batches of 512 items -> one batch, then written as the next BAR of an outgoing
//   stream. Arrow: backend.concatTables + encoder.encodeTables. OTLP: tables.toOtlp() for
//   each + joinOtlpRequests + encoder.encode (what processor:batch did before).
// - split: one batch of 8192 items -> 16 of 512, each written as a BAR. Arrow:
//   backend.splitTables + encodeTables. OTLP: toOtlp + splitOtlpRequest + encode.
// Timed: the whole workload including the BAR writing (the output has to go out either
// way), and the join/split step alone. One warm-up, then ROUNDS rounds with the two paths'
// order alternating; medians. No IPC zstd.
import { loadBackend } from '../src/backend/index.js';
import type { Backend, BackendName, BackendTables } from '../src/backend/types.js';
import { generateLogs, generateMetrics, generateTraces } from '../src/otlp/generate.js';
import type { Signal } from '../src/otlp/model.js';
import { joinOtlpRequests, splitOtlpRequest } from '../src/otlp/protobuf/split-request.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';
import { machineDescription, median, replaceSection } from './results.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 9;
const SIGNALS: Signal[] = ['logs', 'traces', 'metrics'];
const BACKENDS: BackendName[] = process.argv.includes('--native') ? ['native'] : ['native', 'wasm'];
const GEN = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
const PIECE = 512;
const PIECES = 16;

/** Held tables of `count` batches of `size` items, read from one stream. */
function held(backend: Backend, signal: Signal, size: number, count: number): BackendTables[] {
  const enc = backend.createEncoder();
  const dec = backend.createDecoder();
  return Array.from({ length: count }, (_, i) => dec.decodeTables!(enc.encode(signal, encodeOtlp(signal, GEN[signal]({ seed: 5, batchSize: size, batchIndex: i }))))!);
}

interface Timing { total: number; step: number }

function timeJoin(backend: Backend, signal: Signal, inputs: BackendTables[], arrow: boolean): Timing {
  const enc = backend.createEncoder();
  const t0 = performance.now();
  let t1: number;
  if (arrow) {
    const out = backend.concatTables!(inputs)!;
    t1 = performance.now();
    for (const t of out) enc.encodeTables!(t);
  } else {
    const joined = joinOtlpRequests(inputs.map((t) => t.toOtlp()));
    t1 = performance.now();
    enc.encode(signal, joined);
  }
  const t2 = performance.now();
  enc.close();
  return { total: t2 - t0, step: t1 - t0 };
}

function timeSplit(backend: Backend, signal: Signal, input: BackendTables, arrow: boolean): Timing {
  const enc = backend.createEncoder();
  const t0 = performance.now();
  let t1: number;
  if (arrow) {
    const out = backend.splitTables!(input, PIECE, PIECE)!;
    t1 = performance.now();
    for (const t of out) enc.encodeTables!(t);
  } else {
    const out = splitOtlpRequest(signal, input.toOtlp(), PIECE, 'items');
    t1 = performance.now();
    for (const p of out) enc.encode(signal, p.bytes);
  }
  const t2 = performance.now();
  enc.close();
  return { total: t2 - t0, step: t1 - t0 };
}

const rows: string[] = [];
for (const name of BACKENDS) {
  const backend = await loadBackend(name);
  for (const signal of SIGNALS) {
    const small = held(backend, signal, PIECE, PIECES);
    const [big] = held(backend, signal, PIECE * PIECES, 1);
    const items = small.reduce((n, t) => n + t.itemCount(), 0);
    for (const [op, run] of [['join', (a: boolean) => timeJoin(backend, signal, small, a)], ['split', (a: boolean) => timeSplit(backend, signal, big!, a)]] as const) {
      run(true);
      run(false);
      const arrow: Timing[] = [];
      const otlp: Timing[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        if (r % 2 === 0) {
          arrow.push(run(true));
          otlp.push(run(false));
        } else {
          otlp.push(run(false));
          arrow.push(run(true));
        }
      }
      const a = { total: median(arrow.map((t) => t.total)), step: median(arrow.map((t) => t.step)) };
      const o = { total: median(otlp.map((t) => t.total)), step: median(otlp.map((t) => t.step)) };
      const kps = (ms: number) => Math.round(items / ms).toLocaleString('en-US'); // items per ms = k items/s
      const row = `| ${name} | ${signal} | ${op} ${op === 'join' ? `${PIECES}x${PIECE}` : `${PIECE * PIECES} -> ${PIECES}x${PIECE}`} | ${a.step.toFixed(1)} | ${o.step.toFixed(1)} | ${a.total.toFixed(1)} | ${o.total.toFixed(1)} | ${kps(a.total)}k | ${kps(o.total)}k | ${(o.total / a.total).toFixed(2)}x |`;
      rows.push(row);
      console.log(row);
    }
  }
}

const body = `Machine: ${machineDescription()}. Command: \`npx tsx bench/rebatch.ts${quick ? ' --quick' : ''}\` (${ROUNDS} rounds, medians).

What processor:batch does to received OTAP batches (held tables): **Arrow** = the Rust core
joins/splits the tables (concatTables / splitTables) and the exporter writes them
(encodeTables); **OTLP** = each batch converted to OTLP bytes, joined/split as bytes and
encoded again (the path before). "step" is the join/split alone, "total" includes writing
the output BARs (no IPC zstd). Items/s over the total.

| backend | signal | work | Arrow step ms | OTLP step ms | Arrow total ms | OTLP total ms | Arrow items/s | OTLP items/s | OTLP/Arrow |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
if (!quick) replaceSection('rebatch', 'processor:batch on OTAP input: Arrow join/split vs OTLP bytes (bench/rebatch.ts)', body);
else console.log(body);
