// Test nodes for the pipeline engine, written against the public node API: a receiver whose
// batches the test injects (and whose outcomes it awaits), and an exporter whose answer the
// test scripts (ack, nack, permanent nack, delay) and which records what reached it.
import { z } from 'zod';
import type { Backend, BackendTables } from '../../src/backend/types.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { Engine, validateText } from '../../src/pipeline/engine/engine.js';
import type { ExporterFactory, Outcome, ReceiverContext, ReceiverFactory } from '../../src/pipeline/engine/node-api.js';
import type { PData } from '../../src/pipeline/engine/pdata.js';
import type { NodeRegistry } from '../../src/pipeline/engine/registry.js';
import { builtinRegistry } from '../../src/pipeline/nodes/builtin.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal } from '../../src/otlp/model.js';
import { encodeOtlp } from '../../src/otlp/signal-codec.js';

export type SinkBehaviour = 'ack' | 'nack' | 'permanent' | 'hang' | ((pdata: PData, attempt: number) => 'ack' | 'nack' | 'permanent' | 'hang');

export interface TestHarness {
  sources: Map<string, { ctx: ReceiverContext; inject(batch: TelemetryBatch): Promise<Outcome | 'refused'> }>;
  sinks: Map<string, { received: PData[]; behaviour: SinkBehaviour; delayMs: number; attempts: number }>;
}

export function testRegistry(h: TestHarness): NodeRegistry {
  const source: ReceiverFactory = {
    type: 'receiver:test_source',
    create(_c, ctx) {
      h.sources.set(ctx.nodeId, {
        ctx,
        async inject(batch) {
          const admitted = ctx.admit(batch);
          if (!admitted) return 'refused';
          await ctx.send(admitted.pdata);
          return admitted.completion;
        },
      });
      return { start: async () => {}, stop: async () => {} };
    },
  };
  /** exporter:test_sink may read tables; exporter:test_otlp_sink reads only OTLP, as the OTLP exporters do. */
  const sinkOf = (type: string, reads?: 'otlp'): ExporterFactory<{ behaviour?: string; delay_ms?: number } | undefined> => ({
    type,
    ...(reads ? { reads } : {}),
    config: z.object({ behaviour: z.string().optional(), delay_ms: z.number().optional() }).nullable().optional().transform((v) => v ?? undefined),
    create(config, ctx) {
      const state = { received: [] as PData[], behaviour: (config?.behaviour ?? 'ack') as SinkBehaviour, delayMs: config?.delay_ms ?? 0, attempts: 0 };
      h.sinks.set(ctx.nodeId, state);
      return {
        async export(pdata) {
          state.received.push(pdata);
          const b = typeof state.behaviour === 'function' ? state.behaviour(pdata, state.attempts++) : state.behaviour;
          if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
          if (b === 'ack') ctx.ack(pdata);
          else if (b === 'nack') ctx.nack(pdata, `${ctx.nodeId} refuses`);
          else if (b === 'permanent') ctx.nack(pdata, `${ctx.nodeId} refuses for good`, { permanent: true });
        },
      };
    },
  });
  return builtinRegistry().register(source).register(sinkOf('exporter:test_sink')).register(sinkOf('exporter:test_otlp_sink', 'otlp'));
}

export function newHarness(): TestHarness {
  return { sources: new Map(), sinks: new Map() };
}

/** An engine over `yaml` with the test nodes registered. */
export async function startEngine(yaml: string, h: TestHarness = newHarness(), backend: Backend | 'native' | 'wasm' | 'js' = 'js'): Promise<{ engine: Engine; h: TestHarness }> {
  const registry = testRegistry(h);
  const engine = new Engine(validateText(yaml, 'test.yaml', registry), { registry, backend });
  await engine.start();
  return { engine, h };
}

const GEN = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

export function otlpBatch(signal: Signal, batchSize: number, batchIndex = 0, seed = 7): TelemetryBatch {
  return TelemetryBatch.fromOtlpBytes(signal, encodeOtlp(signal, GEN[signal]({ seed, batchSize, batchIndex })));
}

/** A one-pipeline document: `nodes` and `connections` as YAML text blocks. */
export function pipelineYaml(nodes: string, connections: string, policies = ''): string {
  const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
  return `version: otel_dataflow/v1
${policies}
groups:
  g:
    pipelines:
      p:
        nodes:
${indent(nodes, 10)}
        connections:
${indent(connections, 10)}
`;
}

/** A batch as a receiver of `backend` holds it: OTAP tables read in the Rust core (native,
 *  wasm), OTLP bytes on js. */
export function receivedBatch<S extends Signal>(backend: Backend, signal: S, otlp: Uint8Array): TelemetryBatch<S> {
  const dec = backend.createDecoder();
  if (!dec.decodeTables) return TelemetryBatch.fromOtlpBytes(signal, otlp, { backend });
  const tables = dec.decodeTables(backend.createEncoder().encode(signal, otlp))! as BackendTables & { signal: S };
  return TelemetryBatch.fromBackendTables(tables, { backend });
}

/** The messages of a zod config error as `path: message`, joined; '' when `parse` accepts. */
export function configIssues(parse: (raw: unknown) => unknown, raw: unknown): string {
  try {
    parse(raw);
    return '';
  } catch (e) {
    const issues = (e as { issues?: Array<{ path: unknown[]; message: string }> }).issues;
    return issues ? issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : String(e);
  }
}
