// Hand-written OTLP requests that exercise every model field, shared by the protobuf and
// JSON codec tests.

import type {
  AnyValue, ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest,
  KeyValue, NumberDataPoint,
} from '../../src/otlp/model.js';

export const U64_MAX = 2n ** 64n - 1n;
export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;

export const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
export const TRACE_ID = bytes(...Array.from({ length: 16 }, (_, i) => i + 1));
export const SPAN_ID = bytes(0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3);
export const PARENT_ID = bytes(0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88);
const EMPTY = new Uint8Array(0);

export const ONE_MB_STRING = 'x'.repeat(1 << 20);

/** One of every AnyValue kind, nested kvlist / array included. */
export const everyAnyValue: KeyValue[] = [
  { key: 'str', value: { type: 'string', value: 'hello' } },
  { key: 'empty-str', value: { type: 'string', value: '' } },
  { key: 'unicode', value: { type: 'string', value: 'héllo wörld ✓ 日本語 😀 \u0000' } },
  { key: 'bool-true', value: { type: 'bool', value: true } },
  { key: 'bool-false', value: { type: 'bool', value: false } },
  { key: 'int-zero', value: { type: 'int', value: 0n } },
  { key: 'int-min', value: { type: 'int', value: I64_MIN } },
  { key: 'int-max', value: { type: 'int', value: I64_MAX } },
  { key: 'int-neg', value: { type: 'int', value: -1n } },
  { key: 'double', value: { type: 'double', value: 3.14159 } },
  { key: 'double-zero', value: { type: 'double', value: 0 } },
  { key: 'double-neg-zero', value: { type: 'double', value: -0 } },
  { key: 'nan', value: { type: 'double', value: NaN } },
  { key: 'inf', value: { type: 'double', value: Infinity } },
  { key: 'ninf', value: { type: 'double', value: -Infinity } },
  { key: 'bytes', value: { type: 'bytes', value: bytes(0, 1, 2, 0xfe, 0xff) } },
  { key: 'bytes-empty', value: { type: 'bytes', value: EMPTY } },
  { key: 'empty', value: { type: 'empty' } },
  { key: 'array-empty', value: { type: 'array', values: [] } },
  { key: 'kvlist-empty', value: { type: 'kvlist', values: [] } },
  {
    key: 'array',
    value: {
      type: 'array',
      values: [
        { type: 'string', value: 'a' },
        { type: 'int', value: 42n },
        { type: 'empty' },
        { type: 'array', values: [{ type: 'bool', value: true }, { type: 'array', values: [] }] },
        {
          type: 'kvlist',
          values: [{ key: 'deep', value: { type: 'kvlist', values: [{ key: 'deeper', value: { type: 'double', value: 1.5 } }] } }],
        },
      ],
    },
  },
  {
    key: 'kvlist',
    value: {
      type: 'kvlist',
      values: [
        { key: 'k1', value: { type: 'string', value: 'v1' } },
        { key: '', value: { type: 'empty' } },
        { key: 'nested-array', value: { type: 'array', values: [{ type: 'bytes', value: bytes(9) }] } },
      ],
    },
  },
];

const scopeFull = {
  name: 'my.scope',
  version: '1.2.3',
  attributes: [{ key: 'scope.attr', value: { type: 'string', value: 'x' } as AnyValue }],
  droppedAttributesCount: 7,
};
const scopeEmpty = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
const resourceFull = {
  attributes: [
    { key: 'service.name', value: { type: 'string', value: 'checkout' } as AnyValue },
    ...everyAnyValue,
  ],
  droppedAttributesCount: 4294967295,
};
const resourceEmpty = { attributes: [], droppedAttributesCount: 0 };

export function tracesFixture(): ExportTraceServiceRequest {
  return {
    resourceSpans: [
      {
        resource: resourceFull,
        schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
        scopeSpans: [
          {
            scope: scopeFull,
            schemaUrl: 'https://scope.schema',
            spans: [
              {
                traceId: TRACE_ID,
                spanId: SPAN_ID,
                traceState: 'vendor=value,other=1',
                parentSpanId: PARENT_ID,
                flags: 0x301,
                name: 'GET /api/ünïcode',
                kind: 2,
                startTimeUnixNano: 1_700_000_000_123_456_789n,
                endTimeUnixNano: U64_MAX,
                attributes: everyAnyValue,
                droppedAttributesCount: 3,
                events: [
                  {
                    timeUnixNano: 1_700_000_000_200_000_000n,
                    name: 'exception',
                    attributes: [{ key: 'exception.message', value: { type: 'string', value: 'boom' } }],
                    droppedAttributesCount: 1,
                  },
                  { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 },
                ],
                droppedEventsCount: 5,
                links: [
                  {
                    traceId: TRACE_ID,
                    spanId: PARENT_ID,
                    traceState: 'k=v',
                    attributes: [{ key: 'link.attr', value: { type: 'int', value: 12n } }],
                    droppedAttributesCount: 2,
                    flags: 0xffffffff,
                  },
                  {
                    traceId: EMPTY, spanId: EMPTY, traceState: '', attributes: [],
                    droppedAttributesCount: 0, flags: 0,
                  },
                ],
                droppedLinksCount: 6,
                status: { message: 'not found', code: 2 },
              },
              {
                traceId: EMPTY,
                spanId: EMPTY,
                traceState: '',
                parentSpanId: EMPTY,
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
              },
            ],
          },
          { scope: scopeEmpty, schemaUrl: '', spans: [] },
        ],
      },
      { resource: resourceEmpty, schemaUrl: '', scopeSpans: [] },
    ],
  };
}

export function logsFixture(): ExportLogsServiceRequest {
  const base = {
    timeUnixNano: 0n, observedTimeUnixNano: 0n, severityNumber: 0, severityText: '',
    body: { type: 'empty' } as AnyValue, attributes: [], droppedAttributesCount: 0, flags: 0,
    traceId: EMPTY, spanId: EMPTY, eventName: '',
  };
  return {
    resourceLogs: [
      {
        resource: resourceFull,
        schemaUrl: 'https://schema',
        scopeLogs: [
          {
            scope: scopeFull,
            schemaUrl: '',
            logRecords: [
              {
                timeUnixNano: U64_MAX,
                observedTimeUnixNano: 1_700_000_000_000_000_001n,
                severityNumber: 17,
                severityText: 'ERROR',
                body: { type: 'kvlist', values: everyAnyValue },
                attributes: everyAnyValue,
                droppedAttributesCount: 9,
                flags: 1,
                traceId: TRACE_ID,
                spanId: SPAN_ID,
                eventName: 'device.app.lifecycle',
              },
              base,
              ...everyAnyValue.map((kv) => ({ ...base, body: kv.value })),
              { ...base, body: { type: 'string', value: ONE_MB_STRING } },
            ],
          },
        ],
      },
    ],
  };
}

function numberDp(value: NumberDataPoint['value']): NumberDataPoint {
  return {
    attributes: [{ key: 'host', value: { type: 'string', value: 'a' } }],
    startTimeUnixNano: 1n,
    timeUnixNano: U64_MAX,
    value,
    exemplars: [],
    flags: 0,
  };
}

export function metricsFixture(): ExportMetricsServiceRequest {
  const exemplars = [
    {
      filteredAttributes: [{ key: 'f', value: { type: 'bool', value: true } as AnyValue }],
      timeUnixNano: 123n,
      value: { type: 'double' as const, value: -0 },
      spanId: SPAN_ID,
      traceId: TRACE_ID,
    },
    {
      filteredAttributes: [], timeUnixNano: 0n, value: { type: 'int' as const, value: I64_MIN },
      spanId: EMPTY, traceId: EMPTY,
    },
    {
      filteredAttributes: [], timeUnixNano: U64_MAX, value: { type: 'none' as const },
      spanId: EMPTY, traceId: EMPTY,
    },
  ];
  const meta = { name: '', description: '', unit: '', metadata: [] };
  return {
    resourceMetrics: [
      {
        resource: resourceFull,
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: scopeFull,
            schemaUrl: 'https://s',
            metrics: [
              {
                name: 'gauge.int',
                description: 'an int gauge',
                unit: 'By',
                metadata: [{ key: 'm', value: { type: 'string', value: 'meta' } }],
                data: {
                  type: 'gauge',
                  dataPoints: [
                    { ...numberDp({ type: 'int', value: I64_MAX }), exemplars, flags: 1 },
                    numberDp({ type: 'int', value: I64_MIN }),
                    numberDp({ type: 'int', value: 0n }),
                  ],
                },
              },
              {
                ...meta,
                name: 'gauge.double',
                data: {
                  type: 'gauge',
                  dataPoints: [
                    numberDp({ type: 'double', value: NaN }),
                    numberDp({ type: 'double', value: Infinity }),
                    numberDp({ type: 'double', value: -Infinity }),
                    numberDp({ type: 'double', value: -0 }),
                    numberDp({ type: 'double', value: 0 }),
                    numberDp({ type: 'double', value: 1e-300 }),
                  ],
                },
              },
              { ...meta, name: 'gauge.none', data: { type: 'gauge', dataPoints: [numberDp({ type: 'none' })] } },
              { ...meta, name: 'gauge.empty', data: { type: 'gauge', dataPoints: [] } },
              {
                ...meta,
                name: 'sum',
                data: {
                  type: 'sum',
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [numberDp({ type: 'double', value: 12.5 })],
                },
              },
              {
                ...meta,
                name: 'sum.delta',
                data: { type: 'sum', aggregationTemporality: 1, isMonotonic: false, dataPoints: [] },
              },
              {
                ...meta,
                name: 'histogram',
                data: {
                  type: 'histogram',
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      attributes: everyAnyValue,
                      startTimeUnixNano: 10n,
                      timeUnixNano: 20n,
                      count: U64_MAX,
                      sum: 0,
                      bucketCounts: [0n, 1n, U64_MAX, 5n],
                      explicitBounds: [-0, 1.5, Infinity],
                      exemplars,
                      flags: 1,
                      min: 0,
                      max: 0,
                    },
                    {
                      attributes: [],
                      startTimeUnixNano: 0n,
                      timeUnixNano: 0n,
                      count: 0n,
                      sum: undefined,
                      bucketCounts: [],
                      explicitBounds: [],
                      exemplars: [],
                      flags: 0,
                      min: undefined,
                      max: undefined,
                    },
                    {
                      attributes: [],
                      startTimeUnixNano: 0n,
                      timeUnixNano: 0n,
                      count: 3n,
                      sum: -0,
                      bucketCounts: [3n],
                      explicitBounds: [],
                      exemplars: [],
                      flags: 0,
                      min: NaN,
                      max: -1e308,
                    },
                  ],
                },
              },
              {
                ...meta,
                name: 'exp.histogram',
                data: {
                  type: 'exponentialHistogram',
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      attributes: [{ key: 'a', value: { type: 'int', value: 1n } }],
                      startTimeUnixNano: 1n,
                      timeUnixNano: 2n,
                      count: 100n,
                      sum: 0,
                      scale: -10,
                      zeroCount: U64_MAX,
                      positive: { offset: -2147483648, bucketCounts: [1n, 0n, U64_MAX] },
                      negative: { offset: -5, bucketCounts: [] },
                      flags: 1,
                      exemplars,
                      min: 0,
                      max: undefined,
                      zeroThreshold: 1e-9,
                    },
                    {
                      attributes: [],
                      startTimeUnixNano: 0n,
                      timeUnixNano: 0n,
                      count: 0n,
                      sum: undefined,
                      scale: 20,
                      zeroCount: 0n,
                      positive: { offset: 2147483647, bucketCounts: [] },
                      negative: { offset: 0, bucketCounts: [7n] },
                      flags: 0,
                      exemplars: [],
                      min: undefined,
                      max: -0,
                      zeroThreshold: -0,
                    },
                  ],
                },
              },
              {
                ...meta,
                name: 'summary',
                data: {
                  type: 'summary',
                  dataPoints: [
                    {
                      attributes: [],
                      startTimeUnixNano: 5n,
                      timeUnixNano: 6n,
                      count: 10n,
                      sum: -0,
                      quantileValues: [
                        { quantile: 0, value: 0 },
                        { quantile: 0.5, value: -0 },
                        { quantile: 1, value: NaN },
                      ],
                      flags: 1,
                    },
                  ],
                },
              },
              { ...meta, name: 'empty', data: { type: 'empty' } },
              { ...meta, data: { type: 'empty' } },
            ],
          },
        ],
      },
    ],
  };
}
