// `otap bridge`: OTLP (gRPC + HTTP) in, OTAP out. The bridge's settings become a built-in
// otel_dataflow/v1 pipeline (src/bridge/dataflow-config.ts) that `otap run` executes, with
// its live line per second and summary; `--print-config` prints that document instead.
// `--demo` runs the embeddable Bridge between a load generator and a local downstream
// (see src/bridge/demo.ts).
import { totals, type BridgeStats } from '../bridge/bridge.js';
import { bridgeDataflowYaml } from '../bridge/dataflow-config.js';
import { runCommand } from './run.js';
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
  /** Print the built-in pipeline document and exit. */
  printConfig?: boolean;
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
  const yaml = bridgeDataflowYaml(config);
  if (o.printConfig) {
    process.stdout.write(yaml);
    return 0;
  }
  if (config.wireStats) log('otap bridge: "wireStats" is not counted by the pipeline bridge (its summary gives bytes in and out); --demo shows wire bytes');
  log(`otap bridge: OTLP/gRPC ${config.listen}${config.http !== false ? `, OTLP/HTTP ${config.http}` : ''} -> OTAP ${config.to}` +
    ` (gRPC ${config.compression}${config.payloadCompression === 'zstd' ? ', payload zstd' : ''}); built-in pipeline (--print-config shows it)`);
  return runCommand({
    builtin: { text: yaml, source: '(otap bridge built-in config)' },
    ...(o.durationMs !== undefined ? { durationMs: o.durationMs } : {}),
    ...(config.backend ? { backend: config.backend } : {}),
    quiet: o.quiet ?? false,
  });
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
