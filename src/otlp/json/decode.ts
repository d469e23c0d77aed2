// OTLP/JSON decoding. Accepts lowerCamelCase and the original snake_case keys, 64-bit
// integers as numbers or decimal strings, enums as integers or names, doubles as numbers or
// "NaN"/"Infinity"/"-Infinity" (or numeric strings), null as "absent". Ids are hex; other
// bytes are base64 (standard or URL-safe). Anything else -> OtelArrowError('MALFORMED_JSON').

import { OtelArrowError } from '../../errors.js';
import type {
  AnyValue, Exemplar, ExponentialHistogramBuckets, ExponentialHistogramDataPoint,
  ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest,
  HistogramDataPoint, InstrumentationScope, KeyValue, LogRecord, Metric, MetricData,
  NumberDataPoint, NumberValue, Resource, ResourceLogs, ResourceMetrics, ResourceSpans,
  ScopeLogs, ScopeMetrics, ScopeSpans, Span, SpanEvent, SpanLink, SummaryDataPoint,
  ValueAtQuantile,
} from '../model.js';
import {
  AGGREGATION_TEMPORALITY_NAMES, SEVERITY_NUMBER_NAMES, SPAN_KIND_NAMES, STATUS_CODE_NAMES,
} from './enum-names.js';

type Obj = Record<string, unknown>;

const EMPTY_BYTES = new Uint8Array(0);
const MAX_U64 = (1n << 64n) - 1n;
const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;
const INTEGER = /^-?[0-9]+$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

function fail(where: string, reason: string): never {
  throw new OtelArrowError('MALFORMED_JSON', `${where}: ${reason}`);
}

// ---------------------------------------------------------------------------------------
// Entry points

function parse(text: string, what: string): Obj {
  if (typeof text !== 'string') fail(what, 'input is not a string');
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new OtelArrowError('MALFORMED_JSON', `${what}: ${(err as Error).message}`, { cause: err });
  }
  return asObj(root, what) ?? fail(what, 'expected an object');
}

/** Keeps every failure (a stack overflow from absurd nesting included) a MALFORMED_JSON. */
function guard<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof OtelArrowError) throw err;
    throw new OtelArrowError('MALFORMED_JSON', `${what}: ${(err as Error).message}`, { cause: err });
  }
}

export function decodeTracesJson(text: string): ExportTraceServiceRequest {
  const what = 'ExportTraceServiceRequest';
  return guard(what, () => ({
    resourceSpans: arr(parse(text, what), 'resourceSpans', 'resource_spans', what, resourceSpans),
  }));
}

export function decodeLogsJson(text: string): ExportLogsServiceRequest {
  const what = 'ExportLogsServiceRequest';
  return guard(what, () => ({
    resourceLogs: arr(parse(text, what), 'resourceLogs', 'resource_logs', what, resourceLogs),
  }));
}

export function decodeMetricsJson(text: string): ExportMetricsServiceRequest {
  const what = 'ExportMetricsServiceRequest';
  return guard(what, () => ({
    resourceMetrics: arr(
      parse(text, what), 'resourceMetrics', 'resource_metrics', what, resourceMetrics,
    ),
  }));
}

// ---------------------------------------------------------------------------------------
// Field readers: (object, camelName, snake_name, message name) -> value or its default.

function get(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined ? o[snake] : v;
}

function asObj(v: unknown, where: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(where, 'expected an object');
  return v as Obj;
}

function obj(o: Obj, camel: string, snake: string, msg: string): Obj | undefined {
  return asObj(get(o, camel, snake), `${msg}.${camel}`);
}

function arr<T>(
  o: Obj, camel: string, snake: string, msg: string, item: (v: Obj, where: string) => T,
): T[] {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return [];
  const where = `${msg}.${camel}`;
  if (!Array.isArray(v)) fail(where, 'expected an array');
  const out: T[] = new Array<T>(v.length);
  for (let i = 0; i < v.length; i++) {
    out[i] = item(asObj(v[i], where) ?? fail(where, 'null element'), where);
  }
  return out;
}

function str(o: Obj, camel: string, snake: string, msg: string): string {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(`${msg}.${camel}`, 'expected a string');
  return v;
}

function bool(o: Obj, camel: string, snake: string, msg: string): boolean {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') fail(`${msg}.${camel}`, 'expected a boolean');
  return v;
}

function toBigInt(v: unknown, where: string): bigint {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) fail(where, 'expected an integer');
    return BigInt(v);
  }
  if (typeof v === 'string' && INTEGER.test(v)) return BigInt(v);
  return fail(where, 'expected an integer or a decimal string');
}

function toUint64(v: unknown, where: string): bigint {
  const n = toBigInt(v, where);
  if (n < 0n || n > MAX_U64) fail(where, 'out of range for uint64');
  return n;
}

function u64(o: Obj, camel: string, snake: string, msg: string): bigint {
  const v = get(o, camel, snake);
  return v === undefined || v === null ? 0n : toUint64(v, `${msg}.${camel}`);
}

function toInt64(v: unknown, where: string): bigint {
  const n = toBigInt(v, where);
  if (n < MIN_I64 || n > MAX_I64) fail(where, 'out of range for int64');
  return n;
}

/** 32-bit integers and enums; `names` maps enum names to numbers. */
function int32(
  o: Obj, camel: string, snake: string, msg: string, unsigned: boolean,
  names?: Readonly<Record<string, number>>,
): number {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return 0;
  const where = `${msg}.${camel}`;
  if (names !== undefined && typeof v === 'string' && !INTEGER.test(v)) {
    const n = names[v];
    if (n === undefined) fail(where, `unknown enum name ${JSON.stringify(v)}`);
    return n;
  }
  const n = toBigInt(v, where);
  const min = unsigned ? 0n : -0x80000000n;
  const max = unsigned ? 0xffffffffn : 0x7fffffffn;
  if (n < min || n > max) fail(where, `out of range for ${unsigned ? 'uint32' : 'int32'}`);
  return Number(n);
}

function toDouble(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  return fail(where, 'expected a number');
}

function dbl(o: Obj, camel: string, snake: string, msg: string): number {
  const v = get(o, camel, snake);
  return v === undefined || v === null ? 0 : toDouble(v, `${msg}.${camel}`);
}

function optDbl(o: Obj, camel: string, snake: string, msg: string): number | undefined {
  const v = get(o, camel, snake);
  return v === undefined || v === null ? undefined : toDouble(v, `${msg}.${camel}`);
}

function hexId(o: Obj, camel: string, snake: string, msg: string): Uint8Array {
  const v = get(o, camel, snake);
  if (v === undefined || v === null || v === '') return EMPTY_BYTES;
  if (typeof v !== 'string' || !HEX.test(v)) fail(`${msg}.${camel}`, 'expected a hex string');
  return new Uint8Array(Buffer.from(v, 'hex'));
}

function base64(v: unknown, where: string): Uint8Array {
  if (typeof v !== 'string' || !BASE64.test(v)) return fail(where, 'expected a base64 string');
  return v.length === 0 ? EMPTY_BYTES : new Uint8Array(Buffer.from(v, 'base64'));
}

function u64List(o: Obj, camel: string, snake: string, msg: string): bigint[] {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return [];
  const where = `${msg}.${camel}`;
  if (!Array.isArray(v)) fail(where, 'expected an array');
  return v.map((x) => toUint64(x, where));
}

function doubleList(o: Obj, camel: string, snake: string, msg: string): number[] {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return [];
  const where = `${msg}.${camel}`;
  if (!Array.isArray(v)) fail(where, 'expected an array');
  return v.map((x) => toDouble(x, where));
}

// ---------------------------------------------------------------------------------------
// Common messages

function anyValue(o: Obj): AnyValue {
  const M = 'AnyValue';
  let v: unknown;
  if ((v = get(o, 'stringValue', 'string_value')) != null) {
    if (typeof v !== 'string') fail(`${M}.stringValue`, 'expected a string');
    return { type: 'string', value: v };
  }
  if ((v = get(o, 'boolValue', 'bool_value')) != null) {
    if (typeof v !== 'boolean') fail(`${M}.boolValue`, 'expected a boolean');
    return { type: 'bool', value: v };
  }
  if ((v = get(o, 'intValue', 'int_value')) != null) {
    return { type: 'int', value: toInt64(v, `${M}.intValue`) };
  }
  if ((v = get(o, 'doubleValue', 'double_value')) != null) {
    return { type: 'double', value: toDouble(v, `${M}.doubleValue`) };
  }
  if ((v = get(o, 'bytesValue', 'bytes_value')) != null) {
    return { type: 'bytes', value: base64(v, `${M}.bytesValue`) };
  }
  let inner = obj(o, 'arrayValue', 'array_value', M);
  if (inner !== undefined) {
    return { type: 'array', values: arr(inner, 'values', 'values', 'ArrayValue', anyValue) };
  }
  inner = obj(o, 'kvlistValue', 'kvlist_value', M);
  if (inner !== undefined) {
    return { type: 'kvlist', values: arr(inner, 'values', 'values', 'KeyValueList', keyValue) };
  }
  return { type: 'empty' };
}

function keyValue(o: Obj): KeyValue {
  const value = obj(o, 'value', 'value', 'KeyValue');
  return {
    key: str(o, 'key', 'key', 'KeyValue'),
    value: value === undefined ? { type: 'empty' } : anyValue(value),
  };
}

function attrs(o: Obj, msg: string): KeyValue[] {
  return arr(o, 'attributes', 'attributes', msg, keyValue);
}

function resource(o: Obj | undefined): Resource {
  if (o === undefined) return { attributes: [], droppedAttributesCount: 0 };
  return {
    attributes: attrs(o, 'Resource'),
    droppedAttributesCount: int32(
      o, 'droppedAttributesCount', 'dropped_attributes_count', 'Resource', true,
    ),
  };
}

function scope(o: Obj | undefined): InstrumentationScope {
  const M = 'InstrumentationScope';
  if (o === undefined) return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  return {
    name: str(o, 'name', 'name', M),
    version: str(o, 'version', 'version', M),
    attributes: attrs(o, M),
    droppedAttributesCount: int32(o, 'droppedAttributesCount', 'dropped_attributes_count', M, true),
  };
}

// ---------------------------------------------------------------------------------------
// Traces

function resourceSpans(o: Obj): ResourceSpans {
  const M = 'ResourceSpans';
  return {
    resource: resource(obj(o, 'resource', 'resource', M)),
    scopeSpans: arr(o, 'scopeSpans', 'scope_spans', M, scopeSpans),
    schemaUrl: str(o, 'schemaUrl', 'schema_url', M),
  };
}

function scopeSpans(o: Obj): ScopeSpans {
  const M = 'ScopeSpans';
  return {
    scope: scope(obj(o, 'scope', 'scope', M)),
    spans: arr(o, 'spans', 'spans', M, span),
    schemaUrl: str(o, 'schemaUrl', 'schema_url', M),
  };
}

function span(o: Obj): Span {
  const M = 'Span';
  const st = obj(o, 'status', 'status', M);
  return {
    traceId: hexId(o, 'traceId', 'trace_id', M),
    spanId: hexId(o, 'spanId', 'span_id', M),
    traceState: str(o, 'traceState', 'trace_state', M),
    parentSpanId: hexId(o, 'parentSpanId', 'parent_span_id', M),
    flags: int32(o, 'flags', 'flags', M, true),
    name: str(o, 'name', 'name', M),
    kind: int32(o, 'kind', 'kind', M, false, SPAN_KIND_NAMES),
    startTimeUnixNano: u64(o, 'startTimeUnixNano', 'start_time_unix_nano', M),
    endTimeUnixNano: u64(o, 'endTimeUnixNano', 'end_time_unix_nano', M),
    attributes: attrs(o, M),
    droppedAttributesCount: int32(o, 'droppedAttributesCount', 'dropped_attributes_count', M, true),
    events: arr(o, 'events', 'events', M, spanEvent),
    droppedEventsCount: int32(o, 'droppedEventsCount', 'dropped_events_count', M, true),
    links: arr(o, 'links', 'links', M, spanLink),
    droppedLinksCount: int32(o, 'droppedLinksCount', 'dropped_links_count', M, true),
    status: st === undefined
      ? { message: '', code: 0 }
      : {
        message: str(st, 'message', 'message', 'Status'),
        code: int32(st, 'code', 'code', 'Status', false, STATUS_CODE_NAMES),
      },
  };
}

function spanEvent(o: Obj): SpanEvent {
  const M = 'Span.Event';
  return {
    timeUnixNano: u64(o, 'timeUnixNano', 'time_unix_nano', M),
    name: str(o, 'name', 'name', M),
    attributes: attrs(o, M),
    droppedAttributesCount: int32(o, 'droppedAttributesCount', 'dropped_attributes_count', M, true),
  };
}

function spanLink(o: Obj): SpanLink {
  const M = 'Span.Link';
  return {
    traceId: hexId(o, 'traceId', 'trace_id', M),
    spanId: hexId(o, 'spanId', 'span_id', M),
    traceState: str(o, 'traceState', 'trace_state', M),
    attributes: attrs(o, M),
    droppedAttributesCount: int32(o, 'droppedAttributesCount', 'dropped_attributes_count', M, true),
    flags: int32(o, 'flags', 'flags', M, true),
  };
}

// ---------------------------------------------------------------------------------------
// Logs

function resourceLogs(o: Obj): ResourceLogs {
  const M = 'ResourceLogs';
  return {
    resource: resource(obj(o, 'resource', 'resource', M)),
    scopeLogs: arr(o, 'scopeLogs', 'scope_logs', M, scopeLogs),
    schemaUrl: str(o, 'schemaUrl', 'schema_url', M),
  };
}

function scopeLogs(o: Obj): ScopeLogs {
  const M = 'ScopeLogs';
  return {
    scope: scope(obj(o, 'scope', 'scope', M)),
    logRecords: arr(o, 'logRecords', 'log_records', M, logRecord),
    schemaUrl: str(o, 'schemaUrl', 'schema_url', M),
  };
}

function logRecord(o: Obj): LogRecord {
  const M = 'LogRecord';
  const body = obj(o, 'body', 'body', M);
  return {
    timeUnixNano: u64(o, 'timeUnixNano', 'time_unix_nano', M),
    observedTimeUnixNano: u64(o, 'observedTimeUnixNano', 'observed_time_unix_nano', M),
    severityNumber: int32(o, 'severityNumber', 'severity_number', M, false, SEVERITY_NUMBER_NAMES),
    severityText: str(o, 'severityText', 'severity_text', M),
    body: body === undefined ? { type: 'empty' } : anyValue(body),
    attributes: attrs(o, M),
    droppedAttributesCount: int32(o, 'droppedAttributesCount', 'dropped_attributes_count', M, true),
    flags: int32(o, 'flags', 'flags', M, true),
    traceId: hexId(o, 'traceId', 'trace_id', M),
    spanId: hexId(o, 'spanId', 'span_id', M),
    eventName: str(o, 'eventName', 'event_name', M),
  };
}

// ---------------------------------------------------------------------------------------
// Metrics

function resourceMetrics(o: Obj): ResourceMetrics {
  const M = 'ResourceMetrics';
  return {
    resource: resource(obj(o, 'resource', 'resource', M)),
    scopeMetrics: arr(o, 'scopeMetrics', 'scope_metrics', M, scopeMetrics),
    schemaUrl: str(o, 'schemaUrl', 'schema_url', M),
  };
}

function scopeMetrics(o: Obj): ScopeMetrics {
  const M = 'ScopeMetrics';
  return {
    scope: scope(obj(o, 'scope', 'scope', M)),
    metrics: arr(o, 'metrics', 'metrics', M, metric),
    schemaUrl: str(o, 'schemaUrl', 'schema_url', M),
  };
}

function metric(o: Obj): Metric {
  const M = 'Metric';
  return {
    name: str(o, 'name', 'name', M),
    description: str(o, 'description', 'description', M),
    unit: str(o, 'unit', 'unit', M),
    data: metricData(o),
    metadata: arr(o, 'metadata', 'metadata', M, keyValue),
  };
}

function temporality(o: Obj, msg: string): number {
  return int32(
    o, 'aggregationTemporality', 'aggregation_temporality', msg, false,
    AGGREGATION_TEMPORALITY_NAMES,
  );
}

function metricData(o: Obj): MetricData {
  const M = 'Metric';
  let d = obj(o, 'gauge', 'gauge', M);
  if (d !== undefined) {
    return { type: 'gauge', dataPoints: arr(d, 'dataPoints', 'data_points', 'Gauge', numberDp) };
  }
  d = obj(o, 'sum', 'sum', M);
  if (d !== undefined) {
    return {
      type: 'sum',
      dataPoints: arr(d, 'dataPoints', 'data_points', 'Sum', numberDp),
      aggregationTemporality: temporality(d, 'Sum'),
      isMonotonic: bool(d, 'isMonotonic', 'is_monotonic', 'Sum'),
    };
  }
  d = obj(o, 'histogram', 'histogram', M);
  if (d !== undefined) {
    return {
      type: 'histogram',
      dataPoints: arr(d, 'dataPoints', 'data_points', 'Histogram', histogramDp),
      aggregationTemporality: temporality(d, 'Histogram'),
    };
  }
  d = obj(o, 'exponentialHistogram', 'exponential_histogram', M);
  if (d !== undefined) {
    return {
      type: 'exponentialHistogram',
      dataPoints: arr(d, 'dataPoints', 'data_points', 'ExponentialHistogram', expDp),
      aggregationTemporality: temporality(d, 'ExponentialHistogram'),
    };
  }
  d = obj(o, 'summary', 'summary', M);
  if (d !== undefined) {
    return { type: 'summary', dataPoints: arr(d, 'dataPoints', 'data_points', 'Summary', summaryDp) };
  }
  return { type: 'empty' };
}

function numberValue(o: Obj, msg: string): NumberValue {
  const d = get(o, 'asDouble', 'as_double');
  if (d !== undefined && d !== null) return { type: 'double', value: toDouble(d, `${msg}.asDouble`) };
  const i = get(o, 'asInt', 'as_int');
  if (i !== undefined && i !== null) return { type: 'int', value: toInt64(i, `${msg}.asInt`) };
  return { type: 'none' };
}

function exemplar(o: Obj): Exemplar {
  const M = 'Exemplar';
  return {
    filteredAttributes: arr(o, 'filteredAttributes', 'filtered_attributes', M, keyValue),
    timeUnixNano: u64(o, 'timeUnixNano', 'time_unix_nano', M),
    value: numberValue(o, M),
    spanId: hexId(o, 'spanId', 'span_id', M),
    traceId: hexId(o, 'traceId', 'trace_id', M),
  };
}

function numberDp(o: Obj): NumberDataPoint {
  const M = 'NumberDataPoint';
  return {
    attributes: attrs(o, M),
    startTimeUnixNano: u64(o, 'startTimeUnixNano', 'start_time_unix_nano', M),
    timeUnixNano: u64(o, 'timeUnixNano', 'time_unix_nano', M),
    value: numberValue(o, M),
    exemplars: arr(o, 'exemplars', 'exemplars', M, exemplar),
    flags: int32(o, 'flags', 'flags', M, true),
  };
}

function histogramDp(o: Obj): HistogramDataPoint {
  const M = 'HistogramDataPoint';
  return {
    attributes: attrs(o, M),
    startTimeUnixNano: u64(o, 'startTimeUnixNano', 'start_time_unix_nano', M),
    timeUnixNano: u64(o, 'timeUnixNano', 'time_unix_nano', M),
    count: u64(o, 'count', 'count', M),
    sum: optDbl(o, 'sum', 'sum', M),
    bucketCounts: u64List(o, 'bucketCounts', 'bucket_counts', M),
    explicitBounds: doubleList(o, 'explicitBounds', 'explicit_bounds', M),
    exemplars: arr(o, 'exemplars', 'exemplars', M, exemplar),
    flags: int32(o, 'flags', 'flags', M, true),
    min: optDbl(o, 'min', 'min', M),
    max: optDbl(o, 'max', 'max', M),
  };
}

function buckets(o: Obj | undefined): ExponentialHistogramBuckets {
  const M = 'ExponentialHistogramDataPoint.Buckets';
  if (o === undefined) return { offset: 0, bucketCounts: [] };
  return {
    offset: int32(o, 'offset', 'offset', M, false),
    bucketCounts: u64List(o, 'bucketCounts', 'bucket_counts', M),
  };
}

function expDp(o: Obj): ExponentialHistogramDataPoint {
  const M = 'ExponentialHistogramDataPoint';
  return {
    attributes: attrs(o, M),
    startTimeUnixNano: u64(o, 'startTimeUnixNano', 'start_time_unix_nano', M),
    timeUnixNano: u64(o, 'timeUnixNano', 'time_unix_nano', M),
    count: u64(o, 'count', 'count', M),
    sum: optDbl(o, 'sum', 'sum', M),
    scale: int32(o, 'scale', 'scale', M, false),
    zeroCount: u64(o, 'zeroCount', 'zero_count', M),
    positive: buckets(obj(o, 'positive', 'positive', M)),
    negative: buckets(obj(o, 'negative', 'negative', M)),
    flags: int32(o, 'flags', 'flags', M, true),
    exemplars: arr(o, 'exemplars', 'exemplars', M, exemplar),
    min: optDbl(o, 'min', 'min', M),
    max: optDbl(o, 'max', 'max', M),
    zeroThreshold: dbl(o, 'zeroThreshold', 'zero_threshold', M),
  };
}

function quantile(o: Obj): ValueAtQuantile {
  const M = 'SummaryDataPoint.ValueAtQuantile';
  return { quantile: dbl(o, 'quantile', 'quantile', M), value: dbl(o, 'value', 'value', M) };
}

function summaryDp(o: Obj): SummaryDataPoint {
  const M = 'SummaryDataPoint';
  return {
    attributes: attrs(o, M),
    startTimeUnixNano: u64(o, 'startTimeUnixNano', 'start_time_unix_nano', M),
    timeUnixNano: u64(o, 'timeUnixNano', 'time_unix_nano', M),
    count: u64(o, 'count', 'count', M),
    sum: dbl(o, 'sum', 'sum', M),
    quantileValues: arr(o, 'quantileValues', 'quantile_values', M, quantile),
    flags: int32(o, 'flags', 'flags', M, true),
  };
}
