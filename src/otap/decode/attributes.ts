// Attribute tables, decode side: parent id -> attributes in table order.
import type { Field } from '../../arrow/types.js';
import type { KeyValue } from '../../otlp/model.js';
import { scalarEqual } from '../common/value-compare.js';
import { AnyValueColumns } from './any-value-columns.js';
import { quasiDeltaDecode } from './id-decoding.js';
import type { TableView } from './table-view.js';

export type AttributesByParent = Map<number, KeyValue[]>;

export function decodeAttributes(view: TableView | undefined, parentBits: 16 | 32): AttributesByParent {
  const out: AttributesByParent = new Map();
  if (!view || view.length === 0) return out;
  const keys = view.required('key', view.strings('key'));
  const values = new AnyValueColumns(view, '', true);
  const kvs = new Array<KeyValue>(view.length);
  for (let i = 0; i < view.length; i++) {
    const key = keys[i];
    if (key == null) throw view.error('key', `row ${i}: null key`);
    kvs[i] = { key, value: values.valueAt(i) };
  }
  const rawParents = view.required('parent_id', view.numbers('parent_id'));
  const field = view.field('parent_id');
  // A Rust sender (`encoding` metadata) ends a delta run at a null or absent value cell; Go
  // reads those cells as zero values and compares them.
  const rustRules = field?.metadata?.get('encoding') === 'quasidelta';
  const same = rustRules
    ? (i: number) => values.scalarPresent(i - 1) && values.scalarPresent(i) && sameAttr(kvs[i - 1]!, kvs[i]!, field)
    : (i: number) => sameAttr(kvs[i - 1]!, kvs[i]!, field);
  const parents = quasiDeltaDecode(nonNull(view, 'parent_id', rawParents), field, same, parentBits);
  for (let i = 0; i < kvs.length; i++) {
    const p = parents[i]!;
    let list = out.get(p);
    if (!list) out.set(p, (list = []));
    list.push(kvs[i]!);
  }
  return out;
}

/** Go compares doubles with IEEE ==; a Rust sender (metadata present) uses total order. */
function sameAttr(a: KeyValue, b: KeyValue, field: Field | undefined): boolean {
  if (a.key !== b.key) return false;
  if (field?.metadata?.get('encoding') === 'quasidelta' && a.value.type === 'double' && b.value.type === 'double') {
    return Object.is(a.value.value, b.value.value);
  }
  return scalarEqual(a.value, b.value);
}

export function nonNull(view: TableView, path: string, values: readonly (number | null)[]): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v == null) throw view.error(path, `row ${i}: null in a required column`);
    out[i] = v;
  }
  return out;
}

/** Attributes of `id` (a fresh array each call, since resource ids may be read twice). */
export function attributesOf(map: AttributesByParent, used: Set<number>, id: number | null | undefined): KeyValue[] {
  if (id == null) return [];
  const list = map.get(id);
  if (!list) return [];
  used.add(id);
  return list.slice();
}

/** Attribute rows whose parent id matched no row are an error, not silently dropped. */
export function assertAllUsed(map: AttributesByParent, used: Set<number>, view: TableView | undefined, parentTable: string): void {
  if (!view) return;
  for (const id of map.keys()) {
    if (!used.has(id)) throw view.error('parent_id', `parent id ${id} points at no row of ${parentTable}`);
  }
}
