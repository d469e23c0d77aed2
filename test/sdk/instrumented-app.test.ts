// A real instrumented HTTP app (NodeSDK + @opentelemetry/instrumentation-http, in a child
// process) sends traces, logs and metrics through otel-arrow's SDK exporters to an
// OtapReceiver. Everything the SDK produced (recorded in the app's own process) must arrive,
// attributes, events, links, status, resource and scope included, on every backend and with
// both the Arrow processors and the SDK's batch processors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { mergeRequests } from '../../src/otlp/signal-codec.js';
import { OtapReceiver } from '../../src/transport/receiver/receiver.js';
import { backendRows } from '../support/backends.js';
import { runInstrumentedApp } from '../support/instrumented-app.js';

const received: { [S in Signal]: SignalRequest[S][] } = { traces: [], logs: [], metrics: [] };
const protocols = new Set<string>();
let receiver: OtapReceiver;
let port = 0;

beforeAll(async () => {
  receiver = new OtapReceiver({}, async (batch) => {
    protocols.add(batch.protocol);
    (received[batch.signal] as unknown[]).push(batch.request);
  });
  port = (await receiver.start()).grpcPort;
});
afterAll(() => receiver.shutdown());

function takeReceived<S extends Signal>(signal: S): SignalRequest[S] {
  const all = received[signal] as SignalRequest[S][];
  received[signal] = [];
  return mergeRequests(signal, all);
}

describe.each(backendRows())('instrumented app -> OtapReceiver (%s backend)', (backend) => {
  it.each(['arrow', 'batch'])('%s processors: every span, log record and data point arrives intact', async (processor) => {
    protocols.clear();
    const app = await runInstrumentedApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_ARROW_BACKEND: backend, APP_PROCESSOR: processor, APP_REQUESTS: '40',
    });
    // 40 client spans + 40 server spans + 40 db spans; one log record per request.
    expect(app.counts).toEqual({ spans: 120, logs: 40 });
    expect(app.transport.mode).toBe('otap');
    expect([...protocols]).toEqual(['otap']);
    expect(canonicalDiff('traces', takeReceived('traces'), app.traces)).toBeUndefined();
    expect(canonicalDiff('logs', takeReceived('logs'), app.logs)).toBeUndefined();
    const metrics = takeReceived('metrics');
    expect(metrics.resourceMetrics[0]!.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name)).sort())
      .toEqual(expect.arrayContaining(['app.body.size', 'app.requests']));
    expect(canonicalDiff('metrics', metrics, app.metrics)).toBeUndefined();
    if (app.dropped) expect(app.dropped).toEqual({ spans: 0, logs: 0 });
  }, 120_000);
});
