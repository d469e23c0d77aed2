// The SDK exporters and Arrow processors without a child process: OTLP fallback (said once in
// the SDK's diag log), configuration from the standard variables, shutdown flushing, the
// queue-full drop count, and failures reported through the SDK's ExportResult.
import * as grpc from '@grpc/grpc-js';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { mergeRequests } from '../../src/otlp/signal-codec.js';
import { ArrowLogRecordProcessor } from '../../src/sdk/arrow-log-record-processor.js';
import { ArrowSpanProcessor } from '../../src/sdk/arrow-span-processor.js';
import { readLogColumns, readSpanColumns } from '../../src/sdk/columns/read-columns.js';
import { resolveExporterOptions } from '../../src/sdk/exporter-config.js';
import { OtapLogRecordExporter } from '../../src/sdk/log-exporter.js';
import type { SdkExportResult, SdkLogRecord, SdkSpan } from '../../src/sdk/sdk-types.js';
import { OtapTraceExporter } from '../../src/sdk/trace-exporter.js';
import { otlpServiceFor } from '../../src/transport/grpc/services.js';
import { OtapReceiver } from '../../src/transport/receiver/receiver.js';
import { arbLogRecords, arbSpans } from '../support/sdk-arbitraries.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  diag.disable();
});

const sample = <T>(arb: fc.Arbitrary<T[]>, n: number, seed: number): T[] =>
  fc.sample(arb, { numRuns: 40, seed }).flat().slice(0, n);

async function receiver() {
  const got: { [S in Signal]: SignalRequest[S][] } = { traces: [], logs: [], metrics: [] };
  const protocols: string[] = [];
  const r = new OtapReceiver({}, async (b) => {
    protocols.push(b.protocol);
    (got[b.signal] as unknown[]).push(b.request);
  });
  const { grpcPort } = await r.start();
  cleanups.push(() => r.shutdown());
  return { url: `http://127.0.0.1:${grpcPort}`, got, protocols };
}

const exportSpans = (exp: OtapTraceExporter, spans: SdkSpan[]) =>
  new Promise<SdkExportResult>((resolve) => exp.export(spans, resolve));

describe('OtapTraceExporter / OtapLogRecordExporter', () => {
  it('sends every span and log record over OTAP', async () => {
    const { url, got, protocols } = await receiver();
    const traces = new OtapTraceExporter({ url });
    const logs = new OtapLogRecordExporter({ url });
    cleanups.push(() => traces.shutdown(), () => logs.shutdown());
    const spans = sample(arbSpans(), 60, 1);
    const records = sample(arbLogRecords(), 60, 2);
    expect(await exportSpans(traces, spans)).toEqual({ code: 0 });
    expect(await new Promise((resolve) => logs.export(records, resolve))).toEqual({ code: 0 });
    expect(protocols).toEqual(['otap', 'otap']);
    expect(canonicalDiff('traces', mergeRequests('traces', got.traces), readSpanColumnsOf(spans))).toBeUndefined();
    expect(canonicalDiff('logs', mergeRequests('logs', got.logs), readLogColumnsOf(records))).toBeUndefined();
  });

  it('falls back to OTLP on a server without the Arrow services, and says so once in diag', async () => {
    const messages: string[] = [];
    // A diag component logger passes its namespace first, then the message.
    const record = (...args: unknown[]) => void messages.push(args.join(' '));
    diag.setLogger({ error: record, warn: record, info: record, debug: record, verbose: record }, DiagLogLevel.WARN);
    const got: SignalRequest['traces'][] = [];
    const server = new grpc.Server();
    server.addService(otlpServiceFor('traces'), {
      Export: (call: grpc.ServerUnaryCall<SignalRequest['traces'], object>, cb: grpc.sendUnaryData<object>) => {
        got.push(call.request);
        cb(null, {});
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    cleanups.push(() => server.forceShutdown());
    const exp = new OtapTraceExporter({ url: `http://127.0.0.1:${port}` });
    cleanups.push(() => exp.shutdown());
    const batches = [sample(arbSpans(), 20, 3), sample(arbSpans(), 20, 4), sample(arbSpans(), 20, 5)];
    for (const spans of batches) expect(await exportSpans(exp, spans)).toEqual({ code: 0 });
    expect(exp.transport.modeOf('traces')).toBe('otlp');
    expect(canonicalDiff('traces', mergeRequests('traces', got), mergeRequests('traces', batches.map(readSpanColumnsOf)))).toBeUndefined();
    expect(messages.filter((m) => /^otel-arrow\/exporter .*UNIMPLEMENTED/.test(m))).toHaveLength(1);
  });

  it('reports a failed export as FAILED with the error (nobody listening)', async () => {
    const exp = new OtapTraceExporter({ url: 'http://127.0.0.1:1', timeoutMillis: 200 });
    // Retries would go on for the backoff's max elapsed time: shut down to cut them short.
    const result = exportSpans(exp, sample(arbSpans(), 5, 6));
    await new Promise((r) => setTimeout(r, 300));
    await exp.transport.shutdown({ timeoutMs: 10 });
    const r = await result;
    expect(r.code).toBe(1);
    expect(r.error).toBeInstanceOf(Error);
    expect(await exportSpans(exp, [])).toMatchObject({ code: 1 }); // after shutdown
  });
});

describe('ArrowSpanProcessor / ArrowLogRecordProcessor', () => {
  it('shutdown() exports everything buffered (scheduled delay never reached)', async () => {
    const { url, got } = await receiver();
    const spans = sample(arbSpans(), 50, 7).map(sampled);
    const records = sample(arbLogRecords(), 50, 8);
    const sp = new ArrowSpanProcessor({ exporter: new OtapTraceExporter({ url }), scheduledDelayMillis: 60_000, maxExportBatchSize: 16 });
    const lp = new ArrowLogRecordProcessor(new OtapLogRecordExporter({ url }), { scheduledDelayMillis: 60_000 });
    for (const s of spans) sp.onEnd(s);
    for (const l of records) lp.onEmit(l);
    expect(got.traces.length).toBeLessThanOrEqual(3); // only full batches of 16 may be out yet
    await Promise.all([sp.shutdown(), lp.shutdown()]);
    expect(canonicalDiff('traces', mergeRequests('traces', got.traces), readSpanColumnsOf(spans))).toBeUndefined();
    expect(canonicalDiff('logs', mergeRequests('logs', got.logs), readLogColumnsOf(records))).toBeUndefined();
    expect(sp.droppedSpans).toBe(0);
  });

  it('drops and counts spans beyond maxQueueSize while the exporter is stuck; unsampled spans are not exported', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    const exported: number[] = [];
    const exporter = {
      exportColumns: async (columns: Uint8Array, items: number): Promise<SdkExportResult> => {
        await stuck;
        exported.push(items);
        expect(readSpanColumns(columns).resourceSpans.flatMap((r) => r.scopeSpans).flatMap((s) => s.spans)).toHaveLength(items);
        return { code: 0 };
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const sp = new ArrowSpanProcessor(exporter, { maxQueueSize: 10, maxExportBatchSize: 4, scheduledDelayMillis: 60_000 });
    const spans = sample(arbSpans(), 30, 9).map(sampled);
    expect(spans).toHaveLength(30);
    for (const s of spans) sp.onEnd(s);
    sp.onEnd(unsampled(spans[0]!));
    expect(sp.droppedSpans).toBe(20);
    release();
    await sp.forceFlush();
    expect(exported.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...exported)).toBeLessThanOrEqual(4);
  });

  it('holds items whose resource is still detecting attributes, then exports them with the settled attributes', async () => {
    const got: SignalRequest['traces'][] = [];
    let settle!: () => void;
    const attributes: Record<string, string> = { 'service.name': 'a' };
    const resource = {
      get attributes() { return attributes; },
      asyncAttributesPending: true,
      waitForAsyncAttributes: () => new Promise<void>((r) => (settle = r)),
    };
    const sp = new ArrowSpanProcessor({
      exporter: { exportColumns: async (c: Uint8Array) => { got.push(readSpanColumns(c)); return { code: 0 }; }, forceFlush: async () => {}, shutdown: async () => {} },
      scheduledDelayMillis: 10,
    });
    const spans = sample(arbSpans(), 3, 10).map((s) => ({ ...sampled(s), resource }));
    for (const s of spans) sp.onEnd(s);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toHaveLength(0);
    attributes['host.id'] = 'h-1';
    resource.asyncAttributesPending = false;
    settle();
    await sp.forceFlush();
    const rs = mergeRequests('traces', got).resourceSpans;
    expect(rs).toHaveLength(1);
    expect(rs[0]!.resource.attributes.map((a) => a.key)).toEqual(['service.name', 'host.id']);
  });
});

describe('configuration from the environment', () => {
  it('per-signal variables over general ones over defaults; constructor options over both', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example:443',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=general,x-tenant=a%20b',
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'api-key=logs',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTAP_NUM_STREAMS: '3',
      OTEL_EXPORTER_OTAP_MAX_STREAM_LIFETIME: '45s',
      OTEL_EXPORTER_OTAP_PAYLOAD_COMPRESSION: 'zstd',
    };
    expect(resolveExporterOptions('traces', {}, env)).toMatchObject({
      endpoint: 'traces.example:443', tls: true, headers: { 'api-key': 'general', 'x-tenant': 'a b' }, timeoutMs: 2500,
      compression: 'gzip', numStreams: 3, maxStreamLifetimeMs: 45_000, payloadCompression: 'zstd',
    });
    expect(resolveExporterOptions('logs', {}, env)).toMatchObject({ endpoint: 'collector:4317', tls: false, headers: { 'api-key': 'logs', 'x-tenant': 'a b' } });
    expect(resolveExporterOptions('metrics', { url: 'http://localhost:9000', headers: { 'api-key': 'mine' }, numStreams: 1 }, env))
      .toMatchObject({ endpoint: 'localhost:9000', headers: { 'api-key': 'mine' }, numStreams: 1 });
    expect(resolveExporterOptions('traces', {}, {})).toMatchObject({
      endpoint: 'localhost:4317', tls: false, timeoutMs: 10_000, compression: 'zstd', numStreams: 1, payloadCompression: 'none',
    });
    expect(resolveExporterOptions('traces', {}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'otel:4317', OTEL_EXPORTER_OTLP_INSECURE: 'false' })).toMatchObject({ tls: true });
  });

  it('reads the CA and client certificate files for TLS', async () => {
    const { hasOpenssl, makePki } = await import('../support/pki.js');
    if (!hasOpenssl()) return;
    const pki = makePki();
    const opts = resolveExporterOptions('traces', {}, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://localhost:4317', OTEL_EXPORTER_OTLP_CERTIFICATE: `${pki.dir}/ca.crt`,
      OTEL_EXPORTER_OTLP_CLIENT_KEY: `${pki.dir}/client.key`, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: `${pki.dir}/client.crt`,
    });
    expect(opts.tls).toEqual({ ca: pki.ca, key: pki.clientKey, cert: pki.clientCert });
  });

  it('refuses bad values with the variable name and what was expected', () => {
    expect(() => resolveExporterOptions('traces', {}, { OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' })).toThrow(/OTEL_EXPORTER_OTLP_TIMEOUT="soon": expected a positive whole number/);
    expect(() => resolveExporterOptions('traces', {}, { OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'lz4' })).toThrow(/OTEL_EXPORTER_OTLP_TRACES_COMPRESSION="lz4": expected gzip, zstd or none/);
    expect(() => resolveExporterOptions('traces', {}, { OTEL_EXPORTER_OTLP_CERTIFICATE: '/nope.pem', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://x:1' })).toThrow(/\/nope.pem: cannot read the PEM file/);
    expect(() => resolveExporterOptions('traces', {}, { OTEL_EXPORTER_OTLP_CLIENT_KEY: '/k' })).toThrow(/go together/);
  });
});

function sampled(s: SdkSpan): SdkSpan {
  const ctx = { ...s.spanContext(), traceFlags: s.spanContext().traceFlags | 1 };
  return { ...s, spanContext: () => ctx };
}

function unsampled(s: SdkSpan): SdkSpan {
  const ctx = { ...s.spanContext(), traceFlags: 0 };
  return { ...s, spanContext: () => ctx };
}

function readSpanColumnsOf(spans: SdkSpan[]) {
  const { SpanColumns } = columnsModule;
  const c = new SpanColumns();
  for (const s of spans) c.append(s);
  return readSpanColumns(c.finish());
}

function readLogColumnsOf(logs: SdkLogRecord[]) {
  const { LogColumns } = columnsModule;
  const c = new LogColumns();
  for (const l of logs) c.append(l);
  return readLogColumns(c.finish());
}

const columnsModule = {
  ...(await import('../../src/sdk/columns/span-columns.js')),
  ...(await import('../../src/sdk/columns/log-columns.js')),
};
