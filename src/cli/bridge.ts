// `otap bridge`: OTLP (gRPC + HTTP) in, OTAP out, with live stats once a second while data
// moves (none with --quiet) and a final summary; `--demo` adds a local downstream and a load generator (see src/bridge/demo.ts).
import { Bridge, totals, type BridgeStats } from '../bridge/bridge.js';
import { configFromEnv, configFromFile, resolveConfig, parseEndpoint, type BridgeConfig } from '../bridge/config.js';
import { runBridgeDemo, type DemoResult } from '../bridge/demo.js';
import { SIGNALS } from '../bridge/loadgen.js';
import { LiveStats } from './live-stats.js';
import type { BackendOption } from '../backend/types.js';
import { formatBytes, table } from './progress.js';

export interface BridgeCommandOptions {
  config?: string;
  listen?: string;
  http?: string;
  to?: string;
  demo?: boolean;
  durationMs?: number;
  rate?: number;
  /** No live stats lines (the summary is still printed at the end). */
  quiet?: boolean;
  /** Codec backend (--backend). */
  backend?: BackendOption;
}

/** "15s", "500ms", "2m", "20" (seconds) -> milliseconds; undefined when malformed. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000));
}

function layers(o: BridgeCommandOptions): Partial<BridgeConfig>[] {
  const flags: Partial<BridgeConfig> = {};
  if (o.listen) flags.listen = o.listen;
  if (o.http) flags.http = /^(none|off|false)$/i.test(o.http) ? false : o.http;
  if (o.to) {
    const { address, tls } = parseEndpoint(o.to);
    flags.to = address;
    if (tls) flags.tls = true;
  }
  if (o.backend) flags.backend = o.backend;
  return [configFromEnv(), ...(o.config ? [configFromFile(o.config)] : []), flags];
}

const log = (line: string): void => void process.stderr.write(line + '\n');

export async function runBridgeCommand(o: BridgeCommandOptions): Promise<number> {
  if (o.demo) return runDemoCommand(o);
  const config = resolveConfig(layers(o));
  const bridge = new Bridge(config);
  const { grpcPort, httpPort } = await bridge.start();
  const host = config.listen.replace(/:\d+$/, '');
  log(`otap bridge: OTLP/gRPC ${host}:${grpcPort}${httpPort !== undefined ? `, OTLP/HTTP ${host}:${httpPort}` : ''} -> OTAP ${config.to}` +
    ` (gRPC ${config.compression}${config.payloadCompression === 'zstd' ? ', payload zstd' : ''}); Ctrl-C to stop`);
  const t0 = Date.now();
  const live = new LiveStats();
  const ticker = o.quiet ? undefined : setInterval(() => {
    const s = bridge.stats;
    const line = live.tick(Date.now() - t0, s, s.wireBytesOut !== undefined ? { in: s.otlpBytesIn, out: s.wireBytesOut } : undefined);
    if (line) log(line);
  }, 1000);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (o.durationMs !== undefined) setTimeout(stop, o.durationMs).unref();
  });
  if (ticker) clearInterval(ticker);
  log('otap bridge: shutting down (waiting for exports in flight)');
  await bridge.shutdown();
  console.log(summaryTable(bridge.stats, Date.now() - t0));
  return 0;
}

function summaryTable(s: BridgeStats, elapsedMs: number): string {
  const rows = [['signal', 'batches in', 'records in', 'acked', 'failed']];
  for (const sig of SIGNALS) {
    rows.push([sig, String(s.received[sig].batches), String(s.received[sig].records), String(s.acked[sig].records), String(s.failed[sig].records)]);
  }
  const t = [totals(s.received), totals(s.acked), totals(s.failed)] as const;
  rows.push(['total', String(t[0].batches), String(t[0].records), String(t[1].records), String(t[2].records)]);
  const lines = [
    '', table(rows), '',
    `OTLP in:  ${formatBytes(s.otlpBytesIn)} (protobuf messages; gRPC ${s.byProtocol['otlp-grpc']} / HTTP ${s.byProtocol['otlp-http']} requests)`,
    ...(s.json.requests > 0
      ? [`          of which ${s.json.requests} OTLP/JSON requests, counted at their protobuf size (${formatBytes(s.json.textBytes)} of JSON text received)`]
      : []),
    `OTAP out: ${formatBytes(s.otapBytesOut)} (BatchArrowRecords before gRPC compression; ${s.retries} retries)` +
      (s.otapBytesOut ? `, ${(s.otlpBytesIn / s.otapBytesOut).toFixed(2)}x smaller` : ''),
  ];
  if (s.wireBytesOut !== undefined) lines.push(`OTAP on the wire: ${formatBytes(s.wireBytesOut)}`);
  lines.push(`${(t[0].records / Math.max(1, elapsedMs / 1000)).toFixed(0)} records/s over ${(elapsedMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

async function runDemoCommand(o: BridgeCommandOptions): Promise<number> {
  const durationMs = o.durationMs ?? 15_000;
  const rate = o.rate ?? 6000;
  log(`otap bridge --demo: load generator (OTLP/gRPC + zstd, ${rate} records/s, ${(durationMs / 1000).toFixed(0)} s)` +
    ` -> bridge (OTLP -> OTAP) -> local OTAP receiver, all on loopback`);
  const live = new LiveStats();
  const result = await runBridgeDemo({
    durationMs,
    rate,
    config: [configFromEnv(), ...(o.config ? [configFromFile(o.config)] : []), ...(o.backend ? [{ backend: o.backend }] : [])],
    ...(o.quiet ? {} : {
      onTick: (d) => {
        const line = live.tick(d.elapsedMs, d.bridge.stats, { in: d.wireIn, out: d.wireOut });
        if (line) log(line);
      },
    }),
  });
  console.log(demoSummary(result));
  return result.ok ? 0 : 1;
}

function demoSummary(r: DemoResult): string {
  const rows = [['signal', 'batches', 'records sent', 'acked', 'at downstream', 'verified batches', 'failed']];
  for (const s of SIGNALS) {
    rows.push([s, String(r.load.sent[s].batches), String(r.load.sent[s].records), String(r.load.acked[s].records),
      String(r.downstream[s].records), String(r.verified[s]), String(r.load.failed[s].records)]);
  }
  const sent = totals(r.load.sent);
  const acked = totals(r.load.acked);
  const down = totals(r.downstream);
  rows.push(['total', String(sent.batches), String(sent.records), String(acked.records), String(down.records),
    String(r.verified.traces + r.verified.logs + r.verified.metrics), String(totals(r.load.failed).records)]);
  const b = r.bridge;
  const bytes = [
    ['', 'OTLP in', 'OTAP out', 'reduction'],
    ['messages (uncompressed)', formatBytes(b.otlpBytesIn), formatBytes(b.otapBytesOut), ratio(b.otlpBytesIn, b.otapBytesOut)],
    ['on the wire (gRPC + zstd)', formatBytes(r.wireIn), formatBytes(r.wireOut), ratio(r.wireIn, r.wireOut)],
  ];
  return [
    '',
    `Bridge demo: ${(r.durationMs / 1000).toFixed(1)} s, batches of ${r.batchSize} records, ${(sent.records / (r.durationMs / 1000)).toFixed(0)} records/s` +
      (r.load.behind ? ` (${r.load.behind} batches skipped: the pipeline fell behind the rate)` : ''),
    '',
    table(rows),
    '',
    table(bytes),
    `retries ${b.retries}`,
    '',
    r.ok
      ? 'OK: every acknowledged record reached the downstream; sampled batches arrived equal to what was sent (canonical OTLP).'
      : `FAILED:\n  ${r.problems.join('\n  ')}`,
  ].join('\n');
}

function ratio(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}x` : '-';
}
