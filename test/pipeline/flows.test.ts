// Data through the transport nodes of a running engine: end-to-end acks and nacks through a
// fan-out back to an OTLP/gRPC client, the memory limit as RESOURCE_EXHAUSTED / HTTP 429,
// OTAP exporter -> OTAP receiver -> file exporter, console and debug output.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { loadBackend } from '../../src/backend/index.js';
import { canonicalJson, canonicalize, countItems } from '../../src/otlp/canonical.js';
import { generateLogs, generateTraces } from '../../src/otlp/generate.js';
import { decodeOtlp, decodeOtlpJson, encodeOtlp } from '../../src/otlp/signal-codec.js';
import { unframeMessages } from '../../src/otap/stream-file.js';
import { Engine, validateText } from '../../src/pipeline/engine/engine.js';
import { routeAck } from '../../src/pipeline/engine/pdata.js';
import { NodeRegistry } from '../../src/pipeline/engine/registry.js';
import { createConsoleExporter } from '../../src/pipeline/nodes/exporters/console.js';
import { createDebugProcessor } from '../../src/pipeline/nodes/processors/debug.js';
import { OtapReceiver } from '../../src/transport/receiver/receiver.js';
import { freePort } from '../interop/go-collector.js';
import { permanent } from '../../src/transport/receiver/status.js';
import { OtlpGrpcClient } from '../../src/transport/otlp-client.js';
import { OtapExporter } from '../../src/transport/exporter/exporter.js';
import { newHarness, pipelineYaml, startEngine, testRegistry } from '../support/pipeline-nodes.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});


describe('acks end to end', () => {
  it('an OTLP/gRPC client hears OK only when every exporter behind a fan-out acked, and the refusal otherwise', async () => {
    let refuse: 'no' | 'permanent' | 'retryable' = 'no';
    const received: number[] = [];
    const peer = new OtapReceiver({ grpcPort: 0 }, async (b) => {
      if (refuse === 'permanent') throw permanent(new Error('peer refuses this batch'));
      if (refuse === 'retryable') throw new Error('peer busy');
      received.push(b.payload.itemCount);
    });
    const { grpcPort: peerPort } = await peer.start();
    stops.push(() => peer.shutdown());
    const port = await freePort();
    const { engine, h } = await startEngine(pipelineYaml(`
in: { type: receiver:otlp, config: { protocols: { grpc: { listening_addr: "127.0.0.1:${port}", wait_for_result: true } } } }
fan: { type: processor:fanout, outputs: [peer, local], config: { await_ack: all, destinations: [{ port: peer }, { port: local }] } }
to_peer: { type: exporter:otlp_grpc, config: { grpc_endpoint: "http://127.0.0.1:${peerPort}" } }
local: { type: exporter:test_sink }`, `
- { from: in, to: fan }
- { from: 'fan["peer"]', to: to_peer }
- { from: 'fan["local"]', to: local }`), newHarness(), 'native');
    stops.push(() => engine.shutdown(2000));
    const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${port}`, compression: 'none' });
    stops.push(async () => client.close());
    const req = generateTraces({ seed: 5, batchSize: 64 });
    await client.export('traces', req);
    expect(received).toEqual([64]);
    expect(h.sinks.get('local')!.received).toHaveLength(1);

    refuse = 'permanent';
    await expect(client.export('traces', req)).rejects.toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT, message: expect.stringContaining('peer refuses this batch') as unknown });
    refuse = 'retryable';
    await expect(client.export('traces', req)).rejects.toMatchObject({ code: GrpcStatus.UNAVAILABLE });
    refuse = 'no';
    h.sinks.get('local')!.behaviour = 'nack';
    await expect(client.export('traces', req)).rejects.toMatchObject({ code: GrpcStatus.UNAVAILABLE, message: expect.stringContaining('local refuses') as unknown });
  });

  it('refuses with RESOURCE_EXHAUSTED (gRPC) and 429 (HTTP) at the memory limit, and accepts again once it drains', async () => {
    const [gport, hport] = [await freePort(), await freePort()];
    const body = encodeOtlp('logs', generateLogs({ seed: 1, batchSize: 100 }));
    const limit = Math.floor(body.length * 1.5);
    const { engine, h } = await startEngine(`version: otel_dataflow/v1
policies:
  resources: { memory_limiter: { mode: enforce, soft_limit: ${limit}, hard_limit: ${limit * 2} } }
groups:
  g:
    pipelines:
      p:
        nodes:
          in: { type: receiver:otlp, config: { protocols: { grpc: { listening_addr: "127.0.0.1:${gport}" }, http: { listening_addr: "127.0.0.1:${hport}" } } } }
          sink: { type: exporter:test_sink, config: { behaviour: hang } }
        connections: [{ from: in, to: sink }]
`, newHarness(), 'native');
    stops.push(() => engine.shutdown(200));
    const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${gport}`, compression: 'none' });
    stops.push(async () => client.close());
    await client.exportEncoded('logs', body);
    let refused = 0;
    for (let i = 0; i < 3; i++) {
      try {
        await client.exportEncoded('logs', body);
      } catch (e) {
        expect((e as { code: number }).code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
        expect((e as Error).message).toMatch(/memory limit reached/);
        refused++;
      }
    }
    expect(refused).toBe(3);
    const res = await fetch(`http://127.0.0.1:${hport}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBeTruthy();
    // Refused before their bodies were read (refuseEarly), and counted as refusals all the same.
    const summary = engine.summary();
    expect(summary.lost.refused).toBe(4);
    expect(summary.pipelines[0]!.memory.refusals).toBe(4);
    expect(summary.pipelines[0]!.nodes.find((n) => n.id === 'in')!.metrics.batchesIn).toBe(1);
    // Ack what the sink holds: memory is released and the receiver accepts again.
    const sink = h.sinks.get('sink')!;
    sink.behaviour = 'ack';
    for (const p of sink.received.splice(0)) routeAck(p);
    await client.exportEncoded('logs', body);
  });
});

describe('otap exporter -> otap receiver -> file exporter', () => {
  it.each(['otap_stream', 'otlp_json'] as const)('writes what was sent (%s), losslessly', async (format) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-file-'));
    const port = await freePort();
    const started = await startEngine(`version: otel_dataflow/v1
groups:
  g:
    pipelines:
      send:
        nodes:
          src: { type: receiver:test_source }
          out: { type: exporter:otap, config: { grpc_endpoint: "http://127.0.0.1:${port}" } }
        connections: [{ from: src, to: out }]
      land:
        nodes:
          in: { type: receiver:otap, config: { listening_addr: "127.0.0.1:${port}", response_stream_channel_size: 16, wait_for_result: true } }
          file: { type: exporter:file, config: { path: "${dir}/{signal}-{core_id}-{generation}.data", format: ${format} } }
        connections: [{ from: in, to: file }]
`, newHarness(), 'native');
    const { engine } = started;
    const { h } = started;
    const reqs = [0, 1, 2].map((i) => generateLogs({ seed: 9, batchSize: 50, batchIndex: i }));
    for (const r of reqs) {
      expect(await h.sources.get('src')!.inject(TelemetryBatch.fromOtlpBytes('logs', encodeOtlp('logs', r)))).toEqual({ ok: true });
    }
    await engine.shutdown(2000);
    const file = path.join(dir, 'logs-0-0.data');
    let got: ReturnType<typeof decodeOtlp<'logs'>>[];
    if (format === 'otap_stream') {
      const decoder = (await loadBackend('native')).createDecoder();
      got = unframeMessages(fs.readFileSync(file)).map((m) => decodeOtlp('logs', decoder.decode(m).otlp));
    } else {
      got = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => decodeOtlpJson('logs', l));
    }
    expect(got.map((g) => canonicalJson(canonicalize('logs', g)))).toEqual(reqs.map((r) => canonicalJson(canonicalize('logs', r))));
  });
});

describe('otap receiver -> otap exporter: received tables forwarded, not converted', () => {
  it('two upstream Arrow streams into one outgoing stream arrive equal, with no OTLP conversion in the engine', async () => {
    const received: { signal: string; otlp: Uint8Array }[] = [];
    const down = new OtapReceiver({ grpcPort: 0, backend: 'native' }, async (b) => void received.push({ signal: b.signal, otlp: b.payload.otlpBytes() }));
    const { grpcPort: downPort } = await down.start();
    stops.push(() => down.shutdown());
    const port = await freePort();
    const { engine } = await startEngine(`version: otel_dataflow/v1
groups:
  g:
    pipelines:
      relay:
        nodes:
          in: { type: receiver:otap, config: { listening_addr: "127.0.0.1:${port}", response_stream_channel_size: 16, wait_for_result: true } }
          out: { type: exporter:otap, config: { grpc_endpoint: "http://127.0.0.1:${downPort}" } }
        connections: [{ from: in, to: out }]
`, newHarness(), 'native');
    stops.push(() => engine.shutdown(2000));
    const upstream = [0, 1].map(() => new OtapExporter({ endpoint: `127.0.0.1:${port}`, backend: 'native', numStreams: 1, disableDowngrade: true, payloadCompression: 'zstd' }));
    stops.push(...upstream.map((u) => () => u.shutdown()));
    const before = { ...TelemetryBatch.conversions };
    const reqs = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? generateTraces : generateLogs)({ seed: 40 + (i % 2), batchSize: 80, batchIndex: i }));
    // Each upstream exporter keeps its own stream (and dictionaries); the relay merges them.
    for (let i = 0; i < reqs.length; i++) await upstream[i % 2]!.export(i % 3 === 0 ? 'traces' : 'logs', reqs[i] as never);
    const forwarded = TelemetryBatch.conversions.tablesForwarded - before.tablesForwarded;
    // The downstream receiver in this process reads OTLP bytes once per batch (arrowToOtlp);
    // the relay adds none: every conversion here is the downstream's.
    expect(forwarded).toBe(reqs.length);
    expect(TelemetryBatch.conversions.arrowToOtlp - before.arrowToOtlp).toBe(reqs.length);
    expect(received.map((r) => r.signal)).toEqual(reqs.map((_, i) => (i % 3 === 0 ? 'traces' : 'logs')));
    received.forEach((r, i) => {
      const signal = r.signal as 'traces' | 'logs';
      expect(canonicalJson(canonicalize(signal, decodeOtlp(signal, r.otlp))), `batch ${i}`).toEqual(canonicalJson(canonicalize(signal, reqs[i] as never)));
    });
  });
});

describe('console exporter and debug processor', () => {
  it('print records (pretty, record_json) and debug lines, and forward the batch', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const debugLines: string[] = [];
    const h = newHarness();
    const registry = testRegistry(h);
    // The same nodes, with console and debug writing where the test can read them.
    const custom = new NodeRegistry();
    for (const urn of registry.known()) {
      if (urn === 'urn:otel:exporter:console' || urn === 'urn:otel:processor:debug') continue;
      custom.register(registry.get(urn)!.factory);
    }
    custom.register(createConsoleExporter(out)).register(createDebugProcessor((t) => debugLines.push(t)));
    const yaml = pipelineYaml(`
src: { type: receiver:test_source }
debug: { type: processor:debug, config: { verbosity: detailed } }
pretty: { type: exporter:console }
json: { type: exporter:console, config: { format: record_json, record_json: { resource: true } } }
fan: { type: processor:fanout, outputs: [a, b], config: { destinations: [{ port: a }, { port: b }], await_ack: all } }`, `
- { from: src, to: debug }
- { from: debug, to: fan }
- { from: 'fan["a"]', to: pretty }
- { from: 'fan["b"]', to: json }`);
    const engine = new Engine(validateText(yaml, 't.yaml', custom), { registry: custom, backend: 'js' });
    await engine.start();
    const req = generateLogs({ seed: 2, batchSize: 3 });
    expect(await h.sources.get('src')!.inject(TelemetryBatch.fromRequest('logs', req))).toEqual({ ok: true });
    await engine.shutdown();
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(6);
    const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json).toHaveLength(3);
    expect(json[0]).toHaveProperty('body');
    expect(json[0]).toHaveProperty('resource');
    expect(lines.filter((l) => l.startsWith('[log]'))).toHaveLength(3);
    expect(debugLines.join('')).toMatch(/g\/p\/debug: logs batch, 3 items/);
    expect(countItems('logs', req)).toBe(3);
  });
});
