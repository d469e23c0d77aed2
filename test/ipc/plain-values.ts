// Test-only: our ArrayData / Schema as the JSON read_ipc_stream.py prints.

import { getBit, isValid } from '../../src/arrow/array-data.js';
import type { ArrayData, Field, RecordBatch } from '../../src/arrow/types.js';
import { utf8 } from '../../src/utf8-decoders.js';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function plainValue(data: ArrayData, i: number, field: Field): unknown {
  if (!isValid(data, i)) return null;
  if (data.dictionary) {
    const { dictionary: _d, ...valueField } = field;
    return plainValue(data.dictionary, Number(data.values![i]!), valueField);
  }
  const type = data.type;
  switch (type.id) {
    case 'int':
    case 'timestamp':
    case 'duration':
      return String(data.values![i]!);
    case 'float64':
      return data.values![i]!;
    case 'bool':
      return getBit(data.values as Uint8Array, i);
    case 'utf8':
      return utf8.decode((data.values as Uint8Array).subarray(data.offsets![i]!, data.offsets![i + 1]!));
    case 'binary':
      return hex((data.values as Uint8Array).subarray(data.offsets![i]!, data.offsets![i + 1]!));
    case 'fixedSizeBinary':
      return hex((data.values as Uint8Array).subarray(i * type.byteWidth, (i + 1) * type.byteWidth));
    case 'struct':
      return Object.fromEntries(type.children.map((c, k) => [c.name, plainValue(data.children![k]!, i, c)]));
    case 'list': {
      const out: unknown[] = [];
      for (let k = data.offsets![i]!; k < data.offsets![i + 1]!; k++) out.push(plainValue(data.children![0]!, k, type.child));
      return out;
    }
  }
}

export function plainBatch(batch: RecordBatch): { num_rows: number; columns: Record<string, unknown[]> } {
  const columns: Record<string, unknown[]> = {};
  batch.schema.fields.forEach((f, c) => {
    columns[f.name] = Array.from({ length: batch.length }, (_, i) => plainValue(batch.columns[c]!, i, f));
  });
  return { num_rows: batch.length, columns };
}

export function plainMetadata(m: ReadonlyMap<string, string> | undefined): Record<string, string> | null {
  return m && m.size > 0 ? Object.fromEntries(m) : null;
}
