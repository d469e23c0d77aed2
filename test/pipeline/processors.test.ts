// Processors through a real engine: batch (join, split, acks per input), type_router,
// fanout (primary / all / none, fallback, timeout), retry, debug.
import { describe, expect, it } from 'vitest';
import { countItems } from '../../src/otlp/canonical.js';
import { Engine, validateText } from '../../src/pipeline/engine/engine.js';
import type { ProcessorFactory } from '../../src/pipeline/engine/node-api.js';
import { newHarness, otlpBatch, pipelineYaml, startEngine, testRegistry } from '../support/pipeline-nodes.js';

const source = 'src: { type: receiver:test_source }';

describe('processor:batch', () => {
  it('joins small batches up to min_size and acks every input once its output is acked', async () => {
    const { engine, h } = await startEngine(pipelineYaml(`
${source}
batch: { type: processor:batch, config: { otlp: { min_size: 1, sizer: bytes }, otap: { min_size: 100, sizer: items }, format: otap, max_batch_duration: 5s } }
sink: { type: exporter:test_sink }`, `
- { from: src, to: batch }
- { from: batch, to: sink }`));
    const src = h.sources.get('src')!;
    const outcomes = Promise.all(Array.from({ length: 10 }, (_, i) => src.inject(otlpBatch('logs', 10, i))));
    const results = await outcomes;
    expect(results.every((r) => r !== 'refused' && r.ok)).toBe(true);
    const sink = h.sinks.get('sink')!;
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.batch.itemCount).toBe(100);
    expect(countItems('logs', sink.received[0]!.batch.request as never)).toBe(100);
    await engine.shutdown();
  });

  it('splits a large batch into outputs of at most max_size items, none lost', async () => {
    const { engine, h } = await startEngine(pipelineYaml(`
${source}
batch: { type: processor:batch, config: { otap: { min_size: 300, max_size: 300, sizer: items }, format: otap, max_batch_duration: 50ms } }
sink: { type: exporter:test_sink }`, `
- { from: src, to: batch }
- { from: batch, to: sink }`));
    const r = await h.sources.get('src')!.inject(otlpBatch('traces', 1000));
    expect(r).toEqual({ ok: true });
    const sizes = h.sinks.get('sink')!.received.map((p) => countItems('traces', p.batch.request as never));
    expect(sizes).toEqual([300, 300, 300, 100]);
    await engine.shutdown();
  });

  it('nacks an input when one output holding part of it is nacked', async () => {
    const h = newHarness();
    const { engine } = await startEngine(pipelineYaml(`
${source}
batch: { type: processor:batch, config: { otap: { min_size: 50, max_size: 50, sizer: items }, format: otap, max_batch_duration: 50ms } }
sink: { type: exporter:test_sink }`, `
- { from: src, to: batch }
- { from: batch, to: sink }`), h);
    h.sinks.get('sink')!.behaviour = (_p, attempt) => (attempt === 1 ? 'nack' : 'ack');
    const r = await h.sources.get('src')!.inject(otlpBatch('logs', 120));
    expect(r).toMatchObject({ ok: false, permanent: false });
    await engine.shutdown();
    expect(h.sinks.get('sink')!.received.map((p) => p.batch.itemCount)).toEqual([50, 50, 20]);
  });

  it('flushes what is pending when the pipeline shuts down', async () => {
    const { engine, h } = await startEngine(pipelineYaml(`
${source}
batch: { type: processor:batch, config: { otap: { min_size: 100000, sizer: items }, format: otap, max_batch_duration: 1h } }
sink: { type: exporter:test_sink }`, `
- { from: src, to: batch }
- { from: batch, to: sink }`));
    const pending = h.sources.get('src')!.inject(otlpBatch('metrics', 40));
    await new Promise((r) => setTimeout(r, 50));
    expect(h.sinks.get('sink')!.received).toHaveLength(0);
    await engine.shutdown();
    expect(await pending).toEqual({ ok: true });
    expect(h.sinks.get('sink')!.received[0]!.batch.itemCount).toBe(40);
  });

  it('rejects a config whose otap block sizes in bytes, naming the field', async () => {
    await expect(startEngine(pipelineYaml(`
${source}
batch: { type: processor:batch, config: { otap: { min_size: 10, sizer: bytes } } }
sink: { type: exporter:test_sink }`, `
- { from: src, to: batch }
- { from: batch, to: sink }`))).rejects.toThrow(/groups\.g\.pipelines\.p\.nodes\.batch\.config\.otap\.sizer: the otap block sizes in items/);
  });
});

describe('processor:type_router', () => {
  it('routes by signal, uses the default output for unrouted signals, drops (and acks) with neither', async () => {
    const { engine, h } = await startEngine(pipelineYaml(`
${source}
router: { type: processor:type_router, outputs: [logs, traces] }
logs: { type: exporter:test_sink }
traces: { type: exporter:test_sink }`, `
- { from: src, to: router }
- { from: 'router["logs"]', to: logs }
- { from: 'router["traces"]', to: traces }`));
    const src = h.sources.get('src')!;
    expect(await src.inject(otlpBatch('logs', 5))).toEqual({ ok: true });
    expect(await src.inject(otlpBatch('traces', 5))).toEqual({ ok: true });
    expect(await src.inject(otlpBatch('metrics', 5))).toEqual({ ok: true });
    expect(h.sinks.get('logs')!.received.map((p) => p.signal)).toEqual(['logs']);
    expect(h.sinks.get('traces')!.received.map((p) => p.signal)).toEqual(['traces']);
    const s = await engine.shutdown();
    expect(s.pipelines[0]!.nodes.find((n) => n.id === 'router')!.metrics.dropped).toBe(1);
  });
});

describe('processor:fanout', () => {
  const fanout = (config: string) => pipelineYaml(`
${source}
fan: { type: processor:fanout, outputs: [a, b, c], config: ${config} }
a: { type: exporter:test_sink }
b: { type: exporter:test_sink }
c: { type: exporter:test_sink }`, `
- { from: src, to: fan }
- { from: 'fan["a"]', to: a }
- { from: 'fan["b"]', to: b }
- { from: 'fan["c"]', to: c }`);

  it('await_ack all: acks only when every destination acked, nacks when one refuses', async () => {
    const { engine, h } = await startEngine(fanout('{ await_ack: all, destinations: [{ port: a }, { port: b }] }'));
    const src = h.sources.get('src')!;
    expect(await src.inject(otlpBatch('logs', 3))).toEqual({ ok: true });
    h.sinks.get('b')!.behaviour = 'permanent';
    expect(await src.inject(otlpBatch('logs', 3))).toMatchObject({ ok: false, reason: expect.stringContaining('b refuses') as unknown });
    expect(h.sinks.get('a')!.received).toHaveLength(2);
    await engine.shutdown();
  });

  it('await_ack primary: the primary decides; a failing primary falls back', async () => {
    const { engine, h } = await startEngine(fanout('{ await_ack: primary, destinations: [{ port: a, primary: true }, { port: b }, { port: c, fallback_for: a }] }'));
    const src = h.sources.get('src')!;
    h.sinks.get('b')!.behaviour = 'nack';
    expect(await src.inject(otlpBatch('logs', 3))).toEqual({ ok: true });
    expect(h.sinks.get('c')!.received).toHaveLength(0);
    h.sinks.get('a')!.behaviour = 'nack';
    expect(await src.inject(otlpBatch('logs', 3))).toEqual({ ok: true });
    expect(h.sinks.get('c')!.received).toHaveLength(1);
    h.sinks.get('c')!.behaviour = 'nack';
    expect(await src.inject(otlpBatch('logs', 3))).toMatchObject({ ok: false });
    await engine.shutdown();
  });

  it('a destination timeout counts as a nack', async () => {
    const { engine, h } = await startEngine(fanout('{ await_ack: all, destinations: [{ port: a }, { port: b, timeout: 100ms }] }'));
    h.sinks.get('b')!.behaviour = 'hang';
    const r = await h.sources.get('src')!.inject(otlpBatch('traces', 2));
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('did not answer within 100 ms') as unknown });
    await engine.shutdown(200);
  });

  it('sequential sends to the next destination after the previous acked', async () => {
    const { engine, h } = await startEngine(fanout('{ mode: sequential, await_ack: all, destinations: [{ port: a }, { port: b }, { port: c }] }'));
    const order: string[] = [];
    for (const id of ['a', 'b', 'c']) h.sinks.get(id)!.behaviour = () => { order.push(id); return 'ack'; };
    expect(await h.sources.get('src')!.inject(otlpBatch('logs', 2))).toEqual({ ok: true });
    expect(order).toEqual(['a', 'b', 'c']);
    await engine.shutdown();
  });

  it('await_ack none: upstream hears exactly one ack, whatever the destinations answer', async () => {
    const { engine, h } = await startEngine(pipelineYaml(`
${source}
batch: { type: processor:batch, config: { otap: { min_size: 1, sizer: items }, format: otap, max_batch_duration: 10ms } }
fan: { type: processor:fanout, outputs: [a, b], config: { await_ack: none, destinations: [{ port: a }, { port: b }] } }
a: { type: exporter:test_sink }
b: { type: exporter:test_sink, config: { behaviour: nack } }`, `
- { from: src, to: batch }
- { from: batch, to: fan }
- { from: 'fan["a"]', to: a }
- { from: 'fan["b"]', to: b }`));
    const src = h.sources.get('src')!;
    for (let i = 0; i < 5; i++) expect(await src.inject(otlpBatch('logs', 2, i))).toEqual({ ok: true });
    await new Promise((r) => setTimeout(r, 20));
    const s = await engine.shutdown();
    const batch = s.pipelines[0]!.nodes.find((n) => n.id === 'batch')!;
    expect(batch.details).toMatchObject({ outboundInFlight: 0, pendingInputs: 0 });
    expect(h.sinks.get('a')!.received).toHaveLength(5);
  });

  it('rejects a fallback loop and await_ack none with a timeout', async () => {
    await expect(startEngine(fanout('{ destinations: [{ port: a, fallback_for: b }, { port: b, fallback_for: a }] }'))).rejects.toThrow(/fallback chain loops/);
    await expect(startEngine(fanout('{ await_ack: none, destinations: [{ port: a, timeout: 1s }] }'))).rejects.toThrow(/await_ack: none cannot be combined/);
  });
});

describe('processor:retry', () => {
  const retry = (config: string) => pipelineYaml(`
${source}
retry: { type: processor:retry, config: ${config} }
sink: { type: exporter:test_sink }`, `
- { from: src, to: retry }
- { from: retry, to: sink }`);

  it('re-sends after nacks with backoff until an ack', async () => {
    const { engine, h } = await startEngine(retry('{ initial_interval: 10ms, max_interval: 40ms, multiplier: 2 }'));
    h.sinks.get('sink')!.behaviour = (_p, n) => (n < 3 ? 'nack' : 'ack');
    const t0 = Date.now();
    expect(await h.sources.get('src')!.inject(otlpBatch('logs', 4))).toEqual({ ok: true });
    expect(h.sinks.get('sink')!.received).toHaveLength(4);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(10 + 20 + 40 - 5);
    await engine.shutdown();
  });

  it('passes a permanent nack upstream at once, and gives up after max_elapsed_time', async () => {
    const { engine, h } = await startEngine(retry('{ initial_interval: 10ms, max_interval: 20ms, max_elapsed_time: 100ms }'));
    h.sinks.get('sink')!.behaviour = 'permanent';
    expect(await h.sources.get('src')!.inject(otlpBatch('logs', 1))).toMatchObject({ ok: false, permanent: true });
    expect(h.sinks.get('sink')!.received).toHaveLength(1);
    h.sinks.get('sink')!.behaviour = 'nack';
    expect(await h.sources.get('src')!.inject(otlpBatch('logs', 1))).toMatchObject({ ok: false, permanent: false, reason: expect.stringContaining('gave up') as unknown });
    await engine.shutdown();
  });

  it('rejects a multiplier below 1', async () => {
    await expect(startEngine(retry('{ multiplier: 0.5 }'))).rejects.toThrow(/nodes\.retry\.config\.multiplier: must be >= 1/);
  });
});

describe('a node that throws', () => {
  it('nacks the batch it was handling (counted as an error) and keeps processing the next ones', async () => {
    const h = newHarness();
    const flaky: ProcessorFactory = {
      type: 'processor:flaky',
      create: (_c, ctx) => {
        let n = 0;
        return {
          async process(pdata) {
            if (n++ === 0) throw new Error('boom');
            await ctx.send(pdata);
          },
        };
      },
    };
    const registry = testRegistry(h).register(flaky);
    const engine = new Engine(validateText(pipelineYaml(`
${source}
flaky: { type: processor:flaky }
sink: { type: exporter:test_sink }`, `
- { from: src, to: flaky }
- { from: flaky, to: sink }`), 't.yaml', registry), { registry, backend: 'js' });
    await engine.start();
    const src = h.sources.get('src')!;
    expect(await src.inject(otlpBatch('logs', 3))).toMatchObject({ ok: false, permanent: false, reason: 'flaky: boom' });
    expect(await src.inject(otlpBatch('logs', 3, 1))).toEqual({ ok: true });
    const s = await engine.shutdown();
    expect(s.lost).toMatchObject({ errors: 1, failed: 1 });
    expect(s.pipelines[0]!.memory.inUse).toBe(0);
  });
});
