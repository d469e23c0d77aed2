// The node API as an application uses it: a custom processor registered under its own type
// name reads each batch's Arrow record batches (apache-arrow, no conversion for OTAP input),
// next to the built-in nodes; and the admin endpoint reports on it.
import { afterEach, describe, expect, it } from 'vitest';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { generateLogs } from '../../src/otlp/generate.js';
import { ArrowPayloadType } from '../../src/otap/payload-type.js';
import { Engine, builtinRegistry, validateText, type ProcessorFactory } from '../../src/index.js';
import { OtapExporter } from '../../src/transport/exporter/exporter.js';
import { OtapReceiver } from '../../src/transport/receiver/receiver.js';
import { freePort } from '../interop/go-collector.js';


const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/** Counts log records with severity >= min_severity, reading the LOGS table's column. */
const severityCounter: ProcessorFactory<{ min_severity: number }> & { seen: { rows: number; severe: number } } = {
  type: 'urn:example:processor:severity_counter',
  seen: { rows: 0, severe: 0 },
  create(config, ctx) {
    const seen = severityCounter.seen;
    return {
      async process(pdata) {
        for (const { payloadType, batch } of pdata.batch.arrow()) {
          if (payloadType !== ArrowPayloadType.LOGS) continue;
          const severity = batch.getChild('severity_number');
          seen.rows += batch.numRows;
          for (let i = 0; i < batch.numRows; i++) if (Number(severity?.get(i) ?? 0) >= config.min_severity) seen.severe++;
        }
        await ctx.send(pdata);
      },
    };
  },
};

describe('a custom node', () => {
  it('sees OTAP input as Arrow record batches without any conversion, and the admin endpoint reports it', async () => {
    const port = await freePort();
    const registry = builtinRegistry().register({ ...severityCounter, config: undefined });
    const yaml = `version: otel_dataflow/v1
engine: { http_admin: { bind_address: "127.0.0.1:0" } }
groups:
  g:
    pipelines:
      p:
        nodes:
          in: { type: receiver:otap, config: { listening_addr: "127.0.0.1:${port}", response_stream_channel_size: 8, wait_for_result: true } }
          count: { type: "urn:example:processor:severity_counter", config: { min_severity: 17 } }
          out: { type: exporter:noop }
        connections:
          - { from: in, to: count }
          - { from: count, to: out }
`;
    const engine = new Engine(validateText(yaml, 'custom.yaml', registry), { registry, backend: 'native' });
    await engine.start();
    stops.push(() => engine.shutdown());
    const exporter = new OtapExporter({ endpoint: `127.0.0.1:${port}`, backend: 'native', numStreams: 1, disableDowngrade: true });
    stops.push(() => exporter.shutdown());
    const before = { ...TelemetryBatch.conversions };
    const reqs = [0, 1, 2].map((i) => generateLogs({ seed: 8, batchSize: 200, batchIndex: i }));
    for (const r of reqs) await exporter.export('logs', r);
    const severe = reqs.flatMap((r) => r.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords))).filter((l) => l.severityNumber >= 17).length;
    expect(severityCounter.seen).toEqual({ rows: 600, severe });
    expect(severe).toBeGreaterThan(0);
    // Received OTAP stays in Rust-owned tables: the processor got views, nothing was converted
    // (the sender's encoding of its request objects, in this same process, is the only conversion).
    const { otlpToArrow, arrowToOtlp, otlpBytesToObjects } = TelemetryBatch.conversions;
    expect({ otlpToArrow, arrowToOtlp, otlpBytesToObjects }).toEqual({ otlpToArrow: before.otlpToArrow, arrowToOtlp: before.arrowToOtlp, otlpBytesToObjects: before.otlpBytesToObjects });

    const base = `http://127.0.0.1:${engine.adminPort}`;
    expect((await fetch(`${base}/live`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const status = await (await fetch(`${base}/status`)).json() as { state: string; pipelines: Array<{ health: string; nodes: Array<{ id: string; metrics: { itemsIn: number } }> }> };
    expect(status.state).toBe('running');
    expect(status.pipelines[0]!.health).toBe('healthy');
    expect(status.pipelines[0]!.nodes.find((n) => n.id === 'count')!.metrics.itemsIn).toBe(600);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^otap_node_items_in_total\{pipeline="g\/p",instance="0",node="count",urn="urn:example:processor:severity_counter"\} 600$/m);
    expect(metrics).toMatch(/^# TYPE otap_node_queue_depth gauge$/m);
    expect(metrics).toMatch(/^otap_pipeline_memory_limit_bytes\{pipeline="g\/p",instance="0"\} \d+$/m);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
