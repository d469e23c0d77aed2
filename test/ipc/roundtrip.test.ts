import { describe, expect, it } from 'vitest';
import type { RecordBatch, Schema } from '../../src/arrow/types.js';
import { IpcStreamReader, IpcStreamWriter, listMessages } from '../../src/ipc/index.js';
import { expectSameBatch } from './expect-batch.js';
import { dictArray, field, utf8Array } from './fixtures.js';
import { makeBatch, sampleSchema } from './sample.js';

function stripSchema(s: Schema): unknown {
  return JSON.parse(JSON.stringify(s, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v as Map<string, unknown>) : v))) as unknown;
}

describe('IpcStreamWriter -> IpcStreamReader', () => {
  it('round-trips every type, nested dictionaries, nulls and metadata', () => {
    const batch = makeBatch(100, 0);
    const writer = new IpcStreamWriter(sampleSchema);
    const reader = new IpcStreamReader();
    const [out] = reader.read(writer.write(batch));
    expect(stripSchema(reader.schema!)).toEqual(stripSchema(sampleSchema));
    expectSameBatch(out!, batch);
  });

  it('round-trips empty batches, first and later', () => {
    const writer = new IpcStreamWriter(sampleSchema);
    const reader = new IpcStreamReader();
    for (const rows of [0, 5, 0]) {
      const batch = makeBatch(rows, rows);
      const got = reader.read(writer.write(batch));
      expect(got).toHaveLength(1);
      expectSameBatch(got[0]!, batch);
    }
  });

  it('sends deltas for 50 growing batches and nothing for unchanged dictionaries', () => {
    const writer = new IpcStreamWriter(sampleSchema);
    const reader = new IpcStreamReader();
    let dictStep = 0; // makeBatch's dictionaries hold 3 + id + dictStep entries
    let unchanged = 0;
    for (let step = 0; step < 50; step++) {
      const grow = step % 3 !== 2; // every third batch keeps the previous dictionaries
      if (step > 0 && grow) dictStep++;
      if (!grow) unchanged++;
      const batch = makeBatch(20 + step, dictStep, step + 100);
      const chunk = writer.write(batch);
      const messages = listMessages(chunk);
      const dicts = messages.filter((m) => m.type === 'dictionary');
      expect(messages.at(-1)).toEqual({ type: 'recordBatch', length: 20 + step });
      if (step === 0) {
        expect(messages[0]!.type).toBe('schema');
        expect(dicts.map((m) => m.id)).toEqual([0, 1, 2, 3, 4]);
        expect(dicts.every((m) => m.isDelta === false)).toBe(true);
      } else if (grow) {
        expect(messages[0]!.type).toBe('dictionary');
        expect(dicts.map((m) => [m.id, m.isDelta, m.length])).toEqual([0, 1, 2, 3, 4].map((id) => [id, true, 1]));
      } else {
        expect(dicts).toEqual([]);
      }
      const got = reader.read(chunk);
      expect(got).toHaveLength(1);
      expectSameBatch(got[0]!, batch);
      expect(got[0]!.columns[16]!.dictionary!.length).toBe(3 + dictStep);
    }
    expect([dictStep, unchanged]).toEqual([33, 16]);
  });

  it('sends a replacement when the old dictionary is not a prefix', () => {
    const enc = { id: 0, indexBitWidth: 8, indexSigned: false, ordered: false } as const;
    const schema: Schema = { fields: [field('s', { id: 'utf8' }, { dictionary: enc })] };
    const writer = new IpcStreamWriter(schema);
    const reader = new IpcStreamReader();
    const dicts = [['a', 'b'], ['a', 'b', 'c'], ['x', 'b', 'c'], ['x', 'b', 'c'], ['x', 'b'], [], ['q']];
    // After an empty dictionary arrow-go sends a full (non-delta) batch, and so do we.
    const expected = [false, true, false, undefined, false, false, false];
    dicts.forEach((d, i) => {
      const batch: RecordBatch = { schema, length: d.length, columns: [dictArray(enc, d.map((_, k) => d.length - 1 - k), utf8Array(d))] };
      const chunk = writer.write(batch);
      const dictMsgs = listMessages(chunk).filter((m) => m.type === 'dictionary');
      expect(dictMsgs[0]?.isDelta).toBe(expected[i]);
      expectSameBatch(reader.read(chunk)[0]!, batch);
    });
  });

  it('does not see caller mutations of an already sent dictionary as unchanged', () => {
    const enc = { id: 0, indexBitWidth: 8, indexSigned: false, ordered: false } as const;
    const schema: Schema = { fields: [field('s', { id: 'utf8' }, { dictionary: enc })] };
    const writer = new IpcStreamWriter(schema);
    const dict = utf8Array(['aa', 'bb']);
    writer.write({ schema, length: 1, columns: [dictArray(enc, [1], dict)] });
    (dict.values as Uint8Array)[0] = 'z'.charCodeAt(0);
    const msgs = listMessages(writer.write({ schema, length: 1, columns: [dictArray(enc, [1], dict)] }));
    expect(msgs[0]).toEqual({ type: 'dictionary', id: 0, isDelta: false, length: 2 });
  });

  it('reads several chunks concatenated into one, and stops at EOS', () => {
    const writer = new IpcStreamWriter(sampleSchema);
    const batches = [makeBatch(10, 0), makeBatch(11, 1), makeBatch(12, 2)];
    const chunks = batches.map((b) => writer.write(b));
    const all = new Uint8Array([...chunks.flatMap((c) => [...c]), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    const reader = new IpcStreamReader();
    const got = reader.read(all);
    expect(got).toHaveLength(3);
    got.forEach((g, i) => expectSameBatch(g, batches[i]!));
    expect(reader.isEnded).toBe(true);
  });

  it('keeps no view of its input: a Buffer reused for the next chunk leaves the dictionaries intact', () => {
    // A receiver decompresses each message into a pooled Buffer and reuses it once read
    // (src/transport/grpc/message-buffers.ts); on a Buffer, slice() is a view, not a copy.
    const writer = new IpcStreamWriter(sampleSchema);
    const reader = new IpcStreamReader();
    const reused = Buffer.alloc(1 << 20);
    const first = makeBatch(20, 0);
    const firstChunk = writer.write(first);
    reused.set(firstChunk);
    expectSameBatch(reader.read(reused.subarray(0, firstChunk.length))[0]!, first);
    reused.fill(0xaa);
    // The same dictionaries: the second chunk carries none and reads what the first left.
    const second = makeBatch(20, 0);
    const secondChunk = writer.write(second);
    reused.set(secondChunk);
    expectSameBatch(reader.read(reused.subarray(0, secondChunk.length))[0]!, second);
  });

  it('reads unaligned input by copying', () => {
    const batch = makeBatch(33, 4);
    const chunk = new IpcStreamWriter(sampleSchema).write(batch);
    const shifted = new Uint8Array(chunk.length + 3).subarray(3);
    shifted.set(chunk);
    expectSameBatch(new IpcStreamReader().read(shifted)[0]!, batch);
  });
});

describe('dictionary columns without an attached dictionary', () => {
  it('sends an empty dictionary first, then keeps what the reader has', () => {
    const enc = { id: 0, indexBitWidth: 16, indexSigned: false, ordered: false } as const;
    const schema: Schema = { fields: [field('s', { id: 'utf8' }, { dictionary: enc })] };
    const writer = new IpcStreamWriter(schema);
    const reader = new IpcStreamReader();
    const bare = (): RecordBatch => ({ schema, length: 0, columns: [{ type: { id: 'utf8' }, length: 0, nullCount: 0, validity: null, values: new Uint16Array(0) }] });
    const first = writer.write(bare());
    expect(listMessages(first).filter((m) => m.type === 'dictionary')).toEqual([{ type: 'dictionary', id: 0, isDelta: false, length: 0 }]);
    reader.read(first);
    const full: RecordBatch = { schema, length: 2, columns: [dictArray(enc, [1, 0], utf8Array(['a', 'b']))] };
    expect(listMessages(writer.write(full))[0]).toEqual({ type: 'dictionary', id: 0, isDelta: false, length: 2 });
    expect(listMessages(writer.write(bare())).map((m) => m.type)).toEqual(['recordBatch']);
  });
});

describe('empty dictionaries', () => {
  it('an empty dictionary that stays empty is not sent again', () => {
    const enc = { id: 0, indexBitWidth: 8, indexSigned: false, ordered: false } as const;
    const schema: Schema = { fields: [field('s', { id: 'utf8' }, { dictionary: enc, nullable: true })] };
    const writer = new IpcStreamWriter(schema);
    const empty = (): RecordBatch => ({ schema, length: 0, columns: [dictArray(enc, [], utf8Array([]))] });
    expect(listMessages(writer.write(empty())).filter((m) => m.type === 'dictionary')).toHaveLength(1);
    for (let i = 0; i < 3; i++) expect(listMessages(writer.write(empty())).map((m) => m.type)).toEqual(['recordBatch']);
  });
});
