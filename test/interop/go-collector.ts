// Driver for `otelcol-interop` (test/interop/collector), a small OpenTelemetry Collector
// built from the published Collector modules, used by the live interop tests in
// test/transport/go-collector-interop.test.ts. See test/interop/collector/README.md.
// Node built-ins and our own OTLP codecs only.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { countItems } from '../../src/otlp/canonical.js';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from '../../src/otlp/json/index.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { mergeRequests } from '../../src/otlp/signal-codec.js';
import { goProgramBinary, goProgramCacheDir, hasGoToolchain, type GoProgram } from './go-build.js';

/** Directory of the Go module (go.mod, go.sum, *.go). */
export const GO_COLLECTOR_SOURCE_DIR = fileURLToPath(new URL('./collector/', import.meta.url));

/** Environment variable naming a prebuilt binary to use instead of building. */
export const GO_COLLECTOR_ENV = 'OTAP_GO_COLLECTOR';

const BINARY_NAME = 'otelcol-interop';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const PROGRAM: GoProgram = { sourceDir: GO_COLLECTOR_SOURCE_DIR, cacheName: 'go-collector', binaryName: BINARY_NAME, buildFlags: ['-trimpath'], prebuiltEnv: GO_COLLECTOR_ENV };

/** True when the binary can be obtained: OTAP_GO_COLLECTOR is set or `go` is on PATH. */
export function hasGoCollector(): boolean {
  return Boolean(process.env[GO_COLLECTOR_ENV]) || hasGoToolchain();
}

/** `${XDG_CACHE_HOME ?? ~/.cache}/otel-arrow/go-collector/<sha256 of go.mod, go.sum, *.go>/`. */
export function goCollectorCacheDir(): string {
  return goProgramCacheDir(PROGRAM);
}

/**
 * Path of the `otelcol-interop` binary, built with `go build` on first use and cached by
 * source hash (OTAP_GO_COLLECTOR overrides; see go-build.ts). The first build compiles the
 * Collector and its dependencies (minutes on two cores).
 */
export function goCollectorBinary(): Promise<string> {
  return goProgramBinary(PROGRAM);
}

/** A free TCP port on 127.0.0.1 (closed again before returning; the usual small race). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** `n` distinct free loopback ports. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Ports of the `endpoint: 127.0.0.1:N` lines in the top-level `receivers:` section. */
export function receiverPorts(configYaml: string): number[] {
  const m = /^receivers:[ \t]*\n((?:[ \t]+.*\n|[ \t]*\n)*)/m.exec(configYaml.endsWith('\n') ? configYaml : `${configYaml}\n`);
  if (!m) return [];
  return [...m[1]!.matchAll(/endpoint:\s*["']?127\.0\.0\.1:(\d+)/g)].map((x) => Number(x[1]));
}

export interface GoCollector {
  /** SIGTERM (graceful: the file exporter flushes), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Everything the collector wrote to stdout and stderr so far. */
  logs(): string;
  /** Path of the config file written for it. */
  readonly configFile: string;
  readonly pid: number;
}

export interface StartOptions {
  /** Ports to wait for; default: the receivers' 127.0.0.1 endpoints in the config. */
  ports?: number[];
  /** Default 60 s. */
  readyTimeoutMs?: number;
  /** Pin the collector to these CPUs (`taskset -c`, which execs it: same pid), e.g. "0". */
  cpus?: string;
}

/**
 * Writes the config to a temporary file, starts the collector with `--config`, and
 * resolves once every receiver port accepts connections (the Collector starts its
 * receivers last, so the pipelines behind them are running by then). Rejects with the
 * collector's output if it exits first or does not get ready in time.
 */
export async function startGoCollector(configYaml: string, options: StartOptions = {}): Promise<GoCollector> {
  const bin = await goCollectorBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otelcol-interop-'));
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(configFile, configYaml);
  const ports = options.ports ?? receiverPorts(configYaml);
  const argv = ['--config', configFile];
  const child = options.cpus
    ? spawn('taskset', ['-c', options.cpus, bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  child.once('error', (e) => (output += `\nspawn error: ${e.message}\n`));

  const stop = async (graceMs = 15_000): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exit.then(() => false), sleep(graceMs).then(() => true)]);
      if (killed && !exited) {
        child.kill('SIGKILL');
        await exit;
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  const pending = new Set(ports);
  while (pending.size > 0) {
    if (exited) {
      await stop();
      throw new Error(`otelcol-interop exited (${exited.code ?? exited.signal}) before its receivers were ready:\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop(2000);
      throw new Error(`otelcol-interop: receiver ports ${[...pending].join(', ')} not ready in time:\n${output}`);
    }
    for (const p of [...pending]) if (await accepts(p)) pending.delete(p);
    if (pending.size > 0) await sleep(100);
  }
  return { stop, logs: () => output, configFile, pid: child.pid ?? -1 };
}

const JSON_DECODERS: { [S in Signal]: (text: string) => SignalRequest[S] } = {
  traces: decodeTracesJson,
  logs: decodeLogsJson,
  metrics: decodeMetricsJson,
};

/**
 * Reads the file exporter's output (format: json: one OTLP/JSON request per line) and
 * merges the lines into one request. A last line without its newline yet (being written)
 * is left out. A missing file reads as an empty request.
 */
export function readFileExporterJson<S extends Signal>(signal: S, file: string): { request: SignalRequest[S]; lines: number } {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  const lines = complete.split('\n').filter((l) => l.trim() !== '');
  const reqs = lines.map((l, i) => {
    try {
      return JSON_DECODERS[signal](l) as SignalRequest[S];
    } catch (e) {
      throw new Error(`${file}: line ${i + 1}: ${(e as Error).message}`);
    }
  });
  return { request: mergeRequests(signal, reqs), lines: lines.length };
}

/**
 * Polls the file exporter's output until it holds at least `items` spans / log records /
 * metric data points; resolves with the merged request (rejects on timeout, with what
 * was there).
 */
export async function waitForFileItems<S extends Signal>(
  signal: S,
  file: string,
  items: number,
  timeoutMs = 30_000,
): Promise<SignalRequest[S]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { request, lines } = readFileExporterJson(signal, file);
    const n = countItems(signal, request);
    if (n >= items) return request;
    if (Date.now() > deadline) throw new Error(`${file}: ${n} of ${items} ${signal} items after ${timeoutMs} ms (${lines} lines)`);
    await sleep(100);
  }
}

/**
 * `service::telemetry` YAML (indented for under `service:`): internal metrics off, or at
 * level detailed with a Prometheus pull reader on 127.0.0.1:`metricsPort` (see
 * scrapeMetrics). Either way no fixed port is bound.
 */
export function telemetryYaml(metricsPort?: number): string {
  const metrics = metricsPort === undefined
    ? '    metrics:\n      level: none\n'
    : `    metrics:\n      level: detailed\n      readers:\n        - pull:\n            exporter:\n              prometheus:\n                host: 127.0.0.1\n                port: ${metricsPort}\n`;
  return `  telemetry:\n${metrics}    logs:\n      level: info\n`;
}

/** Sums of the collector's Prometheus samples by metric name, over the series whose labels
 *  contain `labelFilter` (all series when absent). */
export async function scrapeMetrics(metricsPort: number, labelFilter?: string): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  if (!res.ok) throw new Error(`metrics: HTTP ${res.status}`);
  const sums = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    if (labelFilter !== undefined && !(m[2] ?? '').includes(labelFilter)) continue;
    sums.set(m[1]!, (sums.get(m[1]!) ?? 0) + Number(m[3]));
  }
  return sums;
}

/**
 * A collector config for the OTLP -> OTAP job: an OTLP/gRPC receiver on `otlpPort` feeding
 * the `arrowstream` exporter towards `downPort` (gRPC zstd), for all three signals.
 * `arrow` adds exporter settings under `arrow:` (e.g. { num_streams: 1 }).
 */
export function otlpToArrowstreamYaml(otlpPort: number, downPort: number, arrow: Record<string, string | number> = {}): string {
  const arrowBlock = Object.keys(arrow).length
    ? `    arrow:\n${Object.entries(arrow).map(([k, v]) => `      ${k}: ${v}\n`).join('')}`
    : '';
  return `
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${otlpPort}
        max_recv_msg_size_mib: 256
exporters:
  arrowstream:
    endpoint: 127.0.0.1:${downPort}
    tls:
      insecure: true
    compression: zstd
${arrowBlock}service:
${telemetryYaml()}
  pipelines:
${(['traces', 'logs', 'metrics'] as const).map((s) => `    ${s}:\n      receivers: [otlp]\n      exporters: [arrowstream]\n`).join('')}
`;
}

/**
 * A collector config for the OTAP -> file job: the contrib otelarrow receiver on `arrowPort`
 * feeding one file exporter per signal (OTLP/JSON lines at `out(signal)`, read with
 * waitForFileItems).
 */
export function otelarrowToFileYaml(arrowPort: number, out: (s: Signal) => string, telemetry = telemetryYaml()): string {
  const signals: Signal[] = ['traces', 'logs', 'metrics'];
  return `
receivers:
  otelarrow:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${arrowPort}
exporters:
${signals.map((s) => `  file/${s}:\n    path: ${out(s)}\n    format: json\n    flush_interval: 100ms\n`).join('')}
service:
${telemetry}
  pipelines:
${signals.map((s) => `    ${s}:\n      receivers: [otelarrow]\n      exporters: [file/${s}]\n`).join('')}
`;
}
