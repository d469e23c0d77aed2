// Interop: bytes and JSON produced by @opentelemetry/otlp-transformer from real SDK objects
// must decode with our codecs, and our re-encoding must decode identically.

import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import {
  JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer, ProtobufLogsSerializer,
  ProtobufMetricsSerializer, ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality, AggregationType, MeterProvider, MetricReader,
} from '@opentelemetry/sdk-metrics';
import type { ResourceMetrics as SdkResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  TracerProvider, InMemorySpanExporter, SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import {
  decodeLogsJson, decodeMetricsJson, decodeTracesJson,
} from '../../src/otlp/json/index.js';
import type { AnyValue, KeyValue, Metric } from '../../src/otlp/model.js';
import {
  decodeLogsRequest, decodeMetricsRequest, decodeTracesRequest, encodeLogsRequest,
  encodeMetricsRequest, encodeTracesRequest,
} from '../../src/otlp/protobuf/index.js';
import { expectTruncationsRefused } from '../support/truncation.js';
import { utf8 } from '../../src/utf8-decoders.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const attr = (attrs: KeyValue[], key: string): AnyValue | undefined =>
  attrs.find((a) => a.key === key)?.value;
const jsonText = (bytes: Uint8Array | undefined): string => utf8.decode(bytes!);

const resource = resourceFromAttributes({
  'service.name': 'checkout',
  'service.instance.id': 'i-42',
  'host.cpu.count': 8,
});

// ---------------------------------------------------------------------------------------
// Traces

function makeSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('my-tracer', '1.2.3');
  const parent = tracer.startSpan('GET /cart', {
    kind: SpanKind.SERVER,
    startTime: [1_700_000_000, 123_456_789],
    attributes: { 'http.method': 'GET', 'http.status_code': 200, retry: true, ratio: 0.25, tags: ['a', 'b'] },
  });
  const parentCtx = parent.spanContext();
  const child = tracer.startSpan(
    'db.query',
    {
      kind: SpanKind.CLIENT,
      startTime: [1_700_000_000, 200_000_000],
      links: [{ context: parentCtx, attributes: { 'link.kind': 'follows' } }],
    },
    trace.setSpan(ROOT_CONTEXT, parent),
  );
  child.addEvent('retry', { attempt: 2 }, [1_700_000_000, 250_000_000]);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
  child.end([1_700_000_000, 300_000_000]);
  parent.setStatus({ code: SpanStatusCode.OK });
  parent.end([1_700_000_001, 0]);
  return { spans: exporter.getFinishedSpans(), parentCtx, childCtx: child.spanContext() };
}

describe('traces from @opentelemetry/sdk-trace via otlp-transformer', () => {
  const { spans, parentCtx, childCtx } = makeSpans();
  const bytes = ProtobufTraceSerializer.serializeRequest(spans)!;

  it('decodes the protobuf request', () => {
    const req = decodeTracesRequest(bytes);
    expect(req.resourceSpans).toHaveLength(1);
    const rs = req.resourceSpans[0]!;
    expect(attr(rs.resource.attributes, 'service.name')).toEqual({ type: 'string', value: 'checkout' });
    expect(attr(rs.resource.attributes, 'host.cpu.count')).toEqual({ type: 'int', value: 8n });
    const ss = rs.scopeSpans[0]!;
    expect(ss.scope.name).toBe('my-tracer');
    expect(ss.scope.version).toBe('1.2.3');
    const byName = new Map(ss.spans.map((s) => [s.name, s]));
    const p = byName.get('GET /cart')!;
    const c = byName.get('db.query')!;
    expect(hex(p.traceId)).toBe(parentCtx.traceId);
    expect(hex(p.spanId)).toBe(parentCtx.spanId);
    expect(p.parentSpanId).toHaveLength(0);
    expect(p.kind).toBe(2);
    expect(p.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(p.endTimeUnixNano).toBe(1_700_000_001_000_000_000n);
    expect(p.status).toEqual({ message: '', code: 1 });
    expect(attr(p.attributes, 'http.method')).toEqual({ type: 'string', value: 'GET' });
    expect(attr(p.attributes, 'http.status_code')).toEqual({ type: 'int', value: 200n });
    expect(attr(p.attributes, 'retry')).toEqual({ type: 'bool', value: true });
    expect(attr(p.attributes, 'ratio')).toEqual({ type: 'double', value: 0.25 });
    expect(attr(p.attributes, 'tags')).toEqual({
      type: 'array', values: [{ type: 'string', value: 'a' }, { type: 'string', value: 'b' }],
    });
    expect(p.flags & 0xff).toBe(parentCtx.traceFlags);
    expect(p.flags & 0x100).toBe(0x100); // has-is-remote bit written by the transformer

    expect(hex(c.traceId)).toBe(parentCtx.traceId);
    expect(hex(c.spanId)).toBe(childCtx.spanId);
    expect(hex(c.parentSpanId)).toBe(parentCtx.spanId);
    expect(c.kind).toBe(3);
    expect(c.status).toEqual({ message: 'timeout', code: 2 });
    expect(c.events).toEqual([{
      timeUnixNano: 1_700_000_000_250_000_000n, name: 'retry',
      attributes: [{ key: 'attempt', value: { type: 'int', value: 2n } }], droppedAttributesCount: 0,
    }]);
    expect(c.links).toHaveLength(1);
    expect(hex(c.links[0]!.spanId)).toBe(parentCtx.spanId);
    expect(c.links[0]!.attributes).toEqual([{ key: 'link.kind', value: { type: 'string', value: 'follows' } }]);
  });

  it('re-encodes to bytes that decode identically', () => {
    const req = decodeTracesRequest(bytes);
    expect(decodeTracesRequest(encodeTracesRequest(req))).toStrictEqual(req);
  });

  it('decodes the transformer JSON to the same request', () => {
    const json = jsonText(JsonTraceSerializer.serializeRequest(spans));
    expect(decodeTracesJson(json)).toStrictEqual(decodeTracesRequest(bytes));
  });

  it('a truncated prefix decodes when cut between top-level fields, else MALFORMED_PROTOBUF', () => {
    expectTruncationsRefused(bytes, decodeTracesRequest, 'MALFORMED_PROTOBUF');
  });
});

// ---------------------------------------------------------------------------------------
// Logs

async function makeLogs() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('my-logger', '0.1.0');
  const spanCtx = {
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1,
  };
  logger.emit({
    timestamp: [1_700_000_000, 5],
    observedTimestamp: [1_700_000_000, 6],
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body: { message: 'disk almost full', free: 12, nested: { list: [1, 'two', false] } },
    attributes: { 'disk.path': '/var', raw: new Uint8Array([1, 2, 3]) },
    eventName: 'disk.warning',
    context: trace.setSpanContext(ROOT_CONTEXT, spanCtx),
  });
  logger.emit({ body: 'plain text', severityNumber: SeverityNumber.INFO });
  await provider.forceFlush(); // the simple processor exports asynchronously
  return { records: exporter.getFinishedLogRecords(), spanCtx };
}

describe('logs from @opentelemetry/sdk-logs via otlp-transformer', async () => {
  const { records, spanCtx } = await makeLogs();
  const bytes = ProtobufLogsSerializer.serializeRequest(records)!;

  it('decodes the protobuf request', () => {
    expect(records).toHaveLength(2);
    const req = decodeLogsRequest(bytes);
    const rl = req.resourceLogs[0]!;
    expect(attr(rl.resource.attributes, 'service.instance.id')).toEqual({ type: 'string', value: 'i-42' });
    const sl = rl.scopeLogs[0]!;
    expect(sl.scope).toMatchObject({ name: 'my-logger', version: '0.1.0' });
    const [warn, info] = sl.logRecords;
    expect(warn!.timeUnixNano).toBe(1_700_000_000_000_000_005n);
    expect(warn!.observedTimeUnixNano).toBe(1_700_000_000_000_000_006n);
    expect(warn!.severityNumber).toBe(13);
    expect(warn!.severityText).toBe('WARN');
    expect(warn!.eventName).toBe('disk.warning');
    expect(hex(warn!.traceId)).toBe(spanCtx.traceId);
    expect(hex(warn!.spanId)).toBe(spanCtx.spanId);
    expect(warn!.flags).toBe(1);
    expect(attr(warn!.attributes, 'raw')).toEqual({ type: 'bytes', value: new Uint8Array([1, 2, 3]) });
    expect(warn!.body.type).toBe('kvlist');
    if (warn!.body.type === 'kvlist') {
      expect(attr(warn!.body.values, 'message')).toEqual({ type: 'string', value: 'disk almost full' });
      expect(attr(warn!.body.values, 'nested')).toEqual({
        type: 'kvlist',
        values: [{
          key: 'list',
          value: {
            type: 'array',
            values: [{ type: 'int', value: 1n }, { type: 'string', value: 'two' }, { type: 'bool', value: false }],
          },
        }],
      });
    }
    expect(info!.body).toEqual({ type: 'string', value: 'plain text' });
    expect(info!.severityNumber).toBe(9);
    expect(info!.traceId).toHaveLength(0);
  });

  it('re-encodes to bytes that decode identically', () => {
    const req = decodeLogsRequest(bytes);
    expect(decodeLogsRequest(encodeLogsRequest(req))).toStrictEqual(req);
  });

  it('decodes the transformer JSON to the same request', () => {
    const json = jsonText(JsonLogsSerializer.serializeRequest(records));
    expect(decodeLogsJson(json)).toStrictEqual(decodeLogsRequest(bytes));
  });

  it('a truncated prefix decodes when cut between top-level fields, else MALFORMED_PROTOBUF', () => {
    expectTruncationsRefused(bytes, decodeLogsRequest, 'MALFORMED_PROTOBUF');
  });
});

// ---------------------------------------------------------------------------------------
// Metrics

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

async function makeMetrics(): Promise<SdkResourceMetrics> {
  const reader = new CollectingReader({
    aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
  });
  const provider = new MeterProvider({
    resource,
    readers: [reader],
    views: [{ instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('my-meter', '2.0.0');
  const counter = meter.createCounter('requests', { description: 'request count', unit: '{request}' });
  counter.add(3, { route: '/a' });
  counter.add(4, { route: '/a' });
  counter.add(1, { route: '/b' });
  const upDown = meter.createUpDownCounter('queue.depth');
  upDown.add(-5);
  const hist = meter.createHistogram('latency', { unit: 'ms', advice: { explicitBucketBoundaries: [0, 10, 100] } });
  for (const v of [5, 50, 500, 7]) hist.record(v);
  const exp = meter.createHistogram('payload.size');
  for (const v of [0.5, 1, 2, 4, 1000, 0]) exp.record(v);
  const gauge = meter.createGauge('temperature');
  gauge.record(21.5);
  const observable = meter.createObservableGauge('cpu.count');
  observable.addCallback((r) => r.observe(8));
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics;
}

describe('metrics from @opentelemetry/sdk-metrics via otlp-transformer', async () => {
  const sdkMetrics = await makeMetrics();
  const bytes = ProtobufMetricsSerializer.serializeRequest(sdkMetrics)!;
  const byName = (metrics: Metric[], name: string) => metrics.find((m) => m.name === name)!;

  it('decodes the protobuf request', () => {
    const req = decodeMetricsRequest(bytes);
    const rm = req.resourceMetrics[0]!;
    expect(attr(rm.resource.attributes, 'service.name')).toEqual({ type: 'string', value: 'checkout' });
    const sm = rm.scopeMetrics[0]!;
    expect(sm.scope).toMatchObject({ name: 'my-meter', version: '2.0.0' });

    const requests = byName(sm.metrics, 'requests');
    expect(requests.description).toBe('request count');
    expect(requests.unit).toBe('{request}');
    expect(requests.data.type).toBe('sum');
    if (requests.data.type === 'sum') {
      expect(requests.data.isMonotonic).toBe(true);
      expect(requests.data.aggregationTemporality).toBe(2);
      const a = requests.data.dataPoints.find((dp) => attr(dp.attributes, 'route')?.type === 'string'
        && (attr(dp.attributes, 'route') as { value: string }).value === '/a')!;
      expect(a.value).toEqual({ type: 'double', value: 7 });
      expect(a.timeUnixNano).toBeGreaterThan(1_600_000_000_000_000_000n);
      expect(a.startTimeUnixNano).toBeGreaterThan(0n);
    }

    const depth = byName(sm.metrics, 'queue.depth');
    expect(depth.data).toMatchObject({ type: 'sum', isMonotonic: false });

    const latency = byName(sm.metrics, 'latency');
    expect(latency.unit).toBe('ms');
    expect(latency.data.type).toBe('histogram');
    if (latency.data.type === 'histogram') {
      const dp = latency.data.dataPoints[0]!;
      expect(dp.count).toBe(4n);
      expect(dp.sum).toBe(562);
      expect(dp.min).toBe(5);
      expect(dp.max).toBe(500);
      expect(dp.explicitBounds).toEqual([0, 10, 100]);
      expect(dp.bucketCounts).toEqual([0n, 2n, 1n, 1n]);
    }

    const payload = byName(sm.metrics, 'payload.size');
    expect(payload.data.type).toBe('exponentialHistogram');
    if (payload.data.type === 'exponentialHistogram') {
      const dp = payload.data.dataPoints[0]!;
      expect(dp.count).toBe(6n);
      expect(dp.zeroCount).toBe(1n);
      expect(dp.min).toBe(0);
      expect(dp.max).toBe(1000);
      expect(dp.sum).toBe(1007.5);
      const total = dp.positive.bucketCounts.reduce((s, c) => s + c, 0n);
      expect(total).toBe(5n);
      expect(dp.negative.bucketCounts).toEqual([]);
      // The SDK picks the scale from the recorded range; it must be in the legal range.
      expect(dp.scale).toBeGreaterThanOrEqual(-10);
      expect(dp.scale).toBeLessThanOrEqual(20);
    }

    const temp = byName(sm.metrics, 'temperature');
    expect(temp.data.type).toBe('gauge');
    if (temp.data.type === 'gauge') expect(temp.data.dataPoints[0]!.value).toEqual({ type: 'double', value: 21.5 });
    const cpu = byName(sm.metrics, 'cpu.count');
    expect(cpu.data.type).toBe('gauge');
  });

  it('re-encodes to bytes that decode identically', () => {
    const req = decodeMetricsRequest(bytes);
    expect(decodeMetricsRequest(encodeMetricsRequest(req))).toStrictEqual(req);
  });

  it('decodes the transformer JSON to the same request', () => {
    const json = jsonText(JsonMetricsSerializer.serializeRequest(sdkMetrics));
    expect(decodeMetricsJson(json)).toStrictEqual(decodeMetricsRequest(bytes));
  });

  it('a truncated prefix decodes when cut between top-level fields, else MALFORMED_PROTOBUF', () => {
    expectTruncationsRefused(bytes, decodeMetricsRequest, 'MALFORMED_PROTOBUF');
  });
});
