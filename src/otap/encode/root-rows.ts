// Flattening of the OTLP resource/scope hierarchy into root-table rows, and the
// resource/scope struct columns with their attribute tables. Equal resources (same
// attributes, dropped count and schema URL) and equal scopes are merged, as the Go
// producer merges them; ids are handed out by runs of the sorted rows.
import type { InstrumentationScope, Resource } from '../../otlp/model.js';
import { OtelArrowError } from '../../errors.js';
import { attributesKey } from '../common/value-compare.js';
import { AttributeRows } from './attributes.js';
import { deltaEncode } from './id-encoding.js';
import type { TableColumns } from './table-input.js';

export interface DistinctResource {
  resource: Resource;
  schemaUrl: string;
  key: string;
}

export interface DistinctScope {
  scope: InstrumentationScope;
  schemaUrl: string;
  key: string;
}

export interface RootRow<T> {
  /** Index into `resources` (first-appearance order of distinct resources). */
  res: number;
  /** Index into `scopes` (first-appearance order of distinct scopes). */
  scope: number;
  item: T;
}

export interface FlatRoots<T> {
  rows: RootRow<T>[];
  resources: DistinctResource[];
  scopes: DistinctScope[];
  /** Rank of each distinct resource / scope when ordered by key (for key-ordered sorts). */
  resourceRank: number[];
  scopeRank: number[];
}

export function flattenRoots<RX, SX, T>(
  resourceGroups: readonly RX[],
  resourceOf: (r: RX) => { resource: Resource; schemaUrl: string; scopes: readonly SX[] },
  scopeOf: (s: SX) => { scope: InstrumentationScope; schemaUrl: string; items: readonly T[] },
): FlatRoots<T> {
  const resources: DistinctResource[] = [];
  const scopes: DistinctScope[] = [];
  const resIndex = new Map<string, number>();
  const scopeIndex = new Map<string, number>();
  const rows: RootRow<T>[] = [];
  for (const rg of resourceGroups) {
    const r = resourceOf(rg);
    const rkey = attributesKey(r.resource.attributes) + '|' + r.resource.droppedAttributesCount + '|' + r.schemaUrl;
    let res = resIndex.get(rkey);
    if (res === undefined) {
      res = resources.length;
      resIndex.set(rkey, res);
      resources.push({ resource: r.resource, schemaUrl: r.schemaUrl, key: rkey });
    }
    for (const sg of r.scopes) {
      const s = scopeOf(sg);
      if (s.items.length === 0) continue;
      const sc = s.scope;
      const skey = JSON.stringify([sc.name, sc.version, attributesKey(sc.attributes), sc.droppedAttributesCount, s.schemaUrl]);
      let scope = scopeIndex.get(skey);
      if (scope === undefined) {
        scope = scopes.length;
        scopeIndex.set(skey, scope);
        scopes.push({ scope: sc, schemaUrl: s.schemaUrl, key: skey });
      }
      for (const item of s.items) rows.push({ res, scope, item });
    }
  }
  return { rows, resources, scopes, resourceRank: ranks(resources), scopeRank: ranks(scopes) };
}

function ranks(list: readonly { key: string }[]): number[] {
  const order = list.map((_, i) => i).sort((a, b) => (list[a]!.key < list[b]!.key ? -1 : list[a]!.key > list[b]!.key ? 1 : 0));
  const rank = new Array<number>(list.length);
  order.forEach((idx, r) => (rank[idx] = r));
  return rank;
}

/**
 * Fills `resource.*`, `scope.*` and the top-level `schema_url` (the scope's schema URL)
 * for sorted rows, and collects resource and scope attributes under their new ids.
 */
export function writeResourceScopeColumns<T>(
  table: string,
  flat: FlatRoots<T>,
  rows: readonly RootRow<T>[],
  cols: TableColumns,
  resourceAttrs: AttributeRows,
  scopeAttrs: AttributeRows,
): void {
  const n = rows.length;
  const resIds = new Array<number>(n);
  const scopeIds = new Array<number>(n);
  const resUrl: unknown[] = new Array(n);
  const resDropped: unknown[] = new Array(n);
  const scopeName: unknown[] = new Array(n);
  const scopeVersion: unknown[] = new Array(n);
  const scopeDropped: unknown[] = new Array(n);
  const schemaUrl: unknown[] = new Array(n);
  let resId = -1;
  let scopeId = -1;
  let prevRes = -1;
  let prevScope = -1;
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    // A new resource always starts a new scope id, even for a scope it shares with the
    // previous one: the Rust engine groups rows by scope id, so a scope id carried over with
    // a delta of 0 would put the rows under the previous resource.
    let newResource = false;
    if (row.res !== prevRes) {
      resId++;
      prevRes = row.res;
      newResource = true;
      resourceAttrs.add(resId, flat.resources[row.res]!.resource.attributes);
    }
    if (newResource || row.scope !== prevScope) {
      scopeId++;
      prevScope = row.scope;
      scopeAttrs.add(scopeId, flat.scopes[row.scope]!.scope.attributes);
    }
    const r = flat.resources[row.res]!;
    const s = flat.scopes[row.scope]!;
    resIds[i] = resId;
    scopeIds[i] = scopeId;
    resUrl[i] = r.schemaUrl || null;
    resDropped[i] = r.resource.droppedAttributesCount || null;
    scopeName[i] = s.scope.name || null;
    scopeVersion[i] = s.scope.version || null;
    scopeDropped[i] = s.scope.droppedAttributesCount || null;
    schemaUrl[i] = s.schemaUrl || null;
  }
  if (resId > 0xffff || scopeId > 0xffff) {
    throw new OtelArrowError('LIMIT_EXCEEDED', 'more than 65536 distinct resources or scopes in one batch; split the batch', { table });
  }
  cols.values.set('resource.id', deltaEncode(resIds));
  cols.values.set('resource.schema_url', resUrl);
  cols.values.set('resource.dropped_attributes_count', resDropped);
  cols.values.set('scope.id', deltaEncode(scopeIds));
  cols.values.set('scope.name', scopeName);
  cols.values.set('scope.version', scopeVersion);
  cols.values.set('scope.dropped_attributes_count', scopeDropped);
  cols.values.set('schema_url', schemaUrl);
}

/** Ids 0,1,2,... for the rows that need one (null elsewhere), checked against a u16/u32 space. */
export function assignIds(needs: readonly boolean[], max: number, table: string): (number | null)[] {
  let next = 0;
  const ids = needs.map((need) => (need ? next++ : null));
  if (next - 1 > max) {
    throw new OtelArrowError('LIMIT_EXCEEDED', `more than ${max + 1} rows with ids in one batch; split the batch`, { table, column: 'id' });
  }
  return ids;
}

export function zeroIdToNull(id: Uint8Array): Uint8Array | null {
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return id;
  return null;
}
