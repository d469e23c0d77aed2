// The instrumented app (NodeSDK + instrumentation-http + otel-arrow's Arrow processors and
// OTAP exporters) against the Go Collector's otelarrow receiver (test/interop/collector):
// every span, log record and data point the SDK produced must come out of the Collector's
// file exporters.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalDiff, countItems } from '../../src/otlp/canonical.js';
import type { Signal } from '../../src/otlp/model.js';
import {
  freePort, hasGoCollector, otelarrowToFileYaml, startGoCollector, waitForFileItems, type GoCollector,
} from '../interop/go-collector.js';
import { goEquivalent } from '../interop/go-equivalence.js';
import { backendRows } from '../support/backends.js';
import { runInstrumentedApp } from '../support/instrumented-app.js';

describe.skipIf(!hasGoCollector() && !process.env.CI)('instrumented app -> Go Collector otelarrow receiver', () => {
  let collector: GoCollector;
  let port = 0;
  let dir = '';
  const out = (s: Signal) => path.join(dir, `${s}.json`);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-sdk-go-'));
    port = await freePort();
    collector = await startGoCollector(otelarrowToFileYaml(port, out), { readyTimeoutMs: 300_000 });
  }, 900_000);
  afterAll(async () => {
    await collector?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // One Rust backend is enough here (the codec is conformance-tested on all of them).
  it.each(backendRows(['native', 'js']).slice(0, 1))('Arrow processors on the %s backend: everything arrives', async (backend) => {
    const app = await runInstrumentedApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_ARROW_BACKEND: backend, APP_PROCESSOR: 'arrow', APP_REQUESTS: '30',
    });
    expect(app.transport.mode).toBe('otap');
    const traces = await waitForFileItems('traces', out('traces'), app.counts.spans);
    const logs = await waitForFileItems('logs', out('logs'), app.counts.logs);
    const metrics = await waitForFileItems('metrics', out('metrics'), countItems('metrics', app.metrics));
    // Less what the Go reference does not carry (test/interop/go-equivalence.ts: map order).
    expect(canonicalDiff('traces', goEquivalent('traces', traces), goEquivalent('traces', app.traces))).toBeUndefined();
    expect(canonicalDiff('logs', goEquivalent('logs', logs), goEquivalent('logs', app.logs))).toBeUndefined();
    expect(canonicalDiff('metrics', goEquivalent('metrics', metrics), goEquivalent('metrics', app.metrics))).toBeUndefined();
  }, 180_000);
});
