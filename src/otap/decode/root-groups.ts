// Root tables, decode side: walks rows in order and starts a new ResourceX whenever the
// decoded resource id changes, and a new ScopeX whenever the scope id changes or a new
// resource begins (the Go consumer's rule).
import type { InstrumentationScope, Resource } from '../../otlp/model.js';
import { attributesOf, assertAllUsed, decodeAttributes } from './attributes.js';
import { deltaDecode } from './id-decoding.js';
import type { TableView } from './table-view.js';

export interface ScopeGroup {
  scope: InstrumentationScope;
  schemaUrl: string;
  rows: number[];
}

export interface ResourceGroup {
  resource: Resource;
  schemaUrl: string;
  scopes: ScopeGroup[];
}

export function groupRoots(root: TableView, resourceAttrsView: TableView | undefined, scopeAttrsView: TableView | undefined): ResourceGroup[] {
  const n = root.length;
  const resIds = deltaDecode(root.numbers('resource.id') ?? new Array(n).fill(null), root.field('resource.id'), 16);
  const scopeIds = deltaDecode(root.numbers('scope.id') ?? new Array(n).fill(null), root.field('scope.id'), 16);
  const resUrl = root.strings('resource.schema_url');
  const resDropped = root.numbers('resource.dropped_attributes_count');
  const scopeName = root.strings('scope.name');
  const scopeVersion = root.strings('scope.version');
  const scopeDropped = root.numbers('scope.dropped_attributes_count');
  const schemaUrl = root.strings('schema_url');
  const resourceAttrs = decodeAttributes(resourceAttrsView, 16);
  const scopeAttrs = decodeAttributes(scopeAttrsView, 16);
  const usedRes = new Set<number>();
  const usedScope = new Set<number>();

  const groups: ResourceGroup[] = [];
  let current: ResourceGroup | undefined;
  let currentScope: ScopeGroup | undefined;
  let prevRes: number | null | undefined;
  let prevScope: number | null | undefined;
  for (let i = 0; i < n; i++) {
    const rid = resIds[i];
    const sid = scopeIds[i];
    if (!current || rid !== prevRes) {
      current = {
        resource: {
          attributes: attributesOf(resourceAttrs, usedRes, rid),
          droppedAttributesCount: resDropped?.[i] ?? 0,
        },
        schemaUrl: resUrl?.[i] ?? '',
        scopes: [],
      };
      groups.push(current);
      currentScope = undefined;
      prevRes = rid;
    }
    if (!currentScope || sid !== prevScope) {
      currentScope = {
        scope: {
          name: scopeName?.[i] ?? '',
          version: scopeVersion?.[i] ?? '',
          attributes: attributesOf(scopeAttrs, usedScope, sid),
          droppedAttributesCount: scopeDropped?.[i] ?? 0,
        },
        schemaUrl: schemaUrl?.[i] ?? '',
        rows: [],
      };
      current.scopes.push(currentScope);
      prevScope = sid;
    }
    currentScope.rows.push(i);
  }
  assertAllUsed(resourceAttrs, usedRes, resourceAttrsView, 'resource');
  assertAllUsed(scopeAttrs, usedScope, scopeAttrsView, 'scope');
  return groups;
}
