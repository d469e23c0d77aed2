import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildLeaf } from '../../src/arrow/build.js';
import { concatArrayData, sliceArrayData } from '../../src/arrow/array-data.js';
import { GrowingArray, GrowingDictionaries } from '../../src/arrow/growing-array.js';
import type { ArrayData } from '../../src/arrow/types.js';
import type { LeafKind } from '../../src/otap/schema/column-spec.js';
import { plainValue } from '../ipc/plain-values.js';

const rows = (d: ArrayData): unknown[] => Array.from({ length: d.length }, (_, i) => plainValue(d, i, { name: 'v', type: d.type, nullable: true }));

/** Values of one leaf kind, as buildLeaf takes them (never null: dictionaries hold none). */
const valuesOf: Record<string, fc.Arbitrary<unknown>> = {
  utf8: fc.string({ maxLength: 12 }),
  binary: fc.uint8Array({ maxLength: 9 }),
  fsb8: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  fsb16: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  u16: fc.integer({ min: 0, max: 0xffff }),
  i32: fc.integer(),
  i64: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  f64: fc.double({ noNaN: true }),
};

/** A leaf kind and the chunks (some sliced off a larger array, so offsets need not start at 0). */
const chunksArb = fc.constantFrom(...Object.keys(valuesOf)).chain((kind) =>
  fc.tuple(
    fc.constant(kind as LeafKind),
    fc.array(fc.tuple(fc.array(valuesOf[kind]!, { maxLength: 40 }), fc.nat(3)), { minLength: 1, maxLength: 30 }),
  ));

function chunk(kind: LeafKind, values: unknown[], skip: number): ArrayData {
  const whole = buildLeaf(kind, [...values.slice(0, skip), ...values]);
  if (skip === 0 || kind === 'fsb8' || kind === 'fsb16' || (kind !== 'utf8' && kind !== 'binary')) return buildLeaf(kind, values);
  // A view whose offsets start past 0, as a reader's zero-copy arrays may be.
  return { ...whole, length: values.length, offsets: whole.offsets!.subarray(Math.min(skip, values.length)) };
}

describe('GrowingArray', () => {
  it('holds what concatenation gives after every append, and earlier views never change', () => {
    fc.assert(fc.property(chunksArb, ([kind, parts]) => {
      const arrays = parts.map(([v, skip]) => chunk(kind, v, skip));
      const growing = GrowingArray.from(arrays[0]!)!;
      expect(growing).toBeDefined();
      let expected = sliceArrayData(arrays[0]!, 0, arrays[0]!.length);
      const views: Array<{ view: ArrayData; rows: unknown[] }> = [{ view: growing.data, rows: rows(expected) }];
      for (const a of arrays.slice(1)) {
        expect(growing.append(a)).toBe(true);
        expected = concatArrayData(expected, a);
        expect(growing.data.length).toBe(expected.length);
        expect(rows(growing.data)).toEqual(rows(expected));
        views.push({ view: growing.data, rows: rows(expected) });
      }
      for (const { view, rows: then } of views) expect(rows(view)).toEqual(then);
    }), { numRuns: 200 });
  });

  it('does not write into the arrays it was given', () => {
    const first = buildLeaf('utf8', ['a', 'b']);
    const before = Uint8Array.from(first.values as Uint8Array);
    const growing = GrowingArray.from(first)!;
    growing.append(buildLeaf('utf8', ['cc', 'ddd']));
    expect(first.values).toEqual(before);
    expect(rows(first)).toEqual(['a', 'b']);
  });

  it('declines nulls, other types and other widths, changing nothing', () => {
    expect(GrowingArray.from(buildLeaf('utf8', ['a', null]))).toBeUndefined();
    expect(GrowingArray.from(buildLeaf('bool', [true]))).toBeUndefined();
    const growing = GrowingArray.from(buildLeaf('u16', [1, 2]))!;
    expect(growing.append(buildLeaf('u16', [3, null]))).toBe(false);
    expect(growing.append(buildLeaf('u32', [3]))).toBe(false);
    expect(growing.append(buildLeaf('utf8', ['x']))).toBe(false);
    expect(rows(growing.data)).toEqual(['1', '2']);
    const fsb = GrowingArray.from(buildLeaf('fsb8', [new Uint8Array(8)]))!;
    expect(fsb.append(buildLeaf('fsb16', [new Uint8Array(16)]))).toBe(false);
    expect(fsb.data.length).toBe(1);
  });
});

describe('GrowingDictionaries', () => {
  it('extends in place, concatenates what it cannot, and restarts from a replacement', () => {
    const dicts = new GrowingDictionaries();
    let d = buildLeaf('utf8', ['a']);
    d = dicts.extend(0, d, buildLeaf('utf8', ['b']));
    const grown = d;
    d = dicts.extend(0, d, buildLeaf('utf8', ['c']));
    expect(rows(d)).toEqual(['a', 'b', 'c']);
    expect(d.values!.buffer).toBe(grown.values!.buffer); // appended in place, not copied
    d = dicts.extend(0, d, buildLeaf('utf8', [null])); // nulls: concatenated
    expect(rows(d)).toEqual(['a', 'b', 'c', null]);
    dicts.forget(0);
    const replaced = buildLeaf('utf8', ['z']);
    expect(rows(dicts.extend(0, replaced, buildLeaf('utf8', ['y'])))).toEqual(['z', 'y']);
    // A `previous` other than the held copy's latest view is not extended in place.
    const stale = dicts.extend(0, buildLeaf('utf8', ['q']), buildLeaf('utf8', ['r']));
    expect(rows(stale)).toEqual(['q', 'r']);
  });
});
