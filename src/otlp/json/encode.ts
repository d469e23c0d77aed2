// OTLP/JSON encoding (the OTLP spec's protobuf JSON mapping).
//
// Written straight to a string rather than through JSON.stringify of an object tree: that
// avoids a second tree of objects and lets -0 keep its sign. Rules: lowerCamelCase keys,
// trace/span ids as lowercase hex, other bytes base64, 64-bit integers as decimal strings,
// enums as integers, non-finite doubles as "NaN"/"Infinity"/"-Infinity". Proto3 defaults are
// omitted, like the binary encoding; oneof members and optional doubles are always written.

import type {
  AnyValue, Exemplar, ExponentialHistogramBuckets, ExponentialHistogramDataPoint,
  ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest,
  HistogramDataPoint, InstrumentationScope, KeyValue, LogRecord, Metric, MetricData,
  NumberDataPoint, NumberValue, Resource, Span, SpanEvent, SpanLink, SummaryDataPoint,
} from '../model.js';

export function encodeTracesJson(req: ExportTraceServiceRequest): string {
  let s = '';
  for (const rs of req.resourceSpans) {
    let scopes = '';
    for (const ss of rs.scopeSpans) {
      const body = `,"scope":${scope(ss.scope)}` + list('spans', ss.spans, span) +
        str('schemaUrl', ss.schemaUrl);
      scopes += ',' + obj(body);
    }
    s += ',' + resourceGroup(rs.resource, 'scopeSpans', scopes, rs.schemaUrl);
  }
  return `{"resourceSpans":[${s.substring(1)}]}`;
}

export function encodeLogsJson(req: ExportLogsServiceRequest): string {
  let s = '';
  for (const rl of req.resourceLogs) {
    let scopes = '';
    for (const sl of rl.scopeLogs) {
      const body = `,"scope":${scope(sl.scope)}` + list('logRecords', sl.logRecords, logRecord) +
        str('schemaUrl', sl.schemaUrl);
      scopes += ',' + obj(body);
    }
    s += ',' + resourceGroup(rl.resource, 'scopeLogs', scopes, rl.schemaUrl);
  }
  return `{"resourceLogs":[${s.substring(1)}]}`;
}

export function encodeMetricsJson(req: ExportMetricsServiceRequest): string {
  let s = '';
  for (const rm of req.resourceMetrics) {
    let scopes = '';
    for (const sm of rm.scopeMetrics) {
      const body = `,"scope":${scope(sm.scope)}` + list('metrics', sm.metrics, metric) +
        str('schemaUrl', sm.schemaUrl);
      scopes += ',' + obj(body);
    }
    s += ',' + resourceGroup(rm.resource, 'scopeMetrics', scopes, rm.schemaUrl);
  }
  return `{"resourceMetrics":[${s.substring(1)}]}`;
}

/** `scopes` is a comma-prefixed list of already encoded scope groups. */
function resourceGroup(res: Resource, key: string, scopes: string, schemaUrl: string): string {
  let body = `,"resource":${resource(res)}`;
  if (scopes.length !== 0) body += `,"${key}":[${scopes.substring(1)}]`;
  return obj(body + str('schemaUrl', schemaUrl));
}

// ---------------------------------------------------------------------------------------
// Field helpers. Each returns `,"key":value` or '' when the field is omitted.

/** Wraps a comma-prefixed field list in braces. */
function obj(body: string): string {
  return body.length === 0 ? '{}' : `{${body.substring(1)}}`;
}

function str(key: string, v: string): string {
  return v.length === 0 ? '' : `,"${key}":${JSON.stringify(v)}`;
}

function int(key: string, v: number): string {
  return v === 0 ? '' : `,"${key}":${v}`;
}

function long(key: string, v: bigint): string {
  return v === 0n ? '' : `,"${key}":"${v}"`;
}

function dbl(key: string, v: number): string {
  return v === 0 && !Object.is(v, -0) ? '' : `,"${key}":${double(v)}`;
}

function optDbl(key: string, v: number | undefined): string {
  return v === undefined ? '' : `,"${key}":${double(v)}`;
}

function hexId(key: string, v: Uint8Array): string {
  return v.length === 0 ? '' : `,"${key}":"${toHex(v)}"`;
}

function list<T>(key: string, items: readonly T[], encode: (item: T) => string): string {
  if (items.length === 0) return '';
  let s = '';
  for (let i = 0; i < items.length; i++) s += ',' + encode(items[i]!);
  return `,"${key}":[${s.substring(1)}]`;
}

export function double(v: number): string {
  if (Number.isFinite(v)) return Object.is(v, -0) ? '-0' : String(v);
  if (Number.isNaN(v)) return '"NaN"';
  return v > 0 ? '"Infinity"' : '"-Infinity"';
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

// ---------------------------------------------------------------------------------------
// Common messages

function anyValue(v: AnyValue): string {
  switch (v.type) {
    case 'string': return `{"stringValue":${JSON.stringify(v.value)}}`;
    case 'bool': return `{"boolValue":${v.value}}`;
    case 'int': return `{"intValue":"${v.value}"}`;
    case 'double': return `{"doubleValue":${double(v.value)}}`;
    case 'bytes': return `{"bytesValue":"${toBase64(v.value)}"}`;
    case 'array': return `{"arrayValue":${obj(list('values', v.values, anyValue))}}`;
    case 'kvlist': return `{"kvlistValue":${obj(list('values', v.values, keyValue))}}`;
    case 'empty': return '{}';
  }
}

function keyValue(kv: KeyValue): string {
  return `{"key":${JSON.stringify(kv.key)},"value":${anyValue(kv.value)}}`;
}

function resource(r: Resource): string {
  return obj(list('attributes', r.attributes, keyValue) +
    int('droppedAttributesCount', r.droppedAttributesCount));
}

function scope(s: InstrumentationScope): string {
  return obj(str('name', s.name) + str('version', s.version) +
    list('attributes', s.attributes, keyValue) +
    int('droppedAttributesCount', s.droppedAttributesCount));
}

// ---------------------------------------------------------------------------------------
// Traces

function span(s: Span): string {
  const st = s.status;
  return obj(
    hexId('traceId', s.traceId) + hexId('spanId', s.spanId) + str('traceState', s.traceState) +
    hexId('parentSpanId', s.parentSpanId) + int('flags', s.flags) + str('name', s.name) +
    int('kind', s.kind) + long('startTimeUnixNano', s.startTimeUnixNano) +
    long('endTimeUnixNano', s.endTimeUnixNano) + list('attributes', s.attributes, keyValue) +
    int('droppedAttributesCount', s.droppedAttributesCount) +
    list('events', s.events, spanEvent) + int('droppedEventsCount', s.droppedEventsCount) +
    list('links', s.links, spanLink) + int('droppedLinksCount', s.droppedLinksCount) +
    `,"status":${obj(str('message', st.message) + int('code', st.code))}`,
  );
}

function spanEvent(e: SpanEvent): string {
  return obj(long('timeUnixNano', e.timeUnixNano) + str('name', e.name) +
    list('attributes', e.attributes, keyValue) +
    int('droppedAttributesCount', e.droppedAttributesCount));
}

function spanLink(l: SpanLink): string {
  return obj(hexId('traceId', l.traceId) + hexId('spanId', l.spanId) +
    str('traceState', l.traceState) + list('attributes', l.attributes, keyValue) +
    int('droppedAttributesCount', l.droppedAttributesCount) + int('flags', l.flags));
}

// ---------------------------------------------------------------------------------------
// Logs

function logRecord(lr: LogRecord): string {
  return obj(
    long('timeUnixNano', lr.timeUnixNano) + long('observedTimeUnixNano', lr.observedTimeUnixNano) +
    int('severityNumber', lr.severityNumber) + str('severityText', lr.severityText) +
    (lr.body.type === 'empty' ? '' : `,"body":${anyValue(lr.body)}`) +
    list('attributes', lr.attributes, keyValue) +
    int('droppedAttributesCount', lr.droppedAttributesCount) + int('flags', lr.flags) +
    hexId('traceId', lr.traceId) + hexId('spanId', lr.spanId) + str('eventName', lr.eventName),
  );
}

// ---------------------------------------------------------------------------------------
// Metrics

function metric(m: Metric): string {
  return obj(str('name', m.name) + str('description', m.description) + str('unit', m.unit) +
    metricData(m.data) + list('metadata', m.metadata, keyValue));
}

function metricData(d: MetricData): string {
  switch (d.type) {
    case 'empty':
      return '';
    case 'gauge':
      return `,"gauge":${obj(list('dataPoints', d.dataPoints, numberDataPoint))}`;
    case 'sum':
      return `,"sum":${obj(list('dataPoints', d.dataPoints, numberDataPoint) +
        int('aggregationTemporality', d.aggregationTemporality) +
        (d.isMonotonic ? ',"isMonotonic":true' : ''))}`;
    case 'histogram':
      return `,"histogram":${obj(list('dataPoints', d.dataPoints, histogramDataPoint) +
        int('aggregationTemporality', d.aggregationTemporality))}`;
    case 'exponentialHistogram':
      return `,"exponentialHistogram":${obj(list('dataPoints', d.dataPoints, expDataPoint) +
        int('aggregationTemporality', d.aggregationTemporality))}`;
    case 'summary':
      return `,"summary":${obj(list('dataPoints', d.dataPoints, summaryDataPoint))}`;
  }
}

function numberValue(v: NumberValue): string {
  if (v.type === 'double') return `,"asDouble":${double(v.value)}`;
  if (v.type === 'int') return `,"asInt":"${v.value}"`;
  return '';
}

function exemplar(e: Exemplar): string {
  return obj(list('filteredAttributes', e.filteredAttributes, keyValue) +
    long('timeUnixNano', e.timeUnixNano) + numberValue(e.value) + hexId('spanId', e.spanId) +
    hexId('traceId', e.traceId));
}

function numberDataPoint(dp: NumberDataPoint): string {
  return obj(list('attributes', dp.attributes, keyValue) +
    long('startTimeUnixNano', dp.startTimeUnixNano) + long('timeUnixNano', dp.timeUnixNano) +
    numberValue(dp.value) + list('exemplars', dp.exemplars, exemplar) + int('flags', dp.flags));
}

function longList(key: string, values: readonly bigint[]): string {
  if (values.length === 0) return '';
  let s = '';
  for (let i = 0; i < values.length; i++) s += `,"${values[i]!}"`;
  return `,"${key}":[${s.substring(1)}]`;
}

function doubleList(key: string, values: readonly number[]): string {
  if (values.length === 0) return '';
  let s = '';
  for (let i = 0; i < values.length; i++) s += ',' + double(values[i]!);
  return `,"${key}":[${s.substring(1)}]`;
}

function histogramDataPoint(dp: HistogramDataPoint): string {
  return obj(list('attributes', dp.attributes, keyValue) +
    long('startTimeUnixNano', dp.startTimeUnixNano) + long('timeUnixNano', dp.timeUnixNano) +
    long('count', dp.count) + optDbl('sum', dp.sum) + longList('bucketCounts', dp.bucketCounts) +
    doubleList('explicitBounds', dp.explicitBounds) + list('exemplars', dp.exemplars, exemplar) +
    int('flags', dp.flags) + optDbl('min', dp.min) + optDbl('max', dp.max));
}

function buckets(b: ExponentialHistogramBuckets): string {
  return obj(int('offset', b.offset) + longList('bucketCounts', b.bucketCounts));
}

function expDataPoint(dp: ExponentialHistogramDataPoint): string {
  return obj(list('attributes', dp.attributes, keyValue) +
    long('startTimeUnixNano', dp.startTimeUnixNano) + long('timeUnixNano', dp.timeUnixNano) +
    long('count', dp.count) + optDbl('sum', dp.sum) + int('scale', dp.scale) +
    long('zeroCount', dp.zeroCount) + `,"positive":${buckets(dp.positive)}` +
    `,"negative":${buckets(dp.negative)}` + int('flags', dp.flags) +
    list('exemplars', dp.exemplars, exemplar) + optDbl('min', dp.min) + optDbl('max', dp.max) +
    dbl('zeroThreshold', dp.zeroThreshold));
}

function summaryDataPoint(dp: SummaryDataPoint): string {
  let qs = '';
  for (const q of dp.quantileValues) {
    qs += ',' + obj(dbl('quantile', q.quantile) + dbl('value', q.value));
  }
  return obj(list('attributes', dp.attributes, keyValue) +
    long('startTimeUnixNano', dp.startTimeUnixNano) + long('timeUnixNano', dp.timeUnixNano) +
    long('count', dp.count) + dbl('sum', dp.sum) +
    (qs.length === 0 ? '' : `,"quantileValues":[${qs.substring(1)}]`) + int('flags', dp.flags));
}
