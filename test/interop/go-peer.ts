// Driver for `otap-go-peer` (test/interop/go), a small Go program around the
// reference Go OTAP implementation, used by interop tests and benchmarks.
// See test/interop/README.md. Node built-ins only.

import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { frameMessages } from '../../src/otap/stream-file.js';

export type Signal = 'traces' | 'logs' | 'metrics';

/** Directory of the Go module (go.mod, go.sum, *.go). */
export const GO_PEER_SOURCE_DIR = fileURLToPath(new URL('./go/', import.meta.url));

/** Environment variable naming a prebuilt binary to use instead of building. */
export const GO_PEER_ENV = 'OTAP_GO_PEER';

/** True when the binary can be obtained: OTAP_GO_PEER is set or `go` is on PATH. */
export function hasGo(): boolean {
  if (process.env[GO_PEER_ENV]) return true;
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function sourceHash(): string {
  const names = fs
    .readdirSync(GO_PEER_SOURCE_DIR)
    .filter((n) => n === 'go.mod' || n === 'go.sum' || n.endsWith('.go'))
    .sort();
  const h = createHash('sha256');
  for (const n of names) {
    h.update(`${n}\0`);
    h.update(fs.readFileSync(path.join(GO_PEER_SOURCE_DIR, n)));
    h.update('\0');
  }
  return h.digest('hex');
}

/** `${XDG_CACHE_HOME ?? ~/.cache}/otel-arrow/go-peer/<sha256 of sources>/`. */
export function goPeerCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'otel-arrow', 'go-peer', sourceHash());
}

let building: Promise<string> | undefined;

/**
 * Path of the `otap-go-peer` binary, built with `go build` on first use and
 * cached by source hash (OTAP_GO_PEER overrides). Safe to call concurrently,
 * also from several processes: the binary is renamed into place atomically.
 */
export function goPeerBinary(): Promise<string> {
  const prebuilt = process.env[GO_PEER_ENV];
  if (prebuilt) return Promise.resolve(prebuilt);
  building ??= (async () => {
    const dir = goPeerCacheDir();
    const bin = path.join(dir, 'otap-go-peer');
    if (fs.existsSync(bin)) return bin;
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${bin}.tmp-${process.pid}`;
    try {
      await run('go', ['build', '-o', tmp, '.'], GO_PEER_SOURCE_DIR);
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

function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const detail = stderr.trim() || err.message;
        reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: ${detail}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

async function peer<T>(args: (string | false)[]): Promise<T> {
  const stdout = await run(await goPeerBinary(), args.filter((a): a is string => a !== false));
  return JSON.parse(stdout) as T;
}

export interface GenOptions {
  signal: Signal;
  batches: number;
  /** Approximate spans, log records or metrics (not data points) per request. */
  batchSize: number;
  seed?: number;
  /** Output directory: otlp-0000.pb ... and go.bars. */
  out: string;
  noZstd?: boolean;
  /** 'standard' (default) or 'random' (4 resources x 4 scopes, sparse fields). */
  profile?: 'standard' | 'random';
}
export interface GenSummary {
  batches: number;
  /** Spans, log records or metric data points. */
  items: number;
  otlpBytes: number;
  barBytes: number;
}

export interface EncodeOptions {
  signal: Signal;
  /** Directory of otlp-*.pb files, encoded in name order. */
  in: string;
  /** Framed BatchArrowRecords output file. */
  out: string;
  noZstd?: boolean;
  iterations?: number;
}
export interface BatchSizes {
  otlpBytes: number;
  barBytes: number;
}
export interface EncodeSummary {
  batches: number;
  items: number;
  otlpBytes: number;
  barBytes: number;
  iterations: number;
  /** Time inside the producer calls, first iteration. */
  encodeNanos: number;
  encodeNanosMedian: number;
  encodeNanosAll: number[];
  perBatch: BatchSizes[];
}

export interface DecodeOptions {
  signal: Signal;
  /** Framed BatchArrowRecords input file. */
  in: string;
  /** Output directory: decoded-0000.pb ... */
  out: string;
  iterations?: number;
}
export interface DecodeSummary {
  batches: number;
  items: number;
  barBytes: number;
  otlpBytes: number;
  iterations: number;
  /** Time inside the consumer calls, first iteration. */
  decodeNanos: number;
  decodeNanosMedian: number;
  decodeNanosAll: number[];
  perBatch: BatchSizes[];
}

export interface EqualOptions {
  signal: Signal;
  /** Directory of otlp-*.pb (expected). */
  a: string;
  /** Directory of decoded-*.pb (actual). */
  b: string;
}
export interface EqualSummary {
  equal: true;
  pairs: number;
  items: number;
}

const num = (flag: string, v: number | undefined): string[] => (v === undefined ? [] : [flag, String(v)]);

export function goGen(o: GenOptions): Promise<GenSummary> {
  return peer(['gen', '--signal', o.signal, ...num('--batches', o.batches), ...num('--batch-size', o.batchSize),
    ...num('--seed', o.seed), '--out', o.out, ...(o.profile ? ['--profile', o.profile] : []), !!o.noZstd && '--no-zstd']);
}

export function goEncode(o: EncodeOptions): Promise<EncodeSummary> {
  return peer(['encode', '--signal', o.signal, '--in', o.in, '--out', o.out, ...num('--iterations', o.iterations),
    !!o.noZstd && '--no-zstd']);
}

export function goDecode(o: DecodeOptions): Promise<DecodeSummary> {
  return peer(['decode', '--signal', o.signal, '--in', o.in, '--out', o.out, ...num('--iterations', o.iterations)]);
}

/** Resolves when equivalent; rejects with the Go side's diff excerpt otherwise. */
export function goEqual(o: EqualOptions): Promise<EqualSummary> {
  return peer(['equal', '--signal', o.signal, '--a', o.a, '--b', o.b]);
}

/** Reads a stream file: frames of uint32 little-endian length + BatchArrowRecords bytes. */
export function readFramedBars(file: string): Uint8Array[] {
  const buf = fs.readFileSync(file);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const frames: Uint8Array[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (pos + 4 > buf.length) throw new Error(`${file}: truncated frame header at byte ${pos}`);
    const len = view.getUint32(pos, true);
    pos += 4;
    if (pos + len > buf.length) throw new Error(`${file}: frame ${frames.length} needs ${len} bytes, ${buf.length - pos} left`);
    frames.push(new Uint8Array(buf.buffer, buf.byteOffset + pos, len).slice());
    pos += len;
  }
  return frames;
}

/** Writes frames as uint32 little-endian length + bytes each (the OTAP stream file framing). */
export function writeFramedBars(file: string, frames: Uint8Array[]): void {
  fs.writeFileSync(file, frameMessages(frames));
}
