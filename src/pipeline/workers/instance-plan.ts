// How many instances of each pipeline run, and on which cores: resources.core_allocation
// (all_cores, core_count, core_set) against the cores this machine has, with the CLI's
// --num-cores / --core-id-range overriding the top-level setting, as in the Rust engine.
import { availableParallelism } from 'node:os';
import type { CoreAllocation } from '../config/spec-schema.js';
import type { ResolvedPipeline } from '../config/resolve.js';

export interface InstancePlan {
  /** Worker processes to run (the largest instance count of any pipeline). */
  workers: number;
  /** Per worker: the pipeline indexes it runs. */
  pipelinesOf: number[][];
  /** Per worker: the core to pin it to, when the allocation names cores. */
  coreOf: Array<number | undefined>;
}

export function coresOf(a: CoreAllocation, available: number): number[] {
  const all = Array.from({ length: available }, (_, i) => i);
  if (a.strategy === 'all_cores') return all;
  if (a.strategy === 'core_count') return a.count === 0 || a.count === undefined ? all : all.slice(0, Math.min(a.count, available));
  const set = new Set<number>();
  for (const r of a.set ?? []) for (let c = r.start; c <= r.end; c++) if (c < available) set.add(c);
  return [...set].sort((x, y) => x - y);
}

export function planInstances(pipelines: readonly ResolvedPipeline[], override: CoreAllocation | undefined, available = availableParallelism()): InstancePlan {
  const cores = pipelines.map((p) => coresOf(override ?? p.policies.coreAllocation, available));
  for (const [i, c] of cores.entries()) {
    if (c.length === 0) throw new Error(`${pipelines[i]!.path}: resources.core_allocation selects no core of this machine (it has ${available})`);
  }
  const workers = Math.max(1, ...cores.map((c) => c.length));
  const pipelinesOf = Array.from({ length: workers }, (_, w) => cores.flatMap((c, i) => (w < c.length ? [i] : [])));
  const coreOf = Array.from({ length: workers }, (_, w) => cores.find((c) => w < c.length)?.[w]);
  return { workers, pipelinesOf, coreOf };
}
