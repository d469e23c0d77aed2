import { zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RecordBatch, Schema } from '../../src/arrow/types.js';
import { OtelArrowError } from '../../src/errors.js';
import { IpcStreamReader, IpcStreamWriter, type BodyCompressor } from '../../src/ipc/index.js';
import { field, intArray, int } from './fixtures.js';
import { expectSameBatch } from './expect-batch.js';
import { makeBatch, sampleSchema } from './sample.js';
import { zstdCompressor } from '../support/zstd.js';

const zstd: BodyCompressor = zstdCompressor(3);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OtelArrowError);
    return (err as OtelArrowError).code;
  }
  return undefined;
}

/** A stream whose single int64 column compresses well; returns the chunk and where the
 *  values buffer (its 8-byte length prefix) sits. */
function compressedInts(): { chunk: Uint8Array; prefixAt: number } {
  const schema: Schema = { fields: [field('v', int(64, true), { nullable: false })] };
  const batch: RecordBatch = { schema, length: 1000, columns: [intArray(int(64, true), Array.from({ length: 1000 }, () => 5n))] };
  const chunk = new IpcStreamWriter(schema, { compression: zstd }).write(batch);
  // The last message's body holds one buffer (validity is empty): its prefix is 8000.
  const view = new DataView(chunk.buffer);
  for (let at = chunk.length - 16; at >= 0; at -= 8) {
    if (view.getBigInt64(at, true) === 8000n) return { chunk, prefixAt: at };
  }
  throw new Error('prefix not found');
}

describe('zstd body compression', () => {
  it('round-trips every type over several chunks, with the built-in and with an injected decompressor', () => {
    const writer = new IpcStreamWriter(sampleSchema, { compression: zstd });
    const plain = new IpcStreamWriter(sampleSchema);
    const ours = new IpcStreamReader();
    let calls = 0;
    const injected = new IpcStreamReader({ decompressor: { zstd: (d, n) => (calls++, new Uint8Array(zstdDecompressSync(d, { maxOutputLength: Math.max(1, n) }))) } });
    for (let step = 0; step < 6; step++) {
      const batch = makeBatch(step === 3 ? 0 : 200, step);
      const chunk = writer.write(batch);
      const plainLength = plain.write(batch).length;
      if (batch.length > 0) expect(chunk.length).toBeLessThan(plainLength);
      expectSameBatch(ours.read(chunk)[0]!, batch);
      expectSameBatch(injected.read(chunk)[0]!, batch);
    }
    expect(calls).toBeGreaterThan(0);
  });

  it('stores incompressible buffers raw behind a -1 prefix', () => {
    const schema: Schema = { fields: [field('v', int(8, false))] };
    const batch: RecordBatch = { schema, length: 3, columns: [intArray(int(8, false), [1, 2, 3])] };
    const chunk = new IpcStreamWriter(schema, { compression: zstd }).write(batch);
    expect(chunk.join(',')).toContain('255,255,255,255,255,255,255,255,1,2,3');
    expectSameBatch(new IpcStreamReader().read(chunk)[0]!, batch);
  });

  it('rejects a wrong uncompressed length prefix', () => {
    const { chunk, prefixAt } = compressedInts();
    const bad = chunk.slice();
    new DataView(bad.buffer).setBigInt64(prefixAt, 8008n, true);
    expect(codeOf(() => new IpcStreamReader().read(bad))).toBe('DECOMPRESSION_FAILED');
    const wrong = new IpcStreamReader({ decompressor: { zstd: () => new Uint8Array(3) } });
    expect(codeOf(() => wrong.read(chunk))).toBe('DECOMPRESSION_FAILED');
    const throwing = new IpcStreamReader({ decompressor: { zstd: () => { throw new Error('boom'); } } });
    expect(codeOf(() => throwing.read(chunk))).toBe('DECOMPRESSION_FAILED');
  });

  it('never allocates for a forged huge uncompressed length', () => {
    const { chunk, prefixAt } = compressedInts();
    const bad = chunk.slice();
    new DataView(bad.buffer).setBigInt64(prefixAt, 2n ** 50n, true);
    expect(codeOf(() => new IpcStreamReader().read(bad))).toBe('DECOMPRESSION_FAILED');
    new DataView(bad.buffer).setBigInt64(prefixAt, 200_000n, true);
    expect(codeOf(() => new IpcStreamReader({ maxMessageBytes: 100_000 }).read(bad))).toBe('LIMIT_EXCEEDED');
  });

  it('rejects LZ4_FRAME bodies as UNSUPPORTED', () => {
    const { chunk } = compressedInts();
    // Rewrite the BodyCompression codec byte (ZSTD = 1) to LZ4_FRAME = 0: find the table by
    // trying each byte equal to 1 in the last message's metadata.
    let found = false;
    for (let at = 0; at < chunk.length && !found; at++) {
      if (chunk[at] !== 1) continue;
      const bad = chunk.slice();
      bad[at] = 0;
      try {
        new IpcStreamReader().read(bad);
      } catch (err) {
        if (err instanceof OtelArrowError && err.code === 'UNSUPPORTED' && /LZ4/.test(err.message)) found = true;
      }
    }
    expect(found).toBe(true);
  });
});
