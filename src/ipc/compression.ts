// Arrow IPC body compression (BodyCompression method BUFFER): each non-empty buffer is an
// int64 LE uncompressed length followed by the compressed bytes, or -1 followed by the raw
// bytes when compressing did not pay off.

import { OtelArrowError, asOtelArrowError } from '../errors.js';
import { zstdDecompressExact } from '../zstd/zlib-zstd.js';

/** Pluggable compressor for the writer (the js backend passes node:zlib zstd). */
export interface BodyCompressor {
  readonly codec: 'zstd';
  compress(data: Uint8Array): Uint8Array;
}

/** Optional decompressor for the reader; node:zlib zstd is used otherwise. */
export interface BodyDecompressor {
  zstd?(data: Uint8Array, uncompressedLength: number): Uint8Array;
}

const PREFIX_BYTES = 8;
/** A zstd block of at most 128 KiB output costs at least 4 input bytes (RLE block), so no
 *  honest buffer expands more than this; larger claims are forged and never allocated. */
const MAX_ZSTD_RATIO = 32 * 1024;

/** Compressed form of one body buffer (empty stays empty). */
export function compressBuffer(compressor: BodyCompressor, raw: Uint8Array): Uint8Array {
  if (raw.length === 0) return raw;
  const packed = compressor.compress(raw);
  const useRaw = packed.length >= raw.length;
  const payload = useRaw ? raw : packed;
  const out = new Uint8Array(PREFIX_BYTES + payload.length);
  const view = new DataView(out.buffer);
  if (useRaw) view.setInt32(0, -1, true), view.setInt32(4, -1, true);
  else view.setUint32(0, raw.length >>> 0, true), view.setUint32(4, Math.floor(raw.length / 0x100000000), true);
  out.set(payload, PREFIX_BYTES);
  return out;
}

/** Decompresses one body buffer; `budget.left` caps the bytes a message may expand to. */
export function decompressBuffer(
  stored: Uint8Array,
  decompressor: BodyDecompressor | undefined,
  budget: { left: number },
): Uint8Array {
  if (stored.length === 0) return stored;
  if (stored.length < PREFIX_BYTES) fail('compressed buffer shorter than its length prefix');
  const view = new DataView(stored.buffer, stored.byteOffset, PREFIX_BYTES);
  const lo = view.getUint32(0, true);
  const hi = view.getInt32(4, true);
  const data = stored.subarray(PREFIX_BYTES);
  if (hi === -1 && lo === 0xffffffff) return data;
  if (hi < 0 || hi >= 0x200000) fail('invalid uncompressed length prefix');
  const length = hi * 0x100000000 + lo;
  if (length > data.length * MAX_ZSTD_RATIO) fail(`uncompressed length ${length} is impossible for ${data.length} compressed bytes`);
  if (length > budget.left) {
    throw new OtelArrowError('LIMIT_EXCEEDED', `decompressed message body exceeds the maxMessageBytes limit`);
  }
  budget.left -= length;
  let out: Uint8Array;
  try {
    out = decompressor?.zstd ? decompressor.zstd(data, length) : zlibInto(data, length);
  } catch (err) {
    throw asOtelArrowError(err, 'DECOMPRESSION_FAILED');
  }
  if (out.length !== length) fail(`buffer decompressed to ${out.length} bytes, expected ${length}`);
  return out;
}

/** zlib stops once the output passes `length`, so a forged frame header cannot make it
 *  allocate more; a frame that declares its content size must declare `length`. */
function zlibInto(data: Uint8Array, length: number): Uint8Array {
  const declared = frameContentSize(data);
  if (declared !== null && declared !== length) fail(`zstd frame declares ${declared} bytes, expected ${length}`);
  return zstdDecompressExact(data, length);
}

/** Frame_Content_Size from a zstd frame header, or null when absent / not a zstd frame. */
function frameContentSize(d: Uint8Array): number | null {
  if (d.length < 6 || d[0] !== 0x28 || d[1] !== 0xb5 || d[2] !== 0x2f || d[3] !== 0xfd) return null;
  const fhd = d[4]!;
  const singleSegment = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
  if (fcsBytes === 0) return null;
  const at = 5 + (singleSegment ? 0 : 1) + dictBytes;
  if (at + fcsBytes > d.length) fail('truncated zstd frame header');
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + d[at + i]!;
  return fcsBytes === 2 ? size + 256 : size;
}

function fail(message: string): never {
  throw new OtelArrowError('DECOMPRESSION_FAILED', message);
}
