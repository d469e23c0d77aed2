// `otap run` (the built CLI) against a real Go Collector (test/interop/collector), both ways:
//   (a) OTLP client -> otap run [receiver:otlp -> exporter:otap] -> Go otelarrow receiver -> file
//   (b) OTLP client -> Go [otlp -> arrowstream exporter] -> otap run [receiver:otap -> exporter:file]
//   (c) OTLP client -> Go [arrowstream exporter] -> otap run [receiver:otap -> processor:batch
//       -> exporter:otap] -> Go otelarrow receiver -> file: Go's tables joined and split as
//       Arrow by our batch processor, then read by Go
// and the telemetry that comes out equals what went in (up to what Go does not carry).
// Skipped only when `go` is absent and CI is unset; in CI a missing toolchain fails.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalDiff, countItems } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { decodeOtlpJson, mergeRequests } from '../../src/otlp/signal-codec.js';
import { OtlpGrpcClient } from '../../src/transport/otlp-client.js';
import { goEquivalent } from '../interop/go-equivalence.js';
import { freePorts, goCollectorBinary, hasGoCollector, otelarrowToFileYaml, otlpToArrowstreamYaml, startGoCollector, waitForFileItems } from '../interop/go-collector.js';
import { requireDist } from '../support/dist.js';
import { startOtapRun } from '../support/otap-run.js';

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
const GEN = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
const available = hasGoCollector();
if (!available && process.env.CI) throw new Error('go is required for the Go Collector tests in CI');

const batches = <S extends Signal>(signal: S, seed: number): SignalRequest[S][] =>
  Array.from({ length: 6 }, (_, i) => GEN[signal]({ seed, batchSize: 30, batchIndex: i }) as SignalRequest[S]);

function expectSame<S extends Signal>(signal: S, sent: SignalRequest[S][], got: SignalRequest[S]): void {
  const diff = canonicalDiff(signal, goEquivalent(signal, mergeRequests(signal, sent)), goEquivalent(signal, got));
  expect(diff, `${signal} differs`).toBeUndefined();
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-run-go-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!available)('otap run <-> Go Collector', () => {
  beforeAll(async () => {
    requireDist();
    await goCollectorBinary();
  }, 900_000);

  it('(a) our otap exporter -> Go otelarrow receiver', async () => {
    const [otlpPort, arrowPort] = await freePorts(2);
    const out = (s: Signal) => path.join(tmp, `a-${s}.jsonl`);
    const collector = await startGoCollector(otelarrowToFileYaml(arrowPort!, out));

    const run = await startOtapRun(`version: otel_dataflow/v1
groups:
  g:
    pipelines:
      p:
        nodes:
          in: { type: receiver:otlp, config: { protocols: { grpc: { listening_addr: "127.0.0.1:${otlpPort}", wait_for_result: true } } } }
          out: { type: exporter:otap, config: { grpc_endpoint: "http://127.0.0.1:${arrowPort}" } }
        connections: [{ from: in, to: out }]
`, ['--num-cores', '1', '--quiet']);
    const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${otlpPort}`, compression: 'zstd' });
    try {
      for (const signal of SIGNALS) {
        const sent = batches(signal, 21);
        for (const r of sent) await client.export(signal, r); // OK = the Go receiver acked it
        const got = await waitForFileItems(signal, out(signal), sent.reduce((n, r) => n + countItems(signal, r), 0));
        expectSame(signal, sent, got);
      }
    } finally {
      client.close();
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      await collector.stop();
    }
    expect(run.stderr()).toContain('nothing lost');
  }, 180_000);

  it('(b) Go arrowstream exporter -> our otap receiver -> file exporter', async () => {
    const [otlpPort, otapPort] = await freePorts(2);
    const run = await startOtapRun(`version: otel_dataflow/v1
groups:
  g:
    pipelines:
      p:
        nodes:
          in: { type: receiver:otap, config: { listening_addr: "127.0.0.1:${otapPort}", response_stream_channel_size: 64, wait_for_result: true } }
          file: { type: exporter:file, config: { path: "${tmp}/b-{signal}-{core_id}-{generation}.jsonl" } }
        connections: [{ from: in, to: file }]
`, ['--num-cores', '1', '--quiet']);
    const collector = await startGoCollector(otlpToArrowstreamYaml(otlpPort!, otapPort!));

    const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${otlpPort}`, compression: 'gzip' });
    const sent = Object.fromEntries(SIGNALS.map((s) => [s, batches(s, 33)])) as { [S in Signal]: SignalRequest[S][] };
    try {
      for (const signal of SIGNALS) await Promise.all(sent[signal].map((r) => client.export(signal, r)));
    } finally {
      client.close();
      await collector.stop();
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }
    for (const signal of SIGNALS) {
      const lines = fs.readFileSync(path.join(tmp, `b-${signal}-0-0.jsonl`), 'utf8').trim().split('\n');
      const got = mergeRequests(signal, lines.map((l) => decodeOtlpJson(signal, l)));
      expectSame(signal, sent[signal] as SignalRequest[Signal][], got);
    }
    expect(run.stderr()).toContain('nothing lost');
  }, 180_000);

  it('(c) Go arrowstream exporter -> our receiver:otap -> processor:batch (Arrow) -> exporter:otap -> Go otelarrow receiver', async () => {
    const [otlpPort, otapPort, arrowPort, adminPort] = await freePorts(4);
    const out = (s: Signal) => path.join(tmp, `c-${s}.jsonl`);
    const downstream = await startGoCollector(otelarrowToFileYaml(arrowPort!, out));
    // 6 batches of 30 items per signal, sent one at a time: Go's exporter sends each on its
    // own (about one a second), the receiver answers on receipt, and the batch processor
    // joins them up to 64 items within its 3 s window and splits where 64 is exceeded.
    const run = await startOtapRun(`version: otel_dataflow/v1
engine: { http_admin: { bind_address: "127.0.0.1:${adminPort}" } }
groups:
  g:
    pipelines:
      p:
        nodes:
          in: { type: receiver:otap, config: { listening_addr: "127.0.0.1:${otapPort}", response_stream_channel_size: 64, wait_for_result: false } }
          batch: { type: processor:batch, config: { otap: { min_size: 64, max_size: 64, sizer: items }, format: otap, max_batch_duration: 3s } }
          out: { type: exporter:otap, config: { grpc_endpoint: "http://127.0.0.1:${arrowPort}" } }
        connections: [{ from: in, to: batch }, { from: batch, to: out }]
`, ['--num-cores', '1', '--quiet']);
    const upstream = await startGoCollector(otlpToArrowstreamYaml(otlpPort!, otapPort!));
    const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${otlpPort}`, compression: 'gzip' });
    try {
      for (const signal of SIGNALS) {
        const sent = batches(signal, 45);
        for (const r of sent) await client.export(signal, r); // one at a time: Go sends each on its own
        const got = await waitForFileItems(signal, out(signal), sent.reduce((n, r) => n + countItems(signal, r), 0));
        expectSame(signal, sent, got);
      }
      // The batch processor joined and split Arrow tables and never fell back to OTLP.
      const status = await (await fetch(`http://127.0.0.1:${adminPort}/status`)).json() as { pipelines: { nodes: { id: string; details?: Record<string, number> }[] }[] };
      const details = status.pipelines[0]!.nodes.find((n) => n.id === 'batch')!.details!;
      expect(details.tablesJoined).toBeGreaterThan(0);
      expect(details.tablesSplit).toBeGreaterThan(0);
      expect(details.joinFallbacks).toBe(0);
    } finally {
      client.close();
      await upstream.stop();
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      await downstream.stop();
    }
    expect(run.stderr()).toContain('nothing lost');
  }, 240_000);
});
