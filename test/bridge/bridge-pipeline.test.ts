// `otap bridge` as a built-in pipeline of the engine: the bridge's settings become an
// otel_dataflow/v1 document (`--print-config`) that `otap run --validate` accepts, and the
// command runs it: OTLP gRPC and HTTP in, OTAP out, each request answered after the
// downstream acked it, the bearer token enforced, a summary on shutdown.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { encodeOtlp } from '../../src/otlp/signal-codec.js';
import { OtlpGrpcClient } from '../../src/transport/otlp-client.js';
import { OtapReceiver, type ReceivedBatch } from '../../src/transport/receiver/index.js';
import { freePorts } from '../interop/go-collector.js';
import { generate } from '../transport/receiver-support.js';
import { OTAP_BIN, ROOT, requireDist } from '../support/dist.js';

const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
beforeAll(requireDist);

function bridge(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [OTAP_BIN, 'bridge', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
}

describe('otap bridge --print-config', () => {
  it('prints an otel_dataflow/v1 pipeline that otap run --validate accepts, with the bridge settings in it', () => {
    const r = bridge(['--print-config', '--to', 'https://collector.example:4317', '--listen', '0.0.0.0:14317', '--http', 'none'],
      { OTEL_ARROW_BRIDGE_BEARER_TOKEN: 's3cret', OTEL_ARROW_EXPORTER_PAYLOAD_COMPRESSION: 'zstd', OTEL_ARROW_EXPORTER_NUM_STREAMS: '3' });
    expect(r.status, r.stderr).toBe(0);
    const doc = parse(r.stdout) as { version: string; groups: { default: { pipelines: { bridge: { nodes: Record<string, { type: string; config: Record<string, unknown> }> } } } } };
    expect(doc.version).toBe('otel_dataflow/v1');
    const nodes = doc.groups.default.pipelines.bridge.nodes;
    expect(Object.fromEntries(Object.entries(nodes).map(([k, n]) => [k, n.type]))).toEqual({ otlp: 'receiver:otlp', retry: 'processor:retry', otap: 'exporter:otap' });
    expect(nodes.otlp!.config).toEqual({ protocols: { grpc: { listening_addr: '0.0.0.0:14317', wait_for_result: true, bearer_token: 's3cret', max_decoding_message_size: 64 * 1024 * 1024 } } });
    expect(nodes.otap!.config).toMatchObject({ grpc_endpoint: 'https://collector.example:4317', arrow: { payload_compression: 'zstd' }, streams_per_signal: 3, compression: 'zstd' });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-config-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'bridge.yaml'), r.stdout);
    const v = spawnSync(process.execPath, [OTAP_BIN, 'run', '--validate', path.join(dir, 'bridge.yaml')], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(v.status, v.stderr + v.stdout).toBe(0);
    expect(v.stderr + v.stdout).toMatch(/valid, 1 pipeline\(s\)/);
  });
});

function postHttp(port: number, signal: Signal, body: Uint8Array, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: `/v1/${signal}`, method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': String(body.length), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('otap bridge runs the built-in pipeline', () => {
  it('OTLP gRPC and HTTP in, equal OTLP at the OTAP downstream, answered after its ack; bearer token enforced; summary on SIGTERM', async () => {
    const received: ReceivedBatch[] = [];
    const down = new OtapReceiver({ grpcPort: 0 }, async (b) => void received.push(b));
    const { grpcPort: downPort } = await down.start();
    cleanups.push(() => down.shutdown());
    const [grpcPort, httpPort] = await freePorts(2);
    const child = spawn(process.execPath, [OTAP_BIN, 'bridge', '--listen', `127.0.0.1:${grpcPort}`, '--http', `127.0.0.1:${httpPort}`, '--to', `127.0.0.1:${downPort}`, '--quiet'], {
      cwd: ROOT, env: { ...process.env, OTEL_ARROW_BRIDGE_BEARER_TOKEN: 'tok' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
    cleanups.push(() => child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/otlp receiver listening/.test(stderr)) resolve();
      });
      void exited.then((code) => reject(new Error(`otap bridge exited (${code}):\n${stderr}`)));
    });
    expect(stderr).toMatch(/otap bridge: OTLP\/gRPC 127\.0\.0\.1:\d+, OTLP\/HTTP 127\.0\.0\.1:\d+ -> OTAP 127\.0\.0\.1:\d+/);

    const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${grpcPort}`, headers: { authorization: 'Bearer tok' } });
    const stranger = new OtlpGrpcClient({ endpoint: `127.0.0.1:${grpcPort}` });
    cleanups.push(() => client.close(), () => stranger.close());
    const sent: { signal: Signal; req: SignalRequest[Signal] }[] = [];
    for (const signal of SIGNALS) {
      for (let i = 0; i < 2; i++) {
        const req = generate(signal, 31, 40, i);
        sent.push({ signal, req });
        await client.export(signal, req); // resolves once the downstream acknowledged it
        expect(received).toHaveLength(sent.length);
      }
    }
    const viaHttp = generate('logs', 32, 25, 0);
    expect(await postHttp(httpPort!, 'logs', encodeOtlp('logs', viaHttp), { authorization: 'Bearer tok' })).toBe(200);
    sent.push({ signal: 'logs', req: viaHttp });
    expect(await postHttp(httpPort!, 'logs', encodeOtlp('logs', viaHttp), {})).toBe(401);
    await expect(stranger.export('logs', viaHttp)).rejects.toMatchObject({ code: 16 }); // UNAUTHENTICATED

    expect(received).toHaveLength(sent.length);
    received.forEach((b, i) => {
      expect(b.protocol).toBe('otap');
      expect(canonicalDiff(sent[i]!.signal, sent[i]!.req, b.request), `batch ${i}`).toBeUndefined();
    });
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(/summary: [\d,]+ items received/);
    expect(stderr).toMatch(/nothing lost/);
  });
});
