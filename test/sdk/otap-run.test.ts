// The instrumented app (Arrow processors, OTAP exporters) sending to `otap run` (the built
// CLI) with the README's receiver:otap config plus a file exporter: everything the SDK made
// is in the files.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import type { Signal } from '../../src/otlp/model.js';
import { decodeOtlpJson, mergeRequests } from '../../src/otlp/signal-codec.js';
import { freePort } from '../interop/go-collector.js';
import { requireDist } from '../support/dist.js';
import { runInstrumentedApp } from '../support/instrumented-app.js';
import { startOtapRun } from '../support/otap-run.js';

describe('instrumented app -> otap run (receiver:otap -> exporter:file)', () => {
  it('every span, log record and data point lands in the files', async () => {
    requireDist();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-sdk-run-'));
    const port = await freePort();
    const run = await startOtapRun(`version: otel_dataflow/v1
groups:
  default:
    pipelines:
      main:
        nodes:
          otap: { type: receiver:otap, config: { listening_addr: "127.0.0.1:${port}", response_stream_channel_size: 64, wait_for_result: true } }
          file: { type: exporter:file, config: { path: "${tmp}/{signal}-{core_id}-{generation}.jsonl" } }
        connections: [{ from: otap, to: file }]
`, ['--num-cores', '1', '--quiet']);
    let app;
    try {
      app = await runInstrumentedApp({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, APP_PROCESSOR: 'arrow', APP_REQUESTS: '25' });
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }
    const read = <S extends Signal>(signal: S) =>
      mergeRequests(signal, fs.readFileSync(path.join(tmp, `${signal}-0-0.jsonl`), 'utf8').trim().split('\n').map((l) => decodeOtlpJson(signal, l)));
    expect(canonicalDiff('traces', read('traces'), app.traces)).toBeUndefined();
    expect(canonicalDiff('logs', read('logs'), app.logs)).toBeUndefined();
    expect(canonicalDiff('metrics', read('metrics'), app.metrics)).toBeUndefined();
    expect(run.stderr()).toContain('nothing lost');
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 120_000);
});
