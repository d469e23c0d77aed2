// Encode cost along one long stream: does a batch late in a gRPC stream cost what an early one
// does? Dictionaries grow over a stream (high-cardinality attributes approach their cardinality,
// and `uniqueValuesPerBatch` adds values no other batch has), so an encoder whose per-batch
// work follows the dictionary's size, not the batch's, slows down as the stream ages. Part of
// bench/backends.ts (its "Long streams" table).
import type { Backend } from '../src/backend/types.js';
import { generateLogs, generateMetrics, generateTraces } from '../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../src/otlp/model.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';

const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

export interface LongStreamOptions { batches: number; window: number; rounds: number; batchSize: number; uniquePerBatch: number }
export interface LongStreamRow { signal: Signal; backend: string; firstMicros: number; lastMicros: number }

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

/** Nanoseconds of each encode() call of one stream, fresh encoder. */
function encodeTimes(b: Backend, signal: Signal, otlp: Uint8Array[]): number[] {
  const enc = b.createEncoder();
  const times: number[] = [];
  for (const o of otlp) {
    const t0 = process.hrtime.bigint();
    enc.encode(signal, o);
    times.push(Number(process.hrtime.bigint() - t0));
  }
  enc.close();
  return times;
}

/** Per signal and backend: median µs per batch over the stream's first and last `window` batches. */
export function measureLongStreams(signals: Signal[], backends: Backend[], o: LongStreamOptions): LongStreamRow[] {
  const rows: LongStreamRow[] = [];
  for (const signal of signals) {
    const otlp = Array.from({ length: o.batches }, (_, i) =>
      encodeOtlp(signal, generators[signal]({ seed: 11, batchSize: o.batchSize, batchIndex: i, uniqueValuesPerBatch: o.uniquePerBatch }) as SignalRequest[Signal]),
    );
    // Per batch position, the median over rounds (backends interleaved within each round).
    const times = new Map(backends.map((b) => [b.name, otlp.map(() => [] as number[])]));
    for (let r = 0; r < o.rounds; r++) {
      for (const b of backends) encodeTimes(b, signal, otlp).forEach((t, i) => times.get(b.name)![i]!.push(t));
    }
    for (const b of backends) {
      const perBatch = times.get(b.name)!.map(median);
      rows.push({
        signal,
        backend: b.name,
        firstMicros: median(perBatch.slice(0, o.window)) / 1000,
        lastMicros: median(perBatch.slice(-o.window)) / 1000,
      });
    }
  }
  return rows;
}

export function longStreamTable(rows: LongStreamRow[], o: LongStreamOptions): string {
  const lines = [
    `| signal | backend | batches 1-${o.window} µs/batch | batches ${o.batches - o.window + 1}-${o.batches} µs/batch | last / first |`,
    '| --- | --- | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(`| ${r.signal} | ${r.backend} | ${r.firstMicros.toFixed(0)} | ${r.lastMicros.toFixed(0)} | ${(r.lastMicros / r.firstMicros).toFixed(2)}x |`);
  }
  return lines.join('\n');
}
