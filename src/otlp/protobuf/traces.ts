// ExportTraceServiceRequest <-> protobuf bytes (collector/trace/v1, trace/v1).

import { annotate, EMPTY_BYTES, messageInfo, WireReader } from '../../proto/wire-reader.js';
import { WireType, WireWriter } from '../../proto/wire-writer.js';
import type {
  ExportTraceServiceRequest, ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink, Status,
} from '../model.js';
import {
  decodeTopLevel, emptyResource, emptyScope, readKeyValue, readResource, readScope,
  writeKeyValues, writeResource, writeScope,
} from './common.js';

const LEN = WireType.LEN;

// ---------------------------------------------------------------------------------------
// Encoding

export function encodeTracesRequest(req: ExportTraceServiceRequest): Uint8Array {
  const w = new WireWriter(4096);
  const rss = req.resourceSpans;
  for (let i = 0; i < rss.length; i++) writeResourceSpans(w, rss[i]!);
  return w.finish();
}

function writeResourceSpans(w: WireWriter, rs: ResourceSpans): void {
  w.tag(1, LEN);
  const mark = w.beginMessage();
  writeResource(w, 1, rs.resource);
  const sss = rs.scopeSpans;
  for (let i = 0; i < sss.length; i++) writeScopeSpans(w, sss[i]!);
  w.stringField(3, rs.schemaUrl);
  w.endMessage(mark);
}

function writeScopeSpans(w: WireWriter, ss: ScopeSpans): void {
  w.tag(2, LEN);
  const mark = w.beginMessage();
  writeScope(w, 1, ss.scope);
  const spans = ss.spans;
  for (let i = 0; i < spans.length; i++) writeSpan(w, spans[i]!);
  w.stringField(3, ss.schemaUrl);
  w.endMessage(mark);
}

function writeSpan(w: WireWriter, s: Span): void {
  w.tag(2, LEN);
  const mark = w.beginMessage();
  w.bytesField(1, s.traceId);
  w.bytesField(2, s.spanId);
  w.stringField(3, s.traceState);
  w.bytesField(4, s.parentSpanId);
  w.stringField(5, s.name);
  w.int32Field(6, s.kind);
  w.fixed64Field(7, s.startTimeUnixNano);
  w.fixed64Field(8, s.endTimeUnixNano);
  writeKeyValues(w, 9, s.attributes);
  w.uint32Field(10, s.droppedAttributesCount);
  const events = s.events;
  for (let i = 0; i < events.length; i++) writeEvent(w, events[i]!);
  w.uint32Field(12, s.droppedEventsCount);
  const links = s.links;
  for (let i = 0; i < links.length; i++) writeLink(w, links[i]!);
  w.uint32Field(14, s.droppedLinksCount);
  writeStatus(w, s.status);
  w.fixed32Field(16, s.flags);
  w.endMessage(mark);
}

function writeEvent(w: WireWriter, e: SpanEvent): void {
  w.tag(11, LEN);
  const mark = w.beginMessage();
  w.fixed64Field(1, e.timeUnixNano);
  w.stringField(2, e.name);
  writeKeyValues(w, 3, e.attributes);
  w.uint32Field(4, e.droppedAttributesCount);
  w.endMessage(mark);
}

function writeLink(w: WireWriter, l: SpanLink): void {
  w.tag(13, LEN);
  const mark = w.beginMessage();
  w.bytesField(1, l.traceId);
  w.bytesField(2, l.spanId);
  w.stringField(3, l.traceState);
  writeKeyValues(w, 4, l.attributes);
  w.uint32Field(5, l.droppedAttributesCount);
  w.fixed32Field(6, l.flags);
  w.endMessage(mark);
}

function writeStatus(w: WireWriter, st: Status): void {
  w.tag(15, LEN);
  const mark = w.beginMessage();
  w.stringField(2, st.message);
  w.int32Field(3, st.code);
  w.endMessage(mark);
}

// ---------------------------------------------------------------------------------------
// Decoding

const REQUEST = messageInfo('ExportTraceServiceRequest', { 1: 'resource_spans' });
const RESOURCE_SPANS = messageInfo('ResourceSpans', {
  1: 'resource', 2: 'scope_spans', 3: 'schema_url',
});
const SCOPE_SPANS = messageInfo('ScopeSpans', { 1: 'scope', 2: 'spans', 3: 'schema_url' });
const SPAN = messageInfo('Span', {
  1: 'trace_id', 2: 'span_id', 3: 'trace_state', 4: 'parent_span_id', 5: 'name', 6: 'kind',
  7: 'start_time_unix_nano', 8: 'end_time_unix_nano', 9: 'attributes',
  10: 'dropped_attributes_count', 11: 'events', 12: 'dropped_events_count', 13: 'links',
  14: 'dropped_links_count', 15: 'status', 16: 'flags',
});
const EVENT = messageInfo('Span.Event', {
  1: 'time_unix_nano', 2: 'name', 3: 'attributes', 4: 'dropped_attributes_count',
});
const LINK = messageInfo('Span.Link', {
  1: 'trace_id', 2: 'span_id', 3: 'trace_state', 4: 'attributes',
  5: 'dropped_attributes_count', 6: 'flags',
});
const STATUS = messageInfo('Status', { 2: 'message', 3: 'code' });

export function decodeTracesRequest(bytes: Uint8Array): ExportTraceServiceRequest {
  return decodeTopLevel(bytes, REQUEST.name, readRequest);
}

function readRequest(r: WireReader): ExportTraceServiceRequest {
  const req: ExportTraceServiceRequest = { resourceSpans: [] };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      if (tag === 10) req.resourceSpans.push(readResourceSpans(r));
      else r.skip(tag, REQUEST);
    }
  } catch (err) {
    throw annotate(err, REQUEST, tag);
  }
  return req;
}

function readResourceSpans(r: WireReader): ResourceSpans {
  const outer = r.enter();
  const rs: ResourceSpans = { resource: emptyResource(), scopeSpans: [], schemaUrl: '' };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: rs.resource = readResource(r); break;
        case 18: rs.scopeSpans.push(readScopeSpans(r)); break;
        case 26: rs.schemaUrl = r.string(); break;
        default: r.skip(tag, RESOURCE_SPANS);
      }
    }
  } catch (err) {
    throw annotate(err, RESOURCE_SPANS, tag);
  }
  r.leave(outer);
  return rs;
}

function readScopeSpans(r: WireReader): ScopeSpans {
  const outer = r.enter();
  const ss: ScopeSpans = { scope: emptyScope(), spans: [], schemaUrl: '' };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: ss.scope = readScope(r); break;
        case 18: ss.spans.push(readSpan(r)); break;
        case 26: ss.schemaUrl = r.string(); break;
        default: r.skip(tag, SCOPE_SPANS);
      }
    }
  } catch (err) {
    throw annotate(err, SCOPE_SPANS, tag);
  }
  r.leave(outer);
  return ss;
}

function readSpan(r: WireReader): Span {
  const outer = r.enter();
  const s: Span = {
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    traceState: '',
    parentSpanId: EMPTY_BYTES,
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { message: '', code: 0 },
  };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: s.traceId = r.bytes(); break;
        case 18: s.spanId = r.bytes(); break;
        case 26: s.traceState = r.string(); break;
        case 34: s.parentSpanId = r.bytes(); break;
        case 42: s.name = r.string(); break;
        case 48: s.kind = r.int32(); break;
        case 57: s.startTimeUnixNano = r.fixed64(); break;
        case 65: s.endTimeUnixNano = r.fixed64(); break;
        case 74: s.attributes.push(readKeyValue(r)); break;
        case 80: s.droppedAttributesCount = r.uint32(); break;
        case 90: s.events.push(readEvent(r)); break;
        case 96: s.droppedEventsCount = r.uint32(); break;
        case 106: s.links.push(readLink(r)); break;
        case 112: s.droppedLinksCount = r.uint32(); break;
        case 122: s.status = readStatus(r); break;
        case 133: s.flags = r.fixed32(); break;
        default: r.skip(tag, SPAN);
      }
    }
  } catch (err) {
    throw annotate(err, SPAN, tag);
  }
  r.leave(outer);
  return s;
}

function readEvent(r: WireReader): SpanEvent {
  const outer = r.enter();
  const e: SpanEvent = { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 9: e.timeUnixNano = r.fixed64(); break;
        case 18: e.name = r.string(); break;
        case 26: e.attributes.push(readKeyValue(r)); break;
        case 32: e.droppedAttributesCount = r.uint32(); break;
        default: r.skip(tag, EVENT);
      }
    }
  } catch (err) {
    throw annotate(err, EVENT, tag);
  }
  r.leave(outer);
  return e;
}

function readLink(r: WireReader): SpanLink {
  const outer = r.enter();
  const l: SpanLink = {
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    traceState: '',
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
  };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: l.traceId = r.bytes(); break;
        case 18: l.spanId = r.bytes(); break;
        case 26: l.traceState = r.string(); break;
        case 34: l.attributes.push(readKeyValue(r)); break;
        case 40: l.droppedAttributesCount = r.uint32(); break;
        case 53: l.flags = r.fixed32(); break;
        default: r.skip(tag, LINK);
      }
    }
  } catch (err) {
    throw annotate(err, LINK, tag);
  }
  r.leave(outer);
  return l;
}

function readStatus(r: WireReader): Status {
  const outer = r.enter();
  const st: Status = { message: '', code: 0 };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 18: st.message = r.string(); break;
        case 24: st.code = r.int32(); break;
        default: r.skip(tag, STATUS);
      }
    }
  } catch (err) {
    throw annotate(err, STATUS, tag);
  }
  r.leave(outer);
  return st;
}
