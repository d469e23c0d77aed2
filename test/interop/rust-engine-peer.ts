// Driver for `otap-rust-engine-peer` (test/interop/rust-engine), a small Rust program around
// the Rust engine's OTAP Producer and Consumer (crate otel-arrow-dfe-pdata from crates.io),
// used by test/interop/rust-engine.test.ts. See test/README.md. Node built-ins only.
//
// The crate pulls datafusion: a cold build takes tens of minutes on 2 cores. Cargo's outputs
// live in one cached target directory outside the clone (RUST_ENGINE_TARGET_ENV, default
// ~/.cache/otel-arrow/rust-engine-target) shared by CI runs; the finished binary is cached
// by a hash of the peer's sources.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Signal } from '../../src/otlp/model.js';
import { sourceHash } from '../support/source-hash.js';
import { userCacheDir } from '../support/user-cache.js';

/** Directory of the Cargo project (Cargo.toml, Cargo.lock, src/main.rs). */
export const RUST_ENGINE_SOURCE_DIR = fileURLToPath(new URL('./rust-engine/', import.meta.url));

/** Environment variable naming a prebuilt binary to use instead of building. */
export const RUST_ENGINE_PEER_ENV = 'OTAP_RUST_ENGINE_PEER';
/** Environment variable naming the cargo target directory of the peer's build. */
export const RUST_ENGINE_TARGET_ENV = 'OTAP_RUST_ENGINE_TARGET_DIR';

/** True when the binary can be obtained: OTAP_RUST_ENGINE_PEER is set or `cargo` is on PATH. */
export function hasCargo(): boolean {
  if (process.env[RUST_ENGINE_PEER_ENV]) return true;
  try {
    execFileSync('cargo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function peerSourceHash(): string {
  const files = ['Cargo.toml', 'Cargo.lock', ...fs.readdirSync(path.join(RUST_ENGINE_SOURCE_DIR, 'src')).sort().map((n) => `src/${n}`)];
  return sourceHash(RUST_ENGINE_SOURCE_DIR, files);
}

/** The cargo target directory of the peer's build. */
export function rustEngineTargetDir(): string {
  return process.env[RUST_ENGINE_TARGET_ENV] || userCacheDir('rust-engine-target');
}

/** `~/.cache/otel-arrow/rust-engine-peer/<sha256 of sources>/otap-rust-engine-peer`. */
export function rustEnginePeerPath(): string {
  return userCacheDir('rust-engine-peer', peerSourceHash(), 'otap-rust-engine-peer');
}

let building: Promise<string> | undefined;

/**
 * Path of the `otap-rust-engine-peer` binary, built with `cargo build --locked` on first use
 * and cached by source hash (OTAP_RUST_ENGINE_PEER overrides). Safe to call concurrently,
 * also from several processes: the binary is copied into place and renamed atomically.
 */
export function rustEnginePeerBinary(): Promise<string> {
  const prebuilt = process.env[RUST_ENGINE_PEER_ENV];
  if (prebuilt) return Promise.resolve(prebuilt);
  building ??= (async () => {
    const bin = rustEnginePeerPath();
    if (fs.existsSync(bin)) return bin;
    const targetDir = rustEngineTargetDir();
    await run('cargo', ['build', '--locked', '--quiet', '--manifest-path', path.join(RUST_ENGINE_SOURCE_DIR, 'Cargo.toml')], {
      ...process.env,
      CARGO_TARGET_DIR: targetDir,
    });
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    const tmp = `${bin}.tmp-${process.pid}`;
    try {
      fs.copyFileSync(path.join(targetDir, 'debug', 'otap-rust-engine-peer'), tmp);
      fs.chmodSync(tmp, 0o755);
      fs.renameSync(tmp, bin);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    return bin;
  })();
  building.catch(() => {
    building = undefined; // let a later call retry
  });
  return building;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const detail = stderr.trim() || err.message;
        reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: ${detail}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

export interface PeerSummary {
  batches: number;
  barBytes: number;
  otlpBytes: number;
}

async function peer(args: string[]): Promise<PeerSummary> {
  return JSON.parse(await run(await rustEnginePeerBinary(), args)) as PeerSummary;
}

/**
 * The engine's Consumer: framed BatchArrowRecords file -> `out`/decoded-NNNN.pb. Rejects with
 * the engine's error (and the batch index) when it refuses a batch.
 */
export function rustEngineDecode(o: { signal: Signal; in: string; out: string }): Promise<PeerSummary> {
  return peer(['decode', '--signal', o.signal, '--in', o.in, '--out', o.out]);
}

/** OTLP requests `in`/otlp-*.pb (name order) -> the engine's Producer -> framed file `out`. */
export function rustEngineEncode(o: { signal: Signal; in: string; out: string; noZstd?: boolean }): Promise<PeerSummary> {
  return peer(['encode', '--signal', o.signal, '--in', o.in, '--out', o.out, ...(o.noZstd ? ['--no-zstd'] : [])]);
}
