// Live interop against a real OpenTelemetry Collector built from the published Collector
// modules (test/interop/collector, see its README): the contrib otelarrow receiver, the
// core otlp receiver, the contrib file exporter (OTLP/JSON lines) and `arrowstream`, our
// Go OTAP stream exporter standing in for the contrib otelarrow exporter (not served by
// the module proxy here). Everything on 127.0.0.1, zstd on the wire in both directions.
//
// Skipped only when `go` is absent and CI is unset; in CI a missing toolchain fails.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalDiff, countItems } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { mergeRequests } from '../../src/otlp/signal-codec.js';
import { OtapExporter } from '../../src/transport/exporter/index.js';
import { OtlpGrpcClient } from '../../src/transport/otlp-client.js';
import { OtapReceiver, type ReceivedBatch } from '../../src/transport/receiver/index.js';
import { goEquivalent } from '../interop/go-equivalence.js';
import {
  freePorts, goCollectorBinary, hasGoCollector, otelarrowToFileYaml, scrapeMetrics, startGoCollector, telemetryYaml, waitForFileItems,
  type GoCollector,
} from '../interop/go-collector.js';

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
const BATCHES = 10;
const BATCH_SIZE = 40;

function generate<S extends Signal>(signal: S, seed: number, batchIndex: number): SignalRequest[S] {
  const o = { seed, batchSize: BATCH_SIZE, batchIndex };
  switch (signal) {
    case 'traces': return generateTraces(o) as SignalRequest[S];
    case 'logs': return generateLogs(o) as SignalRequest[S];
    default: return generateMetrics(o) as SignalRequest[S];
  }
}

function batches<S extends Signal>(signal: S, seed: number): SignalRequest[S][] {
  return Array.from({ length: BATCHES }, (_, i) => generate(signal, seed, i));
}

/** Compares what went through Go with what was sent, after the documented Go-side losses. */
function expectGoEquivalent<S extends Signal>(signal: S, sent: SignalRequest[S][], got: SignalRequest[S], logs: () => string): void {
  const want = goEquivalent(signal, mergeRequests(signal, sent));
  const diff = canonicalDiff(signal, want, goEquivalent(signal, got));
  if (diff !== undefined) {
    throw new Error(`${signal}: differs after Go: ${diff}\n--- collector output (tail) ---\n${logs().slice(-4000)}`);
  }
}

const TELEMETRY = telemetryYaml();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'go-collector-interop-'));
const running: GoCollector[] = [];
afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function start(config: string): Promise<GoCollector> {
  const c = await startGoCollector(config);
  running.push(c);
  return c;
}

async function stop(c: GoCollector): Promise<void> {
  const i = running.indexOf(c);
  if (i >= 0) running.splice(i, 1);
  await c.stop();
}

describe.skipIf(!hasGoCollector() && !process.env.CI)('Go Collector interop (otelcol-interop)', () => {
  beforeAll(async () => {
    await goCollectorBinary();
  }, 1_200_000);

  // The collector on its own: A (otlp receiver -> arrowstream exporter, Go producer)
  // -> B (contrib otelarrow receiver, Go consumer -> file exporter). Fed by our OTLP client.
  it('smoke: OTLP -> collector A -> OTAP (zstd) -> collector B -> file', async () => {
    const [otlpPort, arrowPort] = await freePorts(2);
    const out = (s: Signal) => path.join(tmp, `smoke-${s}.jsonl`);
    const b = await start(otelarrowToFileYaml(arrowPort!, out, TELEMETRY));
    const a = await start(`
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${otlpPort}
exporters:
  arrowstream:
    endpoint: 127.0.0.1:${arrowPort}
    tls:
      insecure: true
    compression: zstd
    arrow:
      payload_compression: zstd
service:
${TELEMETRY}
  pipelines:
${SIGNALS.map((s) => `    ${s}:\n      receivers: [otlp]\n      exporters: [arrowstream]\n`).join('')}
`);
    const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${otlpPort}`, compression: 'gzip' });
    try {
      for (const signal of SIGNALS) {
        const sent = batches(signal, 11);
        // Concurrently: the exporter waits for its batch (1 s flush timeout below 1000 items).
        await Promise.all(sent.map((req) => client.export(signal, req)));
        const total = sent.reduce((n, r) => n + countItems(signal, r), 0);
        const got = await waitForFileItems(signal, out(signal), total, 30_000).catch((e: Error) => {
          throw new Error(`${e.message}\n--- A ---\n${a.logs().slice(-3000)}\n--- B ---\n${b.logs().slice(-3000)}`);
        });
        expect(countItems(signal, got)).toBe(total);
        expectGoEquivalent(signal, sent, got, () => `--- A ---\n${a.logs()}\n--- B ---\n${b.logs()}`);
      }
    } finally {
      client.close();
      await stop(a);
      await stop(b);
    }
  }, 180_000);
  // (a) OUR exporter -> contrib otelarrow receiver (Go consumer) -> file exporter.
  for (const payloadCompression of ['none', 'zstd'] as const) {
    it(`our OtapExporter (grpc zstd, payload ${payloadCompression}) -> Go otelarrow receiver -> file`, async () => {
      const [arrowPort, metricsPort] = await freePorts(2);
      const out = (s: Signal) => path.join(tmp, `a-${payloadCompression}-${s}.jsonl`);
      const collector = await start(`
receivers:
  otelarrow:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${arrowPort}
      arrow:
        memory_limit_mib: 128
exporters:
${SIGNALS.map((s) => `  file/${s}:\n    path: ${out(s)}\n    format: json\n    flush_interval: 100ms\n`).join('')}
service:
${telemetryYaml(metricsPort)}
  pipelines:
${SIGNALS.map((s) => `    ${s}:\n      receivers: [otelarrow]\n      exporters: [file/${s}]\n`).join('')}
`);
      const exporter = new OtapExporter({
        endpoint: `127.0.0.1:${arrowPort}`,
        compression: 'zstd',
        payloadCompression,
        disableDowngrade: true,
        numStreams: 1,
      });
      try {
        for (const signal of SIGNALS) {
          const sent = batches(signal, 21);
          for (const req of sent) await exporter.export(signal, req);
          const total = sent.reduce((n, r) => n + countItems(signal, r), 0);
          const got = await waitForFileItems(signal, out(signal), total, 30_000).catch((e: Error) => {
            throw new Error(`${e.message}\n${collector.logs().slice(-4000)}`);
          });
          expect(countItems(signal, got)).toBe(total);
          expectGoEquivalent(signal, sent, got, collector.logs);
        }
        expect(exporter.mode).toBe('otap');
        expect(exporter.stats.batches).toBe(3 * BATCHES);
        expect(exporter.stats.retries).toBe(0);
        expect(exporter.stats.streamsOpened).toBeGreaterThanOrEqual(3);
        // The receiver's own byte counts for the Arrow streams: gRPC zstd was on. (With
        // zstd-compressed IPC bodies there is little left for gRPC to compress.)
        const m = await scrapeMetrics(metricsPort!, 'arrow.v1.Arrow');
        const wire = m.get('otelcol_receiver_recv_wire_bytes_total') ?? 0;
        const plain = m.get('otelcol_receiver_recv_bytes_total') ?? 0;
        expect(wire).toBeGreaterThan(0);
        if (payloadCompression === 'none') expect(wire * 2).toBeLessThan(plain);
        else expect(wire).toBeLessThan(plain);
      } finally {
        await exporter.shutdown({ timeoutMs: 10_000 });
        await stop(collector);
      }
    }, 120_000);
  }
  // (b) Go OTAP exporter (arrowstream, contrib-like defaults: gRPC "zstdarrow5", Arrow
  // payload zstd, 1 s / 1000-item batching) -> OUR receiver. The collector is fed through
  // its otlp receiver by our OTLP client.
  const variants: { name: string; arrow: string; sequential?: boolean }[] = [
    { name: 'defaults (payload zstd)', arrow: '' },
    { name: 'payload none', arrow: '    arrow:\n      payload_compression: none\n' },
    // Streams end every ~300 ms and new ones start with a fresh producer (new schemas
    // and dictionaries) while batches keep coming one at a time.
    {
      name: 'stream lifetime 300ms',
      arrow: '    sending_queue:\n      batch:\n        flush_timeout: 20ms\n    arrow:\n      max_stream_lifetime: 300ms\n',
      sequential: true,
    },
  ];
  for (const v of variants) {
    it(`Go arrowstream exporter (grpc zstd, ${v.name}) -> our OtapReceiver`, async () => {
      const received: ReceivedBatch[] = [];
      const receiver = new OtapReceiver({ grpcPort: 0 }, async (batch) => {
        received.push(batch);
      });
      const { grpcPort } = await receiver.start();
      const [otlpPort] = await freePorts(1);
      let collector: GoCollector | undefined;
      const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${otlpPort}`, compression: 'gzip' });
      try {
        collector = await start(`
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${otlpPort}
exporters:
  arrowstream:
    endpoint: 127.0.0.1:${grpcPort}
    tls:
      insecure: true
    compression: zstd
${v.arrow}service:
${TELEMETRY}
  pipelines:
${SIGNALS.map((s) => `    ${s}:\n      receivers: [otlp]\n      exporters: [arrowstream]\n`).join('')}
`);
        const logs = collector.logs;
        for (const signal of SIGNALS) {
          const sent = batches(signal, 31);
          // Resolves once the Go exporter got our receiver's OK (wait_for_result).
          if (v.sequential) {
            for (const req of sent) {
              await client.export(signal, req);
              await new Promise((r) => setTimeout(r, 80));
            }
          } else {
            await Promise.all(sent.map((req) => client.export(signal, req)));
          }
          const mine = received.filter((b) => b.signal === signal);
          expect(mine.length).toBeGreaterThan(0);
          expect(mine.every((b) => b.protocol === 'otap')).toBe(true);
          const got = mergeRequests(signal, mine.map((b) => b.request as SignalRequest[typeof signal]));
          const total = sent.reduce((n, r) => n + countItems(signal, r), 0);
          expect(countItems(signal, got)).toBe(total);
          expectGoEquivalent(signal, sent, got, logs);
        }
        expect(receiver.stats.rejected).toEqual({});
      } finally {
        client.close();
        if (collector) await stop(collector);
        await receiver.shutdown();
      }
    }, 120_000);
  }
});
