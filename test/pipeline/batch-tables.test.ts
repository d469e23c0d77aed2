// processor:batch on received OTAP tables held by a Rust backend (native, wasm): joins and
// splits them as Arrow tables (Backend.concatTables / splitTables), never through OTLP, and
// the outputs hold the same telemetry as the inputs.
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../../src/backend/index.js';
import type { Backend, BackendTables } from '../../src/backend/types.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { OtelArrowError } from '../../src/errors.js';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal } from '../../src/otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../../src/otlp/signal-codec.js';
import { newHarness, pipelineYaml, startEngine } from '../support/pipeline-nodes.js';

const GEN = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

/** A batch as receiver:otap holds it: tables read by the backend from a BAR, unconverted. */
function heldBatch(backend: Backend, signal: Signal, size: number, index: number): TelemetryBatch {
  const bar = backend.createEncoder({ zstdLevel: 1 }).encode(signal, encodeOtlp(signal, GEN[signal]({ seed: 11, batchSize: size, batchIndex: index })));
  const tables = backend.createDecoder().decodeTables!(bar)!;
  return TelemetryBatch.fromBackendTables(tables, { backend });
}

/** One request holding every batch's telemetry (their resource lists appended). */
function joined(signal: Signal, batches: TelemetryBatch[]): unknown {
  return decodeOtlp(signal, Buffer.concat(batches.map((b) => b.otlpBytes())));
}

const yaml = (otap: string): string => pipelineYaml(`
src: { type: receiver:test_source }
batch: { type: processor:batch, config: { otap: { ${otap}, sizer: items }, format: otap, max_batch_duration: 50ms } }
sink: { type: exporter:test_sink }`, `
- { from: src, to: batch }
- { from: batch, to: sink }`);

for (const name of ['native', 'wasm'] as const) {
  describe(`processor:batch on ${name} tables`, () => {
    it('joins held tables into one held batch with no OTLP conversion, acking every input', async () => {
      const backend = await loadBackend(name);
      const { engine, h } = await startEngine(yaml('min_size: 100'), undefined, backend);
      const inputs = Array.from({ length: 10 }, (_, i) => heldBatch(backend, 'logs', 10, i));
      const before = { ...TelemetryBatch.conversions };
      const results = await Promise.all(inputs.map((b) => h.sources.get('src')!.inject(b)));
      expect(results).toEqual(Array(10).fill({ ok: true }));
      const out = h.sinks.get('sink')!.received.map((p) => p.batch);
      expect(out.map((b) => b.itemCount)).toEqual([100]);
      expect(out[0]!.backendTables).toBeDefined();
      expect(TelemetryBatch.conversions.arrowToOtlp).toBe(before.arrowToOtlp);
      expect(canonicalDiff('logs', joined('logs', out) as never, joined('logs', inputs) as never)).toBeUndefined();
      expect((await engine.shutdown()).pipelines[0]!.nodes.find((n) => n.id === 'batch')!.details).toMatchObject({ tablesJoined: 1 });
    });

    it('splits a held batch into held pieces of at most max_size, none lost', async () => {
      const backend = await loadBackend(name);
      const { engine, h } = await startEngine(yaml('min_size: 300, max_size: 300'), undefined, backend);
      const input = heldBatch(backend, 'traces', 1000, 0);
      const before = { ...TelemetryBatch.conversions };
      expect(await h.sources.get('src')!.inject(input)).toEqual({ ok: true });
      const out = h.sinks.get('sink')!.received.map((p) => p.batch);
      expect(out.map((b) => b.itemCount)).toEqual([300, 300, 300, 100]);
      expect(out.every((b) => b.backendTables !== undefined)).toBe(true);
      expect(TelemetryBatch.conversions.arrowToOtlp).toBe(before.arrowToOtlp);
      expect(canonicalDiff('traces', joined('traces', out) as never, input.request as never)).toBeUndefined();
      await engine.shutdown();
    });

    it('tops up a partial output from the next input and keeps metrics whole', async () => {
      const backend = await loadBackend(name);
      const { engine, h } = await startEngine(yaml('min_size: 64, max_size: 64'), undefined, backend);
      const inputs = [heldBatch(backend, 'metrics', 30, 0), heldBatch(backend, 'metrics', 50, 1), heldBatch(backend, 'metrics', 20, 2)];
      const results = await Promise.all(inputs.map((b) => h.sources.get('src')!.inject(b)));
      expect(results).toEqual(Array(3).fill({ ok: true }));
      const out = h.sinks.get('sink')!.received.map((p) => p.batch);
      const total = inputs.reduce((n, b) => n + b.itemCount, 0);
      expect(out.reduce((n, b) => n + b.itemCount, 0)).toBe(total);
      // Every output but the last reaches the limit within one metric's points.
      for (const b of out.slice(0, -1)) expect(b.itemCount).toBeGreaterThan(40);
      expect(out.length).toBeGreaterThan(1);
      expect(canonicalDiff('metrics', joined('metrics', out) as never, joined('metrics', inputs) as never)).toBeUndefined();
      await engine.shutdown();
    });

    it('a batch the core cannot join goes on alone: its failure is its own, the others are acked', async () => {
      const backend = await loadBackend(name);
      const inputs = Array.from({ length: 4 }, (_, i) => heldBatch(backend, 'logs', 10, i));
      const bad = inputs[2]!.backendTables!;
      // The core refuses a join holding `bad` (as it refuses parent ids that point at no row).
      const refusing: Backend = Object.assign(Object.create(backend) as Backend, {
        concatTables: (tables: readonly BackendTables[]) => {
          if (tables.includes(bad)) throw new OtelArrowError('INVALID_PAYLOAD', 'parent id 500 points at no row', { table: 'LOG_ATTRS', column: 'parent_id' });
          return backend.concatTables!(tables);
        },
      });
      const h = newHarness();
      const { engine } = await startEngine(yaml('min_size: 40'), h, refusing);
      h.sinks.get('sink')!.behaviour = (p) => (p.batch.backendTables === bad ? 'permanent' : 'ack');
      const results = await Promise.all(inputs.map((b) => h.sources.get('src')!.inject(b)));
      expect(results.map((r) => r !== 'refused' && r.ok)).toEqual([true, true, false, true]);
      expect(h.sinks.get('sink')!.received.map((p) => p.batch.itemCount)).toEqual([10, 10, 10, 10]);
      expect((await engine.shutdown()).pipelines[0]!.nodes.find((n) => n.id === 'batch')!.details).toMatchObject({ joinFallbacks: 1 });
    });
  });
}
