// Reads Arrow Schema.fbs tables into our Schema/Field model, rejecting (UNSUPPORTED) the
// Arrow types OTAP never uses and (MALFORMED_IPC) anything inconsistent.

import { OtelArrowError } from '../../errors.js';
import type { DataType, DictionaryEncoding, Field, IntBitWidth, Schema } from '../../arrow/types.js';
import { ENDIANNESS_LITTLE, PRECISION_DOUBLE, Slot, TIME_UNIT_NANOSECOND, TypeTag } from './format.js';
import { FbTable, malformed } from './table-reader.js';

/** Guards against forged metadata: shared or cyclic child offsets could otherwise recurse
 *  without end or fan out exponentially. */
const MAX_DEPTH = 64;
const MAX_FIELDS = 100_000; // fields plus metadata entries

export function parseSchema(table: FbTable): Schema {
  if (table.int16(Slot.Schema.endianness, ENDIANNESS_LITTLE) !== ENDIANNESS_LITTLE) {
    throw new OtelArrowError('UNSUPPORTED', 'big-endian Arrow data is not supported');
  }
  const budget = { fields: 0 };
  const fields = table.tables(Slot.Schema.fields, MAX_FIELDS).map((f) => parseField(f, 0, budget));
  const metadata = parseKeyValues(table, Slot.Schema.customMetadata, budget);
  return metadata ? { fields, metadata } : { fields };
}

function parseField(table: FbTable, depth: number, budget: { fields: number }): Field {
  if (depth > MAX_DEPTH) malformed('schema nested too deeply');
  if (++budget.fields > MAX_FIELDS) malformed('schema has too many fields');
  const name = table.string(Slot.Field.name) ?? '';
  const nullable = table.bool(Slot.Field.nullable, false);
  const children = table.tables(Slot.Field.children, MAX_FIELDS - budget.fields).map((c) => parseField(c, depth + 1, budget));
  const type = parseType(table, name, children);
  const dictTable = table.table(Slot.Field.dictionary);
  const metadata = parseKeyValues(table, Slot.Field.customMetadata, budget);
  const field: { -readonly [K in keyof Field]: Field[K] } = { name, type, nullable };
  if (dictTable) field.dictionary = parseDictionaryEncoding(dictTable, name);
  if (metadata) field.metadata = metadata;
  return field;
}

function parseType(field: FbTable, name: string, children: Field[]): DataType {
  const tag = field.uint8(Slot.Field.typeType, TypeTag.None);
  const type = field.table(Slot.Field.type);
  const need = (): FbTable => type ?? malformed(`field "${name}" has no type table`);
  switch (tag) {
    case TypeTag.Int: {
      const t = need();
      return { id: 'int', bitWidth: intWidth(t.int32(Slot.Int.bitWidth, 0), name), signed: t.bool(Slot.Int.isSigned, false) };
    }
    case TypeTag.FloatingPoint:
      if (need().int16(Slot.FloatingPoint.precision, 0) !== PRECISION_DOUBLE) unsupported(name, 'float precision other than double');
      return { id: 'float64' };
    case TypeTag.Bool:
      return { id: 'bool' };
    case TypeTag.Utf8:
      return { id: 'utf8' };
    case TypeTag.Binary:
      return { id: 'binary' };
    case TypeTag.FixedSizeBinary: {
      const byteWidth = need().int32(Slot.FixedSizeBinary.byteWidth, 0);
      if (byteWidth < 0) malformed(`field "${name}" has a negative byteWidth`);
      return { id: 'fixedSizeBinary', byteWidth };
    }
    case TypeTag.Timestamp: {
      const t = need();
      if (t.int16(Slot.Timestamp.unit, 0) !== TIME_UNIT_NANOSECOND) unsupported(name, 'timestamp unit other than nanosecond');
      return { id: 'timestamp', timezone: t.string(Slot.Timestamp.timezone) };
    }
    case TypeTag.Duration:
      if (need().int16(Slot.Duration.unit, 1) !== TIME_UNIT_NANOSECOND) unsupported(name, 'duration unit other than nanosecond');
      return { id: 'duration' };
    case TypeTag.Struct:
      return { id: 'struct', children };
    case TypeTag.List: {
      const child = children[0];
      if (children.length !== 1 || !child) malformed(`list field "${name}" must have exactly one child`);
      return { id: 'list', child };
    }
    default:
      return unsupported(name, `Arrow type tag ${tag}`);
  }
}

function parseDictionaryEncoding(table: FbTable, name: string): DictionaryEncoding {
  const id = table.count64(Slot.DictionaryEncoding.id, 'dictionary id');
  const indexType = table.table(Slot.DictionaryEncoding.indexType);
  // Schema.fbs: a missing indexType means signed 32-bit indices.
  const indexBitWidth = indexType ? intWidth(indexType.int32(Slot.Int.bitWidth, 0), name) : 32;
  const indexSigned = indexType ? indexType.bool(Slot.Int.isSigned, false) : true;
  const ordered = table.bool(Slot.DictionaryEncoding.isOrdered, false);
  return { id, indexBitWidth, indexSigned, ordered };
}

function intWidth(bits: number, name: string): IntBitWidth {
  if (bits === 8 || bits === 16 || bits === 32 || bits === 64) return bits;
  return malformed(`field "${name}" has an invalid integer bit width ${bits}`);
}

function unsupported(name: string, what: string): never {
  throw new OtelArrowError('UNSUPPORTED', `field "${name}": ${what} is not supported`);
}

function parseKeyValues(table: FbTable, slot: number, budget: { fields: number }): Map<string, string> | undefined {
  const entries = table.tables(slot, MAX_FIELDS - budget.fields);
  budget.fields += entries.length;
  if (entries.length === 0) return undefined;
  const map = new Map<string, string>();
  for (const kv of entries) map.set(kv.string(Slot.KeyValue.key) ?? '', kv.string(Slot.KeyValue.value) ?? '');
  return map;
}
