// node:zlib zstd as the package uses it (src/zstd): round trips, the output cap, and the
// frame walk that catches what zlib lets through (truncated input, trailing bytes, frames
// after the first).
import { constants, zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { OtelArrowError } from '../../src/errors.js';
import { walkZstdFrames } from '../../src/zstd/frames.js';
import { zstdCompress, zstdDecompress, zstdDecompressExact } from '../../src/zstd/zlib-zstd.js';

const text = Buffer.from(Array.from({ length: 3000 }, (_, i) => `span-${i % 101} `).join(''));
const packed = zstdCompress(text, 3);
/** A frame without Frame_Content_Size, with a checksum (as streaming encoders write). */
const unsized = zstdCompressSync(text, { params: { [constants.ZSTD_c_contentSizeFlag]: 0, [constants.ZSTD_c_checksumFlag]: 1 } });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OtelArrowError);
    return (err as OtelArrowError).code;
  }
  return 'no error';
}

describe('zlib zstd', () => {
  it('round-trips, sized and unsized frames, at several levels', () => {
    for (const level of [-1, 1, 3, 9, 19]) {
      const c = zstdCompress(text, level);
      expect(c.length).toBeLessThan(text.length / 5);
      expect(walkZstdFrames(c).declaredSize).toBe(text.length);
      expect(zstdDecompress(c, text.length).equals(text)).toBe(true);
    }
    expect(walkZstdFrames(unsized).declaredSize).toBeUndefined();
    expect(zstdDecompress(unsized, 1 << 30).equals(text)).toBe(true);
    expect(Buffer.from(zstdDecompressExact(unsized, text.length)).equals(text)).toBe(true);
    expect(zstdDecompress(zstdCompress(new Uint8Array(0), 3), 10).length).toBe(0);
  });

  it('decodes every frame of a multi-frame message and skips skippable frames', () => {
    const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const multi = Buffer.concat([packed, skippable, unsized, packed]);
    expect(walkZstdFrames(multi).frames).toHaveLength(3);
    expect(zstdDecompress(multi, 3 * text.length).equals(Buffer.concat([text, text, text]))).toBe(true);
    expect(codeOf(() => zstdDecompress(multi, 3 * text.length - 1))).toBe('LIMIT_EXCEEDED');
  });

  it('refuses output beyond the cap, declared or not', () => {
    expect(codeOf(() => zstdDecompress(packed, text.length - 1))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => zstdDecompress(unsized, 1000))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => zstdDecompress(unsized, 0))).toBe('LIMIT_EXCEEDED');
    // The Arrow IPC path: more than the length prefix is a corrupt buffer.
    expect(codeOf(() => zstdDecompressExact(unsized, 1000))).toBe('DECOMPRESSION_FAILED');
    expect(codeOf(() => zstdDecompressExact(packed, text.length + 1))).toBe('DECOMPRESSION_FAILED');
  });

  it('refuses every truncation, trailing bytes and garbage with DECOMPRESSION_FAILED', () => {
    for (const frame of [packed, unsized]) {
      for (let cut = 0; cut < frame.length; cut++) {
        expect(codeOf(() => zstdDecompress(frame.subarray(0, cut), 1 << 30)), `cut at ${cut}`).toBe('DECOMPRESSION_FAILED');
      }
      expect(codeOf(() => zstdDecompress(Buffer.concat([frame, Buffer.from([0])]), 1 << 30))).toBe('DECOMPRESSION_FAILED');
    }
    expect(codeOf(() => zstdDecompress(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xff, 1, 2, 3]), 1000))).toBe('DECOMPRESSION_FAILED');
    expect(codeOf(() => zstdDecompress(Buffer.from('not zstd at all'), 1000))).toBe('DECOMPRESSION_FAILED');
    // A corrupt block body (header intact): libzstd reports it.
    const corrupt = Buffer.from(packed);
    for (let i = 12; i < corrupt.length - 4; i += 3) corrupt[i] = corrupt[i]! ^ 0x5a;
    expect(codeOf(() => zstdDecompress(corrupt, 1 << 30))).toBe('DECOMPRESSION_FAILED');
    // Still usable afterwards.
    expect(zstdDecompress(packed, text.length).equals(text)).toBe(true);
  });
});
