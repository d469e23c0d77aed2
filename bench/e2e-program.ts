// What the reference codecs' bytes-to-bytes timing programs (Go e2e in bench/backends.ts,
// the Rust engine's in bench/rust-engine-e2e.ts) share: a generated program built once into
// the user cache, keyed by a hash of its sources, and run as `PROGRAM SIGNAL DIR ITERATIONS`
// printing {"encodeNanosAll":[..],"decodeNanosAll":[..]}.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Signal } from '../src/otlp/model.js';
import { contentHash } from '../test/support/source-hash.js';
import { userCacheDir } from '../test/support/user-cache.js';

export interface E2eTimes { encodeNanosAll: number[]; decodeNanosAll: number[] }

/**
 * The binary `name` built from `sources` (relative path -> contents) under
 * ~/.cache/otel-arrow/<kind>/<hash>/: on first use the sources are written there and
 * `build(dir, out)` must leave the binary at `out`, which is then moved into place.
 */
export function cachedProgram(kind: string, name: string, sources: Record<string, string | Buffer>, build: (dir: string, out: string) => void): string {
  const hash = contentHash(Object.keys(sources).sort().map((file) => [file, sources[file]!] as const));
  const dir = userCacheDir(kind, hash.slice(0, 16));
  const bin = path.join(dir, name);
  if (fs.existsSync(bin)) return bin;
  for (const [file, contents] of Object.entries(sources)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), contents);
  }
  const tmp = `${bin}.tmp-${process.pid}`;
  try {
    build(dir, tmp);
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, bin);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return bin;
}

/** The program or, when it cannot be built, why (one line, also printed). */
export function builtOrWhy(label: string, build: () => string): { bin?: string; why: string } {
  try {
    return { bin: build(), why: '' };
  } catch (e) {
    const why = `${label} not built: ${(e as Error).message.split('\n')[0]}`;
    console.error(why);
    return { why };
  }
}

/** One run of `iterations` fresh streams over DIR/otlp-*.pb: nanoseconds per iteration. */
export function runE2e(bin: string, label: string, signal: Signal, dir: string, iterations: number): Promise<E2eTimes> {
  return new Promise((resolve, reject) => {
    execFile(bin, [signal, dir, String(iterations)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${label} ${signal}: ${stderr.trim() || err.message}`));
      else resolve(JSON.parse(stdout) as E2eTimes);
    });
  });
}
