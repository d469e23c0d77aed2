// OTAP tables -> OTLP traces.
import type { ExportTraceServiceRequest, Span, SpanEvent, SpanLink } from '../../otlp/model.js';
import { ArrowPayloadType as T } from '../payload-type.js';
import { attributesOf, assertAllUsed, decodeAttributes, nonNull } from './attributes.js';
import { deltaDecode, quasiDeltaDecode } from './id-decoding.js';
import { emptyIfZero } from './ids.js';
import { groupRoots } from './root-groups.js';
import type { TableView } from './table-view.js';

const EMPTY = new Uint8Array(0);

export function tablesToTraces(tables: ReadonlyMap<number, TableView>): ExportTraceServiceRequest {
  const root = tables.get(T.SPANS);
  if (!root || root.length === 0) return { resourceSpans: [] };
  const n = root.length;
  const ids = deltaDecode(root.numbers('id') ?? new Array(n).fill(null), root.field('id'), 16);
  const start = root.bigints('start_time_unix_nano');
  const duration = root.bigints('duration_time_unix_nano');
  const traceId = root.bytes('trace_id');
  const spanId = root.bytes('span_id');
  const traceState = root.strings('trace_state');
  const parentSpanId = root.bytes('parent_span_id');
  const flags = root.numbers('flags');
  const name = root.strings('name');
  const kind = root.numbers('kind');
  const dropped = root.numbers('dropped_attributes_count');
  const droppedEvents = root.numbers('dropped_events_count');
  const droppedLinks = root.numbers('dropped_links_count');
  const statusValid = root.structValidity('status');
  const statusCode = root.numbers('status.code');
  const statusMessage = root.strings('status.status_message');

  const attrsView = tables.get(T.SPAN_ATTRS);
  const attrs = decodeAttributes(attrsView, 16);
  const used = new Set<number>();

  // Events and links hang off SPANS.id (as in Go, every span row carrying that id gets them).
  const spanIds = new Set<number>();
  for (const id of ids) if (id != null) spanIds.add(id);
  const eventsById = decodeEvents(tables, spanIds);
  const linksById = decodeLinks(tables, spanIds);

  const span = (i: number): Span => {
    const startTime = start?.[i] ?? 0n;
    const valid = statusValid?.[i] !== false;
    return {
      traceId: emptyIfZero(traceId?.[i]),
      spanId: emptyIfZero(spanId?.[i]),
      traceState: traceState?.[i] ?? '',
      parentSpanId: emptyIfZero(parentSpanId?.[i]),
      flags: flags?.[i] ?? 0,
      name: name?.[i] ?? '',
      kind: kind?.[i] ?? 0,
      startTimeUnixNano: startTime,
      // Inverse of the encoder's int64 wrap: end = start + duration (mod 2^64).
      endTimeUnixNano: BigInt.asUintN(64, startTime + (duration?.[i] ?? 0n)),
      attributes: attributesOf(attrs, used, ids[i]),
      droppedAttributesCount: dropped?.[i] ?? 0,
      events: childrenOf(eventsById, ids[i]),
      droppedEventsCount: droppedEvents?.[i] ?? 0,
      links: childrenOf(linksById, ids[i]),
      droppedLinksCount: droppedLinks?.[i] ?? 0,
      status: {
        code: (valid ? statusCode?.[i] : null) ?? 0,
        message: (valid ? statusMessage?.[i] : null) ?? '',
      },
    };
  };

  const groups = groupRoots(root, tables.get(T.RESOURCE_ATTRS), tables.get(T.SCOPE_ATTRS));
  const out: ExportTraceServiceRequest = {
    resourceSpans: groups.map((g) => ({
      resource: g.resource,
      schemaUrl: g.schemaUrl,
      scopeSpans: g.scopes.map((s) => ({ scope: s.scope, schemaUrl: s.schemaUrl, spans: s.rows.map(span) })),
    })),
  };
  assertAllUsed(attrs, used, attrsView, 'SPANS');
  return out;
}

function childrenOf<C>(byId: ReadonlyMap<number, C[]>, id: number | null | undefined): C[] {
  if (id == null) return [];
  return byId.get(id)?.slice() ?? [];
}

/** Child rows (events or links) grouped by the SPANS.id they hang off, in table order. */
function attach<C>(view: TableView, parents: readonly number[], spanIds: ReadonlySet<number>, make: (i: number) => C): Map<number, C[]> {
  const out = new Map<number, C[]>();
  for (let i = 0; i < view.length; i++) {
    const parent = parents[i]!;
    if (!spanIds.has(parent)) throw view.error('parent_id', `row ${i}: parent id ${parent} points at no row of SPANS`);
    let list = out.get(parent);
    if (!list) out.set(parent, (list = []));
    list.push(make(i));
  }
  return out;
}

function decodeEvents(tables: ReadonlyMap<number, TableView>, spanIds: ReadonlySet<number>): Map<number, SpanEvent[]> {
  const view = tables.get(T.SPAN_EVENTS);
  if (!view || view.length === 0) {
    // Attributes of events that do not exist point at nothing.
    assertNoAttrs(tables.get(T.SPAN_EVENT_ATTRS), 'SPAN_EVENTS');
    return new Map();
  }
  const n = view.length;
  const ids = deltaDecode(view.numbers('id') ?? new Array(n).fill(null), view.field('id'), 32);
  const time = view.bigints('time_unix_nano');
  const name = view.strings('name');
  const dropped = view.numbers('dropped_attributes_count');
  // Go writes an empty name as null; it reads (and groups) as ''.
  const names = Array.from({ length: n }, (_, i) => name?.[i] ?? '');
  const parents = quasiDeltaDecode(
    nonNull(view, 'parent_id', view.required('parent_id', view.numbers('parent_id'))),
    view.field('parent_id'),
    (i) => names[i - 1] === names[i],
    16,
  );
  const attrsView = tables.get(T.SPAN_EVENT_ATTRS);
  const attrs = decodeAttributes(attrsView, 32);
  const used = new Set<number>();
  const out = attach(view, parents, spanIds, (i): SpanEvent => ({
    timeUnixNano: time?.[i] ?? 0n,
    name: names[i]!,
    attributes: attributesOf(attrs, used, ids[i]),
    droppedAttributesCount: dropped?.[i] ?? 0,
  }));
  assertAllUsed(attrs, used, attrsView, 'SPAN_EVENTS');
  return out;
}

function decodeLinks(tables: ReadonlyMap<number, TableView>, spanIds: ReadonlySet<number>): Map<number, SpanLink[]> {
  const view = tables.get(T.SPAN_LINKS);
  if (!view || view.length === 0) {
    assertNoAttrs(tables.get(T.SPAN_LINK_ATTRS), 'SPAN_LINKS');
    return new Map();
  }
  const n = view.length;
  const ids = deltaDecode(view.numbers('id') ?? new Array(n).fill(null), view.field('id'), 32);
  const traceId = view.bytes('trace_id');
  const spanId = view.bytes('span_id');
  const traceState = view.strings('trace_state');
  const dropped = view.numbers('dropped_attributes_count');
  const flags = view.numbers('flags');
  // Grouping compares the raw bytes as sent (a missing/null trace id counts as empty).
  const rawTraceIds = Array.from({ length: n }, (_, i) => traceId?.[i] ?? EMPTY);
  const parents = quasiDeltaDecode(
    nonNull(view, 'parent_id', view.required('parent_id', view.numbers('parent_id'))),
    view.field('parent_id'),
    (i) => bytesEqual(rawTraceIds[i - 1]!, rawTraceIds[i]!),
    16,
  );
  const attrsView = tables.get(T.SPAN_LINK_ATTRS);
  const attrs = decodeAttributes(attrsView, 32);
  const used = new Set<number>();
  const out = attach(view, parents, spanIds, (i): SpanLink => ({
    traceId: emptyIfZero(rawTraceIds[i]),
    spanId: emptyIfZero(spanId?.[i]),
    traceState: traceState?.[i] ?? '',
    attributes: attributesOf(attrs, used, ids[i]),
    droppedAttributesCount: dropped?.[i] ?? 0,
    flags: flags?.[i] ?? 0,
  }));
  assertAllUsed(attrs, used, attrsView, 'SPAN_LINKS');
  return out;
}

/** Attribute rows for a child table that is absent or empty can only dangle. */
function assertNoAttrs(view: TableView | undefined, parentTable: string): void {
  if (!view || view.length === 0) return;
  const attrs = decodeAttributes(view, 32);
  assertAllUsed(attrs, new Set<number>(), view, parentTable);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
