// FORMAT.md's buffer read back into OTLP objects: how the js backend encodes SDK columns and
// how the exporter's OTLP fallback sends them. Every structural fault is MALFORMED_COLUMNS.
import { OtelArrowError } from '../../errors.js';
import type {
  AnyValue, ExportLogsServiceRequest, ExportTraceServiceRequest, InstrumentationScope, KeyValue, LogRecord, Span,
} from '../../otlp/model.js';
import { readAnyValue } from '../../otlp/protobuf/common.js';
import { WireReader } from '../../proto/wire-reader.js';
import { WireType, WireWriter } from '../../proto/wire-writer.js';
import { SIGNAL_CODE } from './record-columns.js';
import { utf8, utf8Strict } from '../../utf8-decoders.js';

function malformed(message: string): never {
  throw new OtelArrowError('MALFORMED_COLUMNS', `SDK columns: ${message}`);
}

class Cursor {
  private at = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  take(n: number, what: string): Uint8Array {
    if (n > this.buf.length - this.at) malformed(`${what} runs past the end of the buffer`);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  u32(what: string): number {
    const b = this.take(4, what);
    return this.view.getUint32(b.byteOffset - this.buf.byteOffset, true);
  }
  col(width: number, what: string): { n: number; view: DataView; bytes: Uint8Array } {
    const n = this.u32(what);
    const bytes = this.take(n * width, what);
    return { n, bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }
  u8s(what: string): number[] {
    return Array.from(this.col(1, what).bytes);
  }
  u32s(what: string): number[] {
    const { n, view } = this.col(4, what);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, true);
    return out;
  }
  slots(what: string): DataView[] {
    const { n, bytes } = this.col(8, what);
    const out = new Array<DataView>(n);
    for (let i = 0; i < n; i++) out[i] = new DataView(bytes.buffer, bytes.byteOffset + i * 8, 8);
    return out;
  }
  hex(width: number, what: string): Uint8Array[] {
    const { n, bytes } = this.col(width, what);
    const out = new Array<Uint8Array>(n);
    for (let i = 0; i < n; i++) out[i] = hexId(bytes.subarray(i * width, (i + 1) * width), what);
    return out;
  }
  end(): void {
    if (this.at !== this.buf.length) malformed(`${this.buf.length - this.at} bytes left over after the last table`);
  }
}

function hexId(ascii: Uint8Array, what: string): Uint8Array {
  const out = new Uint8Array(ascii.length / 2);
  let any = 0;
  for (let i = 0; i < out.length; i++) {
    const v = (nibble(ascii[2 * i]!, what) << 4) | nibble(ascii[2 * i + 1]!, what);
    out[i] = v;
    any |= v;
  }
  return any === 0 ? new Uint8Array(0) : out;
}

function nibble(c: number, what: string): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return malformed(`${what}: '${String.fromCharCode(c)}' is not a hex digit`);
}

class Heap {
  constructor(private readonly offsets: number[], private readonly data: Uint8Array, what: string) {
    if (offsets.length < 2 || offsets[0] !== 0 || offsets[1] !== 0) malformed(`${what} offsets must start 0, 0 (ref 0 is empty)`);
    for (let i = 1; i < offsets.length; i++) if (offsets[i]! < offsets[i - 1]!) malformed(`${what} offsets decrease at ${i}`);
    if (offsets[offsets.length - 1] !== data.length) malformed(`${what} offsets do not cover the data (${offsets[offsets.length - 1]} of ${data.length} bytes)`);
  }
  get(ref: number, what: string): Uint8Array {
    if (ref + 1 >= this.offsets.length) malformed(`${what}: ref ${ref} out of range (${this.offsets.length - 1} entries)`);
    return this.data.subarray(this.offsets[ref]!, this.offsets[ref + 1]!);
  }
}

class Refs {
  private readonly cache = new Map<number, string>();
  constructor(private readonly strings: Heap, private readonly blobs: Heap) {}
  str(ref: number, what: string): string {
    let s = this.cache.get(ref);
    if (s === undefined) {
      try {
        s = utf8Strict.decode(this.strings.get(ref, what));
      } catch (err) {
        if (err instanceof OtelArrowError) throw err;
        return malformed(`${what}: string ${ref} is not UTF-8`);
      }
      this.cache.set(ref, s);
    }
    return s;
  }
  blob(ref: number, what: string): Uint8Array {
    return this.blobs.get(ref, what);
  }
  value(type: number, slot: DataView, what: string): AnyValue {
    switch (type) {
      case 0: return { type: 'empty' };
      case 1: return { type: 'string', value: this.str(slot.getUint32(0, true), what) };
      case 2: return { type: 'int', value: slot.getBigInt64(0, true) };
      case 3: return { type: 'double', value: slot.getFloat64(0, true) };
      case 4: return { type: 'bool', value: slot.getUint32(0, true) !== 0 };
      case 5: return nested(this.blob(slot.getUint32(0, true), what), 6, what);
      case 6: return nested(this.blob(slot.getUint32(0, true), what), 5, what);
      case 7: return { type: 'bytes', value: this.blob(slot.getUint32(0, true), what).slice() };
      default: return malformed(`${what}: value type ${type} is not an OTAP value type (0-7)`);
    }
  }
}

/** An ArrayValue (AnyValue field 5) or KeyValueList (field 6) blob, read by wrapping it
 *  in the AnyValue message the protobuf reader expects. */
function nested(bytes: Uint8Array, field: 5 | 6, what: string): AnyValue {
  const w = new WireWriter(bytes.length + 16);
  const mark = w.beginMessage();
  w.tag(field, WireType.LEN);
  w.bytes(bytes);
  w.endMessage(mark);
  try {
    return readAnyValue(new WireReader(w.finish()));
  } catch (err) {
    return malformed(`${what}: nested value is not protobuf (${(err as Error).message})`);
  }
}

function sameLength(table: string, cols: Record<string, { length: number }>): number {
  const entries = Object.entries(cols);
  const n = entries[0]![1].length;
  for (const [name, c] of entries) if (c.length !== n) malformed(`${table}.${name} has ${c.length} rows, ${entries[0]![0]} ${n}`);
  return n;
}

/** Row i's children `ends[i-1]..ends[i]`, checked against the child arena's length. */
function ranges(ends: number[], arenaLength: number, what: string): Array<[number, number]> {
  let prev = 0;
  return ends.map((e, i) => {
    if (e < prev || e > arenaLength) malformed(`${what}[${i}] = ${e} (previous ${prev}, arena ${arenaLength})`);
    const r: [number, number] = [prev, e];
    prev = e;
    return r;
  });
}

function kvArena(c: Cursor, refs: Refs, table: string): KeyValue[] {
  const keys = c.u32s(`${table}.key`);
  const types = c.u8s(`${table}.type`);
  const slots = c.slots(`${table}.value`);
  const n = sameLength(table, { key: keys, type: types, value: slots });
  const out = new Array<KeyValue>(n);
  for (let i = 0; i < n; i++) out[i] = { key: refs.str(keys[i]!, `${table}.key`), value: refs.value(types[i]!, slots[i]!, `${table}.value`) };
  return out;
}

function time(sec: number, ns: number): bigint {
  return BigInt(sec) * 1_000_000_000n + BigInt(ns);
}

function index(i: number, n: number, what: string): number {
  if (i >= n) malformed(`${what}: row ${i} out of range (${n} rows)`);
  return i;
}

interface Roots {
  resources: Array<{ attributes: KeyValue[]; dropped: number; schemaUrl: string }>;
  scopes: Array<{ resource: number; scope: InstrumentationScope; schemaUrl: string }>;
}

function readRoots(c: Cursor, refs: Refs): Roots {
  const resAttrs = kvArena(c, refs, 'RESOURCE_ATTRS');
  const attrEnd = c.u32s('RESOURCES.attr_end');
  const dropped = c.u32s('RESOURCES.dropped');
  const schemaUrl = c.u32s('RESOURCES.schema_url');
  sameLength('RESOURCES', { attr_end: attrEnd, dropped, schema_url: schemaUrl });
  const resources = ranges(attrEnd, resAttrs.length, 'RESOURCES.attr_end').map(([a, b], i) => ({
    attributes: resAttrs.slice(a, b), dropped: dropped[i]!, schemaUrl: refs.str(schemaUrl[i]!, 'RESOURCES.schema_url'),
  }));
  const scopeAttrs = kvArena(c, refs, 'SCOPE_ATTRS');
  const resource = c.u32s('SCOPES.resource');
  const name = c.u32s('SCOPES.name');
  const version = c.u32s('SCOPES.version');
  const scopeSchemaUrl = c.u32s('SCOPES.schema_url');
  const scopeAttrEnd = c.u32s('SCOPES.attr_end');
  const scopeDropped = c.u32s('SCOPES.dropped');
  sameLength('SCOPES', { resource, name, version, schema_url: scopeSchemaUrl, attr_end: scopeAttrEnd, dropped: scopeDropped });
  const scopes = ranges(scopeAttrEnd, scopeAttrs.length, 'SCOPES.attr_end').map(([a, b], i) => ({
    resource: index(resource[i]!, resources.length, 'SCOPES.resource'),
    schemaUrl: refs.str(scopeSchemaUrl[i]!, 'SCOPES.schema_url'),
    scope: {
      name: refs.str(name[i]!, 'SCOPES.name'), version: refs.str(version[i]!, 'SCOPES.version'),
      attributes: scopeAttrs.slice(a, b), droppedAttributesCount: scopeDropped[i]!,
    },
  }));
  return { resources, scopes };
}

/** Items grouped as FORMAT.md says: resources, their scopes, their items, in row order. */
function group<T, G>(roots: Roots, itemScope: number[], items: T[], make: (scope: Roots['scopes'][number], items: T[]) => G) {
  const perScope = roots.scopes.map(() => [] as T[]);
  itemScope.forEach((s, i) => perScope[index(s, roots.scopes.length, 'scope')]!.push(items[i]!));
  return roots.resources.map((r, ri) => ({
    resource: { attributes: r.attributes, droppedAttributesCount: r.dropped },
    schemaUrl: r.schemaUrl,
    groups: roots.scopes.flatMap((s, si) => (s.resource === ri ? [make(s, perScope[si]!)] : [])),
  }));
}

function open(bytes: Uint8Array, signal: number): { c: Cursor; refs: Refs } {
  const c = new Cursor(bytes);
  if (utf8.decode(c.take(8, 'magic')) !== 'OTAPCOL1') malformed('wrong magic (expected OTAPCOL1)');
  const got = c.u32('signal');
  if (got !== signal) malformed(`signal ${got}, expected ${signal}`);
  const strings = new Heap(c.u32s('STRINGS.offsets'), c.col(1, 'STRINGS.data').bytes, 'STRINGS');
  const blobs = new Heap(c.u32s('BLOBS.offsets'), c.col(1, 'BLOBS.data').bytes, 'BLOBS');
  return { c, refs: new Refs(strings, blobs) };
}

/** The signal a columns buffer holds, or undefined when it is not one. */
export function columnsSignal(bytes: Uint8Array): 'traces' | 'logs' | undefined {
  if (bytes.length < 12 || utf8.decode(bytes.subarray(0, 8)) !== 'OTAPCOL1') return undefined;
  const code = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  return code === SIGNAL_CODE.traces ? 'traces' : code === SIGNAL_CODE.logs ? 'logs' : undefined;
}

export function readSpanColumns(bytes: Uint8Array): ExportTraceServiceRequest {
  const { c, refs } = open(bytes, SIGNAL_CODE.traces);
  const roots = readRoots(c, refs);
  const spanAttrs = kvArena(c, refs, 'SPAN_ATTRS');
  const col = {
    scope: c.u32s('SPANS.scope'), trace_id: c.hex(32, 'SPANS.trace_id'), span_id: c.hex(16, 'SPANS.span_id'),
    parent_span_id: c.hex(16, 'SPANS.parent_span_id'), trace_state: c.u32s('SPANS.trace_state'), flags: c.u32s('SPANS.flags'),
    name: c.u32s('SPANS.name'), kind: c.u8s('SPANS.kind'), start_sec: c.u32s('SPANS.start_sec'), start_ns: c.u32s('SPANS.start_ns'),
    end_sec: c.u32s('SPANS.end_sec'), end_ns: c.u32s('SPANS.end_ns'), attr_end: c.u32s('SPANS.attr_end'),
    dropped_attributes: c.u32s('SPANS.dropped_attributes'), event_end: c.u32s('SPANS.event_end'),
    dropped_events: c.u32s('SPANS.dropped_events'), link_end: c.u32s('SPANS.link_end'), dropped_links: c.u32s('SPANS.dropped_links'),
    status_code: c.u8s('SPANS.status_code'), status_message: c.u32s('SPANS.status_message'),
  };
  const n = sameLength('SPANS', col);
  const eventAttrs = kvArena(c, refs, 'SPAN_EVENT_ATTRS');
  const ev = {
    sec: c.u32s('EVENTS.sec'), ns: c.u32s('EVENTS.ns'), name: c.u32s('EVENTS.name'),
    attr_end: c.u32s('EVENTS.attr_end'), dropped: c.u32s('EVENTS.dropped'),
  };
  sameLength('EVENTS', ev);
  const events = ranges(ev.attr_end, eventAttrs.length, 'EVENTS.attr_end').map(([a, b], i) => ({
    timeUnixNano: time(ev.sec[i]!, ev.ns[i]!), name: refs.str(ev.name[i]!, 'EVENTS.name'),
    attributes: eventAttrs.slice(a, b), droppedAttributesCount: ev.dropped[i]!,
  }));
  const linkAttrs = kvArena(c, refs, 'SPAN_LINK_ATTRS');
  const lk = {
    trace_id: c.hex(32, 'LINKS.trace_id'), span_id: c.hex(16, 'LINKS.span_id'), trace_state: c.u32s('LINKS.trace_state'),
    flags: c.u32s('LINKS.flags'), attr_end: c.u32s('LINKS.attr_end'), dropped: c.u32s('LINKS.dropped'),
  };
  sameLength('LINKS', lk);
  const links = ranges(lk.attr_end, linkAttrs.length, 'LINKS.attr_end').map(([a, b], i) => ({
    traceId: lk.trace_id[i]!, spanId: lk.span_id[i]!, traceState: refs.str(lk.trace_state[i]!, 'LINKS.trace_state'),
    attributes: linkAttrs.slice(a, b), droppedAttributesCount: lk.dropped[i]!, flags: lk.flags[i]!,
  }));
  c.end();
  const attrR = ranges(col.attr_end, spanAttrs.length, 'SPANS.attr_end');
  const eventR = ranges(col.event_end, events.length, 'SPANS.event_end');
  const linkR = ranges(col.link_end, links.length, 'SPANS.link_end');
  const spans = new Array<Span>(n);
  for (let i = 0; i < n; i++) {
    spans[i] = {
      traceId: col.trace_id[i]!, spanId: col.span_id[i]!, traceState: refs.str(col.trace_state[i]!, 'SPANS.trace_state'),
      parentSpanId: col.parent_span_id[i]!, flags: col.flags[i]!, name: refs.str(col.name[i]!, 'SPANS.name'), kind: col.kind[i]!,
      startTimeUnixNano: time(col.start_sec[i]!, col.start_ns[i]!), endTimeUnixNano: time(col.end_sec[i]!, col.end_ns[i]!),
      attributes: spanAttrs.slice(...attrR[i]!), droppedAttributesCount: col.dropped_attributes[i]!,
      events: events.slice(...eventR[i]!), droppedEventsCount: col.dropped_events[i]!,
      links: links.slice(...linkR[i]!), droppedLinksCount: col.dropped_links[i]!,
      status: { code: col.status_code[i]!, message: refs.str(col.status_message[i]!, 'SPANS.status_message') },
    };
  }
  return {
    resourceSpans: group(roots, col.scope, spans, (s, items) => ({ scope: s.scope, spans: items, schemaUrl: s.schemaUrl }))
      .map((r) => ({ resource: r.resource, scopeSpans: r.groups, schemaUrl: r.schemaUrl })),
  };
}

export function readLogColumns(bytes: Uint8Array): ExportLogsServiceRequest {
  const { c, refs } = open(bytes, SIGNAL_CODE.logs);
  const roots = readRoots(c, refs);
  const logAttrs = kvArena(c, refs, 'LOG_ATTRS');
  const col = {
    scope: c.u32s('LOGS.scope'), time_sec: c.u32s('LOGS.time_sec'), time_ns: c.u32s('LOGS.time_ns'),
    observed_sec: c.u32s('LOGS.observed_sec'), observed_ns: c.u32s('LOGS.observed_ns'),
    severity_number: c.u32s('LOGS.severity_number'), severity_text: c.u32s('LOGS.severity_text'),
    body_type: c.u8s('LOGS.body_type'), body_value: c.slots('LOGS.body_value'), attr_end: c.u32s('LOGS.attr_end'),
    dropped: c.u32s('LOGS.dropped'), flags: c.u32s('LOGS.flags'), trace_id: c.hex(32, 'LOGS.trace_id'),
    span_id: c.hex(16, 'LOGS.span_id'), event_name: c.u32s('LOGS.event_name'),
  };
  const n = sameLength('LOGS', col);
  c.end();
  const attrR = ranges(col.attr_end, logAttrs.length, 'LOGS.attr_end');
  const logs = new Array<LogRecord>(n);
  for (let i = 0; i < n; i++) {
    logs[i] = {
      timeUnixNano: time(col.time_sec[i]!, col.time_ns[i]!), observedTimeUnixNano: time(col.observed_sec[i]!, col.observed_ns[i]!),
      severityNumber: col.severity_number[i]!, severityText: refs.str(col.severity_text[i]!, 'LOGS.severity_text'),
      body: refs.value(col.body_type[i]!, col.body_value[i]!, 'LOGS.body_value'),
      attributes: logAttrs.slice(...attrR[i]!), droppedAttributesCount: col.dropped[i]!, flags: col.flags[i]!,
      traceId: col.trace_id[i]!, spanId: col.span_id[i]!, eventName: refs.str(col.event_name[i]!, 'LOGS.event_name'),
    };
  }
  return {
    resourceLogs: group(roots, col.scope, logs, (s, items) => ({ scope: s.scope, logRecords: items, schemaUrl: s.schemaUrl }))
      .map((r) => ({ resource: r.resource, scopeLogs: r.groups, schemaUrl: r.schemaUrl })),
  };
}

export type ColumnsRequest =
  | { signal: 'traces'; request: ExportTraceServiceRequest }
  | { signal: 'logs'; request: ExportLogsServiceRequest };

/** A columns buffer of either signal as its OTLP request. */
export function readColumns(bytes: Uint8Array): ColumnsRequest {
  const signal = columnsSignal(bytes);
  if (signal === 'traces') return { signal, request: readSpanColumns(bytes) };
  if (signal === 'logs') return { signal, request: readLogColumns(bytes) };
  return malformed('not an SDK columns buffer (wrong magic or signal)');
}
