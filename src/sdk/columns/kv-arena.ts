// A kv arena of FORMAT.md: attributes as key / type / value-slot columns. Values follow the
// OTLP JS exporters' mapping of SDK values (whole numbers in the i64 range are ints, other
// numbers doubles, Uint8Array bytes, arrays and plain objects nested, anything else empty),
// so the OTAP tables hold what an OTLP exporter would have sent.
import { writeAnyValue, writeKeyValues } from '../../otlp/protobuf/common.js';
import type { AnyValue } from '../../otlp/model.js';
import { WireWriter } from '../../proto/wire-writer.js';
import type { SdkAttributes } from '../sdk-types.js';
import { SlotColumn, U32Column, U8Column, type Column, type ColumnSink } from './growable-columns.js';
import type { BlobTable, StringTable } from './string-table.js';

/** OTAP attribute value types. */
const EMPTY = 0, STR = 1, INT = 2, DOUBLE = 3, BOOL = 4, KVLIST = 5, ARRAY = 6, BYTES = 7;

function isInt64(v: number): boolean {
  return Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63;
}

/** An SDK value as an OTLP AnyValue (nested values, written as protobuf blobs). */
export function sdkAnyValue(v: unknown): AnyValue {
  switch (typeof v) {
    case 'string':
      return { type: 'string', value: v };
    case 'number':
      return isInt64(v) ? { type: 'int', value: BigInt(v) } : { type: 'double', value: v };
    case 'boolean':
      return { type: 'bool', value: v };
    case 'object':
      if (v === null) return { type: 'empty' };
      if (v instanceof Uint8Array) return { type: 'bytes', value: v };
      if (Array.isArray(v)) return { type: 'array', values: v.map(sdkAnyValue) };
      return { type: 'kvlist', values: Object.keys(v).map((key) => ({ key, value: sdkAnyValue((v as Record<string, unknown>)[key]) })) };
    default:
      return { type: 'empty' };
  }
}

/** Writes one value as a type code and a slot; shared by attributes and log bodies. */
export class ValueWriter {
  constructor(private readonly strings: StringTable, private readonly blobs: BlobTable) {}

  write(v: unknown, types: U8Column, slots: SlotColumn): void {
    switch (typeof v) {
      case 'string':
        types.push(STR);
        slots.pushRef(this.strings.ref(v));
        return;
      case 'number':
        if (isInt64(v)) {
          types.push(INT);
          slots.pushInt(v);
        } else {
          types.push(DOUBLE);
          slots.pushDouble(v);
        }
        return;
      case 'boolean':
        types.push(BOOL);
        slots.pushRef(v ? 1 : 0);
        return;
      case 'object':
        if (v === null) break;
        if (v instanceof Uint8Array) {
          types.push(BYTES);
          slots.pushRef(this.blobs.ref(v));
          return;
        }
        types.push(Array.isArray(v) ? ARRAY : KVLIST);
        slots.pushRef(this.blobs.ref(nestedBytes(v)));
        return;
    }
    types.push(EMPTY);
    slots.pushRef(0);
  }
}

/** Protobuf ArrayValue / KeyValueList bytes of a nested SDK value. */
function nestedBytes(v: object): Uint8Array {
  const w = new WireWriter(256);
  const value = sdkAnyValue(v);
  if (value.type === 'array') for (const item of value.values) writeAnyValue(w, 1, item);
  else if (value.type === 'kvlist') writeKeyValues(w, 1, value.values);
  return w.finish();
}

export class KvArena {
  private readonly keys = new U32Column();
  private readonly types = new U8Column();
  private readonly values = new SlotColumn();

  constructor(private readonly strings: StringTable, private readonly valueWriter: ValueWriter) {}

  get length(): number {
    return this.keys.length;
  }

  get columns(): Column[] {
    return [this.keys, this.types, this.values];
  }

  /** Appends every attribute; returns the arena's length after them (the row's `*_end`). */
  append(attributes: SdkAttributes | undefined): number {
    if (attributes) {
      for (const key in attributes) {
        if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
        this.keys.push(this.strings.ref(key));
        this.valueWriter.write(attributes[key], this.types, this.values);
      }
    }
    return this.keys.length;
  }

  write(sink: ColumnSink): void {
    sink.add(this.keys);
    sink.add(this.types);
    sink.add(this.values);
  }

  reset(): void {
    this.keys.reset();
    this.types.reset();
    this.values.reset();
  }
}
