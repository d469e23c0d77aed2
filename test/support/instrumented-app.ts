// Runs test/sdk/fixtures/instrumented-app.ts in a child process (as an application runs)
// and reads what it captured in-process.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeLogsRequest, decodeMetricsRequest, decodeTracesRequest } from '../../src/otlp/protobuf/index.js';
import { mergeRequests } from '../../src/otlp/signal-codec.js';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from '../../src/otlp/model.js';

const APP = join(import.meta.dirname, '..', 'sdk', 'fixtures', 'instrumented-app.ts');

export interface AppCapture {
  traces: ExportTraceServiceRequest;
  logs: ExportLogsServiceRequest;
  metrics: ExportMetricsServiceRequest;
  counts: { spans: number; logs: number };
  transport: { traces: { batches: number; items: number }; logs: { batches: number; items: number }; mode: string };
  dropped?: { spans: number; logs: number };
  stderr: string;
}

export async function runInstrumentedApp(env: Record<string, string>): Promise<AppCapture> {
  const file = join(mkdtempSync(join(tmpdir(), 'otap-app-')), 'capture.json');
  const stderr = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', APP], {
      env: { ...process.env, APP_CAPTURE_FILE: file, OTEL_LOG_LEVEL: 'warn', ...env }, timeout: 90_000,
    }, (err, _stdout, stderr) => (err ? reject(new Error(`instrumented app failed: ${err.message}\n${stderr}`)) : resolve(stderr)));
  });
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { traces: string; logs: string; metrics: string[] } & Omit<AppCapture, 'traces' | 'logs' | 'metrics' | 'stderr'>;
  const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
  return {
    ...raw,
    traces: decodeTracesRequest(bytes(raw.traces)),
    logs: decodeLogsRequest(bytes(raw.logs)),
    metrics: mergeRequests('metrics', raw.metrics.map((m) => decodeMetricsRequest(bytes(m)))),
    stderr,
  };
}
