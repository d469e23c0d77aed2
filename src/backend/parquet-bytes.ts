// The byte layouts of the wasm module's Parquet exports (wasm/src/lib.rs, little-endian): a
// file list is entries of [i32 payload type, u32 length, bytes]; a key/value list entries of
// [u32 length, UTF-8 key, u32 length, UTF-8 value]. Plus the errors both Rust backends' Parquet
// writers throw on the JS side.
import { OtelArrowError } from '../errors.js';
import type { ParquetFileBytes } from './types.js';
import { concatBytes } from '../concat-bytes.js';
import { utf8 } from '../utf8-decoders.js';

const encoder = new TextEncoder();

export function encodeFileList(files: readonly ParquetFileBytes[]): Uint8Array {
  const out = new Uint8Array(files.reduce((n, f) => n + 8 + f.bytes.byteLength, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const f of files) {
    view.setInt32(at, f.payloadType, true);
    view.setUint32(at + 4, f.bytes.byteLength, true);
    out.set(f.bytes, at + 8);
    at += 8 + f.bytes.byteLength;
  }
  return out;
}

/** The files of a file list (views over `data`). */
export function decodeFileList(data: Uint8Array): ParquetFileBytes[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: ParquetFileBytes[] = [];
  for (let at = 0; at + 8 <= data.byteLength;) {
    const payloadType = view.getInt32(at, true);
    const len = view.getUint32(at + 4, true);
    out.push({ payloadType, bytes: data.subarray(at + 8, at + 8 + len) });
    at += 8 + len;
  }
  return out;
}

export function encodeKeyValues(entries: Iterable<[string, string]>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [k, v] of entries) {
    for (const s of [k, v]) {
      const b = encoder.encode(s);
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, b.byteLength, true);
      parts.push(len, b);
    }
  }
  return concatBytes(parts);
}

/** The entries of a key/value list starting at `at`. */
export function decodeKeyValues(data: Uint8Array, at = 0): [string, string][] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: [string, string][] = [];
  const next = (): string => {
    const len = view.getUint32(at, true);
    const s = utf8.decode(data.subarray(at + 4, at + 4 + len));
    at += 4 + len;
    return s;
  };
  while (at + 8 <= data.byteLength) out.push([next(), next()]);
  return out;
}

/** Held tables of another backend (or backend instance) handed to a Parquet writer. */
export function otherBackend(): OtelArrowError {
  return new OtelArrowError('UNSUPPORTED', 'these tables belong to another backend: write tables of this backend (tablesFromOtlp(signal, tables.toOtlp()))');
}

/** A Parquet writer used after finish(). */
export function parquetWriterFinished(): Error {
  return new Error('this Parquet writer is finished (finish() closed its files); create a new one');
}
