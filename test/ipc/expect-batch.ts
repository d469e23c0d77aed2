import { expect } from 'vitest';
import { arrayDataEquals } from '../../src/arrow/array-data.js';
import type { RecordBatch } from '../../src/arrow/types.js';

export function expectSameBatch(actual: RecordBatch, expected: RecordBatch): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.columns.length).toBe(expected.columns.length);
  actual.columns.forEach((c, i) => {
    const name = expected.schema.fields[i]!.name;
    expect(arrayDataEquals(c, expected.columns[i]!), `column ${name}`).toBe(true);
  });
}
