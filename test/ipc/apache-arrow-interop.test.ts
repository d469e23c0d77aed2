// apache-arrow JS as an independent reader of our streams with delta dictionaries, and as
// a writer of streams our reader must decode.

import { Data, RecordBatchReader, tableFromArrays, tableToIPC, type Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { concatArrayData } from '../../src/arrow/array-data.js';
import type { ArrayData, DataType, Field, RecordBatch, ValueBuffer } from '../../src/arrow/types.js';
import { endOfStreamMarker, IpcStreamReader, IpcStreamWriter } from '../../src/ipc/index.js';
import { concatChunks } from './fixtures.js';
import { plainBatch } from './plain-values.js';
import { makeBatch, sampleSchema } from './sample.js';

/** Converts apache-arrow Data into our model, trusting our field for the type. */
function fromArrowData(data: Data, type: DataType, field: Field): ArrayData {
  expect(data.offset).toBe(0);
  const nullCount = data.nullCount;
  const base = { type, length: data.length, nullCount, validity: nullCount > 0 ? (data.nullBitmap as Uint8Array) : null };
  if (field.dictionary) {
    return { ...base, values: data.values as ValueBuffer, dictionary: fromArrowVector(data.dictionary as Vector, { ...field, dictionary: undefined }) };
  }
  switch (type.id) {
    case 'struct':
      return { ...base, children: type.children.map((c, i) => fromArrowData(data.children[i]!, c.type, c)) };
    case 'list':
      return { ...base, offsets: data.valueOffsets as Int32Array, children: [fromArrowData(data.children[0]!, type.child.type, type.child)] };
    case 'utf8':
    case 'binary':
      return { ...base, offsets: data.valueOffsets as Int32Array, values: data.values as Uint8Array };
    default:
      return { ...base, values: data.values as ValueBuffer };
  }
}

function fromArrowVector(v: Vector, field: Field): ArrayData {
  return v.data.map((d) => fromArrowData(d as Data, field.type, field)).reduce((a, b) => concatArrayData(a, b));
}

describe('apache-arrow JS interop', () => {
  it('reads our uncompressed stream with delta and replacement dictionaries', () => {
    const writer = new IpcStreamWriter(sampleSchema);
    const steps = [0, 2, 2, 5, 1, 3, 8];
    const batches: RecordBatch[] = steps.map((s, i) => makeBatch(i === 2 ? 0 : 10 + i * 4, s, i + 40));
    const bytes = concatChunks([...batches.map((b) => writer.write(b)), endOfStreamMarker()]);
    const theirs = [...RecordBatchReader.from(bytes)];
    expect(theirs).toHaveLength(batches.length);
    theirs.forEach((tb, i) => {
      expect(tb.schema.fields.map((f) => f.name)).toEqual(sampleSchema.fields.map((f) => f.name));
      expect(tb.schema.metadata.get('sorting_columns')).toBe(sampleSchema.metadata!.get('sorting_columns'));
      expect(tb.schema.fields[16]!.metadata.get('dictId')).toBe('0');
      const columns = sampleSchema.fields.map((f, c) => fromArrowData(tb.data.children[c]! as Data, f.type, f));
      expect(plainBatch({ schema: sampleSchema, length: tb.numRows, columns })).toEqual(plainBatch(batches[i]!));
    });
  });

  it('our reader decodes a stream written by apache-arrow', () => {
    const table = tableFromArrays({
      n: Int32Array.from({ length: 50 }, (_, i) => i * 3 - 7),
      f: Float64Array.from({ length: 50 }, (_, i) => i / 7),
      s: Array.from({ length: 50 }, (_, i) => (i % 4 === 0 ? null : `s${i % 6}`)),
    });
    const reader = new IpcStreamReader();
    const batches = reader.read(tableToIPC(table, 'stream'));
    const names = reader.schema!.fields.map((f) => f.name);
    expect(names).toEqual(['n', 'f', 's']);
    const rows = batches.flatMap((b) => {
      const p = plainBatch(b);
      return Array.from({ length: b.length }, (_, i) => names.map((n) => p.columns[n]![i]));
    });
    const want = (table.toArray() as { n: bigint; f: number | null; s: string | null }[]).map((r) => [String(r.n), r.f, r.s]);
    expect(rows).toEqual(want);
  });
});
