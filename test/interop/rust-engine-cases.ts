// Seeded OTLP requests aimed at the places where our streams and the Rust engine's disagreed
// (issue 7 part 4): empty log bodies, empty / null-like attribute values that share a key
// across parents (delta runs), more than 256 number data points carrying one attribute (u32
// parent ids past a u8 dictionary key), resources sharing scopes, metric metadata, +0 / -0
// doubles under one key. Every call with the same seed returns the same request.
//
// Not generated: two NaN doubles under one attribute key. Go's delta rule (IEEE ==) and the
// Rust engine's (total order) disagree on them and no row order reads the same in both
// (test/README.md, "Go and the Rust engine").
import type {
  AnyValue,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  InstrumentationScope,
  KeyValue,
  Metric,
  NumberDataPoint,
  Resource,
} from '../../src/otlp/model.js';

/** mulberry32: small, fast, good enough to pick test shapes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

function bytes(r: Rand, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

/** Few distinct values, many empty ones: equal (key, value) pairs recur across parents. */
function value(r: Rand): AnyValue {
  switch (int(r, 0, 13)) {
    case 0: return { type: 'string', value: '' };
    case 1: return { type: 'string', value: pick(r, ['a', 'b']) };
    case 2: return { type: 'bytes', value: new Uint8Array(0) };
    case 3: return { type: 'bytes', value: Uint8Array.of(int(r, 0, 1)) };
    case 4: return { type: 'int', value: BigInt(int(r, 0, 1)) };
    case 5: return { type: 'double', value: pick(r, [0, -0, 1.5]) };
    case 6: return { type: 'bool', value: r() < 0.5 };
    case 7: return { type: 'empty' };
    case 8: return { type: 'array', values: [] };
    case 9: return { type: 'kvlist', values: [] };
    case 10: return { type: 'array', values: [{ type: 'string', value: 'x' }, { type: 'int', value: 2n }] };
    case 11: return { type: 'kvlist', values: [{ key: 'n', value: { type: 'bytes', value: new Uint8Array(0) } }] };
    case 12: return { type: 'double', value: -0 };
    default: return { type: 'bytes', value: new Uint8Array(0) };
  }
}

function attributes(r: Rand, max: number): KeyValue[] {
  const keys = ['k0', 'k1', 'k2', 'k3'];
  const n = int(r, 0, max);
  const out: KeyValue[] = [];
  for (let i = 0; i < n && i < keys.length; i++) out.push({ key: keys[(i + int(r, 0, 3)) % keys.length]!, value: value(r) });
  // Distinct keys per list (OTLP attributes are a map).
  return out.filter((kv, i) => out.findIndex((o) => o.key === kv.key) === i);
}

interface Roots {
  resources: { resource: Resource; schemaUrl: string }[];
  scopes: { scope: InstrumentationScope; schemaUrl: string }[];
}

/** Three resources (two of them equal) and two scopes that every resource uses. */
function roots(r: Rand): Roots {
  const res = (i: number): Resource => ({
    attributes: [{ key: 'service.name', value: { type: 'string', value: `svc-${i}` } }, ...attributes(r, 2)],
    droppedAttributesCount: 0,
  });
  const shared = res(0);
  return {
    resources: [
      { resource: shared, schemaUrl: '' },
      { resource: res(1), schemaUrl: 'https://example.com/r' },
      { resource: shared, schemaUrl: '' },
    ],
    scopes: [
      { scope: { name: 'lib-a', version: '1', attributes: attributes(r, 2), droppedAttributesCount: 0 }, schemaUrl: '' },
      { scope: { name: 'lib-b', version: '', attributes: [], droppedAttributesCount: 1 }, schemaUrl: 'https://example.com/s' },
    ],
  };
}

const T0 = 1_700_000_000_000_000_000n;

export function caseLogs(seed: number): ExportLogsServiceRequest {
  const r = rng(seed);
  const rt = roots(r);
  const allEmpty = seed % 5 === 0; // batches where no record has a body
  return {
    resourceLogs: rt.resources.map((res) => ({
      ...res,
      scopeLogs: rt.scopes.map((sc) => ({
        ...sc,
        logRecords: Array.from({ length: int(r, 1, 12) }, (_, i) => ({
          timeUnixNano: T0 + BigInt(i),
          observedTimeUnixNano: T0 + BigInt(i + 1),
          severityNumber: int(r, 0, 24),
          severityText: pick(r, ['', 'INFO', 'WARN']),
          body: allEmpty || r() < 0.4 ? { type: 'empty' as const } : value(r),
          attributes: attributes(r, 3),
          droppedAttributesCount: int(r, 0, 1),
          flags: int(r, 0, 1),
          traceId: r() < 0.3 ? new Uint8Array(0) : bytes(r, 16),
          spanId: r() < 0.3 ? new Uint8Array(0) : bytes(r, 8),
          eventName: pick(r, ['', 'evt']),
        })),
      })),
    })),
  };
}

export function caseTraces(seed: number): ExportTraceServiceRequest {
  const r = rng(seed);
  const rt = roots(r);
  return {
    resourceSpans: rt.resources.map((res) => ({
      ...res,
      scopeSpans: rt.scopes.map((sc) => ({
        ...sc,
        spans: Array.from({ length: int(r, 1, 10) }, (_, i) => ({
          traceId: bytes(r, 16),
          spanId: bytes(r, 8),
          traceState: pick(r, ['', 'a=1']),
          parentSpanId: r() < 0.5 ? new Uint8Array(0) : bytes(r, 8),
          flags: int(r, 0, 1),
          name: pick(r, ['get', 'put', 'op']),
          kind: int(r, 0, 5),
          startTimeUnixNano: T0 + BigInt(i),
          endTimeUnixNano: T0 + BigInt(i + int(r, 0, 1000)),
          attributes: attributes(r, 3),
          droppedAttributesCount: 0,
          events: Array.from({ length: int(r, 0, 3) }, (_, e) => ({
            timeUnixNano: T0 + BigInt(e),
            name: pick(r, ['ev1', 'ev2']),
            attributes: attributes(r, 3),
            droppedAttributesCount: 0,
          })),
          droppedEventsCount: 0,
          links: Array.from({ length: int(r, 0, 2) }, () => ({
            traceId: bytes(r, 16),
            spanId: bytes(r, 8),
            traceState: '',
            attributes: attributes(r, 3),
            droppedAttributesCount: 0,
            flags: 0,
          })),
          droppedLinksCount: 0,
          status: { message: pick(r, ['', 'bad']), code: int(r, 0, 2) },
        })),
      })),
    })),
  };
}

function numberPoints(r: Rand, n: number, sharedAttr: boolean): NumberDataPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    // One equal attribute on every point: long delta runs whose absolute parent ids exceed 255.
    attributes: sharedAttr ? [{ key: 'host', value: { type: 'string', value: 'h1' } }, ...attributes(r, 1).filter((kv) => kv.key !== 'host')] : attributes(r, 2),
    startTimeUnixNano: T0,
    timeUnixNano: T0 + BigInt(i + 1),
    value: r() < 0.5 ? { type: 'int' as const, value: BigInt(int(r, -5, 5)) } : { type: 'double' as const, value: pick(r, [0, -0, 2.5]) },
    exemplars: r() < 0.1
      ? [{ filteredAttributes: attributes(r, 2), timeUnixNano: T0, value: { type: 'double' as const, value: 1 }, spanId: bytes(r, 8), traceId: bytes(r, 16) }]
      : [],
    flags: 0,
  }));
}

function metrics(r: Rand, seed: number): Metric[] {
  const bigPoints = seed % 3 === 0 ? 300 : int(r, 1, 20);
  const metadata = (): KeyValue[] => (r() < 0.5 ? attributes(r, 2) : []);
  return [
    { name: 'g', description: '', unit: '', metadata: metadata(), data: { type: 'gauge', dataPoints: numberPoints(r, bigPoints, true) } },
    {
      name: 's', description: 'sum', unit: 'By', metadata: metadata(),
      data: { type: 'sum', dataPoints: numberPoints(r, int(r, 1, 8), false), aggregationTemporality: 2, isMonotonic: true },
    },
    {
      name: 'h', description: '', unit: 'ms', metadata: metadata(),
      data: {
        type: 'histogram', aggregationTemporality: 1,
        dataPoints: Array.from({ length: int(r, 1, 4) }, (_, i) => ({
          attributes: attributes(r, 2), startTimeUnixNano: T0, timeUnixNano: T0 + BigInt(i + 1),
          count: 3n, sum: 4.5, bucketCounts: [1n, 2n], explicitBounds: [1], exemplars: [], flags: 0, min: 1, max: 3,
        })),
      },
    },
    {
      name: 'e', description: '', unit: '', metadata: metadata(),
      data: {
        type: 'exponentialHistogram', aggregationTemporality: 2,
        dataPoints: Array.from({ length: int(r, 1, 3) }, (_, i) => ({
          attributes: attributes(r, 2), startTimeUnixNano: T0, timeUnixNano: T0 + BigInt(i + 1),
          count: 2n, sum: 1.25, scale: 1, zeroCount: 0n,
          positive: { offset: 0, bucketCounts: [1n, 1n] }, negative: { offset: 0, bucketCounts: [] },
          flags: 0, exemplars: [], min: 0.5, max: 0.75, zeroThreshold: 0,
        })),
      },
    },
    {
      name: 'q', description: '', unit: '', metadata: metadata(),
      data: {
        type: 'summary',
        dataPoints: Array.from({ length: int(r, 1, 3) }, (_, i) => ({
          attributes: attributes(r, 2), startTimeUnixNano: T0, timeUnixNano: T0 + BigInt(i + 1),
          count: 4n, sum: 10, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 1, value: 4 }], flags: 0,
        })),
      },
    },
  ];
}

export function caseMetrics(seed: number): ExportMetricsServiceRequest {
  const r = rng(seed);
  const rt = roots(r);
  return {
    resourceMetrics: rt.resources.map((res) => ({
      ...res,
      scopeMetrics: rt.scopes.map((sc) => ({ ...sc, metrics: metrics(r, seed) })),
    })),
  };
}

// ---------------------------------------------------------------------------------------
// One small request per defect of issue 7 part 4 (rust-engine.test.ts runs each both ways).

const scopeA: InstrumentationScope = { name: 'lib', version: '1', attributes: [{ key: 'sa', value: { type: 'int', value: 1n } }], droppedAttributesCount: 0 };
const res = (name: string): Resource => ({ attributes: [{ key: 'service.name', value: { type: 'string', value: name } }], droppedAttributesCount: 0 });

function logRecord(body: AnyValue, attributes: KeyValue[] = []): ExportLogsServiceRequest['resourceLogs'][number]['scopeLogs'][number]['logRecords'][number] {
  return {
    timeUnixNano: T0, observedTimeUnixNano: T0, severityNumber: 9, severityText: '', body, attributes,
    droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '',
  };
}

/** Empty bodies: a batch where none is set, and one mixing empty and set bodies. */
export function defectEmptyBodies(): ExportLogsServiceRequest[] {
  const batch = (bodies: AnyValue[]): ExportLogsServiceRequest => ({
    resourceLogs: [{ resource: res('a'), schemaUrl: '', scopeLogs: [{ scope: scopeA, schemaUrl: '', logRecords: bodies.map((b) => logRecord(b)) }] }],
  });
  return [batch([{ type: 'empty' }, { type: 'empty' }]), batch([{ type: 'empty' }, { type: 'string', value: 'x' }, { type: 'empty' }])];
}

/** Empty values shared by a key across parents: empty bytes, empty strings, empty values. */
export function defectEmptyAttributeValues(): ExportLogsServiceRequest[] {
  const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });
  const empties = [kv('b', { type: 'bytes', value: new Uint8Array(0) }), kv('s', { type: 'string', value: '' }), kv('e', { type: 'empty' })];
  return [{
    resourceLogs: [{
      resource: res('a'), schemaUrl: '',
      scopeLogs: [{
        scope: scopeA, schemaUrl: '',
        logRecords: [
          logRecord({ type: 'string', value: '1' }, [...empties, kv('n', { type: 'int', value: 1n })]),
          logRecord({ type: 'string', value: '2' }, [kv('n', { type: 'int', value: 2n })]),
          logRecord({ type: 'string', value: '3' }, empties),
          logRecord({ type: 'string', value: '4' }, [empties[0]!, kv('d', { type: 'double', value: 0 })]),
          logRecord({ type: 'string', value: '5' }, [empties[0]!, kv('d', { type: 'double', value: -0 })]),
        ],
      }],
    }],
  }];
}

/** 300 number points of one metric carrying one equal attribute (absolute parent ids 0..299). */
export function defectManyNumberPointAttributes(): ExportMetricsServiceRequest[] {
  return [{
    resourceMetrics: [{
      resource: res('a'), schemaUrl: '',
      scopeMetrics: [{
        scope: scopeA, schemaUrl: '',
        metrics: [{
          name: 'g', description: '', unit: '', metadata: [],
          data: {
            type: 'gauge',
            dataPoints: Array.from({ length: 300 }, (_, i) => ({
              attributes: [{ key: 'host', value: { type: 'string', value: 'h' } }], startTimeUnixNano: 0n, timeUnixNano: T0 + BigInt(i),
              value: { type: 'int', value: BigInt(i) }, exemplars: [], flags: 0,
            })),
          },
        }],
      }],
    }],
  }];
}

/** Two resources that use the same scope. */
export function defectSharedScope(): ExportTraceServiceRequest[] {
  const spans = (name: string) => [{
    traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(2), traceState: '', parentSpanId: new Uint8Array(0), flags: 0,
    name, kind: 1, startTimeUnixNano: T0, endTimeUnixNano: T0 + 5n, attributes: [], droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { message: '', code: 0 },
  }];
  return [{
    resourceSpans: [
      { resource: res('a'), schemaUrl: '', scopeSpans: [{ scope: scopeA, schemaUrl: '', spans: spans('in-a') }] },
      { resource: res('b'), schemaUrl: '', scopeSpans: [{ scope: scopeA, schemaUrl: '', spans: spans('in-b') }] },
    ],
  }];
}

/** Metric metadata on one of two metrics. */
export function defectMetricMetadata(): ExportMetricsServiceRequest[] {
  const metric = (name: string, metadata: KeyValue[]): Metric => ({
    name, description: '', unit: '', metadata,
    data: { type: 'gauge', dataPoints: [{ attributes: [], startTimeUnixNano: 0n, timeUnixNano: T0, value: { type: 'double', value: 1 }, exemplars: [], flags: 0 }] },
  });
  return [{
    resourceMetrics: [{
      resource: res('a'), schemaUrl: '',
      scopeMetrics: [{ scope: scopeA, schemaUrl: '', metrics: [metric('m1', [{ key: 'unit.source', value: { type: 'string', value: 'sdk' } }]), metric('m2', [])] }],
    }],
  }];
}
