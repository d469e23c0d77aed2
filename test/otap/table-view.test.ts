import { describe, expect, it } from 'vitest';
import type { ArrayData, Field, RecordBatch } from '../../src/arrow/types.js';
import { TableView } from '../../src/otap/decode/table-view.js';

const utf8 = { id: 'utf8' } as const;
const field: Field = { name: 'k', type: utf8, nullable: true, dictionary: { id: 0, indexBitWidth: 16, indexSigned: false, ordered: false } };

/** Dictionary ["a", null, "ccc", <offsets past the data>]; the 4th entry is corrupt. */
function dictionary(): ArrayData {
  return {
    type: utf8, length: 4, nullCount: 1, validity: Uint8Array.of(0b1101),
    offsets: Int32Array.of(0, 1, 1, 4, 99), values: new TextEncoder().encode('accc'),
  };
}

function view(keys: number[]): TableView {
  const column: ArrayData = { type: utf8, length: keys.length, nullCount: 0, validity: null, values: Uint16Array.from(keys), dictionary: dictionary() };
  const batch: RecordBatch = { schema: { fields: [field] }, length: keys.length, columns: [column] };
  return new TableView('LOGS', batch);
}

describe('TableView dictionary columns', () => {
  it('read the entries their keys use, null entries as null, repeated keys alike', () => {
    expect(view([2, 0, 2, 1, 0]).strings('k')).toEqual(['ccc', 'a', 'ccc', null, 'a']);
  });

  it('leave entries no key uses unread, and reject a used corrupt entry or a key past the end', () => {
    expect(view([0]).strings('k')).toEqual(['a']);
    expect(() => view([0, 3]).strings('k')).toThrow(/value offsets 4\.\.99 out of range/);
    expect(() => view([4]).strings('k')).toThrow(/dictionary key 4 out of range \(dictionary has 4 values\) at row 0/);
  });
});
