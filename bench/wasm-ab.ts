// A/B of two builds of the wasm module in one process: encode (OTLP bytes -> BAR bytes) and
// decodeTables (BAR bytes -> held tables) per record, passes interleaved between the modules
// (their order alternating), medians. Two native addons cannot share a process (the addon
// holds static TLS), but two wasm instances can, so this is the way to see a few percent
// through the machine's run-to-run noise (±30% between processes on the 2-core box).
//
//   npx tsx bench/wasm-ab.ts A.wasm B.wasm [--passes 21] [--rows traces:512,logs:4096]
//
// Prints, per signal and batch size, each module's median µs per record and B / A (below 1 =
// B faster). Nothing is written to RESULTS.md: copy the figures with the command.
import { WasmBackend } from '../src/backend/wasm.js';
import { countItems } from '../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../src/otlp/model.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';
import { median, numberFlag } from './results.js';

const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
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
  const batchSize = Number(size);
  const requests = Array.from({ length: batchSize >= 4096 ? 4 : 12 }, (_, i) =>
    generators[signal]({ seed: 7, batchSize, batchIndex: i, uniqueValuesPerBatch: 2 }) as SignalRequest[Signal]);
  const otlp = requests.map((r) => encodeOtlp(signal, r));
  const items = requests.reduce((n, r) => n + countItems(signal, r), 0);
  const encoders = backends.map((b) => b.createEncoder());
  const bars = backends.map((_, i) => otlp.map((bytes) => encoders[i]!.encode(signal, bytes))); // warms the dictionaries
  const times = backends.map(() => ({ encode: [] as number[], decode: [] as number[] }));
  for (let pass = 0; pass < PASSES; pass++) {
    for (const i of pass % 2 === 0 ? [0, 1] : [1, 0]) {
      let t0 = performance.now();
      for (const bytes of otlp) encoders[i]!.encode(signal, bytes);
      times[i]!.encode.push(((performance.now() - t0) * 1000) / items);
      const decoder = backends[i]!.createDecoder();
      t0 = performance.now();
      for (const bar of bars[i]!) decoder.decodeTables!(bar)?.release?.();
      times[i]!.decode.push(((performance.now() - t0) * 1000) / items);
      decoder.close();
    }
  }
  const [a, b] = times.map((t) => ({ encode: median(t.encode), decode: median(t.decode) })) as [{ encode: number; decode: number }, { encode: number; decode: number }];
  console.log(`${row.padEnd(13)} encode ${a.encode.toFixed(3)} -> ${b.encode.toFixed(3)} µs/record (${(b.encode / a.encode).toFixed(3)}x)   decodeTables ${a.decode.toFixed(3)} -> ${b.decode.toFixed(3)} (${(b.decode / a.decode).toFixed(3)}x)`);
}
