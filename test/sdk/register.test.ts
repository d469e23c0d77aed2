// `node --import otel-arrow/sdk/register app` from the built package (dist/sdk/register.js and
// .cjs): an application without a line of OpenTelemetry set-up exports its HTTP spans, log
// records and metrics over OTAP, flushed when it exits; OTEL_SDK_DISABLED=true starts nothing.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { mergeRequests } from '../../src/otlp/signal-codec.js';
import { OtapReceiver } from '../../src/transport/receiver/receiver.js';
import { requireDist, ROOT } from '../support/dist.js';

const APP = path.join(import.meta.dirname, 'fixtures', 'plain-app.cjs');
let receiver: OtapReceiver;
let port = 0;
let got: { [S in Signal]: SignalRequest[S][] };
const protocols = new Set<string>();

beforeAll(async () => {
  requireDist();
  receiver = new OtapReceiver({}, async (b) => {
    protocols.add(b.protocol);
    (got[b.signal] as unknown[]).push(b.request);
  });
  port = (await receiver.start()).grpcPort;
});
afterAll(() => receiver.shutdown());

function run(flag: '--import' | '--require', entry: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [flag, entry, APP], {
      cwd: ROOT, timeout: 60_000,
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'plain-app', OTEL_LOG_LEVEL: 'warn', ...env },
    }, (err, _out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stderr)));
  });
}

describe('otel-arrow/sdk/register', () => {
  it.each([
    ['--import', 'dist/sdk/register.js'],
    ['--require', 'dist/sdk/register.cjs'],
  ] as const)('%s %s: spans, log records and metrics of an uninstrumented app arrive over OTAP', async (flag, entry) => {
    got = { traces: [], logs: [], metrics: [] };
    protocols.clear();
    await run(flag, path.join(ROOT, entry));
    const traces = mergeRequests('traces', got.traces);
    const spans = traces.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(spans.filter((s) => s.kind === 2)).toHaveLength(5); // SERVER spans of instrumentation-http
    expect(spans.filter((s) => s.kind === 3)).toHaveLength(5); // CLIENT spans
    const service = traces.resourceSpans[0]!.resource.attributes.find((a) => a.key === 'service.name')?.value;
    expect(service).toEqual({ type: 'string', value: 'plain-app' });
    const logs = mergeRequests('logs', got.logs).resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords));
    expect(logs.map((l) => l.body).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))))
      .toEqual([0, 1, 2, 3, 4].map((i) => ({ type: 'string', value: `hit /p${i}` })));
    expect(logs.every((l) => l.traceId.length === 16)).toBe(true); // emitted inside the server span
    const metrics = mergeRequests('metrics', got.metrics).resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const hits = metrics.find((m) => m.name === 'plain.hits');
    expect(hits?.data.type).toBe('sum');
    expect(hits?.data.type === 'sum' ? hits.data.dataPoints.reduce((n, p) => n + (p.value.type === 'int' ? Number(p.value.value) : p.value.type === 'double' ? p.value.value : 0), 0) : 0).toBe(5);
    expect([...protocols]).toEqual(['otap']);
  }, 90_000);

  it('OTEL_SDK_DISABLED=true starts nothing', async () => {
    got = { traces: [], logs: [], metrics: [] };
    await run('--import', path.join(ROOT, 'dist/sdk/register.js'), { OTEL_SDK_DISABLED: 'true' });
    expect(got.traces.length + got.logs.length + got.metrics.length).toBe(0);
  }, 60_000);
});
