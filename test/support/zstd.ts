// zstd compression for tests and benchmarks (the package's js backend only decompresses;
// compression arrives with the Rust core). @bokuweb/zstd-wasm is a devDependency.
import { compress, init } from '@bokuweb/zstd-wasm';
import type { BodyCompressor } from '../../src/ipc/index.js';

await init();

export function zstdCompressor(level = 3): BodyCompressor {
  return { codec: 'zstd', compress: (data: Uint8Array) => compress(data, level) };
}

export function zstdCompress(data: Uint8Array, level = 3): Uint8Array {
  return compress(data, level);
}
