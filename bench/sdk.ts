// OpenTelemetry JS SDK exporters under a fixed HTTP load: what each costs the application.
// bench/sdk-app.ts runs an instrumented server (10 spans per request) in its own process per
// variant; autocannon (in this process) drives it at a fixed rate; the exporters send through
// a TCP proxy here that counts the bytes on the wire, to a sink (OtapReceiver for gRPC, a
// plain HTTP handler for OTLP/HTTP). Per variant and iteration: wire bytes per span, the
// app's CPU-seconds per 1M spans above the no-export baseline (the exporter path), event-loop
// delay p99, peak heap used, GC time. Variants run interleaved; medians over iterations.
//   npm run build && npx tsx bench/sdk.ts [--iterations 3] [--seconds 10] [--rate 1000]
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as readline from 'node:readline';
import { OtapReceiver } from '../src/transport/receiver/receiver.js';
import { machineDescription, median, numberFlag, replaceSection } from './results.js';
import { idBytesPerSpan } from './sdk-id-floor.js';

const ITERATIONS = numberFlag('--iterations', 3);
const SECONDS = numberFlag('--seconds', 10);
const RATE = numberFlag('--rate', 1000);
/** bench/sdk-app.ts: one server span and 9 client spans per request. */
const SPANS_PER_REQUEST = 10;
const VARIANTS = ['none', 'otlp-grpc', 'otlp-proto', 'otap-batch', 'otap-arrow'] as const;
type Variant = (typeof VARIANTS)[number];
const LABEL: Record<Variant, string> = {
  none: 'spans recorded, then dropped (baseline)',
  'otlp-grpc': 'BatchSpanProcessor + exporter-trace-otlp-grpc',
  'otlp-proto': 'BatchSpanProcessor + exporter-trace-otlp-proto (gzip)',
  'otap-batch': 'BatchSpanProcessor + OtapTraceExporter',
  'otap-arrow': 'ArrowSpanProcessor + OtapTraceExporter',
};

interface AppStats { spans: number; cpuSeconds: number; loopP99Ms: number; heapMaxMiB: number; gcMs: number }
interface Run extends AppStats { wireBytes: number; received: number }

/** A TCP proxy to `port` counting client -> server bytes. */
async function countingProxy(port: number): Promise<{ port: number; bytes: () => number; reset: () => void; close: () => void }> {
  let bytes = 0;
  const server = net.createServer((client) => {
    const up = net.connect(port, '127.0.0.1');
    client.on('data', (d: Buffer) => (bytes += d.length));
    client.pipe(up).pipe(client);
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, bytes: () => bytes, reset: () => (bytes = 0), close: () => server.close() };
}

function line(child: ChildProcess, match: (l: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.on('line', (l) => {
      if (match(l)) {
        rl.close();
        resolve(l);
      }
    });
    child.once('exit', (code) => reject(new Error(`app exited (${code}) before printing the expected line`)));
  });
}

async function runOnce(variant: Variant, sinks: { grpc: number; http: number }, counted: { spans: number }): Promise<Run> {
  const proxy = await countingProxy(variant === 'otlp-proto' ? sinks.http : sinks.grpc);
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./sdk-app.ts', import.meta.url).pathname], {
    env: { ...process.env, BENCH_VARIANT: variant, BENCH_ENDPOINT: `127.0.0.1:${proxy.port}`, OTEL_LOG_LEVEL: 'error' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = Number((await line(child, (l) => l.startsWith('ready '))).split(' ')[1]);
  const load = (seconds: number) => autocannon({ url: `http://127.0.0.1:${port}/orders/42`, connections: 10, overallRate: RATE, duration: seconds });
  await load(2); // warm-up: JIT, streams opened, dictionaries filled
  await new Promise((r) => setTimeout(r, 1500));
  proxy.reset();
  counted.spans = 0;
  child.stdin!.write('start\n');
  await load(SECONDS);
  const stats = line(child, (l) => l.startsWith('{'));
  child.stdin!.write('stop\n');
  const app = JSON.parse(await stats) as AppStats;
  await new Promise((r) => setTimeout(r, 300));
  const run = { ...app, wireBytes: proxy.bytes(), received: counted.spans };
  proxy.close();
  return run;
}

async function main(): Promise<void> {
  const counted = { spans: 0 };
  const receiver = new OtapReceiver({ maxMessageBytes: 256 * 2 ** 20 }, async (b) => {
    if (b.signal === 'traces') counted.spans += b.payload.itemCount;
  });
  const grpcPort = (await receiver.start()).grpcPort;
  const httpSink = http.createServer((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => httpSink.listen(0, '127.0.0.1', r));
  const sinks = { grpc: grpcPort, http: (httpSink.address() as net.AddressInfo).port };

  const runs = new Map<Variant, Run[]>(VARIANTS.map((v) => [v, []]));
  for (let i = 0; i < ITERATIONS; i++) {
    for (const v of VARIANTS) {
      const r = await runOnce(v, sinks, counted);
      runs.get(v)!.push(r);
      console.error(`iteration ${i + 1}/${ITERATIONS} ${v}: ${r.spans} spans, ${(r.wireBytes / Math.max(1, r.spans)).toFixed(1)} B/span, cpu ${r.cpuSeconds.toFixed(2)} s, loop p99 ${r.loopP99Ms.toFixed(1)} ms, heap ${r.heapMaxMiB.toFixed(0)} MiB, gc ${r.gcMs.toFixed(0)} ms`);
    }
  }
  await receiver.shutdown();
  httpSink.close();

  const base = median(runs.get('none')!.map((r) => r.cpuSeconds / r.spans));
  const rows = VARIANTS.map((v) => {
    const rs = runs.get(v)!;
    const perSpan = median(rs.map((r) => r.cpuSeconds / r.spans));
    return {
      v, wire: median(rs.map((r) => r.wireBytes / r.spans)), exporterCpu: (perSpan - base) * 1e6,
      totalCpu: perSpan * 1e6, p99: median(rs.map((r) => r.loopP99Ms)), heap: median(rs.map((r) => r.heapMaxMiB)),
      gc: median(rs.map((r) => (r.gcMs / r.spans) * 1e3)), spans: median(rs.map((r) => r.spans)),
    };
  });
  const grpc = rows.find((r) => r.v === 'otlp-grpc')!;
  const proto = rows.find((r) => r.v === 'otlp-proto')!;
  const table = [
    '| variant | spans / run | wire bytes / span | vs OTLP+gzip | app CPU-s / 1M spans | exporter path CPU-s / 1M spans | vs OTLP gRPC | event-loop p99 (ms) | peak heap (MiB) | GC ms / 1k spans |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${LABEL[r.v]} | ${r.spans.toFixed(0)} | ${r.v === 'none' ? '-' : r.wire.toFixed(1)} | ${r.v === 'none' ? '-' : `${(proto.wire / r.wire).toFixed(2)}x fewer`} | ${r.totalCpu.toFixed(1)} | ${r.v === 'none' ? '-' : r.exporterCpu.toFixed(1)} | ${r.v === 'none' ? '-' : (r.exporterCpu / grpc.exporterCpu).toFixed(2)} | ${r.p99.toFixed(1)} | ${r.heap.toFixed(0)} | ${r.gc.toFixed(2)} |`),
  ].join('\n');
  const ours = rows.filter((r) => r.v === 'otap-batch' || r.v === 'otap-arrow');
  const best = Math.min(...ours.map((r) => r.wire));
  const floor = idBytesPerSpan(SPANS_PER_REQUEST);
  const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
  const targets = [
    `- CPU per span of the exporter path <= 0.5x OTLP gRPC's: ${ours.map((r) => `${LABEL[r.v]} ${(r.exporterCpu / grpc.exporterCpu).toFixed(2)}x ${met(r.exporterCpu <= 0.5 * grpc.exporterCpu)}`).join('; ')}.`,
    `- Event-loop p99 no worse than OTLP gRPC's (${grpc.p99.toFixed(1)} ms): ${ours.map((r) => `${LABEL[r.v]} ${r.p99.toFixed(1)} ms ${met(r.p99 <= grpc.p99)}`).join('; ')}.`,
    `- Wire bytes per span >= 3x fewer than OTLP+gzip's (${proto.wire.toFixed(1)} B, so <= ${(proto.wire / 3).toFixed(1)} B): ${best.toFixed(1)} B, ${(proto.wire / best).toFixed(2)}x fewer, ${met(best * 3 <= proto.wire)}. ` +
      `Not reachable by any lossless encoding of this workload: the random span and trace ids alone take ${floor.toFixed(2)} B/span after zstd -19 (bench/sdk-id-floor.ts), before timestamps, names, attributes and framing.`,
  ].join('\n');
  const body = `Command: \`npx tsx bench/sdk.ts --iterations ${ITERATIONS} --seconds ${SECONDS} --rate ${RATE}\`. Machine: ${machineDescription()}. Date: ${new Date().toISOString().slice(0, 10)}.

An HTTP server instrumented with NodeSDK 0.301 + instrumentation-http, 10 spans per request
(1 server span, 9 client spans with 8 attributes each), under autocannon at ${RATE} requests/s
(${RATE * SPANS_PER_REQUEST} spans/s) for ${SECONDS} s after a 2 s warm-up; one app process per variant, variants
interleaved, medians over ${ITERATIONS} iterations. Wire bytes: everything the exporter sent on its
TCP connections (a counting proxy; HTTP/2 framing and headers included). Exporter-path CPU: the
app's CPU per span minus the no-export baseline's. Event-loop p99: monitorEventLoopDelay over
the measured window. The OTAP exporters use the default backend (native) and gRPC zstd.

${table}

Targets:
${targets}
`;
  replaceSection('sdk', 'SDK exporters: the cost to an instrumented app (bench/sdk.ts)', body);
  console.log(table);
}

await main();
