// How many instances of each pipeline run, and on which cores: resources.core_allocation
// (all_cores, core_count, core_set) against the cores this process may use (its affinity
// mask, as the Rust engine's core list), with the CLI's --num-cores / --core-id-range
// overriding the top-level setting, as in the Rust engine.
import { allowedCpus } from '../../allowed-cpus.js';
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

/** The cores `a` selects among `allowed` (sorted CPU ids): all of them, the first `count`,
 *  or the ids of `set` that are allowed. */
export function coresOf(a: CoreAllocation, allowed: readonly number[]): number[] {
  if (a.strategy === 'all_cores') return [...allowed];
  if (a.strategy === 'core_count') return a.count === 0 || a.count === undefined ? [...allowed] : allowed.slice(0, a.count);
  const set = new Set<number>();
  for (const r of a.set ?? []) for (const c of allowed) if (c >= r.start && c <= r.end) set.add(c);
  return [...set].sort((x, y) => x - y);
}

export function planInstances(pipelines: readonly ResolvedPipeline[], override: CoreAllocation | undefined, allowed: readonly number[] = allowedCpus()): InstancePlan {
  const cores = pipelines.map((p) => coresOf(override ?? p.policies.coreAllocation, allowed));
  for (const [i, c] of cores.entries()) {
    if (c.length === 0) throw new Error(`${pipelines[i]!.path}: resources.core_allocation selects no core this process may run on (CPUs ${allowed.join(',')})`);
  }
  const workers = Math.max(1, ...cores.map((c) => c.length));
  const pipelinesOf = Array.from({ length: workers }, (_, w) => cores.flatMap((c, i) => (w < c.length ? [i] : [])));
  const coreOf = Array.from({ length: workers }, (_, w) => cores.find((c) => w < c.length)?.[w]);
  return { workers, pipelinesOf, coreOf };
}
