// Bad bytes must end in an OtelArrowError (or decode to something), never in another
// exception, a hang or a huge allocation.

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { OtelArrowError } from '../../src/errors.js';
import { IpcStreamReader, IpcStreamWriter, listMessages } from '../../src/ipc/index.js';
import { plainBatch } from './plain-values.js';
import { makeBatch, sampleSchema } from './sample.js';
import { zstdCompressor } from '../support/zstd.js';
import { yieldToEventLoop } from '../support/event-loop.js';

/** Reads `chunks` with a fresh reader; the last one is the one under test. */
function tryRead(chunks: Uint8Array[]): 'ok' | 'error' {
  const reader = new IpcStreamReader({ maxMessageBytes: 1 << 24 });
  try {
    for (const c of chunks.slice(0, -1)) reader.read(c);
  } catch {
    throw new Error('prefix chunks must be valid');
  }
  try {
    const batches = reader.read(chunks.at(-1)!);
    // Whatever decodes must be usable without throwing.
    for (const b of batches) plainBatch(b);
    return 'ok';
  } catch (err) {
    if (!(err instanceof OtelArrowError)) throw err;
    return 'error';
  }
}

/** Whether listMessages accepts `bytes`; anything it throws must be an OtelArrowError. */
function listed(bytes: Uint8Array): boolean {
  try {
    listMessages(bytes);
    return true;
  } catch (err) {
    if (!(err instanceof OtelArrowError)) throw err;
    return false;
  }
}

describe('corrupt IPC input', () => {
  let chunks: Uint8Array[] = [];
  let zstdChunks: Uint8Array[] = [];
  beforeAll(async () => {
    const writer = new IpcStreamWriter(sampleSchema);
    chunks = [writer.write(makeBatch(12, 0)), writer.write(makeBatch(9, 2))];
    const zw = new IpcStreamWriter(sampleSchema, { compression: zstdCompressor(1) });
    zstdChunks = [zw.write(makeBatch(12, 0)), zw.write(makeBatch(9, 2))];
  });

  it('every truncation of a first and of a delta chunk', async () => {
    for (const set of [chunks, zstdChunks]) {
      const [first, second] = set as [Uint8Array, Uint8Array];
      // A prefix reads only when it ends between messages (one such prefix per message, the
      // empty one included); a cut inside any message must fail.
      const readable = async (chunk: Uint8Array, before: Uint8Array[]): Promise<number[]> => {
        const ok: number[] = [];
        for (let k = 0; k < chunk.length; k++) {
          if (k % 500 === 0) await yieldToEventLoop(); // ~20,000 reads: see test/support/event-loop.ts
          if (tryRead([...before, chunk.subarray(0, k)]) === 'ok') ok.push(k);
        }
        return ok;
      };
      for (const [chunk, before] of [[first, []], [second, [first]]] as const) {
        const ok = await readable(chunk, [...before]);
        const messages = listMessages(chunk).length;
        expect(messages).toBeGreaterThan(1);
        expect(ok.map((k) => listMessages(chunk.subarray(0, k)).length)).toEqual(Array.from({ length: messages }, (_, i) => i));
      }
      expect(tryRead([first.subarray(0, first.length - 8)])).toBe('error');
    }
  });

  it('random byte changes', () => {
    let refused = 0;
    const flips = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), flips, (which, changes) => {
        const set = which < 2 ? chunks : zstdChunks;
        const target = (which % 2 === 0 ? set[0]! : set[1]!).slice();
        for (const { at, value } of changes) target[at % target.length] = value;
        if (tryRead(which % 2 === 0 ? [target] : [set[0]!, target]) === 'error') refused++;
      }),
      { numRuns: 3000 },
    );
    // Most changes land in a body and may decode to other values; many must be caught.
    expect(refused).toBeGreaterThan(100);
  });

  it('random bytes and random framing', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const read = tryRead([bytes]);
        if (read === 'error') refused++;
        // What the reader accepts, the message lister accepts too.
        expect(read === 'ok' && !listed(bytes)).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(refused).toBeGreaterThan(1500);
  });

  it('forged lengths are checked against the bytes present', () => {
    const first = chunks[0]!;
    const view = () => {
      const copy = first.slice();
      return { copy, dv: new DataView(copy.buffer) };
    };
    // Metadata length larger than the chunk.
    let { copy, dv } = view();
    dv.setInt32(4, 0x7ffffff0, true);
    expect(tryRead([copy])).toBe('error');
    // Negative metadata length.
    ({ copy, dv } = view());
    dv.setInt32(4, -8, true);
    expect(tryRead([copy])).toBe('error');
    // Every aligned int64 in the chunk set to a huge value (hits bodyLength, node lengths,
    // buffer offsets/lengths among others).
    for (let at = 0; at + 8 <= first.length; at += 8) {
      for (const v of [2n ** 40n, 2n ** 62n, -2n]) {
        ({ copy, dv } = view());
        dv.setBigInt64(at, v, true);
        tryRead([copy]);
      }
    }
  });

  it('rejects record batches before the schema and data after EOS', () => {
    const reader = new IpcStreamReader();
    expect(() => reader.read(chunks[1]!)).toThrow(OtelArrowError);
    const r2 = new IpcStreamReader();
    r2.read(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
    expect(r2.isEnded).toBe(true);
    expect(() => r2.read(chunks[0]!)).toThrow(OtelArrowError);
    // Legacy 4-byte zero length also ends the stream.
    const r3 = new IpcStreamReader();
    expect(r3.read(new Uint8Array([...chunks[0]!, 0, 0, 0, 0]))).toHaveLength(1);
    expect(r3.isEnded).toBe(true);
  });
});
