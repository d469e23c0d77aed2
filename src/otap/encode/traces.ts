// OTLP traces -> OTAP tables (SPANS root, RESOURCE_ATTRS, SCOPE_ATTRS, SPAN_ATTRS,
// SPAN_EVENTS, SPAN_LINKS, SPAN_EVENT_ATTRS, SPAN_LINK_ATTRS).
import type { ExportTraceServiceRequest, Span, SpanEvent, SpanLink } from '../../otlp/model.js';
import { compareBytes, compareStrings } from '../common/value-compare.js';
import { ArrowPayloadType as T } from '../payload-type.js';
import { AttributeRows } from './attributes.js';
import { idOrZeros, type EncodedTables } from './encoded-tables.js';
import { deltaEncode, quasiDeltaEncode } from './id-encoding.js';
import { assignIds, flattenRoots, writeResourceScopeColumns, zeroIdToNull } from './root-rows.js';
import { TableColumns } from './table-input.js';

interface ChildRow<C> {
  /** SPANS.id of the span the child hangs off. */
  parent: number;
  item: C;
}

export function tracesToTables(req: ExportTraceServiceRequest): EncodedTables {
  const flat = flattenRoots(
    req.resourceSpans,
    (r) => ({ resource: r.resource, schemaUrl: r.schemaUrl, scopes: r.scopeSpans }),
    (s) => ({ scope: s.scope, schemaUrl: s.schemaUrl, items: s.spans }),
  );
  // Go order: resource key, scope key (string order of the canonical keys), name, trace id.
  const rows = flat.rows.slice().sort(
    (a, b) =>
      flat.resourceRank[a.res]! - flat.resourceRank[b.res]! ||
      flat.scopeRank[a.scope]! - flat.scopeRank[b.scope]! ||
      compareStrings(a.item.name, b.item.name) ||
      compareBytes(idOrZeros(a.item.traceId, 16), idOrZeros(b.item.traceId, 16)) ||
      (a.item.startTimeUnixNano < b.item.startTimeUnixNano ? -1 : a.item.startTimeUnixNano > b.item.startTimeUnixNano ? 1 : 0),
  );
  const cols = new TableColumns();
  cols.length = rows.length;
  const resourceAttrs = new AttributeRows();
  const scopeAttrs = new AttributeRows();
  const spanAttrs = new AttributeRows();
  writeResourceScopeColumns('SPANS', flat, rows, cols, resourceAttrs, scopeAttrs);

  const spans: Span[] = rows.map((r) => r.item);
  // Events and links hang off SPANS.id, so a span with any of them needs an id too.
  const ids = assignIds(
    spans.map((s) => s.attributes.length > 0 || s.events.length > 0 || s.links.length > 0),
    0xffff,
    'SPANS',
  );
  const events: ChildRow<SpanEvent>[] = [];
  const links: ChildRow<SpanLink>[] = [];
  spans.forEach((s, i) => {
    const id = ids[i];
    if (id == null) return;
    spanAttrs.add(id, s.attributes);
    for (const e of s.events) events.push({ parent: id, item: e });
    for (const l of s.links) links.push({ parent: id, item: l });
  });

  cols.values.set('id', deltaEncode(ids));
  cols.values.set('start_time_unix_nano', spans.map((s) => s.startTimeUnixNano));
  // Go computes end.Sub(start), which saturates at +-(2^63-1) ns; we wrap to int64 instead,
  // so that start + duration (mod 2^64) gives back the exact end time for every u64 pair.
  // The two only differ when |end - start| >= 2^63 ns (about 292 years).
  cols.values.set('duration_time_unix_nano', spans.map((s) => BigInt.asIntN(64, s.endTimeUnixNano - s.startTimeUnixNano)));
  cols.values.set('trace_id', spans.map((s) => idOrZeros(s.traceId, 16)));
  cols.values.set('span_id', spans.map((s) => idOrZeros(s.spanId, 8)));
  cols.values.set('trace_state', spans.map((s) => s.traceState || null));
  cols.values.set('parent_span_id', spans.map((s) => zeroIdToNull(s.parentSpanId)));
  cols.values.set('flags', spans.map((s) => s.flags));
  // Go writes an empty name as a null in this non-nullable column; we keep '' so that the
  // column stays null-free (Rust consumers reject nulls in required columns).
  cols.values.set('name', spans.map((s) => s.name));
  cols.values.set('kind', spans.map((s) => s.kind || null));
  cols.values.set('dropped_attributes_count', spans.map((s) => s.droppedAttributesCount || null));
  cols.values.set('dropped_events_count', spans.map((s) => s.droppedEventsCount || null));
  cols.values.set('dropped_links_count', spans.map((s) => s.droppedLinksCount || null));
  // The status struct is valid on every row (no structValidity entry), children may be null.
  cols.values.set('status.code', spans.map((s) => s.status.code || null));
  cols.values.set('status.status_message', spans.map((s) => s.status.message || null));

  const tables: EncodedTables = [{ type: T.SPANS, input: cols }];
  if (resourceAttrs.length) tables.push({ type: T.RESOURCE_ATTRS, input: resourceAttrs.toColumns() });
  if (scopeAttrs.length) tables.push({ type: T.SCOPE_ATTRS, input: scopeAttrs.toColumns() });
  if (spanAttrs.length) tables.push({ type: T.SPAN_ATTRS, input: spanAttrs.toColumns() });

  const eventAttrs = new AttributeRows();
  const linkAttrs = new AttributeRows();
  if (events.length) tables.push({ type: T.SPAN_EVENTS, input: eventsTable(events, eventAttrs) });
  if (links.length) tables.push({ type: T.SPAN_LINKS, input: linksTable(links, linkAttrs) });
  if (eventAttrs.length) tables.push({ type: T.SPAN_EVENT_ATTRS, input: eventAttrs.toColumns() });
  if (linkAttrs.length) tables.push({ type: T.SPAN_LINK_ATTRS, input: linkAttrs.toColumns() });
  return tables;
}

/** SPAN_EVENTS sorted by (name, parent span id); parent_id quasi-delta on equal names. */
function eventsTable(unsorted: readonly ChildRow<SpanEvent>[], attrs: AttributeRows): TableColumns {
  // Array.prototype.sort is stable: events of one span with equal names keep their order.
  const rows = unsorted.slice().sort((a, b) => compareStrings(a.item.name, b.item.name) || a.parent - b.parent);
  const events = rows.map((r) => r.item);
  const ids = assignIds(events.map((e) => e.attributes.length > 0), 0xffffffff, 'SPAN_EVENTS');
  events.forEach((e, i) => {
    if (ids[i] != null) attrs.add(ids[i]!, e.attributes);
  });
  const t = new TableColumns();
  t.length = rows.length;
  t.values.set('id', deltaEncode(ids));
  t.values.set('parent_id', quasiDeltaEncode(rows.map((r) => r.parent), (i) => events[i - 1]!.name === events[i]!.name));
  t.values.set('time_unix_nano', events.map((e) => e.timeUnixNano));
  t.values.set('name', events.map((e) => e.name));
  t.values.set('dropped_attributes_count', events.map((e) => e.droppedAttributesCount || null));
  return t;
}

/** SPAN_LINKS sorted by (trace id bytes, parent span id); parent_id quasi-delta on equal trace ids. */
function linksTable(unsorted: readonly ChildRow<SpanLink>[], attrs: AttributeRows): TableColumns {
  const traceIdOf = (l: SpanLink): Uint8Array => idOrZeros(l.traceId, 16);
  const rows = unsorted.slice().sort((a, b) => compareBytes(traceIdOf(a.item), traceIdOf(b.item)) || a.parent - b.parent);
  const links = rows.map((r) => r.item);
  const traceIds = links.map(traceIdOf);
  const ids = assignIds(links.map((l) => l.attributes.length > 0), 0xffffffff, 'SPAN_LINKS');
  links.forEach((l, i) => {
    if (ids[i] != null) attrs.add(ids[i]!, l.attributes);
  });
  const t = new TableColumns();
  t.length = rows.length;
  t.values.set('id', deltaEncode(ids));
  t.values.set('parent_id', quasiDeltaEncode(rows.map((r) => r.parent), (i) => compareBytes(traceIds[i - 1]!, traceIds[i]!) === 0));
  t.values.set('trace_id', traceIds);
  t.values.set('span_id', links.map((l) => idOrZeros(l.spanId, 8)));
  t.values.set('trace_state', links.map((l) => l.traceState || null));
  t.values.set('dropped_attributes_count', links.map((l) => l.droppedAttributesCount || null));
  t.values.set('flags', links.map((l) => l.flags));
  return t;
}
