// Which cores resources.core_allocation picks: among the CPUs this process may run on (its
// affinity mask), not 0..N-1, so that a cpuset or taskset that leaves CPU 0 out is honoured.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allowedCpus, parseCpuList } from '../../src/allowed-cpus.js';
import type { CoreAllocation } from '../../src/pipeline/config/spec-schema.js';
import { coresOf } from '../../src/pipeline/workers/instance-plan.js';

const alloc = (a: Partial<CoreAllocation> & Pick<CoreAllocation, 'strategy'>): CoreAllocation => ({ count: undefined, set: undefined, ...a });

describe('allowed CPUs', () => {
  it('parses kernel CPU lists', () => {
    expect(parseCpuList('0')).toEqual([0]);
    expect(parseCpuList('0-3')).toEqual([0, 1, 2, 3]);
    expect(parseCpuList('4-5,8,10-11\n')).toEqual([4, 5, 8, 10, 11]);
    expect(parseCpuList('2,0-1')).toEqual([0, 1, 2]);
    for (const bad of ['', 'x', '3-1', '1,,2', '1-']) expect(parseCpuList(bad)).toEqual([]);
  });

  it.runIf(process.platform === 'linux')('are the affinity mask of this process on Linux', () => {
    const listed = /Cpus_allowed_list:\s*(\S+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]!;
    expect(allowedCpus()).toEqual(parseCpuList(listed));
    expect(allowedCpus().length).toBeGreaterThan(0);
  });
});

describe('core allocation against the allowed CPUs', () => {
  const allowed = [4, 5, 6, 7];
  it('all_cores and core_count take the allowed CPUs in order', () => {
    expect(coresOf(alloc({ strategy: 'all_cores' }), allowed)).toEqual([4, 5, 6, 7]);
    expect(coresOf(alloc({ strategy: 'core_count', count: 2 }), allowed)).toEqual([4, 5]);
    expect(coresOf(alloc({ strategy: 'core_count', count: 9 }), allowed)).toEqual([4, 5, 6, 7]);
    expect(coresOf(alloc({ strategy: 'core_count', count: 0 }), allowed)).toEqual([4, 5, 6, 7]);
  });

  it('core_set keeps the ids it names that are allowed', () => {
    expect(coresOf(alloc({ strategy: 'core_set', set: [{ start: 0, end: 5 }] }), allowed)).toEqual([4, 5]);
    expect(coresOf(alloc({ strategy: 'core_set', set: [{ start: 7, end: 9 }, { start: 5, end: 5 }] }), allowed)).toEqual([5, 7]);
    expect(coresOf(alloc({ strategy: 'core_set', set: [{ start: 0, end: 3 }] }), allowed)).toEqual([]);
    // `taskset -c 1 otap run --core-id-range 1-1` on a 2-CPU machine: one CPU allowed, and it is 1.
    expect(coresOf(alloc({ strategy: 'core_set', set: [{ start: 1, end: 1 }] }), [1])).toEqual([1]);
    expect(coresOf(alloc({ strategy: 'core_count', count: 1 }), [1])).toEqual([1]);
  });
});
