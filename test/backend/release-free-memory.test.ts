// releaseFreeMemory: glibc's malloc_trim through the native addon, which `otap run` calls once
// its engine is up (src/cli/startup-memory.ts); the other backends have no such call.
import { describe, expect, it } from 'vitest';
import { platformTriple } from '../../src/backend/locate.js';
import { backendsToRun, requireBackend } from '../support/backends.js';

describe('releaseFreeMemory', () => {
  it.each(backendsToRun(['native']))('%s: trims on Linux with glibc, and the backend keeps working', (name) => {
    const backend = requireBackend(name);
    // This machine and CI are Linux with glibc: the call exists and runs.
    expect(backend.releaseFreeMemory?.()).toBe(/^linux-.*-gnu$/.test(platformTriple()));
    const data = new Uint8Array(1 << 16).map((_, i) => i % 251);
    expect(new Uint8Array(backend.zstdDecompress(backend.zstdCompress(data)))).toEqual(data);
  });

  it.each(backendsToRun(['wasm', 'js']))('%s: has none', (name) => {
    expect(requireBackend(name).releaseFreeMemory).toBeUndefined();
  });
});
