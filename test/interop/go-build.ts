// `go build` of a small Go module of this repository (the interop peers, the benchmark load),
// cached by a hash of its sources under ~/.cache/otel-arrow, so that a clone, a CI run and a
// benchmark reuse one build until go.mod, go.sum or a .go file changes. Node built-ins only.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sourceHash } from '../support/source-hash.js';
import { userCacheDir } from '../support/user-cache.js';

export interface GoProgram {
  /** Directory of the Go module (go.mod, go.sum, *.go). */
  sourceDir: string;
  /** Cache subdirectory under otel-arrow/ (e.g. go-peer). */
  cacheName: string;
  binaryName: string;
  /** Extra `go build` flags (e.g. -trimpath). */
  buildFlags?: string[];
  /** Environment variable naming a prebuilt binary to use instead of building. */
  prebuiltEnv?: string;
}

/** True when `go` is on PATH. */
export function hasGoToolchain(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `${XDG_CACHE_HOME ?? ~/.cache}/otel-arrow/<cacheName>/<sha256 of the sources>/`. */
export function goProgramCacheDir(p: GoProgram): string {
  const files = fs.readdirSync(p.sourceDir).filter((n) => n === 'go.mod' || n === 'go.sum' || n.endsWith('.go')).sort();
  return userCacheDir(p.cacheName, sourceHash(p.sourceDir, files));
}

/** A build lock older than this is taken to be left over from a killed build. */
const STALE_LOCK_MS = 30 * 60_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const building = new Map<string, Promise<string>>();

/**
 * Path of the program's binary, built with `go build` on first use (the env override wins).
 * Safe to call concurrently, also from several processes: one process builds under a lock
 * directory, the others wait for the binary, which is renamed into place atomically.
 */
export function goProgramBinary(p: GoProgram): Promise<string> {
  const prebuilt = p.prebuiltEnv && process.env[p.prebuiltEnv];
  if (prebuilt) return Promise.resolve(prebuilt);
  let pending = building.get(p.sourceDir);
  if (pending) return pending;
  pending = (async () => {
    const dir = goProgramCacheDir(p);
    const bin = path.join(dir, p.binaryName);
    const lock = path.join(dir, 'build.lock');
    fs.mkdirSync(dir, { recursive: true });
    for (;;) {
      if (fs.existsSync(bin)) return bin;
      try {
        fs.mkdirSync(lock);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        let age = 0;
        try {
          age = Date.now() - fs.statSync(lock).mtimeMs;
        } catch {
          continue; // released meanwhile
        }
        if (age > STALE_LOCK_MS) fs.rmSync(lock, { recursive: true, force: true });
        else await sleep(1000);
        continue;
      }
      const tmp = `${bin}.tmp-${process.pid}`;
      try {
        if (fs.existsSync(bin)) return bin;
        await runCommand('go', ['build', ...(p.buildFlags ?? []), '-o', tmp, '.'], p.sourceDir);
        fs.renameSync(tmp, bin);
        return bin;
      } finally {
        fs.rmSync(tmp, { force: true });
        fs.rmSync(lock, { recursive: true, force: true });
      }
    }
  })();
  building.set(p.sourceDir, pending);
  pending.catch(() => building.delete(p.sourceDir)); // let a later call retry
  return pending;
}

/** Runs a command to completion; rejects with its stderr. */
export function runCommand(cmd: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}
