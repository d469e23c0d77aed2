// zstd compression for tests and benchmarks: node:zlib zstd (Node >= 22.15), as the package's
// js backend uses it.
import type { BodyCompressor } from '../../src/ipc/index.js';
import { zstdCompress as zlibZstdCompress } from '../../src/zstd/zlib-zstd.js';

export function zstdCompressor(level = 3): BodyCompressor {
  return { codec: 'zstd', compress: (data: Uint8Array) => zlibZstdCompress(data, level) };
}

export function zstdCompress(data: Uint8Array, level = 3): Uint8Array {
  return zlibZstdCompress(data, level);
}
