// `node --import otel-arrow/sdk/register app.js` (or `--require`): starts the OpenTelemetry
// NodeSDK with the OTAP exporters — ArrowSpanProcessor and ArrowLogRecordProcessor over
// persistent Arrow streams, a periodic metric reader — and the standard instrumentations
// when they are installed (@opentelemetry/auto-instrumentations-node, else
// @opentelemetry/instrumentation-http). NodeSDK does resource detection and reads the usual
// variables (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, ...); OTEL_SDK_DISABLED=true starts
// nothing; OTEL_{TRACES,LOGS,METRICS}_EXPORTER=none leaves that signal out.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { getLogger } from '../log/index.js';
import { ArrowLogRecordProcessor } from './arrow-log-record-processor.js';
import { ArrowSpanProcessor } from './arrow-span-processor.js';
import { OtapLogRecordExporter } from './log-exporter.js';
import { OtapMetricExporter } from './metric-exporter.js';
import { OtapTraceExporter } from './trace-exporter.js';

const log = getLogger('sdk-register');
// CJS bundle: __filename; ESM: import.meta.url. Packages resolve from the application.
const require = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
const appRequire = createRequire(`${process.cwd()}/`);

/** An installed package (the application's copy first) and a require() rooted at it, for
 *  the packages it depends on; undefined when it is not installed. */
function optional<T>(name: string): { module: T; require: NodeJS.Require } | undefined {
  for (const req of [appRequire, require]) {
    let path: string;
    try {
      path = req.resolve(name);
    } catch {
      continue;
    }
    return { module: req(path) as T, require: createRequire(path) };
  }
  return undefined;
}

interface SdkNode {
  NodeSDK: new (config: Record<string, unknown>) => { start(): void; shutdown(): Promise<void> };
}

interface SdkMetrics {
  PeriodicExportingMetricReader: new (o: { exporter: unknown; exportIntervalMillis?: number }) => unknown;
}

const enabled = (signal: string) => (process.env[`OTEL_${signal}_EXPORTER`] ?? '').trim().toLowerCase() !== 'none';

function instrumentations(): unknown[] {
  const auto = optional<{ getNodeAutoInstrumentations(): unknown[] }>('@opentelemetry/auto-instrumentations-node');
  if (auto) return auto.module.getNodeAutoInstrumentations();
  const http = optional<{ HttpInstrumentation: new () => unknown }>('@opentelemetry/instrumentation-http');
  return http ? [new http.module.HttpInstrumentation()] : [];
}

/** Lets instrumentations patch ES modules too (import-in-the-middle), when installed. */
function registerEsmHook(): void {
  try {
    const mod = require('node:module') as { register?: (specifier: string, parent: string) => void };
    const hook = appRequire.resolve('@opentelemetry/instrumentation/hook.mjs');
    mod.register?.(pathToFileURL(hook).href, pathToFileURL(`${process.cwd()}/`).href);
  } catch {
    // not installed: CommonJS modules are still instrumented
  }
}

function start(): void {
  if ((process.env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return;
  const sdkNode = optional<SdkNode>('@opentelemetry/sdk-node');
  if (!sdkNode) {
    log.error('otel-arrow/sdk/register needs @opentelemetry/sdk-node: npm install @opentelemetry/sdk-node');
    return;
  }
  registerEsmHook();
  const config: Record<string, unknown> = { instrumentations: instrumentations() };
  if (enabled('TRACES')) config.spanProcessors = [new ArrowSpanProcessor(new OtapTraceExporter())];
  if (enabled('LOGS')) config.logRecordProcessors = [new ArrowLogRecordProcessor(new OtapLogRecordExporter())];
  if (enabled('METRICS')) {
    // NodeSDK's own copy of sdk-metrics, so that its MeterProvider accepts the reader.
    const { PeriodicExportingMetricReader } = sdkNode.require('@opentelemetry/sdk-metrics') as SdkMetrics;
    const interval = Number(process.env.OTEL_METRIC_EXPORT_INTERVAL);
    config.metricReaders = [new PeriodicExportingMetricReader({
      exporter: new OtapMetricExporter(), ...(interval > 0 ? { exportIntervalMillis: interval } : {}),
    })];
  }
  const sdk = new sdkNode.module.NodeSDK(config);
  sdk.start();
  const stop = (signal: NodeJS.Signals) => {
    sdk.shutdown().catch((err: Error) => log.error(`shutdown failed: ${err.message}`)).finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('beforeExit', () => void sdk.shutdown());
}

try {
  start();
} catch (err) {
  // Telemetry set-up must never stop the application.
  log.error(`could not start the OpenTelemetry SDK with OTAP exporters: ${(err as Error).message}`);
}
