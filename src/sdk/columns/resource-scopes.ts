// RESOURCES and SCOPES of FORMAT.md, interned on first use by object identity, as the OTLP
// JS exporters group them (the SDK shares one Resource per provider and one scope object per
// tracer or logger).
import type { SdkResource, SdkScope } from '../sdk-types.js';
import { U32Column, type Column, type ColumnSink } from './growable-columns.js';
import type { KvArena } from './kv-arena.js';
import type { StringTable } from './string-table.js';

export class ResourceScopes {
  private readonly resources = new Map<SdkResource, { row: number; scopes: Map<SdkScope, number> }>();
  /** Interned in row order, to forget rows that a failed append cut back. */
  private readonly resourceRows: SdkResource[] = [];
  private readonly scopeRows: Array<[SdkResource, SdkScope]> = [];
  private readonly resAttrEnd = new U32Column();
  private readonly resDropped = new U32Column();
  private readonly resSchemaUrl = new U32Column();
  private readonly scopeResource = new U32Column();
  private readonly scopeName = new U32Column();
  private readonly scopeVersion = new U32Column();
  private readonly scopeSchemaUrl = new U32Column();
  private readonly scopeAttrEnd = new U32Column();
  private readonly scopeDropped = new U32Column();
  /** The last (resource, scope) looked up and its row (-1: none): spans of one tracer come
   *  in runs. Three fields rather than an object, so a miss allocates nothing. */
  private lastResource: SdkResource | undefined;
  private lastScope: SdkScope | undefined;
  private lastRow = -1;

  constructor(
    private readonly strings: StringTable,
    private readonly resourceAttrs: KvArena,
    private readonly scopeAttrs: KvArena,
  ) {}

  /** The SCOPES row of (resource, scope), added on first use. */
  scopeRow(resource: SdkResource, scope: SdkScope): number {
    if (this.lastRow >= 0 && scope === this.lastScope && resource === this.lastResource) return this.lastRow;
    const row = this.lookUp(resource, scope);
    this.lastResource = resource;
    this.lastScope = scope;
    this.lastRow = row;
    return row;
  }

  private forgetLast(): void {
    this.lastResource = undefined;
    this.lastScope = undefined;
    this.lastRow = -1;
  }

  private lookUp(resource: SdkResource, scope: SdkScope): number {
    // Rows are interned only once complete: a row cut short by a throwing getter is undone
    // by the caller (RecordColumns.append) and must not stay in the maps.
    let res = this.resources.get(resource);
    if (!res) {
      const row = this.resAttrEnd.length;
      this.resAttrEnd.push(this.resourceAttrs.append(resource.attributes));
      this.resDropped.push(0);
      this.resSchemaUrl.push(this.strings.ref(resource.schemaUrl ?? ''));
      res = { row, scopes: new Map() };
      this.resources.set(resource, res);
      this.resourceRows.push(resource);
    }
    let row = res.scopes.get(scope);
    if (row !== undefined) return row;
    row = this.scopeResource.length;
    this.scopeResource.push(res.row);
    this.scopeName.push(this.strings.ref(scope.name));
    this.scopeVersion.push(this.strings.ref(scope.version ?? ''));
    this.scopeSchemaUrl.push(this.strings.ref(scope.schemaUrl ?? ''));
    const attrs = scope.attributes;
    const hasAttrs = attrs !== undefined && Object.keys(attrs).length > 0;
    this.scopeAttrEnd.push(this.scopeAttrs.append(hasAttrs ? attrs : undefined));
    this.scopeDropped.push(hasAttrs ? (scope.droppedAttributesCount ?? 0) : 0);
    res.scopes.set(scope, row);
    this.scopeRows.push([resource, scope]);
    return row;
  }

  /** Forgets interned rows beyond the tables' current lengths (after a failed append cut
   *  them back). */
  forgetCutRows(): void {
    this.forgetLast();
    while (this.scopeRows.length > this.scopeResource.length) {
      const [resource, scope] = this.scopeRows.pop()!;
      this.resources.get(resource)?.scopes.delete(scope);
    }
    while (this.resourceRows.length > this.resAttrEnd.length) this.resources.delete(this.resourceRows.pop()!);
  }

  /** Every column of both tables and their attribute arenas. */
  get columns(): Column[] {
    return [
      ...this.resourceAttrs.columns, this.resAttrEnd, this.resDropped, this.resSchemaUrl,
      ...this.scopeAttrs.columns, this.scopeResource, this.scopeName, this.scopeVersion, this.scopeSchemaUrl, this.scopeAttrEnd, this.scopeDropped,
    ];
  }

  write(sink: ColumnSink): void {
    this.resourceAttrs.write(sink);
    for (const c of [this.resAttrEnd, this.resDropped, this.resSchemaUrl]) sink.add(c);
    this.scopeAttrs.write(sink);
    for (const c of [this.scopeResource, this.scopeName, this.scopeVersion, this.scopeSchemaUrl, this.scopeAttrEnd, this.scopeDropped]) sink.add(c);
  }

  reset(): void {
    this.forgetLast();
    this.resources.clear();
    this.resourceRows.length = 0;
    this.scopeRows.length = 0;
    this.resourceAttrs.reset();
    this.scopeAttrs.reset();
    for (const c of [this.resAttrEnd, this.resDropped, this.resSchemaUrl, this.scopeResource, this.scopeName, this.scopeVersion, this.scopeSchemaUrl, this.scopeAttrEnd, this.scopeDropped]) c.reset();
  }
}
