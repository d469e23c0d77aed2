// Structural views of OTAP streams for comparing two producers (ours and the Go
// reference) on the same input: the envelope, each payload stream's Arrow schema, the
// dictionary message sequence and the record batches, rendered as plain JSON-able values
// so that a test can diff them with toEqual and print readable differences.
import type { ArrayData, DataType, Field, RecordBatch, Schema } from '../../src/arrow/types.js';
import { IpcStreamReader, listMessages, type MessageSummary } from '../../src/ipc/index.js';
import { decodeBatchArrowRecords, type BatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { payloadTypeName } from '../../src/otap/payload-type.js';
import { utf8 } from '../../src/utf8-decoders.js';

// ---------------------------------------------------------------------------------------
// Schemas

export interface FieldView {
  name: string;
  type: string;
  nullable: boolean;
  /** `u8`/`u16`... index width, with the IPC dictionary id and flags. */
  dictionary?: { id: number; index: string; ordered: boolean };
  metadata?: Record<string, string>;
  children?: FieldView[];
}

export interface SchemaView {
  fields: FieldView[];
  metadata?: Record<string, string>;
}

function typeName(t: DataType): string {
  switch (t.id) {
    case 'int': return `${t.signed ? 'i' : 'u'}${t.bitWidth}`;
    case 'fixedSizeBinary': return `fsb${t.byteWidth}`;
    case 'timestamp': return `timestamp[ns,tz=${t.timezone === null ? 'null' : JSON.stringify(t.timezone)}]`;
    case 'duration': return 'duration[ns]';
    case 'struct': return 'struct';
    case 'list': return 'list';
    default: return t.id;
  }
}

function metadataView(m: ReadonlyMap<string, string> | undefined): Record<string, string> | undefined {
  if (!m || m.size === 0) return undefined;
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function fieldView(f: Field): FieldView {
  const v: FieldView = { name: f.name, type: typeName(f.type), nullable: f.nullable };
  if (f.dictionary) {
    const d = f.dictionary;
    v.dictionary = { id: d.id, index: `${d.indexSigned ? 'i' : 'u'}${d.indexBitWidth}`, ordered: d.ordered };
  }
  const md = metadataView(f.metadata);
  if (md) v.metadata = md;
  if (f.type.id === 'struct') v.children = f.type.children.map(fieldView);
  if (f.type.id === 'list') v.children = [fieldView(f.type.child)];
  return v;
}

export function schemaView(s: Schema): SchemaView {
  const v: SchemaView = { fields: s.fields.map(fieldView) };
  const md = metadataView(s.metadata);
  if (md) v.metadata = md;
  return v;
}

// ---------------------------------------------------------------------------------------
// Streams

export interface DictMessageView {
  id: number;
  isDelta: boolean;
  /** Entries carried by this dictionary batch (the delta's tail, or the full replacement). */
  entries: number;
  /** Column path of the dictionary-encoded field. */
  path: string;
  /** Size of the reader's dictionary for this id before this message. */
  before: number;
  /** The entries, each rendered as JSON (see cellValue). */
  values: string[];
}

export interface PayloadView {
  type: string;
  schemaId: string;
  /** Schema of the IPC stream when this chunk opens one (starts with a Schema message). */
  schema?: SchemaView;
  dictionaries: DictMessageView[];
  /** Record batch count of this chunk (OTAP: always 1) and rows of each. */
  recordBatches: number[];
}

export interface BarView {
  batchId: string;
  headersLength: number;
  payloads: PayloadView[];
}

export interface DecodedStream {
  /** Per BAR, the record batch of each payload (in payload order), by payload type name. */
  batches: Map<string, RecordBatch>[];
  views: BarView[];
}

/**
 * Parses a sequence of BatchArrowRecords the way a consumer does (one IPC reader per
 * schema_id, replaced when a new schema id arrives for the same payload type) and returns
 * the structural view of every BAR plus the decoded record batches.
 */
export function decodeStream(frames: readonly (Uint8Array | BatchArrowRecords)[]): DecodedStream {
  const readers = new Map<string, { type: number; reader: IpcStreamReader; sizes: Map<string, number> }>();
  const views: BarView[] = [];
  const batches: Map<string, RecordBatch>[] = [];
  for (const frame of frames) {
    const bar = frame instanceof Uint8Array ? decodeBatchArrowRecords(frame) : frame;
    const payloads: PayloadView[] = [];
    const decoded = new Map<string, RecordBatch>();
    for (const p of bar.arrowPayloads) {
      const type = payloadTypeName(p.type);
      let entry = readers.get(p.schemaId);
      const opens = !entry;
      if (!entry) {
        for (const [id, r] of readers) if (r.type === p.type) readers.delete(id);
        entry = { type: p.type, reader: new IpcStreamReader(), sizes: new Map() };
        readers.set(p.schemaId, entry);
      }
      const messages: MessageSummary[] = listMessages(p.record);
      const records = entry.reader.read(p.record);
      const paths = dictionaryPaths(entry.reader.schema!);
      const cumulative = records[0] ? dictionariesOf(records[0]) : new Map<string, unknown[]>();
      const view: PayloadView = {
        type,
        schemaId: p.schemaId,
        dictionaries: messages
          .filter((m) => m.type === 'dictionary')
          .map((m) => {
            const path = paths.get(m.id!) ?? `#${m.id}`;
            const key = `${p.schemaId}/${m.id}`;
            const before = entry.sizes.get(key) ?? 0;
            const all = cumulative.get(path) ?? [];
            entry.sizes.set(key, all.length);
            const values = (m.isDelta ? all.slice(before) : all).map((v) => JSON.stringify(v));
            return { id: m.id!, isDelta: m.isDelta!, entries: m.length!, path, before, values };
          }),
        recordBatches: records.map((r) => r.length),
      };
      if (opens) view.schema = schemaView(entry.reader.schema!);
      payloads.push(view);
      if (records[0]) decoded.set(type, records[0]);
    }
    views.push({ batchId: String(bar.batchId), headersLength: bar.headers.length, payloads });
    batches.push(decoded);
  }
  return { batches, views };
}

/** IPC dictionary id -> dotted column path, for the dictionary-encoded fields of a schema. */
export function dictionaryPaths(schema: Schema): Map<number, string> {
  const out = new Map<number, string>();
  const visit = (fields: readonly Field[], prefix: string): void => {
    for (const f of fields) {
      if (f.dictionary) out.set(f.dictionary.id, prefix + f.name);
      if (f.type.id === 'struct') visit(f.type.children, prefix + f.name + '.');
    }
  };
  visit(schema.fields, '');
  return out;
}

// ---------------------------------------------------------------------------------------
// Record batch contents

/** The logical value of row `i` of a column (dictionaries resolved), as a JSON-able value. */
export function cellValue(col: ArrayData, i: number): unknown {
  if (col.validity && !bit(col.validity, i)) return null;
  if (col.dictionary) {
    const idx = Number((col.values as ArrayLike<number | bigint>)[i]);
    return cellValue(col.dictionary, idx);
  }
  const t = col.type;
  switch (t.id) {
    case 'int':
    case 'timestamp':
    case 'duration': {
      const v = (col.values as ArrayLike<number | bigint>)[i]!;
      return typeof v === 'bigint' ? v.toString() : v;
    }
    case 'float64': {
      const v = (col.values as Float64Array)[i]!;
      return Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v;
    }
    case 'bool': return bit(col.values as Uint8Array, i);
    case 'utf8': return utf8.decode(slice(col, i));
    case 'binary': return `0x${hex(slice(col, i))}`;
    case 'fixedSizeBinary': {
      const w = t.byteWidth;
      return `0x${hex((col.values as Uint8Array).subarray(i * w, (i + 1) * w))}`;
    }
    case 'struct':
      return Object.fromEntries(t.children.map((f, k) => [f.name, cellValue(col.children![k]!, i)]));
    case 'list': {
      const o = col.offsets!;
      const out: unknown[] = [];
      for (let j = o[i]!; j < o[i + 1]!; j++) out.push(cellValue(col.children![0]!, j));
      return out;
    }
  }
}

/** Every row of a record batch as an object keyed by column name (JSON-stable). */
export function rowsOf(batch: RecordBatch): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < batch.length; i++) {
    rows.push(Object.fromEntries(batch.schema.fields.map((f, k) => [f.name, cellValue(batch.columns[k]!, i)])));
  }
  return rows;
}

/** The dictionary values of every dictionary-encoded column path of a batch. */
export function dictionariesOf(batch: RecordBatch): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  const visit = (fields: readonly Field[], cols: readonly ArrayData[], prefix: string): void => {
    fields.forEach((f, k) => {
      const col = cols[k]!;
      const path = prefix + f.name;
      if (col.dictionary) {
        const d = col.dictionary;
        out.set(path, Array.from({ length: d.length }, (_, j) => cellValue(d, j)));
      }
      if (f.type.id === 'struct' && col.children) visit(f.type.children, col.children, path + '.');
    });
  };
  visit(batch.schema.fields, batch.columns, '');
  return out;
}

/** Sorted JSON renderings of rows: equal for two batches holding the same multiset of rows. */
export function rowMultiset(rows: readonly unknown[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

function bit(bitmap: Uint8Array, i: number): boolean {
  return (bitmap[i >> 3]! & (1 << (i & 7))) !== 0;
}

function slice(col: ArrayData, i: number): Uint8Array {
  const o = col.offsets!;
  return (col.values as Uint8Array).subarray(o[i]!, o[i + 1]!);
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
