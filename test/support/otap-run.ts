// `otap run` (the built CLI) as a child process for tests: write a config, start it, wait
// until it reports that it runs, stop it with a signal, collect its output and exit code.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OTAP_BIN } from './dist.js';

export interface RunningOtap {
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  /** Admin port when the run line names one. */
  adminPort: number | undefined;
  exited: Promise<number>;
  /** Resident set size of the process (and its workers), from /proc. */
  rss(): number;
}

function rssOfPid(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Child pids of `pid` (an `otap run` primary's worker processes). */
export function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** `nodeArgs`: flags for node itself (before the bin), e.g. --trace-gc. */
export async function startOtapRun(yaml: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): Promise<RunningOtap> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-run-'));
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, yaml);
  const child = spawn(process.execPath, [...nodeArgs, OTAP_BIN, 'run', '--config', file, ...args], {
    env: { ...process.env, OTEL_ARROW_BACKEND: 'native', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-100_000)));
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('otap run:')) resolve();
    });
    void exited.then((code) => reject(new Error(`otap run exited (${code}) before starting:\n${stderr}`)));
  });
  const admin = /admin on port (\d+)/.exec(stderr);
  return {
    child, exited,
    stderr: () => stderr,
    stdout: () => stdout,
    adminPort: admin ? Number(admin[1]) : undefined,
    rss: () => [child.pid!, ...childrenOf(child.pid!)].reduce((a, p) => a + rssOfPid(p), 0),
  };
}
