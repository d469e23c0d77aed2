// Re-encodes the BatchArrowRecords our Producer writes into other encodings the OTAP spec
// allows a sender to choose (SPEC-NOTES 2.4, 4.2-4.5, 6, 8), so that decoder tests can
// check the Consumer against senders that are not our Producer:
// - plain instead of dictionary-encoded columns, u16 dictionary keys, Dict(u8) for plain
//   columns that may be dictionaries;
// - plain ids / parent ids (metadata encoding=plain, as Rust sends in memory), or the
//   transport encodings with the metadata Rust writes (encoding=delta / quasidelta);
// - optional columns left out when they hold only nulls;
// - replacement dictionaries instead of deltas, or a fresh IPC stream every batch.
//
// Each payload's chunk is read with one IpcStreamReader per (type, schema_id) stream, every
// RecordBatch goes through a BatchTransform, and the result is written with one
// IpcStreamWriter per payload type (a new writer and schema_id whenever the schema changes).
import type { ArrayData, DataType, DictionaryEncoding, Field, RecordBatch, Schema, ValueBuffer } from '../../src/arrow/types.js';
import { IpcStreamReader, IpcStreamWriter, listMessages } from '../../src/ipc/index.js';
import type { ArrowPayload, BatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { ArrowPayloadType as T } from '../../src/otap/payload-type.js';
import { utf8 } from '../../src/utf8-decoders.js';

// ---------------------------------------------------------------------------------------
// Counters: which transforms actually changed something (a test that transforms nothing
// proves nothing).

export interface VariantStats {
  dictionariesMaterialized: number;
  dictionariesRekeyed: number;
  plainColumnsToDictionary: number;
  idColumnsRewritten: number;
  idValuesChanged: number;
  columnsDropped: number;
  dictionariesReordered: number;
  replacementDictionaryMessages: number;
  deltaDictionaryMessages: number;
  schemasWritten: number;
}

export function newStats(): VariantStats {
  return {
    dictionariesMaterialized: 0, dictionariesRekeyed: 0, plainColumnsToDictionary: 0, idColumnsRewritten: 0,
    idValuesChanged: 0, columnsDropped: 0, dictionariesReordered: 0, replacementDictionaryMessages: 0,
    deltaDictionaryMessages: 0, schemasWritten: 0,
  };
}

export interface TransformContext {
  /** ArrowPayloadType of the table. */
  readonly type: number;
  /** Index of the BatchArrowRecords in the stream. */
  readonly batchIndex: number;
  readonly stats: VariantStats;
}

export type BatchTransform = (ctx: TransformContext, batch: RecordBatch) => RecordBatch;

// ---------------------------------------------------------------------------------------
// The stream re-encoder

export interface VariantStreamOptions {
  /** A new IPC stream (schema resend under a new schema_id) for every payload of every batch. */
  freshStreamPerBatch?: boolean;
}

interface OutStream {
  writer: IpcStreamWriter;
  schemaId: string;
  schemaKey: string;
}

export class VariantStream {
  readonly stats = newStats();
  private readonly readers = new Map<string, IpcStreamReader>();
  private readonly writers = new Map<number, OutStream>();
  private nextSchemaId = 0;
  private batchIndex = 0;

  constructor(
    private readonly transform: BatchTransform,
    private readonly options: VariantStreamOptions = {},
  ) {}

  apply(bar: BatchArrowRecords): BatchArrowRecords {
    const arrowPayloads: ArrowPayload[] = [];
    for (const p of bar.arrowPayloads) {
      const readerKey = `${p.type}/${p.schemaId}`;
      let reader = this.readers.get(readerKey);
      if (!reader) {
        // A new schema_id for a type starts a new stream: the older one is finished.
        for (const k of [...this.readers.keys()]) if (k.startsWith(`${p.type}/`)) this.readers.delete(k);
        reader = new IpcStreamReader();
        this.readers.set(readerKey, reader);
      }
      const batches = reader.read(p.record);
      if (batches.length !== 1) throw new Error(`expected one record batch in ${p.type}/${p.schemaId}, got ${batches.length}`);
      const out = renumberDictionaries(this.transform({ type: p.type, batchIndex: this.batchIndex, stats: this.stats }, batches[0]!));
      const key = schemaKey(out.schema);
      let stream = this.writers.get(p.type);
      if (!stream || stream.schemaKey !== key || this.options.freshStreamPerBatch) {
        stream = { writer: new IpcStreamWriter(out.schema), schemaId: String(this.nextSchemaId++), schemaKey: key };
        this.writers.set(p.type, stream);
        this.stats.schemasWritten++;
      }
      const record = stream.writer.write(out);
      for (const m of listMessages(record)) {
        if (m.type === 'dictionary') {
          if (m.isDelta) this.stats.deltaDictionaryMessages++;
          else this.stats.replacementDictionaryMessages++;
        }
      }
      arrowPayloads.push({ schemaId: stream.schemaId, type: p.type, record });
    }
    this.batchIndex++;
    return { batchId: bar.batchId, arrowPayloads, headers: bar.headers };
  }
}

/** Applies transforms left to right. */
export function compose(...transforms: BatchTransform[]): BatchTransform {
  return (ctx, batch) => transforms.reduce((b, t) => t(ctx, b), batch);
}

export const identity: BatchTransform = (_ctx, batch) => batch;

// ---------------------------------------------------------------------------------------
// Schema helpers

function schemaKey(schema: Schema): string {
  const field = (f: Field): unknown => ({
    n: f.name, t: typeKey(f.type), nl: f.nullable, d: f.dictionary ?? null,
    m: f.metadata ? [...f.metadata].sort() : null,
  });
  const typeKey = (t: DataType): unknown =>
    t.id === 'struct' ? { id: 'struct', c: t.children.map(field) } : t.id === 'list' ? { id: 'list', c: field(t.child) } : t;
  return JSON.stringify({ f: schema.fields.map(field), m: schema.metadata ? [...schema.metadata].sort() : null });
}

/** Dictionary ids 0, 1, 2, ... in depth-first pre-order (as arrow-go assigns them). */
function renumberDictionaries(batch: RecordBatch): RecordBatch {
  let next = 0;
  const visit = (f: Field): Field => {
    const dictionary = f.dictionary ? { ...f.dictionary, id: next++ } : undefined;
    let type = f.type;
    if (type.id === 'struct') type = { id: 'struct', children: type.children.map(visit) };
    else if (type.id === 'list') type = { id: 'list', child: visit(type.child) };
    return withField(f, { type, dictionary });
  };
  const fields = batch.schema.fields.map(visit);
  // Struct ArrayData carry their type: keep it in step with the schema.
  const fix = (f: Field, d: ArrayData): ArrayData => {
    if (f.type.id === 'struct') {
      const children = f.type.children;
      return { ...d, type: f.type, children: d.children!.map((c, i) => fix(children[i]!, c)) };
    }
    if (f.type.id === 'list') return { ...d, type: f.type, children: [fix(f.type.child, d.children![0]!)] };
    return d;
  };
  return {
    schema: { ...batch.schema, fields },
    length: batch.length,
    columns: batch.columns.map((c, i) => fix(fields[i]!, c)),
  };
}

/** A copy of `f` with some properties replaced; `dictionary: undefined` removes it. */
function withField(f: Field, changes: { type?: DataType; dictionary?: DictionaryEncoding | undefined; metadata?: ReadonlyMap<string, string> }): Field {
  const out: { -readonly [K in keyof Field]: Field[K] } = { name: f.name, type: changes.type ?? f.type, nullable: f.nullable };
  const dictionary = 'dictionary' in changes ? changes.dictionary : f.dictionary;
  if (dictionary) out.dictionary = dictionary;
  const metadata = changes.metadata ?? f.metadata;
  if (metadata) out.metadata = metadata;
  return out;
}

interface Column {
  readonly field: Field;
  readonly data: ArrayData;
}

type ColumnFn = (path: string, col: Column) => Column | null;

/**
 * Maps every column of a batch through `fn` (null = drop it). Struct children are mapped
 * first, then the struct itself; list columns are passed whole (their items are never
 * dictionaries or ids in OTAP).
 */
function mapColumns(batch: RecordBatch, fn: ColumnFn): RecordBatch {
  const node = (path: string, col: Column): Column | null => {
    const { field, data } = col;
    if (field.type.id === 'struct' && !field.dictionary) {
      const fields: Field[] = [];
      const children: ArrayData[] = [];
      field.type.children.forEach((cf, i) => {
        const mapped = node(`${path}.${cf.name}`, { field: cf, data: data.children![i]! });
        if (mapped) {
          fields.push(mapped.field);
          children.push(mapped.data);
        }
      });
      const type: DataType = { id: 'struct', children: fields };
      return fn(path, { field: withField(field, { type }), data: { ...data, type, children } });
    }
    return fn(path, col);
  };
  const fields: Field[] = [];
  const columns: ArrayData[] = [];
  batch.schema.fields.forEach((f, i) => {
    const mapped = node(f.name, { field: f, data: batch.columns[i]! });
    if (mapped) {
      fields.push(mapped.field);
      columns.push(mapped.data);
    }
  });
  return { schema: { ...batch.schema, fields }, length: batch.length, columns };
}

function findColumn(batch: RecordBatch, path: string): Column | undefined {
  let fields = batch.schema.fields;
  let arrays = batch.columns;
  const parts = path.split('.');
  for (let p = 0; p < parts.length; p++) {
    const i = fields.findIndex((f) => f.name === parts[p]);
    if (i < 0) return undefined;
    const field = fields[i]!;
    const data = arrays[i]!;
    if (p === parts.length - 1) return { field, data };
    if (field.type.id !== 'struct') return undefined;
    fields = field.type.children;
    arrays = data.children!;
  }
  return undefined;
}

/** Replaces the column at `path` (through structs). */
function replaceColumn(batch: RecordBatch, path: string, col: Column): RecordBatch {
  return mapColumns(batch, (p, c) => (p === path ? col : c));
}

// ---------------------------------------------------------------------------------------
// Cell access and gathering

function isValidAt(d: ArrayData, i: number): boolean {
  return d.nullCount === 0 || d.validity === null || ((d.validity[i >> 3]! >> (i & 7)) & 1) === 1;
}


function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Where row i's value lives: [plain array, index], or null for a null cell. */
function locate(d: ArrayData, i: number): [ArrayData, number] | null {
  if (!isValidAt(d, i)) return null;
  if (d.dictionary) {
    const k = Number(d.values![i]!);
    return isValidAt(d.dictionary, k) ? [d.dictionary, k] : null;
  }
  return [d, i];
}

/** A JS value for row i (dictionaries resolved): strings, numbers, bigints, booleans;
 *  binary and fixed-size binary as hex strings. */
export function cell(d: ArrayData, i: number): string | number | bigint | boolean | null {
  const at = locate(d, i);
  if (!at) return null;
  const [a, j] = at;
  switch (a.type.id) {
    case 'utf8':
      return utf8.decode((a.values as Uint8Array).subarray(a.offsets![j]!, a.offsets![j + 1]!));
    case 'binary':
      return hex((a.values as Uint8Array).subarray(a.offsets![j]!, a.offsets![j + 1]!));
    case 'fixedSizeBinary': {
      const w = a.type.byteWidth;
      return hex((a.values as Uint8Array).subarray(j * w, j * w + w));
    }
    case 'bool':
      return (((a.values as Uint8Array)[j >> 3]! >> (j & 7)) & 1) === 1;
    case 'int':
    case 'float64':
    case 'timestamp':
    case 'duration':
      return a.values![j]!;
    default:
      throw new Error(`no cell value for ${a.type.id}`);
  }
}

/** Bytes-exact identity of row i's value (for building dictionaries): -0 and +0 differ. */
function rawKey(d: ArrayData, i: number): string | null {
  const at = locate(d, i);
  if (!at) return null;
  const [a, j] = at;
  switch (a.type.id) {
    case 'utf8':
    case 'binary':
      return hex((a.values as Uint8Array).subarray(a.offsets![j]!, a.offsets![j + 1]!));
    case 'fixedSizeBinary':
    case 'bool':
      return String(cell(a, j));
    default: {
      const v = a.values!;
      const w = v.BYTES_PER_ELEMENT;
      return hex(new Uint8Array(v.buffer, v.byteOffset + j * w, w));
    }
  }
}

function allocLike(v: ValueBuffer, n: number): ValueBuffer {
  return new (v.constructor as new (n: number) => ValueBuffer)(n);
}

/** A plain array of `src`'s value type whose row r is src's row rows[r] (null -> null);
 *  dictionary-encoded sources are resolved. */
function gather(src: ArrayData, rows: readonly (number | null)[]): ArrayData {
  const at = rows.map((r) => (r === null ? null : locate(src, r)));
  const n = rows.length;
  const type = src.type;
  let validity: Uint8Array | null = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  at.forEach((a, r) => {
    if (a) validity![r >> 3]! |= 1 << (r & 7);
    else nullCount++;
  });
  if (nullCount === 0) validity = null;
  const base = { type, length: n, nullCount, validity };
  switch (type.id) {
    case 'utf8':
    case 'binary': {
      const offsets = new Int32Array(n + 1);
      const parts: Uint8Array[] = [];
      let total = 0;
      at.forEach((a, r) => {
        if (a) {
          const [d, j] = a;
          const bytes = (d.values as Uint8Array).subarray(d.offsets![j]!, d.offsets![j + 1]!);
          parts.push(bytes);
          total += bytes.length;
        }
        offsets[r + 1] = total;
      });
      const values = new Uint8Array(total);
      let pos = 0;
      for (const p of parts) { values.set(p, pos); pos += p.length; }
      return { ...base, offsets, values };
    }
    case 'fixedSizeBinary': {
      const w = type.byteWidth;
      const values = new Uint8Array(n * w);
      at.forEach((a, r) => {
        if (a) values.set((a[0].values as Uint8Array).subarray(a[1] * w, a[1] * w + w), r * w);
      });
      return { ...base, values };
    }
    case 'bool': {
      const values = new Uint8Array((n + 7) >> 3);
      at.forEach((a, r) => {
        if (a && cell(a[0], a[1]) === true) values[r >> 3]! |= 1 << (r & 7);
      });
      return { ...base, values };
    }
    case 'int':
    case 'float64':
    case 'timestamp':
    case 'duration': {
      const proto = (src.dictionary ?? src).values!;
      const values = allocLike(proto, n);
      at.forEach((a, r) => {
        if (a) (values as unknown as unknown[])[r] = a[0].values![a[1]]!;
      });
      return { ...base, values };
    }
    default:
      throw new Error(`cannot gather ${type.id}`);
  }
}

function keyArray(width: 8 | 16, keys: readonly number[]): Uint8Array | Uint16Array {
  return width === 8 ? Uint8Array.from(keys) : Uint16Array.from(keys);
}

/** A dictionary-encoded array: `dictionary` plus keys (null key = null row). */
function dictionaryArray(type: DataType, dictionary: ArrayData, keys: readonly (number | null)[], width: 8 | 16): ArrayData {
  const n = keys.length;
  let nullCount = 0;
  const validity = new Uint8Array((n + 7) >> 3);
  keys.forEach((k, r) => {
    if (k === null) nullCount++;
    else validity[r >> 3]! |= 1 << (r & 7);
  });
  return {
    type, length: n, nullCount, validity: nullCount === 0 ? null : validity,
    values: keyArray(width, keys.map((k) => k ?? 0)), dictionary,
  };
}

/** Distinct non-null values of `d` in first-use order, and each row's index among them. */
function distinct(d: ArrayData): { firstRows: number[]; keys: (number | null)[] } {
  const index = new Map<string, number>();
  const firstRows: number[] = [];
  const keys = new Array<number | null>(d.length);
  for (let i = 0; i < d.length; i++) {
    const k = rawKey(d, i);
    if (k === null) { keys[i] = null; continue; }
    let at = index.get(k);
    if (at === undefined) {
      at = firstRows.length;
      index.set(k, at);
      firstRows.push(i);
    }
    keys[i] = at;
  }
  return { firstRows, keys };
}

function dictEncoding(width: 8 | 16): DictionaryEncoding {
  // The id is a placeholder: renumberDictionaries assigns the real ones.
  return { id: -1, indexBitWidth: width, indexSigned: false, ordered: false };
}

// ---------------------------------------------------------------------------------------
// Dictionary transforms

/** Every dictionary-encoded column becomes a plain column of its value type. */
export const plainDictionaries: BatchTransform = (ctx, batch) =>
  mapColumns(batch, (_path, col) => {
    if (!col.field.dictionary) return col;
    ctx.stats.dictionariesMaterialized++;
    const rows = Array.from({ length: col.data.length }, (_, i) => i);
    return { field: withField(col.field, { dictionary: undefined }), data: gather(col.data, rows) };
  });

const ATTRS_U32 = new Set<number>([
  T.SPAN_EVENT_ATTRS, T.SPAN_LINK_ATTRS, T.NUMBER_DP_ATTRS, T.SUMMARY_DP_ATTRS, T.HISTOGRAM_DP_ATTRS,
  T.EXP_HISTOGRAM_DP_ATTRS, T.NUMBER_DP_EXEMPLAR_ATTRS, T.HISTOGRAM_DP_EXEMPLAR_ATTRS, T.EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS,
]);
const EXEMPLARS = new Set<number>([T.NUMBER_DP_EXEMPLARS, T.HISTOGRAM_DP_EXEMPLARS, T.EXP_HISTOGRAM_DP_EXEMPLARS]);

/** Integer columns the spec tables (section 6, "dict" column and Rust's extras) allow as
 *  dictionaries; every utf8/binary column is allowed, and every fixed-size binary column
 *  except SPANS.parent_span_id. */
const DICT_INT_COLUMNS = new Set([
  'severity_number', 'body.int', 'int', 'kind', 'status.code', 'aggregation_temporality', 'duration_time_unix_nano',
]);

export function dictionaryEligible(type: number, path: string, field: Field): boolean {
  switch (field.type.id) {
    case 'utf8':
    case 'binary':
      return true;
    case 'fixedSizeBinary':
      return path !== 'parent_span_id';
    case 'int':
    case 'duration':
      if (DICT_INT_COLUMNS.has(path)) return true;
      if (EXEMPLARS.has(type) && (path === 'int_value' || path === 'parent_id')) return true;
      return ATTRS_U32.has(type) && path === 'parent_id';
    default:
      return false;
  }
}

/**
 * Dictionary columns get u16 keys; eligible plain columns with <= 255 distinct values become
 * Dict(u8) (a per-batch dictionary in first-use order).
 */
export const widenDictionaries: BatchTransform = (ctx, batch) =>
  mapColumns(batch, (path, col) => {
    const { field, data } = col;
    if (field.dictionary) {
      ctx.stats.dictionariesRekeyed++;
      const keys = Uint16Array.from(data.values as ArrayLike<number>, Number);
      return { field: withField(field, { dictionary: dictEncoding(16) }), data: { ...data, values: keys } };
    }
    if (!dictionaryEligible(ctx.type, path, field)) return col;
    const { firstRows, keys } = distinct(data);
    if (firstRows.length > 255) return col;
    ctx.stats.plainColumnsToDictionary++;
    return {
      field: withField(field, { dictionary: dictEncoding(8) }),
      data: dictionaryArray(field.type, gather(data, firstRows), keys, 8),
    };
  });

/**
 * Every dictionary is rebuilt per batch from the values this batch uses, in reverse
 * first-use order, so it is (almost) never an extension of the previous batch's: the IPC
 * writer then sends replacement dictionaries (isDelta=false) instead of deltas.
 */
export const replacementDictionaries: BatchTransform = (ctx, batch) =>
  mapColumns(batch, (_path, col) => {
    const { field, data } = col;
    if (!field.dictionary) return col;
    ctx.stats.dictionariesReordered++;
    const { firstRows, keys } = distinct(data);
    const reversed = firstRows.slice().reverse();
    const last = reversed.length - 1;
    const width = field.dictionary.indexBitWidth === 8 ? 8 : 16;
    return { field, data: dictionaryArray(field.type, gather(data, reversed), keys.map((k) => (k === null ? null : last - k)), width) };
  });

// ---------------------------------------------------------------------------------------
// Optional columns

function allNull(d: ArrayData): boolean {
  if (d.nullCount === d.length) return true;
  if (!d.dictionary) return false;
  for (let i = 0; i < d.length; i++) if (locate(d, i)) return false;
  return true;
}

/** Nullable columns (and struct children) holding only nulls are left out of the schema. */
export const dropNullColumns: BatchTransform = (ctx, batch) =>
  mapColumns(batch, (_path, col) => {
    if (col.field.nullable && allNull(col.data)) {
      ctx.stats.columnsDropped++;
      return null;
    }
    return col;
  });

// ---------------------------------------------------------------------------------------
// Ids: delta (4.2) and quasi-delta (4.3)

const DATA_POINTS = new Set<number>([T.NUMBER_DATA_POINTS, T.SUMMARY_DATA_POINTS, T.HISTOGRAM_DATA_POINTS, T.EXP_HISTOGRAM_DATA_POINTS]);
const ATTRS = new Set<number>([...ATTRS_U32, T.RESOURCE_ATTRS, T.SCOPE_ATTRS, T.LOG_ATTRS, T.SPAN_ATTRS, T.METRIC_ATTRS]);

type Equality = 'ieee' | 'total';

/** Go compares doubles with IEEE == (NaN != NaN, -0 == +0); Rust by total order / bits. */
function same(a: unknown, b: unknown, eq: Equality): boolean {
  if (typeof a === 'number' && typeof b === 'number') return eq === 'ieee' ? a === b : Object.is(a, b);
  return a === b;
}

/** "Row i's parent id is a delta from row i-1's" for a quasi-delta table, or undefined
 *  when `parent_id` is delta-encoded (data points) or the table has none. */
function quasiDeltaRule(type: number, batch: RecordBatch): ((i: number, eq: Equality) => boolean) | undefined {
  const col = (path: string) => findColumn(batch, path)?.data;
  const at = (d: ArrayData | undefined, i: number) => (d ? cell(d, i) : null);
  if (ATTRS.has(type)) {
    const key = col('key');
    const typ = col('type');
    const byType: Record<number, ArrayData | undefined> = { 1: col('str'), 2: col('int'), 3: col('double'), 4: col('bool'), 7: col('bytes') };
    return (i, eq) => {
      const t = at(typ, i);
      if (t !== at(typ, i - 1) || at(key, i) !== at(key, i - 1)) return false;
      if (typeof t !== 'number' || !(t in byType)) return false; // empty, map, slice: never
      const values = byType[t];
      return same(at(values, i), at(values, i - 1), eq);
    };
  }
  if (type === T.SPAN_EVENTS) {
    const name = col('name');
    return (i) => (at(name, i) ?? '') === (at(name, i - 1) ?? '');
  }
  if (type === T.SPAN_LINKS) {
    const traceId = col('trace_id');
    return (i) => (at(traceId, i) ?? '') === (at(traceId, i - 1) ?? '');
  }
  if (EXEMPLARS.has(type)) {
    const ints = col('int_value');
    const doubles = col('double_value');
    const value = (i: number): [string, unknown] => {
      const iv = at(ints, i);
      if (iv !== null) return ['int', iv];
      const dv = at(doubles, i);
      return dv !== null ? ['double', dv] : ['none', null];
    };
    return (i, eq) => {
      const [ta, va] = value(i - 1);
      const [tb, vb] = value(i);
      return ta === tb && same(va, vb, eq);
    };
  }
  return undefined;
}

export type IdEncoding =
  /** Decoded ids with metadata encoding=plain (Rust's in-memory form). */
  | 'plain'
  /** Transport encodings with metadata encoding=delta / quasidelta, as Rust sends them
   *  (quasi-delta equality by Rust's rules: doubles by total order). */
  | 'metadata';

/**
 * Rewrites `id`, `resource.id`, `scope.id` and `parent_id`: decodes the transport encoding
 * the Producer wrote (Go rules, no metadata) and writes them plain, or re-encoded with the
 * Rust metadata. Dictionary-encoded parent ids come out as plain integer columns.
 */
export function rewriteIds(encoding: IdEncoding): BatchTransform {
  return (ctx, input) => {
    let batch = input;
    const rule = quasiDeltaRule(ctx.type, input);
    for (const path of ['id', 'resource.id', 'scope.id', 'parent_id']) {
      const col = findColumn(batch, path);
      if (!col) continue;
      if (col.field.metadata?.get('encoding') === 'plain') continue;
      const bits = col.field.type.id === 'int' ? col.field.type.bitWidth : 0;
      if (bits !== 16 && bits !== 32) throw new Error(`${path}: unexpected id type`);
      const mask = bits === 16 ? 0xffff : 0xffffffff;
      const wrap = (v: number) => (bits === 16 ? v & mask : v >>> 0);
      const raw = Array.from({ length: col.data.length }, (_, i) => cell(col.data, i) as number | null);
      const quasi = path === 'parent_id' && !DATA_POINTS.has(ctx.type) ? rule : undefined;
      if (path === 'parent_id' && !quasi && !DATA_POINTS.has(ctx.type)) throw new Error(`no parent id rule for payload type ${ctx.type}`);

      // Decode (Go rules: the Producer writes no metadata).
      const plain = new Array<number | null>(raw.length);
      let prev: number | null = null;
      raw.forEach((v, i) => {
        if (v === null) { plain[i] = null; return; }
        const isDelta = quasi ? i > 0 && prev !== null && quasi(i, 'ieee') : true;
        plain[i] = isDelta ? wrap((prev ?? 0) + v) : v;
        prev = plain[i]!;
      });

      let out: (number | null)[] = plain;
      let tag = 'plain';
      if (encoding === 'metadata') {
        tag = quasi ? 'quasidelta' : 'delta';
        out = new Array<number | null>(plain.length);
        let last: number | null = null;
        plain.forEach((v, i) => {
          if (v === null) { out[i] = null; return; }
          const isDelta = quasi ? i > 0 && last !== null && quasi(i, 'total') : true;
          out[i] = isDelta ? wrap(v - (last ?? 0)) : v;
          last = v;
        });
      }
      out.forEach((v, i) => { if (v !== raw[i]) ctx.stats.idValuesChanged++; });
      ctx.stats.idColumnsRewritten++;

      const values = bits === 16 ? Uint16Array.from(out, (v) => v ?? 0) : Uint32Array.from(out, (v) => v ?? 0);
      const { validity, nullCount } = validityOf(out);
      const metadata = new Map(col.field.metadata ?? []);
      metadata.set('encoding', tag);
      batch = replaceColumn(batch, path, {
        field: withField(col.field, { dictionary: undefined, metadata }),
        data: { type: col.field.type, length: out.length, nullCount, validity, values },
      });
    }
    return batch;
  };
}

function validityOf(values: readonly unknown[]): { validity: Uint8Array | null; nullCount: number } {
  const validity = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) nullCount++;
    else validity[i >> 3]! |= 1 << (i & 7);
  });
  return { validity: nullCount === 0 ? null : validity, nullCount };
}
