// processor:log_sampling through a real engine on every backend: ratio keeps emit of every
// out_of records across batches (the engine's worked example: 2/5 over 12, 4, 5, 4 keeps 6,
// 1, 2, 1), each output the batch's first records (held tables cut in the Rust core, no OTLP
// conversion); zip keeps at most max_items per interval; other signals pass untouched.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../../src/backend/index.js';
import type { Backend } from '../../src/backend/types.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { generateLogs, generateTraces } from '../../src/otlp/generate.js';
import type { SignalRequest } from '../../src/otlp/model.js';
import { encodeOtlp } from '../../src/otlp/signal-codec.js';
import { RatioSampler } from '../../src/pipeline/nodes/processors/log-sampling.js';
import { newHarness, pipelineYaml, startEngine } from '../support/pipeline-nodes.js';

function logsBatch(backend: Backend, size: number, index: number): TelemetryBatch {
  const bytes = encodeOtlp('logs', generateLogs({ seed: 3, batchSize: size, batchIndex: index }));
  const dec = backend.createDecoder();
  if (!dec.decodeTables) return TelemetryBatch.fromOtlpBytes('logs', bytes, { backend });
  return TelemetryBatch.fromBackendTables(dec.decodeTables(backend.createEncoder().encode('logs', bytes))!, { backend });
}

/** The first `k` log records of a request (with their resources and scopes). */
function firstRecords(req: SignalRequest['logs'], k: number): SignalRequest['logs'] {
  let left = k;
  return {
    resourceLogs: req.resourceLogs.map((rl) => ({
      ...rl,
      scopeLogs: rl.scopeLogs.map((sl) => {
        const logRecords = sl.logRecords.slice(0, Math.max(0, left));
        left -= logRecords.length;
        return { ...sl, logRecords };
      }).filter((sl) => sl.logRecords.length > 0),
    })).filter((rl) => rl.scopeLogs.length > 0),
  };
}

const yaml = (policy: string): string => pipelineYaml(`
src: { type: receiver:test_source }
sample: { type: processor:log_sampling, config: { policy: ${policy} } }
sink: { type: exporter:test_sink }`, `
- { from: src, to: sample }
- { from: sample, to: sink }`);

describe('RatioSampler', () => {
  it('follows the engine\'s worked example and keeps emit/out_of over time', () => {
    const s = new RatioSampler(2, 5);
    expect([12, 4, 5, 4].map((n) => s.toKeep(n))).toEqual([6, 1, 2, 1]);
    const t = new RatioSampler(3, 7);
    let kept = 0;
    for (let i = 0; i < 700; i++) kept += t.toKeep((i * 13) % 17);
    const seen = Array.from({ length: 700 }, (_, i) => (i * 13) % 17).reduce((a, b) => a + b, 0);
    expect(Math.abs(kept - (seen * 3) / 7)).toBeLessThanOrEqual(3);
  });
});

for (const name of ['js', 'native', 'wasm'] as const) {
  describe(`processor:log_sampling on ${name}`, () => {
    it('ratio: each batch keeps its first records, as many as the cycle allows', async () => {
      const backend = await loadBackend(name);
      const h = newHarness();
      const { engine } = await startEngine(yaml('{ ratio: { emit: 2, out_of: 5 } }'), h, backend);
      const inputs = [12, 4, 5, 4].map((n, i) => logsBatch(backend, n, i));
      const before = TelemetryBatch.conversions.arrowToOtlp;
      for (const b of inputs) expect(await h.sources.get('src')!.inject(b)).toEqual({ ok: true });
      if (name !== 'js') expect(TelemetryBatch.conversions.arrowToOtlp).toBe(before);
      const out = h.sinks.get('sink')!.received.map((p) => p.batch);
      expect(out.map((b) => b.itemCount)).toEqual([6, 1, 2, 1]);
      for (const [i, b] of out.entries()) {
        expect(canonicalDiff('logs', b.request as SignalRequest['logs'], firstRecords(inputs[i]!.request as SignalRequest['logs'], b.itemCount))).toBeUndefined();
        if (name !== 'js') expect(b.backendTables).toBeDefined();
      }
      await engine.shutdown();
    });

    it('zip: at most max_items per interval; a batch left empty is acked, not sent; traces pass', async () => {
      const backend = await loadBackend(name);
      const h = newHarness();
      const { engine } = await startEngine(yaml('{ zip: { interval: 1h, max_items: 10 } }'), h, backend);
      for (let i = 0; i < 3; i++) expect(await h.sources.get('src')!.inject(logsBatch(backend, 6, i))).toEqual({ ok: true });
      const traces = TelemetryBatch.fromOtlpBytes('traces', encodeOtlp('traces', generateTraces({ seed: 1, batchSize: 9 })), { backend });
      expect(await h.sources.get('src')!.inject(traces)).toEqual({ ok: true });
      expect(h.sinks.get('sink')!.received.map((p) => [p.signal, p.batch.itemCount])).toEqual([['logs', 6], ['logs', 4], ['traces', 9]]);
      const s = await engine.shutdown();
      expect(s.pipelines[0]!.nodes.find((n) => n.id === 'sample')!.details).toEqual({ kept: 10, sampledOut: 8 });
      expect(s.lost).toMatchObject({ failed: 0, dropped: 0 });
    });
  });
}

describe('processor:log_sampling config', () => {
  it('names the field of a bad policy', async () => {
    await expect(startEngine(yaml('{ ratio: { emit: 6, out_of: 5 } }'))).rejects.toThrow(/sample\.config\.policy/);
    await expect(startEngine(yaml('{ ratio: { emit: 0, out_of: 5 } }'))).rejects.toThrow(/sample\.config\.policy/);
    await expect(startEngine(yaml('{ zip: { interval: 1s } }'))).rejects.toThrow(/sample\.config\.policy/);
    await expect(startEngine(yaml('{ ratio: { emit: 1, out_of: 2 }, zip: { interval: 1s, max_items: 1 } }'))).rejects.toThrow(/sample\.config\.policy/);
  });
});

describe('processor:log_sampling ratio (property)', () => {
  it('keeps the oracle\'s count of first records of every batch, OTAP tables and OTLP alike', async () => {
    const backends = await Promise.all((['native', 'js'] as const).map((n) => loadBackend(n)));
    const policy = fc.integer({ min: 1, max: 9 }).chain((outOf) => fc.record({ outOf: fc.constant(outOf), emit: fc.integer({ min: 1, max: outOf }) }));
    await fc.assert(fc.asyncProperty(policy, fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 5 }), async ({ emit, outOf }, sizes) => {
      const oracle = new RatioSampler(emit, outOf);
      const want = sizes.map((n) => oracle.toKeep(n));
      for (const backend of backends) {
        const h = newHarness();
        const { engine } = await startEngine(yaml(`{ ratio: { emit: ${emit}, out_of: ${outOf} } }`), h, backend);
        const inputs = sizes.map((n, i) => logsBatch(backend, n, i));
        for (const b of inputs) expect(await h.sources.get('src')!.inject(b)).toEqual({ ok: true });
        const out = h.sinks.get('sink')!.received.map((p) => p.batch);
        const kept = want.flatMap((k, i) => (k > 0 ? [[i, k] as const] : []));
        expect(out.map((b) => b.itemCount)).toEqual(kept.map(([, k]) => k));
        for (const [j, [i, k]] of kept.entries()) {
          expect(canonicalDiff('logs', out[j]!.request as SignalRequest['logs'], firstRecords(inputs[i]!.request as SignalRequest['logs'], k))).toBeUndefined();
        }
        await engine.shutdown();
      }
    }), { numRuns: 12 });
  });
});
