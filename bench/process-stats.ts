// What the benchmarks read about a process under test: CPU seconds, resident and peak
// memory (from /proc), and when its port accepts connections.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';

const CLK_TCK = 100;

/** CPU seconds of a process: the time its threads ran, in nanoseconds from each thread's
 *  schedstat. utime + stime come in clock ticks (10 ms), which made a process at 1-2% of a
 *  core (the Go Collector latency-bound at batch 10) a count of 3-6 ticks per 3 s round.
 *  Threads that exited are not in the sum: compare differences over a window in which the
 *  process keeps its threads (both Node and Go do under steady load). Falls back to
 *  utime + stime where schedstat is missing. */
export function cpuSeconds(pid: number): number {
  try {
    let ns = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread exited between the listing and the read
      }
    }
    if (Number.isFinite(ns) && ns > 0) return ns / 1e9;
  } catch {
    // no task list: the ticks below
  }
  return tickCpuSeconds(pid);
}

/** utime + stime of a process, in seconds (clock ticks). */
function tickCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU seconds of a process and its live children (the workers of `otap run --num-cores N`). */
export function treeCpuSeconds(pid: number): number {
  let children: number[] = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // no children file: the process alone
  }
  return cpuSeconds(pid) + children.reduce((a, c) => {
    try {
      return a + cpuSeconds(c);
    } catch {
      return a; // exited meanwhile
    }
  }, 0);
}

function statusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export const rssBytes = (pid: number): number => statusKb(pid, 'VmRSS');
/** Peak resident set size since the process started. */
export const peakRssBytes = (pid: number): number => statusKb(pid, 'VmHWM');

export async function waitForPort(port: number, child: ChildProcess, output: () => string, what = 'process'): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}):\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} port ${port} not ready:\n${output()}`);
}

/** Runs `main` in a copy of this script pinned to `cpu` (taskset), so the load a benchmark
 *  generates stays off the cores of the process under test; exits with its code. */
export function runPinned(cpu: string, envFlag: string, main: () => Promise<void>): void {
  if (process.env[envFlag] !== '1') {
    const child = spawn('taskset', ['-c', cpu, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit', env: { ...process.env, [envFlag]: '1' },
    });
    child.on('exit', (code) => process.exit(code ?? 1));
    return;
  }
  main().then(() => process.exit(0), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
