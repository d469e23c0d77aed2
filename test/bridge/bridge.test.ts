// The bridge through real loopback sockets: OTLP in (gRPC and HTTP) -> Bridge -> OTAP ->
// OtapReceiver downstream, equal OTLP out (canonical form); a downstream that goes away and
// comes back (nothing acknowledged is lost); config layering; `otap bridge --demo` (the built bin).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import { ConfigError, configFromEnv, configFromFile, resolveConfig } from '../../src/bridge/config.js';
import { canonicalDiff, countItems } from '../../src/otlp/canonical.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { encodeOtlp, encodeOtlpJson, mergeRequests } from '../../src/otlp/signal-codec.js';
import { OtlpGrpcClient } from '../../src/transport/otlp-client.js';
import { OtapReceiver, type ReceivedBatch } from '../../src/transport/receiver/index.js';
import { generate } from '../transport/receiver-support.js';
import { OTAP_BIN, ROOT, requireDist } from '../support/dist.js';

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function downstream(port = 0) {
  const received: ReceivedBatch[] = [];
  const receiver = new OtapReceiver({ grpcPort: port, shutdownGraceMs: 500 }, async (b) => {
    received.push(b);
  });
  const { grpcPort } = await receiver.start();
  return { receiver, port: grpcPort, received };
}

async function bridgeTo(port: number, extra: Parameters<typeof resolveConfig>[0][number] = {}) {
  const bridge = new Bridge(resolveConfig([{ listen: '127.0.0.1:0', http: '127.0.0.1:0', to: `127.0.0.1:${port}`, ...extra }]));
  const ports = await bridge.start();
  cleanups.push(() => bridge.shutdown(2000));
  return { bridge, ...ports };
}

function postHttp(port: number, signal: Signal, body: Uint8Array | string, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(body);
    const req = http.request({ host: '127.0.0.1', port, path: `/v1/${signal}`, method: 'POST', headers: { 'content-type': contentType, 'content-length': String(data.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}

describe('OTLP in -> bridge -> OTAP -> equal OTLP out', () => {
  for (const signal of SIGNALS) {
    it(`${signal}: gRPC and HTTP (protobuf, JSON)`, async () => {
      const down = await downstream();
      cleanups.push(() => down.receiver.shutdown());
      const { bridge, grpcPort, httpPort } = await bridgeTo(down.port);
      const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${grpcPort}` });
      cleanups.push(() => client.close());

      const sent: SignalRequest[Signal][] = [];
      for (let i = 0; i < 4; i++) {
        const req = generate(signal, 11, 50, i);
        sent.push(req);
        await client.export(signal, req); // resolves only after the downstream acknowledged
      }
      const viaHttpPb = generate(signal, 12, 30, 0);
      const viaHttpJson = generate(signal, 13, 30, 1);
      expect(await postHttp(httpPort!, signal, encodeOtlp(signal, viaHttpPb), 'application/x-protobuf')).toBe(200);
      expect(await postHttp(httpPort!, signal, encodeOtlpJson(signal, viaHttpJson), 'application/json')).toBe(200);
      sent.push(viaHttpPb, viaHttpJson);

      expect(down.received).toHaveLength(6);
      expect(down.received.every((b) => b.protocol === 'otap' && b.signal === signal)).toBe(true);
      // One OTAP batch per OTLP request, in order (one stream, sequential exports).
      for (let i = 0; i < sent.length; i++) expect(canonicalDiff(signal, sent[i]!, down.received[i]!.request), `batch ${i}`).toBeUndefined();

      const s = bridge.stats;
      const records = sent.reduce((n, r) => n + countItems(signal, r), 0);
      expect(s.received[signal]).toEqual({ batches: 6, records });
      expect(s.acked[signal]).toEqual({ batches: 6, records });
      expect(s.failed[signal].batches).toBe(0);
      expect(s.byProtocol).toMatchObject({ 'otlp-grpc': 4, 'otlp-http': 2 });
      // OTLP in counts protobuf bytes: the JSON request at its protobuf size, its text apart.
      const jsonText = Buffer.byteLength(encodeOtlpJson(signal, viaHttpJson));
      const protobufBytes = sent.reduce((n, r) => n + encodeOtlp(signal, r).length, 0);
      expect(jsonText).toBeGreaterThan(encodeOtlp(signal, viaHttpJson).length);
      expect(s.json).toEqual({ requests: 1, textBytes: jsonText });
      expect(s.otlpBytesIn).toBe(protobufBytes);
      expect(s.otapBytesOut).toBeGreaterThan(0);
    });
  }
});

describe('downstream outage', () => {
  it('a downstream that goes away and comes back: the exporter retries, nothing acknowledged is lost', async () => {
    let down = await downstream();
    const port = down.port;
    const firstReceived = down.received;
    const { bridge, grpcPort } = await bridgeTo(port, { retry: { initialIntervalMs: 50, maxIntervalMs: 300, maxElapsedMs: 0 }, timeoutMs: 5000 });
    const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${grpcPort}`, timeoutMs: 30_000 });
    cleanups.push(() => client.close());

    const sent: Record<Signal, SignalRequest[Signal][]> = { traces: [], logs: [], metrics: [] };
    const send = (signal: Signal, i: number): Promise<void> => {
      const req = generate(signal, 21, 25, i);
      sent[signal].push(req);
      return client.export(signal, req);
    };
    // Before the outage.
    for (const signal of SIGNALS) await send(signal, 0);
    await down.receiver.shutdown();

    // During the outage: exports are accepted by the bridge but cannot be acknowledged yet.
    const during = SIGNALS.flatMap((signal) => [send(signal, 1), send(signal, 2)]);
    let settled = false;
    void Promise.allSettled(during).then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 800));
    expect(settled).toBe(false);
    expect(bridge.stats.retries).toBeGreaterThan(0);

    // The downstream comes back on the same port.
    down = await downstream(port);
    cleanups.push(() => down.receiver.shutdown());
    await Promise.all(during); // every client export ends OK
    for (const signal of SIGNALS) await send(signal, 3);

    const all = [...firstReceived, ...down.received];
    for (const signal of SIGNALS) {
      const got = all.filter((b) => b.signal === signal).map((b) => b.request);
      // At-least-once: every sent request arrived (duplicates allowed).
      for (const req of sent[signal]) {
        expect(got.some((g) => canonicalDiff(signal, req, g) === undefined), `${signal} request missing downstream`).toBe(true);
      }
      const gotRecords = countItems(signal, mergeRequests(signal, got));
      expect(gotRecords).toBeGreaterThanOrEqual(sent[signal].reduce((n, r) => n + countItems(signal, r), 0));
      expect(bridge.stats.failed[signal].batches).toBe(0);
    }
  });
});

describe('config', () => {
  it('layers defaults < env < file < flags and rejects unknown keys', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-bridge-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'bridge.json');
    fs.writeFileSync(file, JSON.stringify({ to: 'collector:4317', numStreams: 2, http: false, retry: { maxElapsedMs: 0 } }));
    const env = configFromEnv({
      OTEL_ARROW_EXPORTER_ENDPOINT: 'http://env-host:4317', OTEL_ARROW_EXPORTER_COMPRESSION: 'gzip',
      OTEL_ARROW_EXPORTER_HEADERS: 'authorization=Bearer%20abc,x-tenant=t1', OTEL_ARROW_BRIDGE_LISTEN: '0.0.0.0:5317',
    });
    const cfg = resolveConfig([env, configFromFile(file), { listen: '127.0.0.1:6317' }]);
    expect(cfg).toMatchObject({
      to: 'collector:4317', compression: 'gzip', numStreams: 2, http: false, listen: '127.0.0.1:6317',
      headers: { authorization: 'Bearer abc', 'x-tenant': 't1' },
      retry: { initialIntervalMs: 100, maxIntervalMs: 5000, maxElapsedMs: 0 },
    });
    fs.writeFileSync(file, JSON.stringify({ to: 'x:1', numStream: 2 }));
    expect(() => configFromFile(file)).toThrow(ConfigError);
    expect(() => resolveConfig([{}])).toThrow(/no downstream/);
    expect(() => resolveConfig([{ to: 'nope' } as never])).not.toThrow(); // resolve does not re-validate
    expect(() => configFromEnv({ OTEL_ARROW_EXPORTER_ENDPOINT: 'nope' })).toThrow(/host:port/);
  });
});

describe('otap bridge --demo', () => {
  beforeAll(requireDist);

  it('--demo --duration 3s exits 0 and prints the summary', () => {
    const r = spawnSync(process.execPath, [OTAP_BIN, 'bridge', '--demo', '--duration', '3s', '--rate', '3000'], {
      cwd: ROOT, encoding: 'utf8', timeout: 90_000,
    });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/Bridge demo: /);
    expect(r.stdout).toMatch(/on the wire \(gRPC \+ zstd\)/);
    expect(r.stdout).toMatch(/^total\s+\d+/m);
    expect(r.stdout).toMatch(/OK: every acknowledged record reached the downstream/);
    expect(r.stderr).toMatch(/\[\s*\d+s\] in [\d,]+ rec\/s \| OTLP in .* \| OTAP out .* \| ratio .* \| acked \d+ failed 0 retries \d+/);
  });

  it('--quiet: no live stats, the summary still', () => {
    const r = spawnSync(process.execPath, [OTAP_BIN, 'bridge', '--demo', '--duration', '2s', '--rate', '2000', '-q'], {
      cwd: ROOT, encoding: 'utf8', timeout: 90_000,
    });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/OK: every acknowledged record reached the downstream/);
    expect(r.stderr).toMatch(/otap bridge --demo: load generator/);
    expect(r.stderr).not.toMatch(/rec\/s \|/);
  });

  it('bad flags are usage errors', () => {
    const r = spawnSync(process.execPath, [OTAP_BIN, 'bridge', '--demo', '--duration', 'soon'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--duration must be like/);
    const r2 = spawnSync(process.execPath, [OTAP_BIN, 'bridge', '--listen', '127.0.0.1:0', '--http', 'none'], {
      cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, OTEL_ARROW_EXPORTER_ENDPOINT: '' },
    });
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/no downstream/);
  });
});
