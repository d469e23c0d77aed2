// arrow-js-ffi 0.4 builds Dictionary types whose value type is a Field instead of a
// DataType. Reading works, but apache-arrow's IPC writer then emits a broken schema (an Int
// of bit width 0), and code that inspects `type.dictionary` sees the wrong class. This
// rebuilds such a batch's types, and the Data tree that points at them, without copying
// any buffer.
// apache-arrow's generic DataType / Data / Field parameters resolve to `any` in these
// type-agnostic walks, which the unsafe-any rules cannot tell from real `any` use.
/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment */
import type * as Arrow from 'apache-arrow';
import type { ArrowModule } from './arrow-import.js';

type AnyType = Arrow.DataType;

function broken(A: ArrowModule, t: AnyType): boolean {
  if (A.DataType.isDictionary(t)) return (t.dictionary as unknown) instanceof A.Field || broken(A, t.dictionary);
  return (t.children ?? []).some((f: Arrow.Field) => broken(A, f.type));
}

function fixType(A: ArrowModule, t: AnyType): AnyType {
  if (A.DataType.isDictionary(t)) {
    const value = (t.dictionary as unknown) instanceof A.Field ? (t.dictionary as unknown as Arrow.Field).type : t.dictionary;
    return new A.Dictionary(fixType(A, value), t.indices, t.id, t.isOrdered);
  }
  if (A.DataType.isStruct(t)) return new A.Struct(t.children.map((f) => fixField(A, f)));
  if (A.DataType.isList(t)) return new A.List(fixField(A, t.children[0]!));
  return t;
}

function fixField(A: ArrowModule, f: Arrow.Field): Arrow.Field {
  return new A.Field(f.name, fixType(A, f.type), f.nullable, f.metadata);
}

function fixData(A: ArrowModule, d: Arrow.Data, type: AnyType): Arrow.Data {
  const childTypes: Arrow.Field[] = type.children ?? [];
  const children = d.children.map((c, i) => fixData(A, c, childTypes[i]?.type ?? c.type));
  let dictionary = d.dictionary;
  if (dictionary && A.DataType.isDictionary(type)) {
    const valueType = type.dictionary;
    dictionary = new A.Vector(dictionary.data.map((x) => fixData(A, x, valueType)));
  }
  // `d` as the buffers argument: Data takes its valueOffsets / values / nullBitmap / typeIds.
  return new A.Data(type, d.offset, d.length, d.nullCount, d as never, children, dictionary);
}

/** The batch with its Dictionary types repaired, or the batch itself when none is broken. */
export function repairFfiDictionaries(A: ArrowModule, batch: Arrow.RecordBatch): Arrow.RecordBatch {
  if (!batch.schema.fields.some((f) => broken(A, f.type))) return batch;
  const fields = batch.schema.fields.map((f) => fixField(A, f));
  const data = fixData(A, batch.data, new A.Struct(fields));
  return new A.RecordBatch(new A.Schema(fields, batch.schema.metadata), data as Arrow.Data<Arrow.Struct>);
}
