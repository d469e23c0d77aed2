// The library's log records: the sinks (OpenTelemetry diag when @opentelemetry/api is
// installed, else stderr filtered by OTEL_LOG_LEVEL) and what the exporter, the receivers
// and backend selection report (captured with setLogSink).
import * as grpc from '@grpc/grpc-js';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadBackend } from '../../src/backend/index.js';
import { getLogger, setLogSink, type LogRecord } from '../../src/log/index.js';
import { logRefusedBatch, REFUSAL_WINDOW_MS, REFUSALS_PER_WINDOW } from '../../src/transport/receiver/refusals.js';
import { diagSink, loadDiag } from '../../src/log/diag-sink.js';
import { stderrSink, thresholdOf } from '../../src/log/stderr-sink.js';
import { encodeLogsRequest } from '../../src/otlp/protobuf/index.js';
import { OtapExporter } from '../../src/transport/exporter/index.js';
import { otlpServiceFor } from '../../src/transport/grpc/services.js';
import { otlpHttp } from '../../src/transport/http/index.js';
import { OtapReceiver } from '../../src/transport/receiver/index.js';
import { arrowCall, generate, startReceiver } from '../transport/receiver-support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  setLogSink(undefined);
  diag.disable();
  for (const c of cleanups.splice(0).reverse()) await c();
});

function capture(): LogRecord[] {
  const records: LogRecord[] = [];
  setLogSink((r) => void records.push(r));
  return records;
}

/** A diag logger that keeps every call as [level, ...args]. */
function diagCapture(): { calls: unknown[][]; logger: DiagLogger } {
  const calls: unknown[][] = [];
  const at = (level: string) => (...args: unknown[]): void => void calls.push([level, ...args]);
  return { calls, logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), verbose: at('verbose') } };
}

describe('sinks', () => {
  it('stderr: OTEL_LOG_LEVEL sets the threshold (default warn), one line per record', () => {
    expect([undefined, '', 'bogus', 'warn', 'WARN'].map(thresholdOf)).toEqual([2, 2, 2, 2, 2]);
    expect(['none', 'error', 'info', 'debug', 'verbose', 'all'].map(thresholdOf)).toEqual([0, 1, 3, 4, 5, 5]);
    const lines: string[] = [];
    const sink = stderrSink(thresholdOf('warn'), (l) => void lines.push(l));
    for (const level of ['error', 'warn', 'info', 'debug'] as const) {
      sink({ level, component: 'exporter', message: `${level} record`, attributes: { signal: 'logs', attempts: 2, batchId: 7n, reason: 'two words', none: undefined } });
    }
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z ERROR otel-arrow\/exporter: error record signal=logs attempts=2 batchId=7 reason="two words"\n$/);
    expect(lines[1]).toMatch(/ WARN otel-arrow\/exporter: warn record /);
    const all: string[] = [];
    stderrSink(thresholdOf('all'), (l) => void all.push(l))({ level: 'debug', component: 'backend', message: 'm', attributes: {} });
    expect(all[0]).toMatch(/ DEBUG otel-arrow\/backend: m\n$/);
  });

  it('diag: records reach the logger set with diag.setLogger, namespaced otel-arrow/<component>', () => {
    const api = loadDiag();
    expect(api).toBeDefined();
    const { calls, logger } = diagCapture();
    diag.setLogger(logger, DiagLogLevel.INFO);
    const sink = diagSink(api!);
    sink({ level: 'warn', component: 'receiver', message: 'refused', attributes: { code: 3 } });
    sink({ level: 'info', component: 'backend', message: 'loaded', attributes: {} });
    sink({ level: 'debug', component: 'backend', message: 'below the diag level', attributes: {} });
    expect(calls).toEqual([
      ['warn', 'otel-arrow/receiver', 'refused', { code: 3 }],
      ['info', 'otel-arrow/backend', 'loaded'],
    ]);
  });

  it('by default (no sink set) records go to diag, as @opentelemetry/api is installed here', () => {
    const { calls, logger } = diagCapture();
    diag.setLogger(logger, DiagLogLevel.ALL);
    getLogger('test').warn('through the default sink', { n: 1 });
    expect(calls).toContainEqual(['warn', 'otel-arrow/test', 'through the default sink', { n: 1 }]);
  });

  it('a throwing sink does not break the caller', () => {
    setLogSink(() => {
      throw new Error('sink down');
    });
    expect(() => getLogger('test').error('x')).not.toThrow();
  });
});

describe('exporter', () => {
  it('logs the downgrade to OTLP when the Arrow service is UNIMPLEMENTED', async () => {
    const records = capture();
    const server = new grpc.Server();
    server.addService(otlpServiceFor('traces'), { Export: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, {}) });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    cleanups.push(() => server.forceShutdown());
    const exp = new OtapExporter({ endpoint: `127.0.0.1:${port}`, numStreams: 1 });
    cleanups.push(() => exp.shutdown({ timeoutMs: 1000 }));
    await exp.export('traces', generate('traces', 1, 5));
    expect(exp.modeOf('traces')).toBe('otlp');
    const downgrades = records.filter((r) => r.component === 'exporter' && /UNIMPLEMENTED/.test(r.message));
    expect(downgrades).toHaveLength(1);
    expect(downgrades[0]).toMatchObject({ level: 'warn', attributes: { signal: 'traces', endpoint: `127.0.0.1:${port}` } });
  });

  it('logs each retry with its attempt and delay, then the batch it gives up', async () => {
    const records = capture();
    const { port, receiver } = await startReceiver();
    await receiver.shutdown(); // nothing listens there any more
    const exp = new OtapExporter({ endpoint: `127.0.0.1:${port}`, retry: { initialIntervalMs: 20, maxIntervalMs: 50, maxElapsedMs: 400 } });
    cleanups.push(() => exp.shutdown({ timeoutMs: 1000 }));
    await expect(exp.export('logs', generate('logs', 2, 5))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    const retries = records.filter((r) => r.component === 'exporter' && r.message.startsWith('retrying batch'));
    expect(retries.length).toBe(exp.stats.retries);
    expect(retries.length).toBeGreaterThanOrEqual(2);
    retries.forEach((r, i) => {
      expect(r).toMatchObject({ level: 'info', attributes: { signal: 'logs', code: 'UNAVAILABLE', attempts: i + 1 } });
      expect(r.attributes.delayMs).toBeGreaterThan(0);
      expect(r.message).toContain(`in ${r.attributes.delayMs} ms`);
    });
    const gaveUp = records.filter((r) => r.component === 'exporter' && r.level === 'warn');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]!.message).toMatch(/retries exhausted/);
    expect(gaveUp[0]!.attributes.attempts).toBe(retries.length + 1);
  });
});

describe('receiver', () => {
  it('logs a refused OTAP batch with its status code, reason, batch id and peer', async () => {
    const records = capture();
    const { port, receiver } = await startReceiver();
    cleanups.push(() => receiver.shutdown());
    const c = arrowCall('logs', port);
    cleanups.push(() => c.client.close());
    c.send(new Uint8Array([0x08, 0x2a, 0x12, 0x05, 0x01])); // batch_id 42, then a payload cut short
    const [ack] = await c.waitAcks(1);
    expect(ack).toMatchObject({ batchId: 42n, statusCode: grpc.status.INVALID_ARGUMENT });
    const refused = records.filter((r) => r.component === 'receiver');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      level: 'warn',
      attributes: { protocol: 'otap', signal: 'logs', code: grpc.status.INVALID_ARGUMENT, batchId: 42n },
    });
    expect(refused[0]!.message).toBe(`otap batch refused with INVALID_ARGUMENT: ${ack!.statusMessage}`);
    expect(refused[0]!.attributes.peer).toMatch(/127\.0\.0\.1/);
  });

  it('a flood of refusals of one kind: the first REFUSALS_PER_WINDOW one by one, then one count per window', () => {
    const records = capture();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const refuse = (code: number, n: number): void => {
        for (let i = 0; i < n; i++) logRefusedBatch({ protocol: 'otap', signal: 'traces', code, message: `bad batch ${i}`, batchId: BigInt(i) });
      };
      refuse(grpc.status.DATA_LOSS, REFUSALS_PER_WINDOW + 15);
      refuse(grpc.status.OUT_OF_RANGE, 2); // another kind keeps its own count
      const receiverRecords = (): LogRecord[] => records.filter((r) => r.component === 'receiver');
      expect(receiverRecords()).toHaveLength(REFUSALS_PER_WINDOW + 2);
      vi.advanceTimersByTime(REFUSAL_WINDOW_MS);
      const summary = receiverRecords().slice(REFUSALS_PER_WINDOW + 2);
      expect(summary).toHaveLength(1);
      expect(summary[0]).toMatchObject({ level: 'warn', attributes: { protocol: 'otap', signal: 'traces', code: grpc.status.DATA_LOSS, suppressed: 15 } });
      expect(summary[0]!.message).toBe(`15 more otap batches refused with DATA_LOSS in ${REFUSAL_WINDOW_MS / 1000} s (not logged one by one); the last: bad batch ${REFUSALS_PER_WINDOW + 14}`);
      // A new window logs again.
      refuse(grpc.status.DATA_LOSS, 1);
      expect(receiverRecords()).toHaveLength(REFUSALS_PER_WINDOW + 4);
      vi.advanceTimersByTime(REFUSAL_WINDOW_MS);
    } finally {
      vi.useRealTimers();
    }
  });

  it('logs a refused OTLP/HTTP request with the HTTP status; shutdown refusals only at info', async () => {
    const records = capture();
    const receiver = new OtapReceiver({ httpPort: 0, otlpHttp: otlpHttp(), bearerToken: 't0ken' }, async () => {});
    const { httpPort } = await receiver.start();
    cleanups.push(() => receiver.shutdown());
    const body = encodeLogsRequest(generate('logs', 3, 2));
    const res = await fetch(`http://127.0.0.1:${httpPort}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    expect(res.status).toBe(401);
    const refused = records.filter((r) => r.component === 'receiver');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      level: 'warn',
      message: 'otlp-http request refused with UNAUTHENTICATED: missing or invalid bearer token',
      attributes: { protocol: 'otlp-http', signal: 'logs', code: grpc.status.UNAUTHENTICATED, httpStatus: 401 },
    });
  });
});

describe('backend selection', () => {
  it('logs which backend loaded and why the others did not', async () => {
    const records = capture();
    const saved = process.env.OTEL_ARROW_NATIVE_PATH;
    process.env.OTEL_ARROW_NATIVE_PATH = '/nonexistent/otap-node.node';
    cleanups.push(() => {
      if (saved === undefined) delete process.env.OTEL_ARROW_NATIVE_PATH;
      else process.env.OTEL_ARROW_NATIVE_PATH = saved;
    });
    const b = await loadBackend('auto');
    expect(b.name).not.toBe('native');
    const logged = records.filter((r) => r.component === 'backend');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'info', message: `codec backend ${b.name} loaded (requested auto)` });
    expect(logged[0]!.attributes.native).toMatch(/^failed: Cannot find module '\/nonexistent\/otap-node\.node'/);
    expect(logged[0]!.attributes[b.name]).toBe('loaded');
    // The same outcome again (a cached load) is not logged twice.
    await loadBackend('auto');
    expect(records.filter((r) => r.component === 'backend')).toHaveLength(1);
  });
});
