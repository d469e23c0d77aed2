// Pins a process, every thread of it, to one CPU with taskset (util-linux). `-a` matters:
// Node's V8 and libuv threads exist before the pin and would otherwise float across cores;
// threads started later inherit the mask.
import { execFile } from 'node:child_process';

/** Resolves to undefined once pinned, or to why not (not Linux, no taskset, refused). */
export function pinToCore(pid: number, core: number): Promise<string | undefined> {
  if (process.platform !== 'linux') return Promise.resolve(`pinning needs Linux (this is ${process.platform})`);
  return new Promise((resolve) => {
    execFile('taskset', ['-acp', String(core), String(pid)], (err) => resolve(err ? err.message.split('\n')[0] : undefined));
  });
}
