// fast-check arbitraries for the whole OTLP model (src/otlp/model.ts).
//
// Coverage: empty resources / scopes, empty strings, every AnyValue kind (nested kvlist and
// array, bytes, empty), dropped counts 0 .. 2^32-1, unicode and occasionally large strings
// (tens of KB), timestamps 0 and 2^64-1, ids of the right length incl. all-zero ids and
// unset (empty) ids, every metric kind incl. the empty metric, number values int/double/none,
// optional histogram sum/min/max as undefined / 0 / any double, exponential histograms with
// negative scales and offsets, summaries, exemplars, and doubles incl. NaN / ±Infinity / -0.
//
// Restrictions (OTLP forbids these and the codec does not preserve them): top-level attribute
// lists never contain an empty key, a value of type 'empty' or duplicate keys. Nested kvlist
// values may contain anything.
//
// Span end times are either independent of the start time (may be before it or span the whole
// uint64 range) or start + a small duration.

import fc from 'fast-check';
import type {
  AnyValue,
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
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
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  ScopeLogs,
  ScopeMetrics,
  ScopeSpans,
  Signal,
  SignalRequest,
  Span,
  SpanEvent,
  SpanLink,
  Status,
  SummaryDataPoint,
  ValueAtQuantile,
} from '../../src/otlp/model.js';

// ---------------------------------------------------------------------------------------
// Scalars

export const UINT64_MAX = 2n ** 64n - 1n;
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT32_MAX = 2 ** 32 - 1;

/** A leading U+FEFF: a UTF-8 decoder without ignoreBOM silently drops it. */
const bomLeadingArb: fc.Arbitrary<string> = fc.string({ maxLength: 4 }).map((s) => `\uFEFF${s}`);

/** Short strings: empty, ASCII, graphemes (emoji, combining marks), any code point. */
export const shortStringArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constant(''), weight: 2 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 5 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 6 }), weight: 1 },
  { arbitrary: bomLeadingArb, weight: 1 },
);

/** A string of 10,000 .. 40,000 UTF-16 units built by repeating a short unicode string. */
export const largeStringArb: fc.Arbitrary<string> = fc
  .tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), fc.integer({ min: 10_000, max: 40_000 }))
  .map(([s, n]) => s.repeat(Math.ceil(n / s.length)));

/** Any string field value: mostly short, occasionally large. */
export const stringArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: shortStringArb, weight: 80 },
  { arbitrary: largeStringArb, weight: 1 },
);

const COMMON_KEYS = [
  'service.name',
  'host.name',
  'http.request.method',
  'http.response.status_code',
  'url.path',
  'a',
  'b',
  'k',
  'key with spaces',
  'ключ',
  '🔑',
] as const;

/** Attribute keys for top-level lists: never empty. */
export const attributeKeyArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...COMMON_KEYS), weight: 4 },
  { arbitrary: fc.string({ minLength: 1, maxLength: 10 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }), weight: 1 },
  { arbitrary: bomLeadingArb, weight: 1 },
);

export const uint32Arb: fc.Arbitrary<number> = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 10 }),
  fc.constant(UINT32_MAX),
  fc.integer({ min: 0, max: UINT32_MAX }),
);

export const uint64Arb: fc.Arbitrary<bigint> = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.constant(UINT64_MAX),
  fc.bigInt({ min: 0n, max: UINT64_MAX }),
);

export const int64Arb: fc.Arbitrary<bigint> = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.constantFrom(INT64_MIN, INT64_MAX, -1n),
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
);

export const timestampArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.constant(0n),
  fc.constant(UINT64_MAX),
  fc.bigInt({ min: 1_600_000_000_000_000_000n, max: 1_800_000_000_000_000_000n }),
  fc.bigInt({ min: 0n, max: UINT64_MAX }),
);

/** Doubles incl. NaN, ±Infinity, -0, subnormals and extremes. */
export const doubleArb: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1.5, Number.MIN_VALUE, Number.MAX_VALUE), weight: 1 },
  { arbitrary: fc.double(), weight: 3 },
);

/** `optional double`: undefined, 0 (set), -0 or any double. */
export const optionalDoubleArb: fc.Arbitrary<number | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant(0),
  fc.constant(-0),
  doubleArb,
);

export const bytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constant(null).map(() => new Uint8Array(0)),
  fc.uint8Array({ maxLength: 24 }),
);

function idArb(len: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: fc.constant(null).map(() => new Uint8Array(0)), weight: 2 },
    { arbitrary: fc.constant(null).map(() => new Uint8Array(len)), weight: 1 },
    { arbitrary: fc.uint8Array({ minLength: len, maxLength: len }), weight: 4 },
  );
}

/** 16-byte trace id, all-zero id, or unset (empty). */
export const traceIdArb: fc.Arbitrary<Uint8Array> = idArb(16);
/** 8-byte span id, all-zero id, or unset (empty). */
export const spanIdArb: fc.Arbitrary<Uint8Array> = idArb(8);

// ---------------------------------------------------------------------------------------
// AnyValue and attributes

const scalarValueArbs = (): fc.Arbitrary<AnyValue>[] => [
  stringArb.map((value): AnyValue => ({ type: 'string', value })),
  fc.boolean().map((value): AnyValue => ({ type: 'bool', value })),
  int64Arb.map((value): AnyValue => ({ type: 'int', value })),
  doubleArb.map((value): AnyValue => ({ type: 'double', value })),
  bytesArb.map((value): AnyValue => ({ type: 'bytes', value })),
];

/** A KeyValue inside a kvlist value: any key (incl. empty), any value (incl. empty). */
function nestedKeyValueArb(depth: number): fc.Arbitrary<KeyValue> {
  return fc.record({
    key: fc.oneof(shortStringArb, fc.constantFrom(...COMMON_KEYS)),
    value: anyValueArb(depth),
  });
}

function containerArbs(depth: number): fc.Arbitrary<AnyValue>[] {
  if (depth <= 0) return [];
  return [
    fc.array(anyValueArb(depth - 1), { maxLength: 4 }).map((values): AnyValue => ({ type: 'array', values })),
    fc.array(nestedKeyValueArb(depth - 1), { maxLength: 4 }).map((values): AnyValue => ({ type: 'kvlist', values })),
  ];
}

/** Any AnyValue, incl. 'empty', with kvlist / array nesting up to `depth` levels. */
export function anyValueArb(depth = 2): fc.Arbitrary<AnyValue> {
  return fc.oneof(fc.constant<AnyValue>({ type: 'empty' }), ...scalarValueArbs(), ...containerArbs(depth));
}

/** Any AnyValue except 'empty' at the top (nested values may be empty). */
export function nonEmptyAnyValueArb(depth = 2): fc.Arbitrary<AnyValue> {
  return fc.oneof(...scalarValueArbs(), ...containerArbs(depth));
}

/** A top-level attribute: non-empty key, non-empty value. */
export const keyValueArb: fc.Arbitrary<KeyValue> = fc.record({
  key: attributeKeyArb,
  value: nonEmptyAnyValueArb(2),
});

/** A top-level attribute list: unique non-empty keys, no empty values. */
export function attributesArb(maxLength = 4): fc.Arbitrary<KeyValue[]> {
  return fc.oneof(
    { arbitrary: fc.constant(null).map((): KeyValue[] => []), weight: 1 },
    { arbitrary: fc.uniqueArray(keyValueArb, { selector: (kv) => kv.key, maxLength }), weight: 3 },
  );
}

// ---------------------------------------------------------------------------------------
// Resource and scope

const SCHEMA_URLS = ['', 'https://opentelemetry.io/schemas/1.26.0'] as const;

export const schemaUrlArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...SCHEMA_URLS), weight: 4 },
  { arbitrary: shortStringArb, weight: 1 },
);

// A few fixed resources / scopes so that equal ones recur and get merged.
const fixedResources = (): Resource[] => [
  { attributes: [], droppedAttributesCount: 0 },
  { attributes: [{ key: 'service.name', value: { type: 'string', value: 'a' } }], droppedAttributesCount: 0 },
  {
    attributes: [
      { key: 'service.name', value: { type: 'string', value: 'b' } },
      { key: 'host.name', value: { type: 'string', value: 'h' } },
    ],
    droppedAttributesCount: 3,
  },
];

const fixedScopes = (): InstrumentationScope[] => [
  { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
  { name: 'lib', version: '1.0.0', attributes: [], droppedAttributesCount: 0 },
  { name: 'lib', version: '1.0.0', attributes: [{ key: 'k', value: { type: 'int', value: 1n } }], droppedAttributesCount: 0 },
];

export const resourceArb: fc.Arbitrary<Resource> = fc.oneof(
  fc.integer({ min: 0, max: 2 }).map((i): Resource => fixedResources()[i] ?? { attributes: [], droppedAttributesCount: 0 }),
  fc.record({ attributes: attributesArb(), droppedAttributesCount: uint32Arb }),
);

export const scopeArb: fc.Arbitrary<InstrumentationScope> = fc.oneof(
  fc.integer({ min: 0, max: 2 }).map(
    (i): InstrumentationScope => fixedScopes()[i] ?? { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
  ),
  fc.record({ name: shortStringArb, version: shortStringArb, attributes: attributesArb(), droppedAttributesCount: uint32Arb }),
);

// ---------------------------------------------------------------------------------------
// Traces

export const spanEventArb: fc.Arbitrary<SpanEvent> = fc.record({
  timeUnixNano: timestampArb,
  name: shortStringArb,
  attributes: attributesArb(3),
  droppedAttributesCount: uint32Arb,
});

export const spanLinkArb: fc.Arbitrary<SpanLink> = fc.record({
  traceId: traceIdArb,
  spanId: spanIdArb,
  traceState: fc.oneof(fc.constant(''), fc.constant('rojo=00f067aa0ba902b7'), shortStringArb),
  attributes: attributesArb(3),
  droppedAttributesCount: uint32Arb,
  flags: uint32Arb,
});

export const statusArb: fc.Arbitrary<Status> = fc.record({
  message: shortStringArb,
  code: fc.integer({ min: 0, max: 2 }),
});

const startEndArb: fc.Arbitrary<[bigint, bigint]> = fc.oneof(
  fc.tuple(timestampArb, timestampArb),
  fc.tuple(timestampArb, fc.bigInt({ min: 0n, max: 10_000_000_000n })).map(([s, d]): [bigint, bigint] => [
    s,
    s + d > UINT64_MAX ? UINT64_MAX : s + d,
  ]),
);

export const spanArb: fc.Arbitrary<Span> = fc
  .record({
    traceId: traceIdArb,
    spanId: spanIdArb,
    traceState: fc.oneof(fc.constant(''), shortStringArb),
    parentSpanId: spanIdArb,
    flags: uint32Arb,
    name: stringArb,
    kind: fc.integer({ min: 0, max: 5 }),
    times: startEndArb,
    attributes: attributesArb(),
    droppedAttributesCount: uint32Arb,
    events: fc.array(spanEventArb, { maxLength: 3 }),
    droppedEventsCount: uint32Arb,
    links: fc.array(spanLinkArb, { maxLength: 2 }),
    droppedLinksCount: uint32Arb,
    status: statusArb,
  })
  .map(({ times, ...rest }): Span => ({ ...rest, startTimeUnixNano: times[0], endTimeUnixNano: times[1] }));

export const scopeSpansArb: fc.Arbitrary<ScopeSpans> = fc.record({
  scope: scopeArb,
  spans: fc.array(spanArb, { maxLength: 4 }),
  schemaUrl: schemaUrlArb,
});

export const resourceSpansArb: fc.Arbitrary<ResourceSpans> = fc.record({
  resource: resourceArb,
  scopeSpans: fc.array(scopeSpansArb, { maxLength: 3 }),
  schemaUrl: schemaUrlArb,
});

export const tracesRequestArb: fc.Arbitrary<ExportTraceServiceRequest> = fc.record({
  resourceSpans: fc.array(resourceSpansArb, { maxLength: 3 }),
});

// ---------------------------------------------------------------------------------------
// Logs

export const logRecordArb: fc.Arbitrary<LogRecord> = fc.record({
  timeUnixNano: timestampArb,
  observedTimeUnixNano: timestampArb,
  severityNumber: fc.integer({ min: 0, max: 24 }),
  severityText: fc.oneof(fc.constantFrom('', 'INFO', 'WARN', 'ERROR'), shortStringArb),
  body: anyValueArb(3),
  attributes: attributesArb(),
  droppedAttributesCount: uint32Arb,
  flags: uint32Arb,
  traceId: traceIdArb,
  spanId: spanIdArb,
  eventName: fc.oneof(fc.constant(''), shortStringArb),
});

export const scopeLogsArb: fc.Arbitrary<ScopeLogs> = fc.record({
  scope: scopeArb,
  logRecords: fc.array(logRecordArb, { maxLength: 4 }),
  schemaUrl: schemaUrlArb,
});

export const resourceLogsArb: fc.Arbitrary<ResourceLogs> = fc.record({
  resource: resourceArb,
  scopeLogs: fc.array(scopeLogsArb, { maxLength: 3 }),
  schemaUrl: schemaUrlArb,
});

export const logsRequestArb: fc.Arbitrary<ExportLogsServiceRequest> = fc.record({
  resourceLogs: fc.array(resourceLogsArb, { maxLength: 3 }),
});

// ---------------------------------------------------------------------------------------
// Metrics

export const numberValueArb: fc.Arbitrary<NumberValue> = fc.oneof(
  fc.constant<NumberValue>({ type: 'none' }),
  int64Arb.map((value): NumberValue => ({ type: 'int', value })),
  doubleArb.map((value): NumberValue => ({ type: 'double', value })),
);

export const exemplarArb: fc.Arbitrary<Exemplar> = fc.record({
  filteredAttributes: attributesArb(2),
  timeUnixNano: timestampArb,
  value: numberValueArb,
  spanId: spanIdArb,
  traceId: traceIdArb,
});

const exemplarsArb = fc.array(exemplarArb, { maxLength: 2 });
const pointsOpts = { maxLength: 3 };
const temporalityArb = fc.integer({ min: 0, max: 2 });

export const numberDataPointArb: fc.Arbitrary<NumberDataPoint> = fc.record({
  attributes: attributesArb(),
  startTimeUnixNano: timestampArb,
  timeUnixNano: timestampArb,
  value: numberValueArb,
  exemplars: exemplarsArb,
  flags: uint32Arb,
});

export const histogramDataPointArb: fc.Arbitrary<HistogramDataPoint> = fc.record({
  attributes: attributesArb(),
  startTimeUnixNano: timestampArb,
  timeUnixNano: timestampArb,
  count: uint64Arb,
  sum: optionalDoubleArb,
  bucketCounts: fc.array(uint64Arb, { maxLength: 6 }),
  explicitBounds: fc.array(doubleArb, { maxLength: 5 }),
  exemplars: exemplarsArb,
  flags: uint32Arb,
  min: optionalDoubleArb,
  max: optionalDoubleArb,
});

export const expBucketsArb: fc.Arbitrary<ExponentialHistogramBuckets> = fc.record({
  offset: fc.oneof(
    fc.constant(0),
    fc.integer({ min: -100, max: 100 }),
    fc.constantFrom(-(2 ** 31), 2 ** 31 - 1),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  ),
  bucketCounts: fc.array(uint64Arb, { maxLength: 6 }),
});

export const exponentialHistogramDataPointArb: fc.Arbitrary<ExponentialHistogramDataPoint> = fc.record({
  attributes: attributesArb(),
  startTimeUnixNano: timestampArb,
  timeUnixNano: timestampArb,
  count: uint64Arb,
  sum: optionalDoubleArb,
  scale: fc.integer({ min: -10, max: 20 }),
  zeroCount: uint64Arb,
  positive: expBucketsArb,
  negative: expBucketsArb,
  flags: uint32Arb,
  exemplars: exemplarsArb,
  min: optionalDoubleArb,
  max: optionalDoubleArb,
  zeroThreshold: doubleArb,
});

export const valueAtQuantileArb: fc.Arbitrary<ValueAtQuantile> = fc.record({
  quantile: fc.oneof(fc.constantFrom(0, 0.5, 0.99, 1), doubleArb),
  value: doubleArb,
});

export const summaryDataPointArb: fc.Arbitrary<SummaryDataPoint> = fc.record({
  attributes: attributesArb(),
  startTimeUnixNano: timestampArb,
  timeUnixNano: timestampArb,
  count: uint64Arb,
  sum: doubleArb,
  quantileValues: fc.array(valueAtQuantileArb, { maxLength: 4 }),
  flags: uint32Arb,
});

export const metricDataArb: fc.Arbitrary<MetricData> = fc.oneof(
  fc.constant<MetricData>({ type: 'empty' }),
  fc.array(numberDataPointArb, pointsOpts).map((dataPoints): MetricData => ({ type: 'gauge', dataPoints })),
  fc
    .record({ dataPoints: fc.array(numberDataPointArb, pointsOpts), aggregationTemporality: temporalityArb, isMonotonic: fc.boolean() })
    .map((d): MetricData => ({ type: 'sum', ...d })),
  fc
    .record({ dataPoints: fc.array(histogramDataPointArb, pointsOpts), aggregationTemporality: temporalityArb })
    .map((d): MetricData => ({ type: 'histogram', ...d })),
  fc
    .record({ dataPoints: fc.array(exponentialHistogramDataPointArb, pointsOpts), aggregationTemporality: temporalityArb })
    .map((d): MetricData => ({ type: 'exponentialHistogram', ...d })),
  fc.array(summaryDataPointArb, pointsOpts).map((dataPoints): MetricData => ({ type: 'summary', dataPoints })),
);

export const metricArb: fc.Arbitrary<Metric> = fc.record({
  name: stringArb,
  description: shortStringArb,
  unit: fc.oneof(fc.constantFrom('', 's', 'ms', 'By', '{request}', '1'), shortStringArb),
  data: metricDataArb,
  metadata: attributesArb(2),
});

export const scopeMetricsArb: fc.Arbitrary<ScopeMetrics> = fc.record({
  scope: scopeArb,
  metrics: fc.array(metricArb, { maxLength: 4 }),
  schemaUrl: schemaUrlArb,
});

export const resourceMetricsArb: fc.Arbitrary<ResourceMetrics> = fc.record({
  resource: resourceArb,
  scopeMetrics: fc.array(scopeMetricsArb, { maxLength: 3 }),
  schemaUrl: schemaUrlArb,
});

export const metricsRequestArb: fc.Arbitrary<ExportMetricsServiceRequest> = fc.record({
  resourceMetrics: fc.array(resourceMetricsArb, { maxLength: 3 }),
});

/** The request arbitrary of a signal. */
export function requestArb<S extends Signal>(signal: S): fc.Arbitrary<SignalRequest[S]> {
  const arbs: { [K in Signal]: fc.Arbitrary<SignalRequest[K]> } = {
    traces: tracesRequestArb,
    logs: logsRequestArb,
    metrics: metricsRequestArb,
  };
  return arbs[signal];
}
