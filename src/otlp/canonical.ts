// Canonical normalisation of OTLP requests.
//
// OTAP (like the Go reference implementation) keeps every value but not the order or the
// grouping of OTLP messages: equal resources / scopes are merged, rows are sorted, children
// of one parent may be reordered, and "unset" ids travel as zero bytes. `canonicalize`
// maps a request to a normal form under which an OTLP -> OTAP -> OTLP round trip must be
// the identity:
//
// - ResourceX entries with equal resource (attributes as a multiset, dropped count) and
//   schemaUrl are merged; within a resource, ScopeX entries with equal scope (name,
//   version, attributes multiset, dropped count) and schemaUrl are merged. ScopeX without
//   items and ResourceX without scopes are dropped.
// - Resources, scopes, items (spans / log records / metrics) and, inside items, top-level
//   attribute lists, span events, span links, data points and exemplars are sorted by a
//   total order over their canonical strings (`canonicalKey`). Attributes nested inside a
//   kvlist VALUE keep their order; so do arrays, bucket counts, bounds and quantiles.
// - All-zero trace / span / parent span ids (any length) become empty ids.
// - Every other value is kept bit-exact (NaN, -0, undefined vs 0 for optional doubles).

import type {
  AnyValue,
  ExponentialHistogramDataPoint,
  Exemplar,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  HistogramDataPoint,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  Metric,
  MetricData,
  NumberDataPoint,
  NumberValue,
  Resource,
  Signal,
  SignalRequest,
  Span,
  SpanEvent,
  SpanLink,
  SummaryDataPoint,
} from './model.js';

// ---------------------------------------------------------------------------------------
// Deterministic JSON

const TAG = '#';

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function renderNumber(n: number): string {
  if (Number.isNaN(n)) return JSON.stringify(`${TAG}NaN`);
  if (n === Infinity) return JSON.stringify(`${TAG}Infinity`);
  if (n === -Infinity) return JSON.stringify(`${TAG}-Infinity`);
  if (Object.is(n, -0)) return JSON.stringify(`${TAG}-0`);
  return String(n);
}

function renderString(s: string): string {
  // Strings that start with the tag character are escaped by doubling it, so a tagged
  // special value ("#123n", "#NaN", "#hex:..") can never collide with an ordinary string.
  return JSON.stringify(s.startsWith(TAG) ? TAG + s : s);
}

function writeJson(value: unknown, out: string[]): void {
  switch (typeof value) {
    case 'string':
      out.push(renderString(value));
      return;
    case 'number':
      out.push(renderNumber(value));
      return;
    case 'bigint':
      out.push(JSON.stringify(`${TAG}${value.toString()}n`));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'undefined':
      out.push(JSON.stringify(`${TAG}undefined`));
      return;
    case 'object': {
      if (value === null) {
        out.push('null');
        return;
      }
      if (value instanceof Uint8Array) {
        out.push(JSON.stringify(`${TAG}hex:${hex(value)}`));
        return;
      }
      if (Array.isArray(value)) {
        out.push('[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(',');
          writeJson(value[i], out);
        }
        out.push(']');
        return;
      }
      const rec = value as Record<string, unknown>;
      const keys = Object.keys(rec).sort();
      out.push('{');
      let first = true;
      for (const k of keys) {
        if (!first) out.push(',');
        first = false;
        out.push(JSON.stringify(k), ':');
        writeJson(rec[k], out);
      }
      out.push('}');
      return;
    }
    default:
      throw new TypeError(`canonicalJson: unsupported value of type ${typeof value}`);
  }
}

/**
 * Stable, deterministic JSON for any model value. Object keys are sorted; arrays keep their
 * order. Special values are rendered as tagged strings: bigint `"#123n"`, Uint8Array
 * `"#hex:0a1b"`, `"#NaN"`, `"#Infinity"`, `"#-Infinity"`, `"#-0"`, `"#undefined"`.
 * Ordinary strings starting with `#` get the `#` doubled, so the rendering is injective.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  writeJson(value, out);
  return out.join('');
}

/**
 * The canonical string of an element, used to define the total order of siblings. It is
 * `canonicalJson(x)`: bigint, bytes (hex), NaN, -0 and infinities are unambiguous, and
 * kvlist / array values are rendered recursively in their given order. Call it on an element
 * whose own children are already canonical so that the key is independent of their order.
 */
export function canonicalKey(x: unknown): string {
  return canonicalJson(x);
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts a copy of `items` by their canonical keys (computed once per element). */
function sortByKey<T>(items: T[], key: (x: T) => string = canonicalKey): T[] {
  return items
    .map((item) => ({ item, k: key(item) }))
    .sort((x, y) => cmpStr(x.k, y.k))
    .map((e) => e.item);
}

// ---------------------------------------------------------------------------------------
// Deep copies of leaf structures

function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

function copyId(id: Uint8Array): Uint8Array {
  for (const b of id) if (b !== 0) return new Uint8Array(id);
  return new Uint8Array(0);
}

/** Deep copy of an AnyValue; nested kvlists and arrays keep their order. */
function copyAnyValue(v: AnyValue): AnyValue {
  switch (v.type) {
    case 'empty':
      return { type: 'empty' };
    case 'string':
    case 'bool':
    case 'int':
    case 'double':
      return { type: v.type, value: v.value } as AnyValue;
    case 'bytes':
      return { type: 'bytes', value: copyBytes(v.value) };
    case 'array':
      return { type: 'array', values: v.values.map(copyAnyValue) };
    case 'kvlist':
      return { type: 'kvlist', values: v.values.map((kv) => ({ key: kv.key, value: copyAnyValue(kv.value) })) };
  }
}

/** Copies and sorts a top-level attribute list by (key, canonical value). */
function canonAttrs(attrs: KeyValue[]): KeyValue[] {
  return attrs
    .map((kv) => {
      const value = copyAnyValue(kv.value);
      return { kv: { key: kv.key, value }, v: canonicalKey(value) };
    })
    .sort((x, y) => cmpStr(x.kv.key, y.kv.key) || cmpStr(x.v, y.v))
    .map((e) => e.kv);
}

function canonResource(r: Resource): Resource {
  return { attributes: canonAttrs(r.attributes), droppedAttributesCount: r.droppedAttributesCount };
}

function canonScope(s: InstrumentationScope): InstrumentationScope {
  return {
    name: s.name,
    version: s.version,
    attributes: canonAttrs(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
  };
}

function copyNumberValue(v: NumberValue): NumberValue {
  return v.type === 'none' ? { type: 'none' } : ({ type: v.type, value: v.value } as NumberValue);
}

// ---------------------------------------------------------------------------------------
// Generic grouping

interface Group<R, S, I> {
  resource: R;
  schemaUrl: string;
  scopes: { scope: S; schemaUrl: string; items: I[] }[];
}

/**
 * Merges resources / scopes with equal canonical keys, drops empty ones and sorts
 * resources, scopes and (already canonical) items.
 */
function regroup<R, S, I>(groups: Group<R, S, I>[]): Group<R, S, I>[] {
  const byResource = new Map<string, { resource: R; schemaUrl: string; scopes: Map<string, { scope: S; schemaUrl: string; items: I[] }> }>();
  for (const g of groups) {
    const rk = canonicalKey({ resource: g.resource, schemaUrl: g.schemaUrl });
    let rg = byResource.get(rk);
    if (!rg) {
      rg = { resource: g.resource, schemaUrl: g.schemaUrl, scopes: new Map() };
      byResource.set(rk, rg);
    }
    for (const s of g.scopes) {
      const sk = canonicalKey({ scope: s.scope, schemaUrl: s.schemaUrl });
      let sg = rg.scopes.get(sk);
      if (!sg) {
        sg = { scope: s.scope, schemaUrl: s.schemaUrl, items: [] };
        rg.scopes.set(sk, sg);
      }
      for (const it of s.items) sg.items.push(it);
    }
  }
  const out: { k: string; g: Group<R, S, I> }[] = [];
  for (const [rk, rg] of byResource) {
    const scopes: { k: string; s: { scope: S; schemaUrl: string; items: I[] } }[] = [];
    for (const [sk, sg] of rg.scopes) {
      if (sg.items.length === 0) continue;
      scopes.push({ k: sk, s: { scope: sg.scope, schemaUrl: sg.schemaUrl, items: sortByKey(sg.items) } });
    }
    if (scopes.length === 0) continue;
    scopes.sort((a, b) => cmpStr(a.k, b.k));
    out.push({ k: rk, g: { resource: rg.resource, schemaUrl: rg.schemaUrl, scopes: scopes.map((s) => s.s) } });
  }
  // Resource keys do not depend on scopes, so they are unique after merging.
  out.sort((a, b) => cmpStr(a.k, b.k));
  return out.map((e) => e.g);
}

// ---------------------------------------------------------------------------------------
// Traces

function canonEvent(e: SpanEvent): SpanEvent {
  return {
    timeUnixNano: e.timeUnixNano,
    name: e.name,
    attributes: canonAttrs(e.attributes),
    droppedAttributesCount: e.droppedAttributesCount,
  };
}

function canonLink(l: SpanLink): SpanLink {
  return {
    traceId: copyId(l.traceId),
    spanId: copyId(l.spanId),
    traceState: l.traceState,
    attributes: canonAttrs(l.attributes),
    droppedAttributesCount: l.droppedAttributesCount,
    flags: l.flags,
  };
}

function canonSpan(s: Span): Span {
  return {
    traceId: copyId(s.traceId),
    spanId: copyId(s.spanId),
    traceState: s.traceState,
    parentSpanId: copyId(s.parentSpanId),
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano,
    endTimeUnixNano: s.endTimeUnixNano,
    attributes: canonAttrs(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: sortByKey(s.events.map(canonEvent)),
    droppedEventsCount: s.droppedEventsCount,
    links: sortByKey(s.links.map(canonLink)),
    droppedLinksCount: s.droppedLinksCount,
    status: { message: s.status.message, code: s.status.code },
  };
}

function canonTraces(req: ExportTraceServiceRequest): ExportTraceServiceRequest {
  const groups = regroup(
    req.resourceSpans.map((rs) => ({
      resource: canonResource(rs.resource),
      schemaUrl: rs.schemaUrl,
      scopes: rs.scopeSpans.map((ss) => ({
        scope: canonScope(ss.scope),
        schemaUrl: ss.schemaUrl,
        items: ss.spans.map(canonSpan),
      })),
    })),
  );
  return {
    resourceSpans: groups.map((g) => ({
      resource: g.resource,
      scopeSpans: g.scopes.map((s) => ({ scope: s.scope, spans: s.items, schemaUrl: s.schemaUrl })),
      schemaUrl: g.schemaUrl,
    })),
  };
}

// ---------------------------------------------------------------------------------------
// Logs

function canonLog(l: LogRecord): LogRecord {
  return {
    timeUnixNano: l.timeUnixNano,
    observedTimeUnixNano: l.observedTimeUnixNano,
    severityNumber: l.severityNumber,
    severityText: l.severityText,
    body: copyAnyValue(l.body),
    attributes: canonAttrs(l.attributes),
    droppedAttributesCount: l.droppedAttributesCount,
    flags: l.flags,
    traceId: copyId(l.traceId),
    spanId: copyId(l.spanId),
    eventName: l.eventName,
  };
}

function canonLogs(req: ExportLogsServiceRequest): ExportLogsServiceRequest {
  const groups = regroup(
    req.resourceLogs.map((rl) => ({
      resource: canonResource(rl.resource),
      schemaUrl: rl.schemaUrl,
      scopes: rl.scopeLogs.map((sl) => ({
        scope: canonScope(sl.scope),
        schemaUrl: sl.schemaUrl,
        items: sl.logRecords.map(canonLog),
      })),
    })),
  );
  return {
    resourceLogs: groups.map((g) => ({
      resource: g.resource,
      scopeLogs: g.scopes.map((s) => ({ scope: s.scope, logRecords: s.items, schemaUrl: s.schemaUrl })),
      schemaUrl: g.schemaUrl,
    })),
  };
}

// ---------------------------------------------------------------------------------------
// Metrics

function canonExemplar(e: Exemplar): Exemplar {
  return {
    filteredAttributes: canonAttrs(e.filteredAttributes),
    timeUnixNano: e.timeUnixNano,
    value: copyNumberValue(e.value),
    spanId: copyId(e.spanId),
    traceId: copyId(e.traceId),
  };
}

function canonExemplars(es: Exemplar[]): Exemplar[] {
  return sortByKey(es.map(canonExemplar));
}

function canonNumberDp(p: NumberDataPoint): NumberDataPoint {
  return {
    attributes: canonAttrs(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano,
    timeUnixNano: p.timeUnixNano,
    value: copyNumberValue(p.value),
    exemplars: canonExemplars(p.exemplars),
    flags: p.flags,
  };
}

function canonHistogramDp(p: HistogramDataPoint): HistogramDataPoint {
  return {
    attributes: canonAttrs(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano,
    timeUnixNano: p.timeUnixNano,
    count: p.count,
    sum: p.sum,
    bucketCounts: p.bucketCounts.slice(),
    explicitBounds: p.explicitBounds.slice(),
    exemplars: canonExemplars(p.exemplars),
    flags: p.flags,
    min: p.min,
    max: p.max,
  };
}

function canonExpHistogramDp(p: ExponentialHistogramDataPoint): ExponentialHistogramDataPoint {
  return {
    attributes: canonAttrs(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano,
    timeUnixNano: p.timeUnixNano,
    count: p.count,
    sum: p.sum,
    scale: p.scale,
    zeroCount: p.zeroCount,
    positive: { offset: p.positive.offset, bucketCounts: p.positive.bucketCounts.slice() },
    negative: { offset: p.negative.offset, bucketCounts: p.negative.bucketCounts.slice() },
    flags: p.flags,
    exemplars: canonExemplars(p.exemplars),
    min: p.min,
    max: p.max,
    zeroThreshold: p.zeroThreshold,
  };
}

function canonSummaryDp(p: SummaryDataPoint): SummaryDataPoint {
  return {
    attributes: canonAttrs(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano,
    timeUnixNano: p.timeUnixNano,
    count: p.count,
    sum: p.sum,
    quantileValues: p.quantileValues.map((q) => ({ quantile: q.quantile, value: q.value })),
    flags: p.flags,
  };
}

function canonMetricData(d: MetricData): MetricData {
  switch (d.type) {
    case 'empty':
      return { type: 'empty' };
    case 'gauge':
      return { type: 'gauge', dataPoints: sortByKey(d.dataPoints.map(canonNumberDp)) };
    case 'sum':
      return {
        type: 'sum',
        dataPoints: sortByKey(d.dataPoints.map(canonNumberDp)),
        aggregationTemporality: d.aggregationTemporality,
        isMonotonic: d.isMonotonic,
      };
    case 'histogram':
      return {
        type: 'histogram',
        dataPoints: sortByKey(d.dataPoints.map(canonHistogramDp)),
        aggregationTemporality: d.aggregationTemporality,
      };
    case 'exponentialHistogram':
      return {
        type: 'exponentialHistogram',
        dataPoints: sortByKey(d.dataPoints.map(canonExpHistogramDp)),
        aggregationTemporality: d.aggregationTemporality,
      };
    case 'summary':
      return { type: 'summary', dataPoints: sortByKey(d.dataPoints.map(canonSummaryDp)) };
  }
}

function canonMetric(m: Metric): Metric {
  return {
    name: m.name,
    description: m.description,
    unit: m.unit,
    data: canonMetricData(m.data),
    metadata: canonAttrs(m.metadata),
  };
}

function canonMetrics(req: ExportMetricsServiceRequest): ExportMetricsServiceRequest {
  const groups = regroup(
    req.resourceMetrics.map((rm) => ({
      resource: canonResource(rm.resource),
      schemaUrl: rm.schemaUrl,
      scopes: rm.scopeMetrics.map((sm) => ({
        scope: canonScope(sm.scope),
        schemaUrl: sm.schemaUrl,
        items: sm.metrics.map(canonMetric),
      })),
    })),
  );
  return {
    resourceMetrics: groups.map((g) => ({
      resource: g.resource,
      scopeMetrics: g.scopes.map((s) => ({ scope: s.scope, metrics: s.items, schemaUrl: s.schemaUrl })),
      schemaUrl: g.schemaUrl,
    })),
  };
}

// ---------------------------------------------------------------------------------------
// Public API

/**
 * Returns a new, deep-copied request in canonical form (see the file header). The input is
 * never mutated. `canonicalize(s, canonicalize(s, x))` equals `canonicalize(s, x)`.
 */
export function canonicalize<S extends Signal>(signal: S, req: SignalRequest[S]): SignalRequest[S] {
  switch (signal) {
    case 'traces':
      return canonTraces(req as ExportTraceServiceRequest) as SignalRequest[S];
    case 'logs':
      return canonLogs(req as ExportLogsServiceRequest) as SignalRequest[S];
    case 'metrics':
      return canonMetrics(req as ExportMetricsServiceRequest) as SignalRequest[S];
    default:
      throw new TypeError(`canonicalize: unknown signal ${String(signal)}`);
  }
}

/** True when both requests have the same canonical form. */
export function canonicalEqual<S extends Signal>(signal: S, a: SignalRequest[S], b: SignalRequest[S]): boolean {
  return canonicalJson(canonicalize(signal, a)) === canonicalJson(canonicalize(signal, b));
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

const MAX_RENDER = 200;

function renderShort(x: unknown): string {
  const s = canonicalJson(x);
  return s.length > MAX_RENDER ? `${s.slice(0, MAX_RENDER)}... (${s.length} chars)` : s;
}

function diffValues(path: string, a: unknown, b: unknown): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const d = diffValues(`${path}[${i}]`, a[i], b[i]);
      if (d !== undefined) return d;
    }
    if (a.length !== b.length) {
      const extra = a.length > b.length ? `a[${n}]=${renderShort(a[n])}` : `b[${n}]=${renderShort(b[n])}`;
      return `${path}.length: a=${a.length} b=${b.length} (first extra ${extra})`;
    }
    return undefined;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    // Compare a discriminant first so that a changed oneof is reported as such.
    if ('type' in a || 'type' in b) {
      if (canonicalJson(a['type']) !== canonicalJson(b['type'])) {
        return `${path}: a=${renderShort(a)} b=${renderShort(b)}`;
      }
    }
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = diffValues(path === '' ? k : `${path}.${k}`, a[k], b[k]);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  const ja = canonicalJson(a);
  const jb = canonicalJson(b);
  if (ja === jb) return undefined;
  return `${path === '' ? '<root>' : path}: a=${renderShort(a)} b=${renderShort(b)}`;
}

/**
 * `undefined` when the canonical forms are equal; otherwise a message naming the first
 * differing path of the canonical forms with both values rendered, e.g.
 * `resourceSpans[0].scopeSpans[0].spans[2].attributes[1].value.value: a=1.5 b="#NaN"`.
 */
export function canonicalDiff<S extends Signal>(signal: S, a: SignalRequest[S], b: SignalRequest[S]): string | undefined {
  return diffValues('', canonicalize(signal, a), canonicalize(signal, b));
}

function metricPoints(d: MetricData): number {
  return d.type === 'empty' ? 0 : d.dataPoints.length;
}

/** Number of spans / log records / metric data points in a request. */
export function countItems<S extends Signal>(signal: S, req: SignalRequest[S]): number {
  let n = 0;
  switch (signal) {
    case 'traces':
      for (const rs of (req as ExportTraceServiceRequest).resourceSpans)
        for (const ss of rs.scopeSpans) n += ss.spans.length;
      return n;
    case 'logs':
      for (const rl of (req as ExportLogsServiceRequest).resourceLogs)
        for (const sl of rl.scopeLogs) n += sl.logRecords.length;
      return n;
    case 'metrics':
      for (const rm of (req as ExportMetricsServiceRequest).resourceMetrics)
        for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += metricPoints(m.data);
      return n;
    default:
      throw new TypeError(`countItems: unknown signal ${String(signal)}`);
  }
}
