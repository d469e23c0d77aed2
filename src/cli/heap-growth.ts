// V8's old-generation growth for the `otap` process.
//
// A pipeline keeps little JavaScript alive (about 20 MiB) while hundreds of MiB/s of request
// bytes pass through Buffers. V8 sizes the next old-generation limit from the live heap
// (x1.1 at these speeds, plus 8 MiB and the young generation), so in-flight buffers promoted
// by the frequent young collections reach it within ~100 ms: `otap run` receiving 4096-record
// OTLP requests ran 72 full mark-compacts in 10 s, and concurrent marking and sweeping took a
// quarter of its CPU (perf). A growth factor of 4 lets the old generation reach 4x the live heap
// before marking: about a third as many mark-compacts, 15-30% less CPU receiving, more peak
// RSS at saturation (+20 to +130 MiB in the benchmarks). The flag is read at every limit
// computation, so setting it at start-up works.

import { ConfigError } from '../bridge/config.js';

export const HEAP_GROWING_ENV = 'OTEL_ARROW_V8_HEAP_GROWING_PERCENT';
/** --heap-growing-percent=300: the limit grows to (1 + 300/100) = 4x the live old generation. */
export const DEFAULT_HEAP_GROWING_PERCENT = 300;

export interface HeapGrowthChoice {
  /** The percent applied, or undefined when V8's own heuristic stays (0, or the flag was given to node). */
  percent: number | undefined;
  /** Why V8's own growth stays, when it does. */
  reason?: string;
}

/** What to apply from the environment and node's own flags; throws on a malformed value. */
export function chooseHeapGrowth(env: NodeJS.ProcessEnv, execArgv: readonly string[]): HeapGrowthChoice {
  if (execArgv.some((a) => a.startsWith('--heap-growing-percent'))) return { percent: undefined, reason: 'node was started with --heap-growing-percent' };
  const raw = env[HEAP_GROWING_ENV]?.trim();
  if (raw === undefined || raw === '') return { percent: DEFAULT_HEAP_GROWING_PERCENT };
  if (!/^\d+$/.test(raw) || Number(raw) > 1000) {
    throw new ConfigError(`${HEAP_GROWING_ENV}=${raw}: expected a whole number of percent from 0 to 1000 (0 keeps V8's own heap growth; default ${DEFAULT_HEAP_GROWING_PERCENT})`);
  }
  const percent = Number(raw);
  return percent === 0 ? { percent: undefined, reason: `${HEAP_GROWING_ENV}=0` } : { percent };
}

/** Applies the choice with `setFlags` (node:v8 setFlagsFromString). */
export function applyHeapGrowth(choice: HeapGrowthChoice, setFlags: (flags: string) => void): void {
  if (choice.percent !== undefined) setFlags(`--heap-growing-percent=${choice.percent}`);
}
