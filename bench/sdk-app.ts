// The instrumented HTTP server of bench/sdk.ts (one process per variant). Every request makes
// a server span (instrumentation-http) and CHILD_SPANS child spans with attributes, like an
// application doing database and cache calls. Variants (BENCH_VARIANT):
//   none        spans are recorded and ended, then dropped by a no-op processor (the baseline)
//   otlp-grpc   BatchSpanProcessor + @opentelemetry/exporter-trace-otlp-grpc
//   otlp-proto  BatchSpanProcessor + @opentelemetry/exporter-trace-otlp-proto, gzip
//   otap-batch  BatchSpanProcessor + OtapTraceExporter
//   otap-arrow  ArrowSpanProcessor + OtapTraceExporter
// Prints `ready <port>`, measures from `start` to `stop` on stdin (after a flush), prints the
// stats as JSON and exits.
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import * as readline from 'node:readline';

const require = createRequire(import.meta.url);
const fromSdk = createRequire(require.resolve('@opentelemetry/sdk-node'));
const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
const { BatchSpanProcessor } = fromSdk('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
type SpanExporter = import('@opentelemetry/sdk-trace').SpanExporter;
type SpanProcessor = import('@opentelemetry/sdk-trace').SpanProcessor;

// tsx turns source maps on; every Error stack (grpc-js takes one per call) would then be
// mapped, a cost the application would not have in production.
process.setSourceMapsEnabled(false);

const variant = process.env.BENCH_VARIANT ?? 'none';
const endpoint = process.env.BENCH_ENDPOINT ?? '127.0.0.1:4317';
const CHILD_SPANS = 9;

async function processors(): Promise<SpanProcessor[]> {
  const batch = (exporter: SpanExporter) => new BatchSpanProcessor({ exporter, maxQueueSize: 8192, maxExportBatchSize: 512, scheduledDelayMillis: 1000 });
  switch (variant) {
    case 'otlp-grpc': {
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
      return [batch(new OTLPTraceExporter({ url: `http://${endpoint}` }))];
    }
    case 'otlp-proto': {
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
      return [batch(new OTLPTraceExporter({ url: `http://${endpoint}/v1/traces`, compression: 'gzip' as never }))]; // CompressionAlgorithm.GZIP (a string enum)
    }
    case 'otap-batch':
    case 'otap-arrow': {
      // The built package, as applications load it (npm run build).
      const built = new URL('../dist/sdk/index.js', import.meta.url).href;
      const otap = (await import(built)) as typeof import('../src/sdk/index.js');
      const exporter = new otap.OtapTraceExporter({ url: `http://${endpoint}` });
      return variant === 'otap-batch'
        ? [batch(exporter)]
        : [new otap.ArrowSpanProcessor({ exporter, maxQueueSize: 8192, maxExportBatchSize: 512, scheduledDelayMillis: 1000 })];
    }
    default:
      // A processor that drops every span: the SDK still records them (with no processor at
      // all NodeSDK installs no tracer provider and spans would not even be created).
      return [{ onStart: () => {}, onEnd: () => {}, forceFlush: async () => {}, shutdown: async () => {} }];
  }
}

process.env.OTEL_METRICS_EXPORTER = 'none';
process.env.OTEL_LOGS_EXPORTER = 'none';
process.env.OTEL_TRACES_EXPORTER = 'none';
const sdk = new NodeSDK({ serviceName: 'bench-sdk-app', spanProcessors: await processors(), instrumentations: [new HttpInstrumentation()], resourceDetectors: [] });
sdk.start();

const http = require('node:http') as typeof import('node:http');
const tracer = api.trace.getTracer('bench-app', '1.0.0');
const ops = ['SELECT', 'GET', 'SET', 'INSERT', 'UPDATE'];
let spans = 0;
const server = http.createServer((req, res) => {
  const route = req.url ?? '/';
  for (let i = 0; i < CHILD_SPANS; i++) {
    const span = tracer.startSpan(`${ops[i % ops.length]} item`, {
      kind: api.SpanKind.CLIENT,
      attributes: {
        'db.system': i % 2 ? 'redis' : 'postgresql', 'db.operation': ops[i % ops.length], 'db.name': 'shop',
        'server.address': 'db.internal', 'server.port': 5432, 'app.route': route, 'app.item.id': (spans + i) % 1000, 'app.cache.hit': i % 3 === 0,
      },
    });
    span.end();
  }
  spans += CHILD_SPANS + 1;
  res.end('ok');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
console.log(`ready ${(server.address() as { port: number }).port}`);

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });
const loop = monitorEventLoopDelay({ resolution: 10 });
let heapMax = 0;
const heapTimer = setInterval(() => (heapMax = Math.max(heapMax, process.memoryUsage().heapUsed)), 200);

let startCpu = process.cpuUsage();
let startSpans = 0;
let startGc = 0;
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line === 'start') {
    startCpu = process.cpuUsage();
    startSpans = spans;
    startGc = gcMs;
    heapMax = 0;
    loop.reset();
    loop.enable();
  } else if (line === 'stop') {
    loop.disable();
    server.close();
    await sdk.shutdown(); // exports what is buffered: counted in the CPU
    const cpu = process.cpuUsage(startCpu);
    clearInterval(heapTimer);
    console.log(JSON.stringify({
      spans: spans - startSpans, cpuSeconds: (cpu.user + cpu.system) / 1e6, loopP99Ms: loop.percentile(99) / 1e6,
      heapMaxMiB: heapMax / 2 ** 20, gcMs: gcMs - startGc,
    }));
    process.exit(0);
  }
}
