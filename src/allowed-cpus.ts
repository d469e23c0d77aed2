// The CPUs this process may run on: what resources.core_allocation picks from and pins
// workers to. On Linux that is the affinity mask (/proc/self/status, Cpus_allowed_list): a
// container's cpuset or a taskset around `otap run` may leave CPU 0 out ("4-7"), and pinning
// a worker to a CPU outside it fails. Elsewhere: 0 .. availableParallelism() - 1.
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';

/** A kernel CPU list ("0-3,8,10-11") as sorted, distinct CPU ids; [] when malformed. */
export function parseCpuList(list: string): number[] {
  const cpus = new Set<number>();
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return [];
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return [];
    for (let c = lo; c <= hi; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

export function allowedCpus(): number[] {
  if (process.platform === 'linux') {
    try {
      const m = /Cpus_allowed_list:\s*(\S+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
      const cpus = m ? parseCpuList(m[1]!) : [];
      if (cpus.length > 0) return cpus;
    } catch {
      // no /proc: fall through
    }
  }
  return Array.from({ length: availableParallelism() }, (_, i) => i);
}
