// Start-up leaves memory held that an idle process never uses again: V8's young generation,
// grown while the modules were compiled and the engine built, with their garbage; and the
// pages glibc keeps in the arenas of the threads that compiled and collected. V8's memory
// reducer returns the first once the process has idled for a while (measured: `otap run`
// 105 -> 91 MiB RSS about 8 s after start), glibc never returns the second by itself. One
// memory-reducing collection and one malloc_trim when the engine is up return both at once,
// for about 50 ms, before any traffic is waiting.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Backend } from '../backend/types.js';

type GcFunction = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/** `backend`: the native backend's releaseFreeMemory (mimalloc's collect, glibc's malloc_trim), when it is the one loaded. */
export function releaseStartupMemory(backend?: Pick<Backend, 'releaseFreeMemory'>): void {
  // The documented way to reach gc() without starting node with --expose-gc: the flag applies
  // to contexts created after it is set.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as GcFunction | undefined;
  // "last-resort" is the collection V8 runs under memory pressure: it also shrinks the young
  // generation, which a plain full collection leaves at its grown size.
  gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  backend?.releaseFreeMemory?.();
}
