// Traces <-> OTAP tables at the table level (no IPC): tracesToTables -> TableEncoder ->
// TableView -> tablesToTraces, compared in canonical form.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtelArrowError } from '../../src/errors.js';
import type { ExportTraceServiceRequest, KeyValue, Span, SpanEvent, SpanLink } from '../../src/otlp/model.js';
import { canonicalDiff, canonicalEqual } from '../../src/otlp/canonical.js';
import { tablesToTraces } from '../../src/otap/decode/traces.js';
import { TableView } from '../../src/otap/decode/table-view.js';
import type { EncodedTables } from '../../src/otap/encode/encoded-tables.js';
import { TableEncoder } from '../../src/otap/encode/table-encoder.js';
import type { TableColumns } from '../../src/otap/encode/table-input.js';
import { tracesToTables } from '../../src/otap/encode/traces.js';
import { ArrowPayloadType as T } from '../../src/otap/payload-type.js';
import { TABLE_SPECS } from '../../src/otap/schema/tables.js';
import { tracesRequestArb, UINT64_MAX } from '../support/arbitraries.js';

function toViews(tables: EncodedTables): Map<number, TableView> {
  const views = new Map<number, TableView>();
  for (const { type, input } of tables) {
    const spec = TABLE_SPECS.get(type)!;
    const { batch } = new TableEncoder(spec).encode(input);
    views.set(type, new TableView(spec.name, batch));
  }
  return views;
}

function roundTrip(req: ExportTraceServiceRequest): ExportTraceServiceRequest {
  return tablesToTraces(toViews(tracesToTables(req)));
}

function expectRoundTrip(req: ExportTraceServiceRequest): void {
  const out = roundTrip(req);
  expect(canonicalDiff('traces', req, out)).toBeUndefined();
  expect(canonicalEqual('traces', req, out)).toBe(true);
}

function table(tables: EncodedTables, type: number): TableColumns {
  const t = tables.find((x) => x.type === type);
  if (!t) throw new Error(`no table ${type}`);
  return t.input as TableColumns;
}

function col(tables: EncodedTables, type: number, path: string): readonly unknown[] {
  return table(tables, type).values.get(path)!;
}

const id = (len: number, fill: number): Uint8Array => new Uint8Array(len).fill(fill);
const str = (key: string, value: string): KeyValue => ({ key, value: { type: 'string', value } });

function span(p: Partial<Span>): Span {
  return {
    traceId: id(16, 1),
    spanId: id(8, 2),
    traceState: '',
    parentSpanId: new Uint8Array(0),
    flags: 0,
    name: 'span',
    kind: 0,
    startTimeUnixNano: 1_000n,
    endTimeUnixNano: 2_000n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    ...p,
  };
}

function event(p: Partial<SpanEvent>): SpanEvent {
  return { timeUnixNano: 5n, name: 'ev', attributes: [], droppedAttributesCount: 0, ...p };
}

function link(p: Partial<SpanLink>): SpanLink {
  return { traceId: id(16, 7), spanId: id(8, 8), traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0, ...p };
}

function request(spans: Span[]): ExportTraceServiceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'svc')], droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeSpans: [{ scope: { name: 'lib', version: '1', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', spans }],
      },
    ],
  };
}

describe('tracesToTables: exact encoded values', () => {
  // Spans sort by name: a, b, c, d, e.
  const T1 = id(16, 0x11);
  const req = request([
    span({ name: 'e', events: [event({ name: 'x', attributes: [str('k', 'v')] })], links: [link({ traceId: T1 })] }),
    span({ name: 'a' }),
    span({ name: 'c', events: [event({ name: 'x' })], links: [link({ traceId: new Uint8Array(0), attributes: [str('l', '1')] })] }),
    span({ name: 'b', attributes: [str('k', 'v')] }),
    span({ name: 'd', events: [event({ name: 'y', attributes: [str('k', 'v')] })], links: [link({ traceId: T1 })] }),
  ]);
  const tables = tracesToTables(req);

  it('writes the payloads in Go order, children only when they have rows', () => {
    expect(tables.map((t) => t.type)).toEqual([
      T.SPANS, T.RESOURCE_ATTRS, T.SPAN_ATTRS, T.SPAN_EVENTS, T.SPAN_LINKS, T.SPAN_EVENT_ATTRS, T.SPAN_LINK_ATTRS,
    ]);
  });

  it('sorts spans by name and gives ids to spans with attributes, events or links', () => {
    expect(col(tables, T.SPANS, 'name')).toEqual(['a', 'b', 'c', 'd', 'e']);
    // Decoded ids: null, 0, 1, 2, 3 (c has events but no attributes and still needs one).
    expect(col(tables, T.SPANS, 'id')).toEqual([null, 0, 1, 1, 1]);
    expect(col(tables, T.SPANS, 'resource.id')).toEqual([0, 0, 0, 0, 0]);
    expect(col(tables, T.SPANS, 'scope.id')).toEqual([0, 0, 0, 0, 0]);
    expect(col(tables, T.SPANS, 'duration_time_unix_nano')).toEqual([1000n, 1000n, 1000n, 1000n, 1000n]);
    expect(col(tables, T.SPANS, 'parent_span_id')).toEqual([null, null, null, null, null]);
    expect(col(tables, T.SPANS, 'status.code')).toEqual([null, null, null, null, null]);
    expect(table(tables, T.SPANS).structValidity.has('status')).toBe(false);
  });

  it('sorts events by (name, parent) and quasi-delta-encodes parent_id on equal names', () => {
    // Rows: x(c=1), x(e=3), y(d=2).
    expect(col(tables, T.SPAN_EVENTS, 'name')).toEqual(['x', 'x', 'y']);
    expect(col(tables, T.SPAN_EVENTS, 'parent_id')).toEqual([1, 2, 2]);
    expect(col(tables, T.SPAN_EVENTS, 'id')).toEqual([null, 0, 1]);
    expect(col(tables, T.SPAN_EVENT_ATTRS, 'parent_id')).toEqual([0, 1]);
  });

  it('sorts links by (trace id, parent) and quasi-delta-encodes parent_id on equal trace ids', () => {
    // Rows: zeros(c=1), T1(d=2), T1(e=3).
    expect(col(tables, T.SPAN_LINKS, 'trace_id')).toEqual([new Uint8Array(16), T1, T1]);
    expect(col(tables, T.SPAN_LINKS, 'parent_id')).toEqual([1, 2, 1]);
    expect(col(tables, T.SPAN_LINKS, 'id')).toEqual([0, null, null]);
    expect(col(tables, T.SPAN_LINKS, 'flags')).toEqual([0, 0, 0]);
    expect(col(tables, T.SPAN_LINK_ATTRS, 'parent_id')).toEqual([0]);
  });

  it('round-trips', () => expectRoundTrip(req));
});

describe('tracesToTables / tablesToTraces round trips', () => {
  it('empty request: a 0-row SPANS table only', () => {
    const tables = tracesToTables({ resourceSpans: [] });
    expect(tables.map((t) => t.type)).toEqual([T.SPANS]);
    expect(tables[0]!.input.length).toBe(0);
    expect(roundTrip({ resourceSpans: [] })).toEqual({ resourceSpans: [] });
  });

  it('span with events but no attributes gets an id', () => {
    const req = request([span({ name: 'only-events', events: [event({ name: 'e1' }), event({ name: 'e2', timeUnixNano: 0n })] })]);
    const tables = tracesToTables(req);
    expect(col(tables, T.SPANS, 'id')).toEqual([0]);
    expect(tables.some((t) => t.type === T.SPAN_ATTRS)).toBe(false);
    expectRoundTrip(req);
  });

  it('span with links only gets an id', () => {
    const req = request([span({ name: 'l', links: [link({}), link({ traceId: new Uint8Array(0), spanId: new Uint8Array(0) })] })]);
    expect(col(tracesToTables(req), T.SPANS, 'id')).toEqual([0]);
    expectRoundTrip(req);
  });

  it('links with equal trace ids across and within spans', () => {
    const t = id(16, 9);
    const req = request([
      span({ name: 'p', links: [link({ traceId: t, flags: 1 }), link({ traceId: t, traceState: 'a=b' })] }),
      span({ name: 'q', links: [link({ traceId: t, attributes: [str('x', 'y')] })] }),
      span({ name: 'r', links: [link({ traceId: t, droppedAttributesCount: 3 })] }),
    ]);
    const tables = tracesToTables(req);
    expect(col(tables, T.SPAN_LINKS, 'parent_id')).toEqual([0, 0, 1, 1]);
    expectRoundTrip(req);
  });

  it('empty names: written as "" (not null) in the required name columns', () => {
    const req = request([
      span({ name: '', events: [event({ name: '' }), event({ name: '', attributes: [str('a', 'b')] })] }),
      span({ name: '', spanId: id(8, 3), events: [event({ name: '' })] }),
    ]);
    const tables = tracesToTables(req);
    expect(col(tables, T.SPANS, 'name')).toEqual(['', '']);
    expect(col(tables, T.SPAN_EVENTS, 'name')).toEqual(['', '', '']);
    // Same name throughout: one absolute parent, then deltas.
    expect(col(tables, T.SPAN_EVENTS, 'parent_id')).toEqual([0, 0, 1]);
    const views = toViews(tables);
    expect(views.get(T.SPANS)!.strings('name')).toEqual(['', '']);
    expect(views.get(T.SPAN_EVENTS)!.strings('name')).toEqual(['', '', '']);
    expectRoundTrip(req);
  });

  it('negative duration (end < start)', () => {
    const req = request([span({ startTimeUnixNano: 5_000n, endTimeUnixNano: 1_000n })]);
    expect(col(tracesToTables(req), T.SPANS, 'duration_time_unix_nano')).toEqual([-4_000n]);
    expectRoundTrip(req);
  });

  it('zero timestamps and 2^64-1 (int64 wrap of the duration)', () => {
    const req = request([
      span({ name: 'a', startTimeUnixNano: 0n, endTimeUnixNano: 0n }),
      span({ name: 'b', startTimeUnixNano: 0n, endTimeUnixNano: UINT64_MAX }),
      span({ name: 'c', startTimeUnixNano: UINT64_MAX, endTimeUnixNano: 0n }),
      span({ name: 'd', startTimeUnixNano: UINT64_MAX, endTimeUnixNano: UINT64_MAX }),
      span({ name: 'e', startTimeUnixNano: 1n, endTimeUnixNano: 2n ** 63n + 1n, events: [event({ timeUnixNano: UINT64_MAX }), event({ timeUnixNano: 0n })] }),
    ]);
    const tables = tracesToTables(req);
    expect(col(tables, T.SPANS, 'duration_time_unix_nano')).toEqual([0n, -1n, 1n, 0n, -(2n ** 63n)]);
    expectRoundTrip(req);
  });

  it('all optional fields set, ids zero and empty', () => {
    const req = request([
      span({
        name: 'full',
        traceId: new Uint8Array(0),
        spanId: new Uint8Array(8),
        traceState: 'k=v',
        parentSpanId: id(8, 4),
        flags: 0x301,
        kind: 3,
        droppedAttributesCount: 1,
        droppedEventsCount: 2,
        droppedLinksCount: 3,
        status: { code: 2, message: 'boom' },
        attributes: [str('a', '1'), { key: 'n', value: { type: 'int', value: -5n } }],
        events: [event({ droppedAttributesCount: 4, attributes: [{ key: 'd', value: { type: 'double', value: 1.5 } }] })],
        links: [link({ traceState: 'x', flags: 0xffffffff, droppedAttributesCount: 5 })],
      }),
      span({ name: 'zeros', parentSpanId: new Uint8Array(8), status: { code: 0, message: 'only message' } }),
    ]);
    const tables = tracesToTables(req);
    expect(col(tables, T.SPANS, 'parent_span_id')).toEqual([id(8, 4), null]);
    expect(col(tables, T.SPANS, 'trace_id')).toEqual([new Uint8Array(16), id(16, 1)]);
    expectRoundTrip(req);
  });

  it('resources and scopes: merged, sorted, attributes kept', () => {
    const res = (v: string) => ({ attributes: [str('r', v)], droppedAttributesCount: 0 });
    const scope = (n: string) => ({ name: n, version: '', attributes: [str('s', n)], droppedAttributesCount: 1 });
    const req: ExportTraceServiceRequest = {
      resourceSpans: [
        { resource: res('2'), schemaUrl: 'u', scopeSpans: [{ scope: scope('b'), schemaUrl: '', spans: [span({ name: 'x' })] }] },
        {
          resource: res('1'),
          schemaUrl: '',
          scopeSpans: [
            { scope: scope('b'), schemaUrl: 's', spans: [span({ name: 'y', events: [event({})] })] },
            { scope: scope('a'), schemaUrl: '', spans: [span({ name: 'z' }), span({ name: 'w', links: [link({})] })] },
          ],
        },
        { resource: res('2'), schemaUrl: 'u', scopeSpans: [{ scope: scope('b'), schemaUrl: '', spans: [span({ name: 'v' })] }] },
      ],
    };
    expectRoundTrip(req);
  });

  it('property: tracesRequestArb round-trips', () => {
    fc.assert(
      fc.property(tracesRequestArb, (req) => {
        const out = roundTrip(req);
        const diff = canonicalDiff('traces', req, out);
        if (diff !== undefined) throw new Error(diff);
      }),
      { numRuns: 300 },
    );
  });

  it('property: one TableEncoder per table across many batches', () => {
    const encoders = new Map<number, TableEncoder>();
    fc.assert(
      fc.property(tracesRequestArb, (req) => {
        const views = new Map<number, TableView>();
        for (const { type, input } of tracesToTables(req)) {
          const spec = TABLE_SPECS.get(type)!;
          let enc = encoders.get(type);
          if (!enc) encoders.set(type, (enc = new TableEncoder(spec)));
          views.set(type, new TableView(spec.name, enc.encode(input).batch));
        }
        const diff = canonicalDiff('traces', req, tablesToTraces(views));
        if (diff !== undefined) throw new Error(diff);
      }),
      { numRuns: 100 },
    );
  });
});

describe('tablesToTraces: invalid payloads', () => {
  function expectInvalid(fn: () => unknown, tableName: string): void {
    let caught: unknown;
    try {
      fn();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(OtelArrowError);
    expect((caught as OtelArrowError).code).toBe('INVALID_PAYLOAD');
    expect((caught as OtelArrowError).table).toBe(tableName);
  }

  const req = request([
    span({ name: 'a', attributes: [str('s', 't')], events: [event({ name: 'e', attributes: [str('k', 'v')] })], links: [link({ attributes: [str('k', 'v')] })] }),
  ]);

  it('event parent_id that matches no span id', () => {
    const tables = tracesToTables(req);
    table(tables, T.SPAN_EVENTS).values.set('parent_id', [7]);
    expectInvalid(() => tablesToTraces(toViews(tables)), 'SPAN_EVENTS');
  });

  it('link parent_id that matches no span id', () => {
    const tables = tracesToTables(req);
    table(tables, T.SPAN_LINKS).values.set('parent_id', [7]);
    expectInvalid(() => tablesToTraces(toViews(tables)), 'SPAN_LINKS');
  });

  it('event attributes pointing at no event', () => {
    const tables = tracesToTables(req);
    table(tables, T.SPAN_EVENT_ATTRS).values.set('parent_id', [5]);
    expectInvalid(() => tablesToTraces(toViews(tables)), 'SPAN_EVENT_ATTRS');
  });

  it('link attributes without a SPAN_LINKS table', () => {
    const views = toViews(tracesToTables(req));
    views.delete(T.SPAN_LINKS);
    expectInvalid(() => tablesToTraces(views), 'SPAN_LINK_ATTRS');
  });

  it('span attributes pointing at no span', () => {
    const tables = tracesToTables(req);
    table(tables, T.SPAN_ATTRS).values.set('parent_id', [3]);
    expectInvalid(() => tablesToTraces(toViews(tables)), 'SPAN_ATTRS');
  });

  it('events present but span without id', () => {
    const tables = tracesToTables(req).filter((t) => t.type !== T.SPAN_ATTRS);
    table(tables, T.SPANS).values.set('id', [null]);
    expectInvalid(() => tablesToTraces(toViews(tables)), 'SPAN_EVENTS');
  });
});

describe('tablesToTraces: other senders', () => {
  it('Go-style null names (empty name written as null) decode as "" and group as equal', () => {
    const req = request([
      span({ name: '', events: [event({ name: '' }), event({ name: '', timeUnixNano: 9n })] }),
      span({ name: '', spanId: id(8, 5), events: [event({ name: '' })] }),
    ]);
    const tables = tracesToTables(req);
    table(tables, T.SPANS).values.set('name', [null, null]);
    table(tables, T.SPAN_EVENTS).values.set('name', [null, null, null]);
    const views = toViews(tables);
    expect(views.get(T.SPAN_EVENTS)!.strings('name')).toEqual([null, null, null]);
    expect(canonicalDiff('traces', req, tablesToTraces(views))).toBeUndefined();
  });

  it('honours encoding=plain metadata on id and parent_id (Rust in-memory form)', () => {
    const t1 = id(16, 3);
    const req = request([
      span({ name: 'a', attributes: [str('k', 'v')], events: [event({ name: 'x', attributes: [str('e', '1')] })] }),
      span({ name: 'b', events: [event({ name: 'x' }), event({ name: 'x', attributes: [str('e', '2')] })], links: [link({ traceId: t1 })] }),
      span({ name: 'c', links: [link({ traceId: t1, attributes: [str('l', '1')] })] }),
    ]);
    const tables = tracesToTables(req);
    // Plain values: span ids 0,1,2; events x(0), x(1), x(1) with ids 0,null,1; links t1(1), t1(2).
    table(tables, T.SPANS).values.set('id', [0, 1, 2]);
    table(tables, T.SPAN_EVENTS).values.set('id', [0, null, 1]);
    table(tables, T.SPAN_EVENTS).values.set('parent_id', [0, 1, 1]);
    table(tables, T.SPAN_LINKS).values.set('parent_id', [1, 2]);
    const plain = new Set(['SPANS.id', 'SPAN_EVENTS.id', 'SPAN_EVENTS.parent_id', 'SPAN_LINKS.parent_id']);
    const views = new Map<number, TableView>();
    for (const [type, view] of toViews(tables)) {
      const fields = view.batch.schema.fields.map((f) =>
        plain.has(`${view.table}.${f.name}`) ? { ...f, metadata: new Map([['encoding', 'plain']]) } : f,
      );
      views.set(type, new TableView(view.table, { ...view.batch, schema: { ...view.batch.schema, fields } }));
    }
    expect(canonicalDiff('traces', req, tablesToTraces(views))).toBeUndefined();
  });
});

describe('tracesToTables: limits', () => {
  it('more than 65536 spans needing ids -> LIMIT_EXCEEDED on SPANS', () => {
    const spans = Array.from({ length: 65537 }, (_, i) => span({ name: `s${i}`, events: [event({})] }));
    let caught: unknown;
    try {
      tracesToTables(request(spans));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(OtelArrowError);
    expect((caught as OtelArrowError).code).toBe('LIMIT_EXCEEDED');
    expect((caught as OtelArrowError).table).toBe('SPANS');
  });
});
