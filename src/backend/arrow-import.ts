// Builds apache-arrow RecordBatches over buffers the native addon hands out (external
// ArrayBuffers over Rust-owned Arrow memory): no bytes are copied or parsed. Each node
// describes one array in Arrow C Data Interface terms (format string, buffers in C order).
import type * as Arrow from 'apache-arrow';
import { OtelArrowError } from '../errors.js';

/** One array as exported by native/napi/src/lib.rs `export_array`. */
export interface ExportedArray {
  name: string;
  nullable: boolean;
  format: string;
  length: number;
  offset: number;
  nullCount: number;
  /** Validity first (null when absent), then the type's buffers. */
  buffers: (ArrayBuffer | null)[];
  children: ExportedArray[];
  dictionary?: ExportedArray;
}

export type ArrowModule = typeof Arrow;

function unsupported(format: string): never {
  throw new OtelArrowError('UNSUPPORTED', `decodeArrow: Arrow format "${format}" is not supported`);
}

function intType(A: ArrowModule, format: string): Arrow.Int {
  switch (format) {
    case 'c': return new A.Int8();
    case 'C': return new A.Uint8();
    case 's': return new A.Int16();
    case 'S': return new A.Uint16();
    case 'i': return new A.Int32();
    case 'I': return new A.Uint32();
    case 'l': return new A.Int64();
    case 'L': return new A.Uint64();
    default: return unsupported(format);
  }
}

const UNITS: Record<string, Arrow.TimeUnit> = { s: 0, m: 1, u: 2, n: 3 };

function typeOf(A: ArrowModule, node: ExportedArray): Arrow.DataType {
  const f = node.format;
  if (node.dictionary) {
    return new A.Dictionary(typeOf(A, node.dictionary), intType(A, f) as never);
  }
  switch (f) {
    case 'n': return new A.Null();
    case 'b': return new A.Bool();
    case 'e': return new A.Float16();
    case 'f': return new A.Float32();
    case 'g': return new A.Float64();
    case 'z': return new A.Binary();
    case 'u': return new A.Utf8();
    case 'Z': return new A.LargeBinary();
    case 'U': return new A.LargeUtf8();
    case 'tdD': return new A.DateDay();
    case 'tdm': return new A.DateMillisecond();
    case '+s': return new A.Struct(node.children.map((c) => fieldOf(A, c)));
    case '+l': return new A.List(fieldOf(A, node.children[0]!));
    default:
      if ('cCsSiIlL'.includes(f) && f.length === 1) return intType(A, f);
      if (f.startsWith('w:')) return new A.FixedSizeBinary(Number(f.slice(2)));
      if (f.startsWith('ts') && f[3] === ':' && UNITS[f[2]!] !== undefined) return new A.Timestamp(UNITS[f[2]!]!, f.slice(4) || null);
      if (f.startsWith('tD') && f.length === 3 && UNITS[f[2]!] !== undefined) return new A.Duration(UNITS[f[2]!]!);
      return unsupported(f);
  }
}

function fieldOf(A: ArrowModule, node: ExportedArray): Arrow.Field {
  return new A.Field(node.name, typeOf(A, node), node.nullable);
}

function bytes(b: ArrayBuffer | null | undefined): Uint8Array | undefined {
  return b ? new Uint8Array(b) : undefined;
}

/** The type of child `i` (apache-arrow types Field<any>.type as `any`). */
function childType(type: Arrow.DataType, i: number): Arrow.DataType {
  return type.children[i]!.type as Arrow.DataType;
}

function dataOf(A: ArrowModule, node: ExportedArray, type: Arrow.DataType): Arrow.Data {
  const [validity, b1, b2] = node.buffers;
  const base = { type, offset: node.offset, length: node.length, nullCount: node.nullCount, nullBitmap: bytes(validity) };
  if (A.DataType.isDictionary(type)) {
    const dict = node.dictionary!;
    const values = A.makeVector(dataOf(A, dict, type.dictionary as Arrow.DataType));
    return A.makeData({ ...base, type, data: bytes(b1), dictionary: values } as never);
  }
  if (A.DataType.isStruct(type)) {
    return A.makeData({ ...base, type, children: node.children.map((c, i) => dataOf(A, c, childType(type, i))) });
  }
  if (A.DataType.isList(type)) {
    return A.makeData({ ...base, type, valueOffsets: b1 ? new Int32Array(b1) : undefined, child: dataOf(A, node.children[0]!, childType(type, 0)) } as never);
  }
  if (A.DataType.isUtf8(type) || A.DataType.isBinary(type) || A.DataType.isLargeUtf8(type) || A.DataType.isLargeBinary(type)) {
    const Offsets = A.DataType.isLargeUtf8(type) || A.DataType.isLargeBinary(type) ? BigInt64Array : Int32Array;
    return A.makeData({ ...base, type, valueOffsets: b1 ? new Offsets(b1) : undefined, data: bytes(b2) } as never);
  }
  if (A.DataType.isNull(type)) return A.makeData({ type, offset: node.offset, length: node.length } as never);
  return A.makeData({ ...base, type, data: bytes(b1) } as never);
}

/** A struct array (one record batch) -> apache-arrow RecordBatch, sharing its buffers. */
export function importRecordBatch(A: ArrowModule, node: ExportedArray): Arrow.RecordBatch {
  if (node.format !== '+s') unsupported(node.format);
  const fields = node.children.map((c) => fieldOf(A, c));
  const struct = new A.Struct(fields);
  const data = A.makeData({
    type: struct, offset: node.offset, length: node.length, nullCount: 0,
    children: node.children.map((c, i) => dataOf(A, c, fields[i]!.type as Arrow.DataType)),
  });
  return new A.RecordBatch(new A.Schema(fields), data);
}
