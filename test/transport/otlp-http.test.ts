// OTLP/HTTP plugin of OtapReceiver: every signal in protobuf and JSON (identity and gzip),
// bytes from @opentelemetry/otlp-transformer posted like the SDK's OTLP/HTTP exporters do,
// and the error answers of the OTLP/HTTP spec (400/401/404/405/413/415/429/503).
import * as http from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import * as zlib from 'node:zlib';
import { SpanKind } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import {
  JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer, ProtobufLogsSerializer,
  ProtobufMetricsSerializer, ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalDiff, countItems } from '../../src/otlp/canonical.js';
import type { Signal } from '../../src/otlp/model.js';
import { decodeOtlp, decodeOtlpJson, encodeOtlp, encodeOtlpJson } from '../../src/otlp/signal-codec.js';
import { otlpHttp } from '../../src/transport/http/index.js';
import { OtlpHttpClient } from '../../src/transport/http/otlp-http-client.js';
import { OtapReceiver, StatusError, type ReceivedBatch, type ReceiverOptions } from '../../src/transport/receiver/index.js';
import { messageInfo, WireReader } from '../../src/proto/wire-reader.js';
import { generate } from './receiver-support.js';

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

function post(port: number, path: string, body: Uint8Array | string, headers: Record<string, string> = {}, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    const req = http.request({ host: '127.0.0.1', port, path, method, headers: { 'content-length': String(data.length), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

const STATUS_INFO = messageInfo('google.rpc.Status', { 1: 'code', 2: 'message' });

/** google.rpc.Status protobuf -> { code, message }. */
function decodeStatus(bytes: Uint8Array): { code: number; message: string } {
  const r = new WireReader(bytes);
  const out = { code: 0, message: '' };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 8) out.code = Number(r.int64());
    else if (tag === 18) out.message = r.string();
    else r.skip(tag, STATUS_INFO);
  }
  return out;
}

let receiver: OtapReceiver | undefined;
afterEach(async () => {
  await receiver?.shutdown();
  receiver = undefined;
});

async function start(options: ReceiverOptions = {}, consume?: (b: ReceivedBatch) => Promise<void>) {
  const received: ReceivedBatch[] = [];
  receiver = new OtapReceiver({ httpPort: 0, otlpHttp: otlpHttp(), shutdownGraceMs: 200, ...options }, async (b) => {
    received.push(b);
    if (consume) await consume(b);
  });
  const { httpPort } = await receiver.start();
  return { port: httpPort!, received, receiver };
}

const PB = { 'content-type': 'application/x-protobuf' };
const JSONCT = { 'content-type': 'application/json' };

describe('OTLP/HTTP: each signal, protobuf and JSON, identity and gzip', () => {
  for (const signal of SIGNALS) {
    it(`${signal}`, async () => {
      const { port, received } = await start();
      const req = generate(signal, 7, 30);
      const pb = encodeOtlp(signal, req);
      const json = encodeOtlpJson(signal, req);
      const replies = [
        await post(port, `/v1/${signal}`, pb, PB),
        await post(port, `/v1/${signal}`, json, { 'content-type': 'application/json; charset=utf-8' }),
        await post(port, `/v1/${signal}`, zlib.gzipSync(pb), { ...PB, 'content-encoding': 'gzip' }),
        await post(port, `/v1/${signal}`, zlib.gzipSync(json), { ...JSONCT, 'content-encoding': 'gzip' }),
      ];
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(replies[0]!.headers['content-type']).toBe('application/x-protobuf');
      expect(replies[0]!.body.length).toBe(0); // empty Export*ServiceResponse = full success
      expect(replies[1]!.headers['content-type']).toBe('application/json');
      expect(JSON.parse(replies[1]!.body.toString())).toEqual({});
      expect(received).toHaveLength(4);
      for (const b of received) {
        expect(b.signal).toBe(signal);
        expect(b.protocol).toBe('otlp-http');
        expect(canonicalDiff(signal, req, b.request)).toBeUndefined();
      }
      expect(received[0]!.metadata['content-type']).toBe('application/x-protobuf');
      expect(receiver!.stats.items).toBe(4 * countItems(signal, req));
    });
  }
});

describe('OTLP/HTTP: errors', () => {
  it('400 with a google.rpc.Status in the request format for malformed bodies', async () => {
    const { port, received } = await start();
    const bad = await post(port, '/v1/traces', Buffer.from([0x0a, 0xff, 0xff]), PB);
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toBe('application/x-protobuf');
    const st = decodeStatus(bad.body);
    expect(st.code).toBe(3);
    expect(st.message).toMatch(/malformed OTLP protobuf/);

    const badJson = await post(port, '/v1/logs', '{"resourceLogs": [', JSONCT);
    expect(badJson.status).toBe(400);
    expect(badJson.headers['content-type']).toBe('application/json');
    expect(JSON.parse(badJson.body.toString()) as unknown).toMatchObject({ code: 3, message: expect.stringMatching(/malformed OTLP json/) as unknown });

    const badGzip = await post(port, '/v1/metrics', Buffer.from('not gzip at all'), { ...PB, 'content-encoding': 'gzip' });
    expect(badGzip.status).toBe(400);
    expect(decodeStatus(badGzip.body).message).toMatch(/gzip/);
    expect(received).toHaveLength(0);
  });

  it('404 for other paths, 405 for other methods, 415 for other content types and encodings', async () => {
    const { port } = await start();
    const pb = encodeOtlp('traces', generate('traces', 1, 3));
    expect((await post(port, '/v1/spans', pb, PB)).status).toBe(404);
    const get = await post(port, '/v1/traces', '', {}, 'GET');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const text = await post(port, '/v1/traces', pb, { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect((JSON.parse(text.body.toString()) as { message: string }).message).toMatch(/unsupported content type/);
    expect((await post(port, '/v1/traces', pb, { ...PB, 'content-encoding': 'br' })).status).toBe(415);
    // The connection stays usable after these answers.
    expect((await post(port, '/v1/traces', pb, PB)).status).toBe(200);
  });

  it('413 above maxMessageBytes: declared, streamed (chunked) and gzip bombs', async () => {
    const { port, received } = await start({ maxMessageBytes: 4096 });
    const big = encodeOtlp('logs', generate('logs', 2, 200));
    expect(big.length).toBeGreaterThan(4096);
    const declared = await post(port, '/v1/logs', big, PB);
    expect(declared.status).toBe(413);
    expect(decodeStatus(declared.body).code).toBe(8);

    // Chunked: no Content-Length, the limit is enforced while reading.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/v1/logs', method: 'POST', headers: { ...PB, 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < big.length; i += 1000) req.write(big.subarray(i, i + 1000));
      req.end();
    });
    expect(chunked).toBe(413);

    // 1 MiB of zeros gzip to ~1 KiB: the inflated size is what counts.
    const bomb = zlib.gzipSync(Buffer.alloc(1 << 20));
    expect(bomb.length).toBeLessThan(4096);
    const r = await post(port, '/v1/logs', bomb, { ...PB, 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect(decodeStatus(r.body).message).toMatch(/inflates beyond/);
    expect(received).toHaveLength(0);
  });

  it('429 with Retry-After when admission refuses; 503 when consume() fails retryably; 400 when permanently', async () => {
    const { port } = await start({ requestLimitMiB: 1 / 1024, waitingLimitMiB: 0 }); // 1 KiB in flight
    const big = encodeOtlp('traces', generate('traces', 3, 50));
    const r = await post(port, '/v1/traces', big, PB);
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    expect(decodeStatus(r.body).code).toBe(8);
    await receiver!.shutdown();

    let mode: 'unavailable' | 'permanent' = 'unavailable';
    const s = await start({}, async () => {
      if (mode === 'unavailable') throw new StatusError(14, 'downstream down');
      throw Object.assign(new Error('bad data'), { permanent: true });
    });
    const small = encodeOtlpJson('logs', generate('logs', 3, 5));
    const u = await post(s.port, '/v1/logs', small, JSONCT);
    expect(u.status).toBe(503);
    expect(u.headers['retry-after']).toBe('1');
    expect(JSON.parse(u.body.toString())).toEqual({ code: 14, message: 'downstream down' });
    mode = 'permanent';
    expect((await post(s.port, '/v1/logs', small, JSONCT)).status).toBe(400);
  });

  it('429 from refuseEarly before a protobuf body is read (Content-Length, gzip as a lower bound); JSON is read first', async () => {
    const asked: number[] = [];
    const { port, received } = await start({ refuseEarly: (bytes) => {
      asked.push(bytes);
      return bytes > 100_000 ? new StatusError(8, 'pipeline memory limit reached') : undefined;
    } });
    // 1 MiB declared, 64 KiB written, the body left unfinished: the answer comes anyway.
    const early = await new Promise<Reply>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/v1/logs', method: 'POST', headers: { ...PB, 'content-length': String(1 << 20) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
          req.destroy();
        });
      });
      req.on('error', () => {});
      req.on('close', () => reject(new Error('closed without an answer')));
      req.write(Buffer.alloc(64 * 1024));
    });
    expect(early.status).toBe(429);
    expect(early.headers['retry-after']).toBe('1');
    expect(decodeStatus(early.body)).toEqual({ code: 8, message: 'pipeline memory limit reached' });
    expect(asked).toEqual([1 << 20]);

    const pb = encodeOtlp('logs', generate('logs', 3, 10));
    const gz = zlib.gzipSync(pb);
    expect((await post(port, '/v1/logs', pb, PB)).status).toBe(200);
    expect((await post(port, '/v1/logs', gz, { ...PB, 'content-encoding': 'gzip' })).status).toBe(200);
    expect((await post(port, '/v1/logs', encodeOtlpJson('logs', generate('logs', 3, 10)), JSONCT)).status).toBe(200);
    expect(asked.slice(1, 2)).toEqual([pb.length]);
    expect(asked[2]).toBeLessThanOrEqual(pb.length);
    expect(asked).toHaveLength(3); // not asked for JSON (admitted at its objects' estimate)
    expect(received).toHaveLength(3);
    expect(receiver!.stats.rejected).toEqual({ RESOURCE_EXHAUSTED: 1 });
  });

  it('401 without the bearer token', async () => {
    const { port, received } = await start({ bearerToken: 's3cret' });
    const pb = encodeOtlp('metrics', generate('metrics', 4, 5));
    const r = await post(port, '/v1/metrics', pb, PB);
    expect(r.status).toBe(401);
    expect(decodeStatus(r.body).code).toBe(16);
    expect((await post(port, '/v1/metrics', pb, { ...PB, authorization: 'Bearer s3cret' })).status).toBe(200);
    expect(received).toHaveLength(1);
    expect(received[0]!.metadata.authorization).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------
// Bytes from the SDK's own serializers, posted the way its OTLP/HTTP exporters post them.

const resource = resourceFromAttributes({ 'service.name': 'checkout', 'host.cpu.count': 8 });
const SDK_HEADERS = { 'user-agent': 'OTel-OTLP-Exporter-JavaScript/0.200.0' };

function sdkSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('http-test', '1.0.0');
  for (let i = 0; i < 5; i++) {
    const span = tracer.startSpan(`GET /item/${i}`, { kind: SpanKind.SERVER, attributes: { 'http.status_code': 200 + i, tags: ['a', 'b'] } });
    span.addEvent('cache.miss', { key: `k${i}` });
    span.end();
  }
  return exporter.getFinishedSpans();
}

function sdkLogs() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('http-test', '1.0.0');
  for (let i = 0; i < 5; i++) logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: `order ${i} delayed`, attributes: { 'order.id': i } });
  return exporter.getFinishedLogRecords();
}

class PullReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

async function sdkMetrics() {
  const reader = new PullReader();
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('http-test', '1.0.0');
  const counter = meter.createCounter('orders');
  const hist = meter.createHistogram('latency', { unit: 'ms' });
  for (let i = 0; i < 10; i++) {
    counter.add(1, { region: i % 2 ? 'eu' : 'us' });
    hist.record(i * 3.5, { route: '/cart' });
  }
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics;
}

describe('OTLP/HTTP: bytes from @opentelemetry/otlp-transformer, posted like the SDK exporters', () => {
  it('traces, logs and metrics in protobuf and JSON', async () => {
    const { port, received } = await start();
    const spans = sdkSpans();
    const logs = sdkLogs();
    const metrics = await sdkMetrics();
    const bodies: Array<[Signal, 'protobuf' | 'json', Uint8Array]> = [
      ['traces', 'protobuf', ProtobufTraceSerializer.serializeRequest(spans)!],
      ['traces', 'json', JsonTraceSerializer.serializeRequest(spans)!],
      ['logs', 'protobuf', ProtobufLogsSerializer.serializeRequest(logs)!],
      ['logs', 'json', JsonLogsSerializer.serializeRequest(logs)!],
      ['metrics', 'protobuf', ProtobufMetricsSerializer.serializeRequest(metrics)!],
      ['metrics', 'json', JsonMetricsSerializer.serializeRequest(metrics)!],
    ];
    for (const [signal, format, bytes] of bodies) {
      const headers = { ...SDK_HEADERS, 'content-type': format === 'json' ? 'application/json' : 'application/x-protobuf' };
      // The SDK gzips when compression: 'gzip' is configured; post both ways.
      const plain = await post(port, `/v1/${signal}`, bytes, headers);
      const gz = await post(port, `/v1/${signal}`, zlib.gzipSync(bytes), { ...headers, 'content-encoding': 'gzip' });
      expect([plain.status, gz.status], `${signal} ${format}`).toEqual([200, 200]);
      const expected = format === 'json' ? decodeOtlpJson(signal, Buffer.from(bytes).toString()) : decodeOtlp(signal, bytes);
      const got = received.splice(0);
      expect(got).toHaveLength(2);
      for (const b of got) expect(canonicalDiff(signal, expected, b.request)).toBeUndefined();
      expect(countItems(signal, got[0]!.request)).toBeGreaterThan(0);
    }
  });
});

describe('OtlpHttpClient', () => {
  it('posts to our receiver (identity and gzip); 429 is a retryable OtlpHttpError', async () => {
    const { port, received } = await start({ requestLimitMiB: 1, waitingLimitMiB: 0 });
    const client = new OtlpHttpClient({ endpoint: `http://127.0.0.1:${port}`, connectTimeoutMs: 1000 });
    const gz = new OtlpHttpClient({ endpoint: `http://127.0.0.1:${port}/`, compression: 'gzip' });
    try {
      const body = encodeOtlp('logs', generate('logs', 3, 10));
      await client.export('logs', body);
      await gz.export('logs', body);
      expect(received.map((b) => b.bytes)).toEqual([body.length, body.length]);
      const big = encodeOtlp('logs', generate('logs', 3, 8000));
      expect(big.length).toBeGreaterThan(1024 * 1024);
      await expect(client.export('logs', big)).rejects.toMatchObject({ status: 429, retryable: true });
    } finally {
      client.close();
      gz.close();
    }
  });

  it('fails a connection that is not up within connectTimeoutMs (a silent TLS endpoint), retryable', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const client = new OtlpHttpClient({ endpoint: `https://127.0.0.1:${port}`, connectTimeoutMs: 300, timeoutMs: 10_000 });
    try {
      const t0 = Date.now();
      await expect(client.export('logs', new Uint8Array(0))).rejects.toMatchObject({ status: 0, retryable: true, message: expect.stringMatching(/not connected within 300 ms/) as unknown });
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      client.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
