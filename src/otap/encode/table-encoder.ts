// Turns TableInput rows into Arrow record batches for one payload type, keeping the state
// that must persist across the batches of one IPC stream, as the Go producer does:
// - optional columns appear at their first value that counts and then stay;
// - dictionary candidates start at u8 (or u16) keys, move u8 -> u16 when more than 255
//   distinct values have been seen, and at more than 65535 either restart the dictionary
//   (when distinct/inserted < 0.3: same schema, a replacement dictionary) or fall back to
//   the plain value type for good;
// - a column whose receiver decodes more distinct values than it was sent (quasi-delta
//   parent ids made absolute) gets keys wide enough for those too (TableInput.decodedDistinct);
// - any change of the resulting schema starts a new IPC stream (new schema id) whose
//   dictionaries start empty.
import { buildLeaf, validityBitmap } from '../../arrow/build.js';
import { leafDataType } from '../../arrow/leaf-type.js';
import type { ArrayData, DataType, Field, RecordBatch, Schema } from '../../arrow/types.js';
import { OtelArrowError } from '../../errors.js';
import type { ColumnSpec, LeafSpec, TableSpec } from '../schema/column-spec.js';
import { DictionaryValues } from './dictionary-values.js';
import type { TableInput } from './table-input.js';

export interface DictionaryLimits {
  /** Largest dictionary a u16 key may index (Go LimitIndexSize). */
  maxU16: number;
  /** Below this distinct/inserted ratio an overflowing dictionary restarts instead of going plain. */
  resetThreshold: number;
}

export const DEFAULT_DICTIONARY_LIMITS: DictionaryLimits = { maxU16: 65535, resetThreshold: 0.3 };
const MAX_U8 = 255;

type DictMode = 'u8' | 'u16' | 'plain';

interface DictState {
  mode: DictMode;
  values: DictionaryValues;
}

export interface EncodedTable {
  batch: RecordBatch;
  /** True when this batch starts a new IPC stream (first batch or a schema change). */
  newStream: boolean;
}

export class TableEncoder {
  readonly spec: TableSpec;
  private readonly limits: DictionaryLimits;
  private readonly present = new Set<string>();
  private readonly dicts = new Map<string, DictState>();
  /** Prototype dictionary-candidate index of each dict path (Go's `dictId` metadata). */
  private readonly dictIds = new Map<string, number>();
  private signature: string | undefined;
  private schema: Schema | undefined;

  constructor(spec: TableSpec, limits: DictionaryLimits = DEFAULT_DICTIONARY_LIMITS) {
    this.spec = spec;
    this.limits = limits;
    let next = 0;
    walkLeaves(spec.columns, '', (leaf, path) => {
      if (leaf.dict) {
        this.dictIds.set(path, next++);
        this.dicts.set(path, { mode: leaf.dict === 'd8' ? 'u8' : 'u16', values: new DictionaryValues(leaf.kind) });
      }
    });
  }

  encode(input: TableInput): EncodedTable {
    this.updatePresence(input);
    this.widenForDecoded(input);
    let newStream = false;
    for (let attempt = 0; attempt < 8; attempt++) {
      const signature = this.computeSignature();
      if (signature !== this.signature) {
        this.signature = signature;
        this.schema = this.buildSchema();
        this.resetAllDictionaries();
        newStream = true;
      }
      const fresh = new Set<string>();
      for (const [path, state] of this.dicts) if (state.values.size === 0) fresh.add(path);
      const columns = this.buildColumns(this.spec.columns, '', input);
      const overflow = this.checkOverflow(fresh);
      if (!overflow) return { batch: { schema: this.schema!, length: input.length, columns }, newStream };
    }
    throw new OtelArrowError('LIMIT_EXCEEDED', 'dictionary sizes did not settle after repeated schema changes', {
      table: this.spec.name,
    });
  }

  /** Widens (for good, like an overflow) keys too narrow for the values a receiver decodes. */
  private widenForDecoded(input: TableInput): void {
    if (!input.decodedDistinct) return;
    for (const [path, distinct] of input.decodedDistinct) {
      const state = this.dicts.get(path);
      if (!state) continue;
      if (state.mode === 'u8' && distinct > MAX_U8) state.mode = 'u16';
      if (state.mode === 'u16' && distinct > this.limits.maxU16) {
        state.mode = 'plain';
        state.values = new DictionaryValues(state.values.kind);
      }
    }
  }

  /** After building, moves any dictionary past its key width; returns true when the batch must be rebuilt. */
  private checkOverflow(fresh: Set<string>): boolean {
    let rebuild = false;
    for (const [path, state] of this.dicts) {
      if (!this.present.has(path) || state.mode === 'plain') continue;
      const size = state.values.size;
      if (state.mode === 'u8' && size > MAX_U8) {
        state.mode = 'u16';
        rebuild = true;
      }
      if (state.mode === 'u16' && size > this.limits.maxU16) {
        const ratio = size / state.values.inserted;
        // A dictionary that overflows within one fresh batch cannot be saved by a restart.
        if (ratio < this.limits.resetThreshold && !fresh.has(path)) {
          state.values = new DictionaryValues(state.values.kind);
        } else {
          state.mode = 'plain';
          state.values = new DictionaryValues(state.values.kind); // frees the memo table
        }
        rebuild = true;
      }
    }
    // Values the failed attempt added to the other dictionaries stay: they would be added
    // again by the rebuild anyway, and the indices already handed out do not move.
    return rebuild;
  }

  private resetAllDictionaries(): void {
    for (const state of this.dicts.values()) state.values = new DictionaryValues(state.values.kind);
  }

  private updatePresence(input: TableInput): void {
    const visit = (cols: readonly ColumnSpec[], prefix: string): void => {
      for (const col of cols) {
        const path = prefix + col.name;
        if (col.kind === 'struct') {
          if (!this.present.has(path) && (!col.nullable || structHasRows(input, path))) this.present.add(path);
          visit(col.children, path + '.');
        } else if (col.kind === 'list') {
          if (!this.present.has(path) && (!col.nullable || anyNonEmptyList(input.values.get(path)))) this.present.add(path);
        } else if (!this.present.has(path)) {
          if (!col.nullable || leafCounts(col, input.values.get(path))) this.present.add(path);
        }
      }
    };
    visit(this.spec.columns, '');
  }

  private computeSignature(): string {
    const render = (cols: readonly ColumnSpec[], prefix: string): string =>
      cols
        .filter((c) => this.present.has(prefix + c.name))
        .map((c) => {
          const path = prefix + c.name;
          if (c.kind === 'struct') return `${c.name}{${render(c.children, path + '.')}}`;
          if (c.kind === 'list') return `${c.name}[]`;
          const mode = this.dicts.get(path)?.mode;
          return mode && mode !== 'plain' ? `${c.name}:${c.kind}/${mode}` : `${c.name}:${c.kind}`;
        })
        .join(',');
    return render(this.spec.columns, '');
  }

  private buildSchema(): Schema {
    let nextIpcDictId = 0;
    const fieldOf = (col: ColumnSpec, path: string): Field => {
      if (col.kind === 'struct') {
        const children = col.children.filter((c) => this.present.has(path + '.' + c.name)).map((c) => fieldOf(c, path + '.' + c.name));
        return { name: col.name, type: { id: 'struct', children }, nullable: col.nullable };
      }
      if (col.kind === 'list') {
        return { name: col.name, type: { id: 'list', child: listItemField(col.item) }, nullable: col.nullable };
      }
      const state = this.dicts.get(path);
      const type = leafDataType(col.kind);
      if (state && state.mode !== 'plain') {
        return {
          name: col.name,
          type,
          nullable: col.nullable,
          dictionary: { id: nextIpcDictId++, indexBitWidth: state.mode === 'u8' ? 8 : 16, indexSigned: false, ordered: false },
          metadata: new Map([['dictId', String(this.dictIds.get(path))]]),
        };
      }
      return { name: col.name, type, nullable: col.nullable };
    };
    const fields = this.spec.columns.filter((c) => this.present.has(c.name)).map((c) => fieldOf(c, c.name));
    return this.spec.metadata ? { fields, metadata: this.spec.metadata } : { fields };
  }

  private buildColumns(cols: readonly ColumnSpec[], prefix: string, input: TableInput): ArrayData[] {
    const out: ArrayData[] = [];
    for (const col of cols) {
      const path = prefix + col.name;
      if (!this.present.has(path)) continue;
      if (col.kind === 'struct') {
        const children = this.buildColumns(col.children, path + '.', input);
        const valid = input.structValidity?.get(path);
        const { bitmap, nullCount } = valid ? validityBitmap(input.length, (i) => valid[i] !== false) : { bitmap: null, nullCount: 0 };
        const type: DataType = this.schemaField(path).type;
        out.push({ type, length: input.length, nullCount, validity: bitmap, children });
      } else if (col.kind === 'list') {
        out.push(buildList(col.item, input.values.get(path) ?? [], input.length));
      } else {
        out.push(this.buildLeafColumn(col, path, input.values.get(path), input.length));
      }
    }
    return out;
  }

  private schemaField(path: string): Field {
    const parts = path.split('.');
    let fields: readonly Field[] = this.schema!.fields;
    let field: Field | undefined;
    for (const part of parts) {
      field = fields.find((f) => f.name === part);
      if (!field) throw new Error(`internal: no field ${path}`);
      fields = field.type.id === 'struct' ? field.type.children : [];
    }
    return field!;
  }

  /**
   * Trace and span ids must have their exact width (empty ones were already made zeros): the
   * Go reference refuses other lengths when it reads OTLP, so every backend refuses them too.
   */
  private checkIdWidths(width: number, path: string, vals: readonly unknown[]): void {
    for (const v of vals) {
      if (v != null && (v as Uint8Array).length !== width) {
        throw new OtelArrowError('INVALID_PAYLOAD', `id must be ${width} bytes (or empty), got ${(v as Uint8Array).length}`, {
          table: this.spec.name,
          column: path,
        });
      }
    }
  }

  private buildLeafColumn(col: LeafSpec, path: string, values: readonly unknown[] | undefined, length: number): ArrayData {
    const vals = values ?? new Array<unknown>(length).fill(null);
    if (vals.length !== length) {
      throw new Error(`internal: column ${this.spec.name}.${path} has ${vals.length} values for ${length} rows`);
    }
    if (col.kind === 'fsb8' || col.kind === 'fsb16') this.checkIdWidths(col.kind === 'fsb8' ? 8 : 16, path, vals);
    const state = this.dicts.get(path);
    if (!state || state.mode === 'plain') return buildLeaf(col.kind, vals);
    const indices = state.mode === 'u8' ? new Uint8Array(length) : new Uint16Array(length);
    const { bitmap, nullCount } = validityBitmap(length, (i) => vals[i] != null);
    const dictValues = state.values;
    for (let i = 0; i < length; i++) {
      const v = vals[i];
      // Indices beyond the key width are caught by checkOverflow and the batch rebuilt.
      if (v != null) indices[i] = dictValues.indexOf(v);
    }
    return {
      type: leafDataType(col.kind),
      length,
      nullCount,
      validity: bitmap,
      values: indices,
      dictionary: dictValues.toArrayData(),
    };
  }
}

function walkLeaves(cols: readonly ColumnSpec[], prefix: string, fn: (leaf: LeafSpec, path: string) => void): void {
  for (const col of cols) {
    const path = prefix + col.name;
    if (col.kind === 'struct') walkLeaves(col.children, path + '.', fn);
    else if (col.kind === 'list') continue;
    else fn(col, path);
  }
}

function structHasRows(input: TableInput, path: string): boolean {
  if (input.length === 0) return false;
  const valid = input.structValidity?.get(path);
  return !valid || valid.some((v) => v);
}

function anyNonEmptyList(values: readonly unknown[] | undefined): boolean {
  return !!values && values.some((v) => Array.isArray(v) && v.length > 0);
}

function leafCounts(col: LeafSpec, values: readonly unknown[] | undefined): boolean {
  if (!values) return false;
  if (col.presence === 'nonZero') return values.some((v) => v != null && v !== 0 && v !== 0n);
  return values.some((v) => v != null);
}

function listItemField(item: ColumnSpec): Field {
  if (item.kind === 'struct') {
    return {
      name: item.name,
      type: { id: 'struct', children: item.children.map((c) => listItemField(c)) },
      nullable: true,
    };
  }
  if (item.kind === 'list') throw new Error('internal: nested lists are not used by OTAP');
  return { name: item.name, type: leafDataType(item.kind), nullable: true };
}

/** A list column: each row an array of items (or null); struct items are records by child name. */
function buildList(item: ColumnSpec, rows: readonly unknown[], length: number): ArrayData {
  const offsets = new Int32Array(length + 1);
  const flat: unknown[] = [];
  for (let i = 0; i < length; i++) {
    const row = rows[i];
    if (Array.isArray(row)) for (const v of row) flat.push(v);
    offsets[i + 1] = flat.length;
  }
  const { bitmap, nullCount } = validityBitmap(length, (i) => Array.isArray(rows[i]) && (rows[i] as unknown[]).length > 0);
  const itemField = listItemField(item);
  let child: ArrayData;
  if (item.kind === 'struct') {
    const children = item.children.map((c) => {
      if (c.kind !== 'struct' && c.kind !== 'list') return buildLeaf(c.kind, flat.map((r) => (r as Record<string, unknown>)[c.name] ?? null));
      throw new Error('internal: nested containers in list items are not used by OTAP');
    });
    child = { type: itemField.type, length: flat.length, nullCount: 0, validity: null, children };
  } else if (item.kind === 'list') {
    throw new Error('internal: nested lists are not used by OTAP');
  } else {
    child = buildLeaf(item.kind, flat);
  }
  return { type: { id: 'list', child: itemField }, length, nullCount, validity: bitmap, offsets, children: [child] };
}
