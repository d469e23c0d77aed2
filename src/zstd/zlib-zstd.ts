// zstd from Node's own zlib (libzstd, Node >= 22.15): the js backend's IPC body compression,
// the default codec of gRPC zstd, and anything else in the package that needs zstd.
// Decompression is always capped: zlib stops producing output once it passes
// `maxOutputLength`, so a forged frame cannot make us allocate more than the cap; and the
// frame structure is walked first (./frames.ts), since zlib does not report truncation.
import * as zlib from 'node:zlib';
import { OtelArrowError } from '../errors.js';
import { walkZstdFrames } from './frames.js';

// Typed as always present (@types/node 22), but older Node.js lacks them: checked at call time.
const z = zlib as Partial<Pick<typeof zlib, 'zstdCompressSync' | 'zstdDecompressSync'>>;

/** Largest output chunk zlib produces per step; larger outputs take several steps. */
const MAX_CHUNK = 1 << 20;

function unavailable(): never {
  throw new OtelArrowError('UNSUPPORTED', `zstd needs Node.js >= 22.15 (node:zlib zstd); this is ${process.version}: upgrade Node.js`);
}

/** True when this Node.js has zlib zstd. */
export function hasZlibZstd(): boolean {
  return typeof z.zstdCompressSync === 'function' && typeof z.zstdDecompressSync === 'function';
}

/** One zstd frame of `data` at `level` (1..22; negative = faster levels). */
export function zstdCompress(data: Uint8Array, level: number): Buffer {
  if (!z.zstdCompressSync) unavailable();
  return z.zstdCompressSync(data, {
    params: {
      [zlib.constants.ZSTD_c_compressionLevel]: level,
      // One frame with its content size in the header (readers may check it against their own length).
      [zlib.constants.ZSTD_c_contentSizeFlag]: 1,
    },
    pledgedSrcSize: data.length,
  });
}

/**
 * Decompresses all zstd frames of `data`, refusing (LIMIT_EXCEEDED) as soon as the output
 * would pass `maxOutputBytes`; malformed input is DECOMPRESSION_FAILED.
 */
export function zstdDecompress(data: Uint8Array, maxOutputBytes: number): Buffer {
  if (!z.zstdDecompressSync) unavailable();
  const { frames, declaredSize } = walkZstdFrames(data);
  if (declaredSize !== undefined && declaredSize > maxOutputBytes) {
    throw new OtelArrowError('LIMIT_EXCEEDED', `zstd: decompressed size exceeds ${maxOutputBytes} bytes (the frames declare ${declaredSize})`);
  }
  const cap = Math.min(declaredSize ?? maxOutputBytes, maxOutputBytes);
  let out: Buffer;
  if (frames.length === 1) out = decompressFrame(data.subarray(frames[0]![0], frames[0]![1]), cap, maxOutputBytes);
  else {
    // zlib stops after the first frame: one call per frame, each capped by what is left.
    const parts: Buffer[] = [];
    let total = 0;
    for (const [start, end] of frames) {
      const part = decompressFrame(data.subarray(start, end), cap - total, maxOutputBytes);
      total += part.length;
      parts.push(part);
    }
    out = Buffer.concat(parts, total);
  }
  if (declaredSize !== undefined && out.length !== declaredSize) {
    throw new OtelArrowError('DECOMPRESSION_FAILED', `zstd: frames declare ${declaredSize} bytes but decompress to ${out.length}`);
  }
  return out;
}

/** One frame, refusing output beyond `cap` bytes (`maxOutputBytes` is for the message). */
function decompressFrame(frame: Uint8Array, cap: number, maxOutputBytes: number): Buffer {
  const tooLarge = (cause?: unknown): OtelArrowError =>
    new OtelArrowError('LIMIT_EXCEEDED', `zstd: decompressed size exceeds ${maxOutputBytes} bytes`, { cause });
  let out: Buffer;
  try {
    // zlib needs maxOutputLength >= 1; one byte over a cap of 0 is refused below.
    out = z.zstdDecompressSync!(frame, { maxOutputLength: Math.max(1, Math.min(cap, Number.MAX_SAFE_INTEGER)), chunkSize: chunkFor(frame.length, cap) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(err);
    throw new OtelArrowError('DECOMPRESSION_FAILED', `zstd: ${(err as Error).message}`, { cause: err });
  }
  if (out.length > cap) throw tooLarge();
  return out;
}

/** Decompresses `data` that must expand to exactly `length` bytes (Arrow IPC buffers). */
export function zstdDecompressExact(data: Uint8Array, length: number): Uint8Array {
  if (length === 0) return new Uint8Array(0);
  let out: Uint8Array;
  try {
    out = zstdDecompress(data, length);
  } catch (err) {
    if (err instanceof OtelArrowError && err.code === 'LIMIT_EXCEEDED') {
      throw new OtelArrowError('DECOMPRESSION_FAILED', `zstd buffer decompresses to more than the expected ${length} bytes`, { cause: err });
    }
    throw err;
  }
  if (out.length !== length) throw new OtelArrowError('DECOMPRESSION_FAILED', `zstd buffer decompressed to ${out.length} bytes, expected ${length}`);
  return out;
}

/** zlib's default 16 KiB steps are slow for MB outputs: the declared size when known (one
 *  step), else a guess from the input size; always bounded by the cap and MAX_CHUNK. */
function chunkFor(inputBytes: number, expected: number): number {
  return Math.max(64, Math.min(expected + 1, MAX_CHUNK, Math.max(16 * 1024, inputBytes * 8)));
}
