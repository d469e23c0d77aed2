// A receiver of OTAP hands over OTLP bytes decoded straight from the stream when every node
// after it reads OTLP or nothing (NodeFactory.reads), and keeps Arrow tables otherwise.
import { afterEach, describe, expect, it } from 'vitest';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { generateLogs } from '../../src/otlp/generate.js';
import { Engine, builtinRegistry, validateText, type ProcessorFactory } from '../../src/index.js';
import { downstreamReadsOnlyOtlp } from '../../src/pipeline/engine/downstream-form.js';
import type { CheckedNode } from '../../src/pipeline/engine/node-configs.js';
import { OtapExporter } from '../../src/transport/exporter/exporter.js';
import { OtapReceiver } from '../../src/transport/receiver/receiver.js';
import { freePort } from '../interop/go-collector.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

describe('downstreamReadsOnlyOtlp', () => {
  const node = (id: string, reads?: 'otlp' | 'none'): CheckedNode =>
    ({ id, urn: id, kind: 'processor', factory: { type: id, create: () => ({}), ...(reads ? { reads } : {}) }, config: undefined, outputs: [], defaultOutput: undefined }) as unknown as CheckedNode;
  const routes = (...edges: Array<[string, string, string[]]>) => new Map(edges.map(([from, port, tos]) => [`${from}\u0000${port}`, tos]));

  it('is true only when every reachable node reads OTLP or nothing, and one reads OTLP', () => {
    const nodes = [node('in'), node('retry', 'none'), node('fan', 'none'), node('grpc', 'otlp'), node('http', 'otlp'), node('noop', 'none'), node('batch'), node('other', 'otlp')];
    expect(downstreamReadsOnlyOtlp('in', nodes, routes(['in', 'default', ['grpc']]))).toBe(true);
    expect(downstreamReadsOnlyOtlp('in', nodes, routes(['in', 'default', ['retry']], ['retry', 'default', ['fan']], ['fan', 'a', ['grpc']], ['fan', 'b', ['http', 'noop']]))).toBe(true);
    // A node that declares nothing may read tables, wherever it sits.
    expect(downstreamReadsOnlyOtlp('in', nodes, routes(['in', 'default', ['retry']], ['retry', 'default', ['batch']], ['batch', 'default', ['grpc']]))).toBe(false);
    expect(downstreamReadsOnlyOtlp('in', nodes, routes(['in', 'default', ['fan']], ['fan', 'a', ['grpc']], ['fan', 'b', ['batch']]))).toBe(false);
    // Nothing reads OTLP (a sink only): tables stay, they cost less than an OTLP conversion.
    expect(downstreamReadsOnlyOtlp('in', nodes, routes(['in', 'default', ['noop']]))).toBe(false);
    expect(downstreamReadsOnlyOtlp('in', nodes, new Map())).toBe(false);
    // Only what is reachable from the receiver counts; cycles end.
    expect(downstreamReadsOnlyOtlp('in', nodes, routes(['in', 'default', ['retry']], ['retry', 'default', ['grpc', 'retry']], ['batch', 'default', ['other']]))).toBe(true);
  });
});

describe('receiver:otap in a pipeline', () => {
  /** Passes batches on, recording the forms they arrive in; declares `reads` as given. */
  const probe = (type: string, reads?: 'none'): ProcessorFactory & { forms: string[][] } => {
    const forms: string[][] = [];
    return {
      type,
      forms,
      ...(reads ? { reads } : {}),
      create: (_config, ctx) => ({
        async process(pdata) {
          forms.push(pdata.batch.forms);
          await ctx.send(pdata);
        },
      }),
    };
  };

  for (const declared of [true, false]) {
    it(`${declared ? 'decodes straight to OTLP bytes before an OTLP exporter' : 'keeps Arrow tables when a node may read them'} (native)`, async () => {
      const received: number[] = [];
      const down = new OtapReceiver({ grpcPort: 0, backend: 'native' }, async (b) => void received.push(b.payload.itemCount));
      const { grpcPort: downPort } = await down.start();
      stops.push(() => down.shutdown());
      const type = `urn:example:processor:form_probe_${declared ? 'none' : 'unknown'}`;
      const p = probe(type, declared ? 'none' : undefined);
      const registry = builtinRegistry().register(p);
      const port = await freePort();
      const yaml = `version: otel_dataflow/v1
groups:
  g:
    pipelines:
      p:
        nodes:
          in: { type: receiver:otap, config: { listening_addr: "127.0.0.1:${port}", response_stream_channel_size: 8, wait_for_result: true } }
          probe: { type: "${type}" }
          out: { type: exporter:otlp_grpc, config: { grpc_endpoint: "http://127.0.0.1:${downPort}" } }
        connections:
          - { from: in, to: probe }
          - { from: probe, to: out }
`;
      const engine = new Engine(validateText(yaml, 'form.yaml', registry), { registry, backend: 'native' });
      await engine.start();
      stops.push(() => engine.shutdown());
      const exporter = new OtapExporter({ endpoint: `127.0.0.1:${port}`, backend: 'native', numStreams: 1, disableDowngrade: true });
      stops.push(() => exporter.shutdown());
      const before = TelemetryBatch.conversions.arrowToOtlp;
      for (let i = 0; i < 3; i++) await exporter.export('logs', generateLogs({ seed: 9, batchSize: 50, batchIndex: i }));
      expect(received).toEqual([50, 50, 50]);
      expect(p.forms).toEqual(Array(3).fill(declared ? ['otlp-bytes'] : ['otap-arrow']));
      // Tables are converted to OTLP by the exporter only when they were kept.
      expect(TelemetryBatch.conversions.arrowToOtlp - before).toBe(declared ? 0 : 3);
    });
  }
});
