// Cost along one long stream: does a batch late in a gRPC stream cost what an early one does?
// Dictionaries grow over a stream (high-cardinality attributes approach their cardinality, and
// `uniqueValuesPerBatch` adds values no other batch has), so a codec whose per-batch work
// follows the dictionary's size, not the batch's, slows down as the stream ages: an encoder
// comparing dictionaries, a decoder concatenating each delta onto the whole dictionary, a
// forwarder doing both. Part of bench/backends.ts (its "Long streams" table).
import type { Backend } from '../src/backend/types.js';
import { generateLogs, generateMetrics, generateTraces } from '../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../src/otlp/model.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';

const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

export interface LongStreamOptions { batches: number; window: number; rounds: number; batchSize: number; uniquePerBatch: number }
/** encode: OTLP -> BAR; decode: BAR -> OTLP; forward: BAR -> tables -> BAR (OTAP -> OTAP, native and wasm). */
export type LongStreamOp = 'encode' | 'decode' | 'forward';
export interface LongStreamRow { signal: Signal; op: LongStreamOp; backend: string; firstMicros: number; lastMicros: number }

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

/** Nanoseconds of each call of `step` over one stream's inputs (fresh stream state per pass). */
function stepTimes<T>(inputs: T[], step: (input: T) => void): number[] {
  return inputs.map((input) => {
    const t0 = process.hrtime.bigint();
    step(input);
    return Number(process.hrtime.bigint() - t0);
  });
}

/** The timed steps of one operation on one backend, with a fresh stream; undefined when the backend lacks it. */
function timesOf(op: LongStreamOp, b: Backend, signal: Signal, otlp: Uint8Array[], bars: Uint8Array[]): number[] | undefined {
  if (op === 'encode') {
    const enc = b.createEncoder();
    const t = stepTimes(otlp, (o) => enc.encode(signal, o));
    enc.close();
    return t;
  }
  const dec = b.createDecoder();
  try {
    if (op === 'decode') return stepTimes(bars, (bar) => dec.decode(bar));
    const enc = b.createEncoder();
    if (!dec.decodeTables || !enc.encodeTables) return undefined;
    const t = stepTimes(bars, (bar) => {
      const tables = dec.decodeTables!(bar)!;
      enc.encodeTables!(tables);
      tables.release?.();
    });
    enc.close();
    return t;
  } finally {
    dec.close();
  }
}

/**
 * Per signal, operation and backend: median µs per batch over the stream's first and last
 * `window` batches. Every decoder reads the stream of the first backend's encoder.
 */
export function measureLongStreams(signals: Signal[], backends: Backend[], o: LongStreamOptions): LongStreamRow[] {
  const rows: LongStreamRow[] = [];
  const ops: LongStreamOp[] = ['encode', 'decode', 'forward'];
  for (const signal of signals) {
    const otlp = Array.from({ length: o.batches }, (_, i) =>
      encodeOtlp(signal, generators[signal]({ seed: 11, batchSize: o.batchSize, batchIndex: i, uniqueValuesPerBatch: o.uniquePerBatch }) as SignalRequest[Signal]),
    );
    const enc = backends[0]!.createEncoder();
    const bars = otlp.map((x) => enc.encode(signal, x));
    enc.close();
    for (const op of ops) {
      // Per batch position, the median over rounds (backends interleaved within each round).
      const times = new Map<string, number[][]>();
      for (let r = 0; r < o.rounds; r++) {
        for (const b of backends) {
          const t = timesOf(op, b, signal, otlp, bars);
          if (!t) continue;
          if (!times.has(b.name)) times.set(b.name, otlp.map(() => []));
          t.forEach((x, i) => times.get(b.name)![i]!.push(x));
        }
      }
      for (const [backend, perPosition] of times) {
        const perBatch = perPosition.map(median);
        rows.push({
          signal,
          op,
          backend,
          firstMicros: median(perBatch.slice(0, o.window)) / 1000,
          lastMicros: median(perBatch.slice(-o.window)) / 1000,
        });
      }
    }
  }
  return rows;
}

export function longStreamTable(rows: LongStreamRow[], o: LongStreamOptions): string {
  const lines = [
    `| signal | operation | backend | batches 1-${o.window} µs/batch | batches ${o.batches - o.window + 1}-${o.batches} µs/batch | last / first |`,
    '| --- | --- | --- | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(`| ${r.signal} | ${r.op} | ${r.backend} | ${r.firstMicros.toFixed(0)} | ${r.lastMicros.toFixed(0)} | ${(r.lastMicros / r.firstMicros).toFixed(2)}x |`);
  }
  return lines.join('\n');
}
