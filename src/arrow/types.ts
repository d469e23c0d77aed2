// A minimal in-memory Arrow model: exactly the types OTAP uses, laid out as the Arrow
// columnar format lays them out, so the IPC writer and reader move buffers without
// conversion. Dictionary encoding lives on the Field (as in Arrow's Schema.fbs): the
// field's `type` is the VALUE type and `dictionary` says how it is indexed.

export type IntBitWidth = 8 | 16 | 32 | 64;

export type DataType =
  | { readonly id: 'int'; readonly bitWidth: IntBitWidth; readonly signed: boolean }
  | { readonly id: 'float64' }
  | { readonly id: 'bool' }
  | { readonly id: 'utf8' }
  | { readonly id: 'binary' }
  | { readonly id: 'fixedSizeBinary'; readonly byteWidth: number }
  /** Always nanoseconds in OTAP. timezone: Go writes "UTC", Rust writes none (null). */
  | { readonly id: 'timestamp'; readonly timezone: string | null }
  /** Always nanoseconds in OTAP. */
  | { readonly id: 'duration' }
  | { readonly id: 'struct'; readonly children: readonly Field[] }
  | { readonly id: 'list'; readonly child: Field };

export interface DictionaryEncoding {
  /** IPC dictionary id (depth-first pre-order over the schema's dictionary fields). */
  readonly id: number;
  readonly indexBitWidth: 8 | 16 | 32 | 64;
  readonly indexSigned: boolean;
  readonly ordered: boolean;
}

export interface Field {
  readonly name: string;
  readonly type: DataType;
  readonly nullable: boolean;
  readonly dictionary?: DictionaryEncoding;
  readonly metadata?: ReadonlyMap<string, string>;
}

export interface Schema {
  readonly fields: readonly Field[];
  readonly metadata?: ReadonlyMap<string, string>;
}

export type ValueBuffer =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float64Array;

/**
 * One column (or child column) in Arrow layout.
 * - int/float/timestamp/duration: `values` typed array of `length` elements
 *   (int64/uint64/timestamp/duration: BigInt64Array / BigUint64Array).
 * - bool: `values` is a Uint8Array bitmap (LSB first).
 * - utf8/binary: `offsets` (Int32Array, length+1) and `values` (Uint8Array bytes).
 * - fixedSizeBinary: `values` Uint8Array of length*byteWidth.
 * - struct: `children` (one per child field, same length).
 * - list: `offsets` (Int32Array, length+1) and `children[0]`.
 * - dictionary-encoded field: `values` holds the indices (typed array of the index
 *   width) and `dictionary` the dictionary values (an ArrayData of the value type).
 * `validity` is an LSB bitmap or null when nothing is null. `nullCount` is exact.
 */
export interface ArrayData {
  readonly type: DataType;
  readonly length: number;
  readonly nullCount: number;
  readonly validity: Uint8Array | null;
  readonly values?: ValueBuffer;
  readonly offsets?: Int32Array;
  readonly children?: readonly ArrayData[];
  readonly dictionary?: ArrayData;
}

export interface RecordBatch {
  readonly schema: Schema;
  readonly length: number;
  readonly columns: readonly ArrayData[];
}
