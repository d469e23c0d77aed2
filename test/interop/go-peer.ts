// Driver for `otap-go-peer` (test/interop/go), a small Go program around the
// reference Go OTAP implementation, used by interop tests and benchmarks.
// See test/interop/README.md. Node built-ins only.

import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { frameMessages } from '../../src/otap/stream-file.js';
import { goProgramBinary, goProgramCacheDir, hasGoToolchain, runCommand, type GoProgram } from './go-build.js';

export type Signal = 'traces' | 'logs' | 'metrics';

/** Directory of the Go module (go.mod, go.sum, *.go). */
export const GO_PEER_SOURCE_DIR = fileURLToPath(new URL('./go/', import.meta.url));

/** Environment variable naming a prebuilt binary to use instead of building. */
export const GO_PEER_ENV = 'OTAP_GO_PEER';

const PROGRAM: GoProgram = { sourceDir: GO_PEER_SOURCE_DIR, cacheName: 'go-peer', binaryName: 'otap-go-peer', prebuiltEnv: GO_PEER_ENV };

/** True when the binary can be obtained: OTAP_GO_PEER is set or `go` is on PATH. */
export function hasGo(): boolean {
  return Boolean(process.env[GO_PEER_ENV]) || hasGoToolchain();
}

/** `${XDG_CACHE_HOME ?? ~/.cache}/otel-arrow/go-peer/<sha256 of sources>/`. */
export function goPeerCacheDir(): string {
  return goProgramCacheDir(PROGRAM);
}

/** Path of the `otap-go-peer` binary, built on first use and cached by source hash
 *  (OTAP_GO_PEER overrides); see go-build.ts. */
export function goPeerBinary(): Promise<string> {
  return goProgramBinary(PROGRAM);
}

async function peer<T>(args: (string | false)[]): Promise<T> {
  const stdout = await runCommand(await goPeerBinary(), args.filter((a): a is string => a !== false));
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
