// Writes our Schema/Field model as Arrow Schema.fbs tables into a flatbuffers Builder.

import { Builder } from 'flatbuffers';
import type { DataType, Field, Schema } from '../../arrow/types.js';
import {
  DURATION_UNIT_DEFAULT,
  ENDIANNESS_LITTLE,
  PRECISION_DOUBLE,
  Slot,
  TIME_UNIT_NANOSECOND,
  TypeTag,
} from './format.js';

type Offset = number;

export function buildSchema(b: Builder, schema: Schema): Offset {
  const fields = offsetVector(b, schema.fields.map((f) => buildField(b, f)));
  const metadata = buildKeyValues(b, schema.metadata);
  b.startObject(4);
  b.addFieldInt16(Slot.Schema.endianness, ENDIANNESS_LITTLE, ENDIANNESS_LITTLE);
  b.addFieldOffset(Slot.Schema.fields, fields, 0);
  if (metadata !== 0) b.addFieldOffset(Slot.Schema.customMetadata, metadata, 0);
  return b.endObject();
}

function buildField(b: Builder, field: Field): Offset {
  const name = b.createString(field.name);
  const typeOffset = buildType(b, field.type);
  const childFields = childrenOf(field.type);
  const children = offsetVector(b, childFields.map((c) => buildField(b, c)));
  const dictionary = field.dictionary ? buildDictionaryEncoding(b, field) : 0;
  const metadata = buildKeyValues(b, field.metadata);
  b.startObject(7);
  b.addFieldOffset(Slot.Field.name, name, 0);
  b.addFieldInt8(Slot.Field.nullable, field.nullable ? 1 : 0, 0);
  b.addFieldInt8(Slot.Field.typeType, typeTagOf(field.type), TypeTag.None);
  b.addFieldOffset(Slot.Field.type, typeOffset, 0);
  if (dictionary !== 0) b.addFieldOffset(Slot.Field.dictionary, dictionary, 0);
  b.addFieldOffset(Slot.Field.children, children, 0);
  if (metadata !== 0) b.addFieldOffset(Slot.Field.customMetadata, metadata, 0);
  return b.endObject();
}

function childrenOf(type: DataType): readonly Field[] {
  if (type.id === 'struct') return type.children;
  if (type.id === 'list') return [type.child];
  return [];
}

function buildDictionaryEncoding(b: Builder, field: Field): Offset {
  const enc = field.dictionary!;
  const indexType = buildInt(b, enc.indexBitWidth, enc.indexSigned);
  b.startObject(4);
  b.addFieldInt64(Slot.DictionaryEncoding.id, BigInt(enc.id), 0n);
  b.addFieldOffset(Slot.DictionaryEncoding.indexType, indexType, 0);
  b.addFieldInt8(Slot.DictionaryEncoding.isOrdered, enc.ordered ? 1 : 0, 0);
  return b.endObject();
}

function buildInt(b: Builder, bitWidth: number, signed: boolean): Offset {
  b.startObject(2);
  b.addFieldInt32(Slot.Int.bitWidth, bitWidth, 0);
  b.addFieldInt8(Slot.Int.isSigned, signed ? 1 : 0, 0);
  return b.endObject();
}

function typeTagOf(type: DataType): number {
  switch (type.id) {
    case 'int': return TypeTag.Int;
    case 'float64': return TypeTag.FloatingPoint;
    case 'bool': return TypeTag.Bool;
    case 'utf8': return TypeTag.Utf8;
    case 'binary': return TypeTag.Binary;
    case 'fixedSizeBinary': return TypeTag.FixedSizeBinary;
    case 'timestamp': return TypeTag.Timestamp;
    case 'duration': return TypeTag.Duration;
    case 'struct': return TypeTag.Struct;
    case 'list': return TypeTag.List;
  }
}

/** The type-specific table; types without parameters get an empty table, as flatc does. */
function buildType(b: Builder, type: DataType): Offset {
  switch (type.id) {
    case 'int':
      return buildInt(b, type.bitWidth, type.signed);
    case 'float64':
      b.startObject(1);
      b.addFieldInt16(Slot.FloatingPoint.precision, PRECISION_DOUBLE, 0);
      return b.endObject();
    case 'fixedSizeBinary':
      b.startObject(1);
      b.addFieldInt32(Slot.FixedSizeBinary.byteWidth, type.byteWidth, 0);
      return b.endObject();
    case 'timestamp': {
      const tz = type.timezone === null ? 0 : b.createString(type.timezone);
      b.startObject(2);
      b.addFieldInt16(Slot.Timestamp.unit, TIME_UNIT_NANOSECOND, 0);
      if (tz !== 0) b.addFieldOffset(Slot.Timestamp.timezone, tz, 0);
      return b.endObject();
    }
    case 'duration':
      b.startObject(1);
      b.addFieldInt16(Slot.Duration.unit, TIME_UNIT_NANOSECOND, DURATION_UNIT_DEFAULT);
      return b.endObject();
    case 'bool':
    case 'utf8':
    case 'binary':
    case 'struct':
    case 'list':
      b.startObject(0);
      return b.endObject();
  }
}

function buildKeyValues(b: Builder, metadata: ReadonlyMap<string, string> | undefined): Offset {
  if (!metadata || metadata.size === 0) return 0;
  const entries: Offset[] = [];
  for (const [k, v] of metadata) {
    const key = b.createString(k);
    const value = b.createString(v);
    b.startObject(2);
    b.addFieldOffset(Slot.KeyValue.key, key, 0);
    b.addFieldOffset(Slot.KeyValue.value, value, 0);
    entries.push(b.endObject());
  }
  return offsetVector(b, entries);
}

export function offsetVector(b: Builder, offsets: readonly Offset[]): Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}
