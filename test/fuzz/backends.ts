// The backends the fuzzer encodes seeds with (every one that loads) and its zstd compressor.
import { probeBackends, type Backend, type BackendName } from '../../src/backend/index.js';

/**
 * Every backend that loads, or exactly `only` (seeds, hence cases, depend on the encoders:
 * a worker must use the same set as the parent that replays its cases).
 */
export async function loadFuzzBackends(only?: readonly BackendName[]): Promise<Partial<Record<BackendName, Backend>>> {
  const probe = await probeBackends();
  const out: Partial<Record<BackendName, Backend>> = {};
  for (const name of only ?? (['native', 'wasm', 'js'] as const)) {
    const b = probe[name].backend;
    if (b) out[name] = b;
    else if (only) throw new Error(`${name} backend did not load: ${probe[name].info.error ?? ''}`);
  }
  return out;
}

/** A zstd compressor from the first backend that has one. */
export function zstdOf(backends: Partial<Record<BackendName, Backend>>): (d: Uint8Array) => Uint8Array {
  for (const name of ['native', 'wasm', 'js'] as const) {
    const b = backends[name];
    if (!b) continue;
    try {
      b.zstdCompress(new Uint8Array(1));
      return (d) => b.zstdCompress(d, 1);
    } catch {
      // js without the optional compressor
    }
  }
  throw new Error('no backend can compress with zstd');
}
