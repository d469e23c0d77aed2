// Read access to one received OTAP record batch by column path, whatever variant the
// sender chose: plain or dictionary-encoded (any key width), optional columns absent,
// struct rows null. Values come out as JS values; every malformed cell is an
// OtelArrowError naming the table and column.
import { getBit } from '../../arrow/array-data.js';
import type { ArrayData, DataType, Field, RecordBatch } from '../../arrow/types.js';
import { OtelArrowError } from '../../errors.js';
import { utf8 } from '../../utf8-decoders.js';

type TypeClass = 'number' | 'bigint' | 'bool' | 'string' | 'bytes';

export class TableView {
  readonly table: string;
  readonly batch: RecordBatch;
  readonly length: number;
  private readonly cache = new Map<string, unknown[]>();

  constructor(table: string, batch: RecordBatch) {
    this.table = table;
    this.batch = batch;
    this.length = batch.length;
  }

  has(path: string): boolean {
    return this.find(path) !== undefined;
  }

  field(path: string): Field | undefined {
    return this.find(path)?.field;
  }

  numbers(path: string): (number | null)[] | undefined {
    return this.leaf(path, 'number') as (number | null)[] | undefined;
  }

  bigints(path: string): (bigint | null)[] | undefined {
    return this.leaf(path, 'bigint') as (bigint | null)[] | undefined;
  }

  bools(path: string): (boolean | null)[] | undefined {
    return this.leaf(path, 'bool') as (boolean | null)[] | undefined;
  }

  strings(path: string): (string | null)[] | undefined {
    return this.leaf(path, 'string') as (string | null)[] | undefined;
  }

  bytes(path: string): (Uint8Array | null)[] | undefined {
    return this.leaf(path, 'bytes') as (Uint8Array | null)[] | undefined;
  }

  /** A required column: absent -> error. */
  required<T>(path: string, values: T[] | undefined): T[] {
    if (!values) throw this.error(path, 'required column is missing');
    return values;
  }

  /** Per-row validity of a struct column, or undefined when the struct is absent. */
  structValidity(path: string): boolean[] | undefined {
    const found = this.find(path);
    if (!found) return undefined;
    if (found.field.type.id !== 'struct') throw this.error(path, `expected a struct, found ${found.field.type.id}`);
    return validList(found.data, found.valid);
  }

  /**
   * A list column as per-row arrays of item values (null rows -> null). For a list of
   * structs the items are records keyed by child name.
   */
  list(path: string, itemClass: TypeClass | Record<string, TypeClass>): (unknown[] | null)[] | undefined {
    const found = this.find(path);
    if (!found) return undefined;
    const { data, field } = found;
    if (field.type.id !== 'list' || !data.offsets || !data.children?.[0]) throw this.error(path, 'expected a list column');
    const child = data.children[0];
    const childField = field.type.child;
    let items: unknown[];
    if (typeof itemClass === 'string') {
      items = this.materialize(path + '.item', child, childField, itemClass, validList(child));
    } else {
      if (childField.type.id !== 'struct' || !child.children) throw this.error(path, 'expected a list of structs');
      const childValid = validList(child);
      const fields = childField.type.children;
      const columns = new Map<string, unknown[]>();
      fields.forEach((f, i) => {
        const cls = itemClass[f.name];
        if (cls) columns.set(f.name, this.materialize(`${path}.item.${f.name}`, child.children![i]!, f, cls, childValid));
      });
      items = Array.from({ length: child.length }, (_, i) => {
        const rec: Record<string, unknown> = {};
        for (const [name, col] of columns) rec[name] = col[i] ?? null;
        return rec;
      });
    }
    const valid = found.valid;
    const out = new Array<unknown[] | null>(data.length);
    for (let i = 0; i < data.length; i++) {
      if (!valid[i]) { out[i] = null; continue; }
      const start = data.offsets[i]!;
      const end = data.offsets[i + 1]!;
      if (start < 0 || end < start || end > items.length) throw this.error(path, `list offsets ${start}..${end} out of range`);
      out[i] = items.slice(start, end);
    }
    return out;
  }

  error(path: string, message: string): OtelArrowError {
    return new OtelArrowError('INVALID_PAYLOAD', message, { table: this.table, column: path });
  }

  private leaf(path: string, cls: TypeClass): unknown[] | undefined {
    const cached = this.cache.get(path);
    if (cached) return cached;
    const found = this.find(path);
    if (!found) return undefined;
    const values = this.materialize(path, found.data, found.field, cls, found.valid);
    this.cache.set(path, values);
    return values;
  }

  /** Finds a column by dotted path through structs; `valid` folds in the parents' nulls. */
  private find(path: string): { data: ArrayData; field: Field; valid: boolean[] } | undefined {
    const parts = path.split('.');
    let fields: readonly Field[] = this.batch.schema.fields;
    let arrays: readonly ArrayData[] = this.batch.columns;
    let valid: boolean[] | undefined;
    let found: { data: ArrayData; field: Field } | undefined;
    for (let p = 0; p < parts.length; p++) {
      const idx = fields.findIndex((f) => f.name === parts[p]);
      if (idx < 0) return undefined;
      const field = fields[idx]!;
      const data = arrays[idx];
      if (!data) throw this.error(path, 'column has no data');
      if (data.length !== this.length && p === 0) throw this.error(path, `column has ${data.length} rows, batch has ${this.length}`);
      valid = validList(data, valid);
      found = { data, field };
      if (p < parts.length - 1) {
        if (field.type.id !== 'struct' || !data.children) return undefined;
        fields = field.type.children;
        arrays = data.children;
      }
    }
    return found && { ...found, valid: valid! };
  }

  private materialize(path: string, data: ArrayData, field: Field, cls: TypeClass, valid: boolean[]): unknown[] {
    checkClass(this, path, field.type, cls);
    if (field.dictionary || data.dictionary) {
      const dict = data.dictionary;
      if (!dict) throw this.error(path, 'dictionary-encoded column without a dictionary');
      // Only the entries this batch's keys use: a stream's dictionary keeps growing, so
      // decoding all of it for every batch would cost what the stream has seen so far.
      const entry = elementReader(this, path, dict);
      const dictNulls = dict.nullCount > 0 ? dict.validity : null;
      const decoded = new Map<number, unknown>();
      const keys = data.values as ArrayLike<number | bigint> | undefined;
      if (!keys) throw this.error(path, 'dictionary column without keys');
      const out = new Array<unknown>(data.length);
      for (let i = 0; i < data.length; i++) {
        if (!valid[i]) { out[i] = null; continue; }
        const key = Number(keys[i]);
        if (!(key >= 0 && key < dict.length)) {
          throw this.error(path, `dictionary key ${key} out of range (dictionary has ${dict.length} values) at row ${i}`);
        }
        let v = decoded.get(key);
        if (v === undefined) {
          v = dictNulls && !getBit(dictNulls, key) ? null : entry(key);
          decoded.set(key, v);
        }
        out[i] = v;
      }
      return out;
    }
    return plainValues(this, path, data, valid);
  }
}

function checkClass(view: TableView, path: string, type: DataType, cls: TypeClass): void {
  const ok =
    cls === 'number' ? (type.id === 'int' && type.bitWidth <= 32) || type.id === 'float64' :
    cls === 'bigint' ? (type.id === 'int' && type.bitWidth === 64) || type.id === 'timestamp' || type.id === 'duration' :
    cls === 'bool' ? type.id === 'bool' :
    cls === 'string' ? type.id === 'utf8' :
    type.id === 'binary' || type.id === 'fixedSizeBinary';
  if (!ok) throw view.error(path, `unexpected column type ${describe(type)} (expected ${cls})`);
}

function describe(type: DataType): string {
  return type.id === 'int' ? `${type.signed ? 'int' : 'uint'}${type.bitWidth}` : type.id;
}

function validList(data: ArrayData, parent?: boolean[]): boolean[] {
  const out = new Array<boolean>(data.length);
  const bitmap = data.nullCount > 0 ? data.validity : null;
  for (let i = 0; i < data.length; i++) {
    const own = bitmap ? (bitmap[i >> 3]! & (1 << (i & 7))) !== 0 : true;
    out[i] = own && (parent ? parent[i] !== false : true);
  }
  return out;
}

function plainValues(view: TableView, path: string, data: ArrayData, valid: boolean[]): unknown[] {
  const read = elementReader(view, path, data);
  const out = new Array<unknown>(data.length);
  for (let i = 0; i < data.length; i++) out[i] = valid[i] ? read(i) : null;
  return out;
}

/** Reads one valid element of `data` as a plain value; the buffers are checked once, here. */
function elementReader(view: TableView, path: string, data: ArrayData): (i: number) => unknown {
  const n = data.length;
  const type = data.type;
  switch (type.id) {
    case 'bool': {
      const bits = data.values as Uint8Array;
      return (i) => (bits[i >> 3]! & (1 << (i & 7))) !== 0;
    }
    case 'utf8':
    case 'binary': {
      const offsets = data.offsets;
      const bytes = data.values as Uint8Array;
      if (!offsets || !bytes) throw view.error(path, 'variable-size column without offsets or data');
      const isUtf8 = type.id === 'utf8';
      return (i) => {
        const start = offsets[i]!;
        const end = offsets[i + 1]!;
        if (!(start >= 0 && end >= start && end <= bytes.length)) throw view.error(path, `value offsets ${start}..${end} out of range`);
        return isUtf8 ? utf8.decode(bytes.subarray(start, end)) : bytes.slice(start, end);
      };
    }
    case 'fixedSizeBinary': {
      const w = type.byteWidth;
      const bytes = data.values as Uint8Array;
      if (bytes.length < n * w) throw view.error(path, 'fixed-size binary data shorter than its rows');
      return (i) => bytes.slice(i * w, i * w + w);
    }
    default: {
      const values = data.values as ArrayLike<number | bigint> | undefined;
      if (!values || values.length < n) throw view.error(path, 'column data shorter than its rows');
      // OTLP timestamps are unsigned 64-bit; Arrow stores them as int64.
      if (type.id === 'timestamp') return (i) => BigInt.asUintN(64, values[i] as bigint);
      return (i) => values[i];
    }
  }
}
