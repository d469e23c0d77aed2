// The Rust engine's example configs (test/fixtures/engine-configs, copied unchanged) through
// the built `otap run`: each validates, starts, takes the data a client would send (OTAP,
// OTLP/gRPC, OTLP/HTTP, with TLS/mTLS where the config asks), delivers it to local peers
// standing at the endpoints the config names, and drains on shutdown.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal } from '../../src/otlp/model.js';
import { encodeOtlp } from '../../src/otlp/signal-codec.js';
import { OtapExporter } from '../../src/transport/exporter/exporter.js';
import { otlpHttp } from '../../src/transport/http/otlp-http.js';
import { OtlpGrpcClient } from '../../src/transport/otlp-client.js';
import { OtapReceiver } from '../../src/transport/receiver/receiver.js';
import { OTAP_BIN, ROOT, requireDist } from '../support/dist.js';
import { hasOpenssl, makePki, type Pki } from '../support/pki.js';

const FIXTURES = path.join(ROOT, 'test/fixtures/engine-configs');
type Tls = 'tls' | 'mtls';
interface Peer { grpc?: number; http?: number; tls?: Tls }
interface Send { kind: 'otap' | 'otlp-grpc' | 'otlp-http'; port: number; tls?: Tls }
interface Case {
  peers?: Peer[];
  send?: Send[];
  /** Exit code of `otap run` (1 = it reports loss, e.g. an unreachable endpoint). */
  exit?: number;
  /** Something the peers or the output must show. */
  check?: (r: { peerItems: number; stdout: string; stderr: string }) => void;
}

const delivered = (r: { peerItems: number }) => expect(r.peerItems).toBeGreaterThan(0);
const exported = (node: string) => (r: { stderr: string }) => {
  const m = new RegExp(`${node} ([\\d,]+) in`).exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  expect(Number(m![1]!.replace(/,/g, ''))).toBeGreaterThan(0);
};

const CASES: Record<string, Case> = {
  'otap-noop': { send: [{ kind: 'otap', port: 4327 }], check: exported('perf_noop') },
  'otap-otap': { send: [{ kind: 'otap', port: 4317 }], peers: [{ grpc: 1235 }], check: delivered },
  'otap-otlp': { send: [{ kind: 'otap', port: 4317 }], peers: [{ grpc: 1235 }], check: delivered },
  'otap-perf': { send: [{ kind: 'otap', port: 4318 }], check: exported('perf') },
  'otap-route-otap': { send: [{ kind: 'otap', port: 4327 }, { kind: 'otap', port: 4329 }], peers: [{ grpc: 4328 }], check: delivered },
  'otlp-both-otlp': { send: [{ kind: 'otlp-grpc', port: 4317 }, { kind: 'otlp-http', port: 4318 }], peers: [{ grpc: 4319 }], check: delivered },
  'otlp-grpc-http-forward': { send: [{ kind: 'otlp-grpc', port: 4315 }, { kind: 'otlp-http', port: 4316 }], peers: [{ grpc: 4317, http: 4318 }], check: delivered },
  // Its exporter names a public host (obs.example.app), unreachable here: the batches fail and `otap run` says so.
  'otlp-http-headers': { send: [{ kind: 'otlp-http', port: 4318 }], exit: 1, check: (r) => expect(r.stderr).toMatch(/LOST: \d+ batches failed/) },
  'otlp-http-otlp': { send: [{ kind: 'otlp-http', port: 4318 }], peers: [{ grpc: 4319 }], check: delivered },
  'otlp-otap': { send: [{ kind: 'otlp-grpc', port: 4317 }], peers: [{ grpc: 4319 }], check: delivered },
  'otlp-otlp': { send: [{ kind: 'otlp-grpc', port: 4317 }], peers: [{ grpc: 4319 }], check: delivered },
  'otlp-perf': { send: [{ kind: 'otlp-grpc', port: 4318 }], check: exported('perf') },
  'test-mtls': { send: [{ kind: 'otlp-grpc', port: 4317, tls: 'mtls' }], peers: [{ grpc: 4319, tls: 'mtls' }], check: delivered },
  'test-tls-only': { send: [{ kind: 'otlp-grpc', port: 4317, tls: 'tls' }], peers: [{ grpc: 4319, tls: 'tls' }], check: delivered },
  'trafficgen-batch-console': { check: (r) => expect(r.stdout).toMatch(/\[(log|span|metric)\]/) },
  'trafficgen-batch-debug-noop': { check: exported('noop') },
  'trafficgen-file': { check: () => expect(fs.readdirSync('/tmp').some((f) => /^otel-capture-\w+-0-0\.jsonl$/.test(f))).toBe(true) },
  // base_uri /tmp, partitioned by _part_id: committed log files (flushed at shutdown) in /tmp/logs/_part_id=<uuid>/.
  'trafficgen-parquet': { check: () => expect(parquetFilesUnder('/tmp/logs').length).toBeGreaterThan(0) },
  'trafficgen-multi-tenant-perf': { check: exported('exporter') },
  'trafficgen-otap': { peers: [{ grpc: 4327 }], check: delivered },
  'trafficgen-otlp': { peers: [{ grpc: 4317 }], check: delivered },
  'trafficgen-perf': { check: exported('exporter') },
  'trafficgen-sample-debug': { check: exported('noop') },
  // Their rules match little of our generator's data: what counts is that the filter ran.
  'trafficgen-filter-debug-noop': { check: exported('filter') },
  'trafficgen-metric-filter-debug-noop': { check: exported('filter') },
};

function parquetFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => /(^|\/)_part_id=[\w-]+\/part-\d+-[\w-]+\.parquet$/.test(f));
}

const GEN = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
const SIGNALS: Signal[] = ['logs', 'traces', 'metrics'];
const tlsAvailable = hasOpenssl();
let pki: Pki | undefined;
let cwd = '';

beforeAll(() => {
  requireDist();
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-engine-configs-'));
  if (tlsAvailable) pki = makePki(fs.mkdirSync(path.join(cwd, 'test-certs'), { recursive: true })!);
});
afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

function clientTls(tls: Tls | undefined) {
  if (!tls || !pki) return undefined;
  return { ca: pki.ca, ...(tls === 'mtls' ? { cert: pki.clientCert, key: pki.clientKey } : {}) };
}

async function startPeer(p: Peer, count: (n: number) => void): Promise<OtapReceiver> {
  const tls = p.tls && pki ? { cert: pki.serverCert, key: pki.serverKey, ...(p.tls === 'mtls' ? { ca: pki.ca, requireClientCert: true } : {}) } : undefined;
  const r = new OtapReceiver({ grpcPort: p.grpc ?? 0, ...(p.http ? { httpPort: p.http, otlpHttp: otlpHttp() } : {}), ...(tls ? { tls } : {}) }, async (b) => count(b.payload.itemCount));
  await r.start();
  return r;
}

async function send(s: Send): Promise<void> {
  for (const signal of SIGNALS) {
    const req = GEN[signal]({ seed: 3, batchSize: 20 });
    if (s.kind === 'otlp-http') {
      const res = await fetch(`http://127.0.0.1:${s.port}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeOtlp(signal, req) });
      expect(res.status).toBe(200);
    } else if (s.kind === 'otlp-grpc') {
      const tls = clientTls(s.tls);
      const c = new OtlpGrpcClient({ endpoint: `127.0.0.1:${s.port}`, compression: 'none', ...(tls ? { tls } : {}) });
      try {
        await c.export(signal, req);
      } finally {
        c.close();
      }
    } else {
      const e = new OtapExporter({ endpoint: `127.0.0.1:${s.port}`, backend: 'native', numStreams: 1, disableDowngrade: true, retry: { maxElapsedMs: 3000 } });
      try {
        await e.export(signal, req);
      } finally {
        await e.shutdown({ timeoutMs: 2000 });
      }
    }
  }
}

/** Runs `otap run --config <fixture>` for `seconds` after it started, sending while it runs. */
async function runFixture(name: string, c: Case): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [OTAP_BIN, 'run', '--config', path.join(FIXTURES, `${name}.yaml`), '--duration', '3s', '--quiet'], {
    cwd, env: { ...process.env, OTEL_ARROW_BACKEND: 'native' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-200_000)));
  const started = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('otap run:')) resolve();
    });
    child.once('exit', () => reject(new Error(`otap run ${name} exited before starting:\n${stderr}`)));
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  await started;
  for (const s of c.send ?? []) await send(s);
  return { code: await exited, stdout, stderr };
}

describe('Rust engine example configs', () => {
  it('covers every fixture file', () => {
    const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();
    expect(files).toEqual(Object.keys(CASES).sort());
  });

  for (const [name, c] of Object.entries(CASES)) {
    const needsTls = [...(c.peers ?? []), ...(c.send ?? [])].some((x) => x.tls);
    it.skipIf(needsTls && !tlsAvailable && !process.env.CI)(`${name}.yaml runs unchanged`, async () => {
      let peerItems = 0;
      const peers = await Promise.all((c.peers ?? []).map((p) => startPeer(p, (n) => (peerItems += n))));
      try {
        const r = await runFixture(name, c);
        expect(r.code, r.stderr).toBe(c.exit ?? 0);
        if (c.exit === undefined) expect(r.stderr).toContain('nothing lost');
        c.check?.({ peerItems, stdout: r.stdout, stderr: r.stderr });
      } finally {
        await Promise.all(peers.map((p) => p.shutdown()));
      }
    }, 60_000);
  }
});
