// The codec's steps timed alone, for two backends side by side in one process (bench/transport-cpu
// compares native with wasm, bench/wasm-ab two wasm builds): encode (OTLP bytes -> BAR bytes),
// decodeTables (BAR bytes -> held tables), and the gRPC zstd of the BAR both ways, over a pool
// of batches through one encoder (dictionaries warm), passes interleaved with the backends'
// order alternating, medians in µs per record.
import type { Backend } from '../src/backend/types.js';
import type { Signal } from '../src/otlp/model.js';
import { median } from './results.js';

/** gRPC message compression's default level (src/transport/grpc/compression.ts). */
export const GRPC_ZSTD_LEVEL = 3;

export interface StepTimes { encode: number; decodeTables: number; zstd: number; unzstd: number }

/** Median µs per record of each step for each of `backends` (`records`: the pool's items). */
export function codecSteps(backends: readonly Backend[], signal: Signal, reqs: readonly Uint8Array[], records: number, passes: number): StepTimes[] {
  const encoders = backends.map((b) => b.createEncoder());
  const bars = encoders.map((e) => reqs.map((bytes) => e.encode(signal, bytes))); // dictionaries warm
  const frames = bars[0]!.map((bar) => backends[0]!.zstdCompress(bar, GRPC_ZSTD_LEVEL));
  const times = backends.map(() => ({ encode: [] as number[], decodeTables: [] as number[], zstd: [] as number[], unzstd: [] as number[] }));
  const timed = (into: number[], run: () => void): void => {
    const t0 = performance.now();
    run();
    into.push(((performance.now() - t0) * 1000) / records);
  };
  for (let pass = 0; pass < passes; pass++) {
    for (const i of pass % 2 === 0 ? [0, 1] : [1, 0]) {
      const b = backends[i]!;
      const t = times[i]!;
      timed(t.encode, () => { for (const bytes of reqs) encoders[i]!.encode(signal, bytes); });
      const decoder = b.createDecoder();
      timed(t.decodeTables, () => { for (const bar of bars[i]!) decoder.decodeTables!(bar)?.release?.(); });
      decoder.close();
      timed(t.zstd, () => { for (const bar of bars[0]!) b.zstdCompress(bar, GRPC_ZSTD_LEVEL); });
      timed(t.unzstd, () => { for (const frame of frames) b.zstdDecompress(frame); });
    }
  }
  for (const e of encoders) e.close();
  return times.map((t) => ({ encode: median(t.encode), decodeTables: median(t.decodeTables), zstd: median(t.zstd), unzstd: median(t.unzstd) }));
}
