// processor:temporal_reaggregation: which metrics are held, stream identity (order-free
// attributes, arrays ignored), latest point wins (strictly newer), exemplars dropped; in an
// engine the held points leave once per period as one batch, other metrics at once, inputs
// answered when their flush is, and an early flush at the cardinality limit.
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../../src/backend/index.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { LatestPointStore, splitAggregatable } from '../../src/otlp/metric-streams.js';
import type { ExportMetricsServiceRequest, KeyValue, MetricData, NumberDataPoint } from '../../src/otlp/model.js';
import { newHarness, pipelineYaml, startEngine } from '../support/pipeline-nodes.js';

const kv = (key: string, value: string): KeyValue => ({ key, value: { type: 'string', value } });

function point(t: number, value: number, attrs: KeyValue[] = []): NumberDataPoint {
  return {
    attributes: attrs, startTimeUnixNano: 0n, timeUnixNano: BigInt(t), value: { type: 'double', value }, flags: 0,
    exemplars: [{ filteredAttributes: [], timeUnixNano: BigInt(t), value: { type: 'double', value }, spanId: new Uint8Array(), traceId: new Uint8Array() }],
  } as NumberDataPoint;
}

function request(metrics: Array<{ name: string; data: MetricData }>, resource: KeyValue[] = [kv('host', 'h')]): ExportMetricsServiceRequest {
  return {
    resourceMetrics: [{
      resource: { attributes: resource, droppedAttributesCount: 0 }, schemaUrl: '',
      scopeMetrics: [{ scope: { name: 's', version: '1', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', metrics: metrics.map((m) => ({ ...m, description: '', unit: '1', metadata: [] })) }],
    }],
  };
}

const cumulative = (points: NumberDataPoint[]): MetricData => ({ type: 'sum', dataPoints: points, aggregationTemporality: 2, isMonotonic: true });
const delta = (points: NumberDataPoint[]): MetricData => ({ type: 'sum', dataPoints: points, aggregationTemporality: 1, isMonotonic: true });
const values = (req: ExportMetricsServiceRequest) => req.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((m) =>
  ((m.data as { dataPoints: NumberDataPoint[] }).dataPoints).map((p) => [m.name, Number(p.timeUnixNano), (p.value as { value: number }).value, p.exemplars.length]))));

describe('metric streams', () => {
  it('hold gauges, summaries, cumulative monotonic sums and cumulative histograms; pass the rest', () => {
    const req = request([
      { name: 'g', data: { type: 'gauge', dataPoints: [point(1, 1)] } },
      { name: 'c', data: cumulative([point(1, 1)]) },
      { name: 'd', data: delta([point(1, 1)]) },
      { name: 'nm', data: { type: 'sum', dataPoints: [point(1, 1)], aggregationTemporality: 2, isMonotonic: false } },
      { name: 'h', data: { type: 'histogram', dataPoints: [], aggregationTemporality: 1 } },
    ]);
    const { aggregatable, rest } = splitAggregatable(req);
    expect(aggregatable.resourceMetrics[0]!.scopeMetrics[0]!.metrics.map((m) => m.name)).toEqual(['g', 'c']);
    expect(rest.resourceMetrics[0]!.scopeMetrics[0]!.metrics.map((m) => m.name)).toEqual(['d', 'nm', 'h']);
  });

  it('keep the latest point per stream; identity ignores attribute order and array values', () => {
    const s = new LatestPointStore();
    const arr: KeyValue = { key: 'list', value: { type: 'array', values: [{ type: 'int', value: 1n }] } };
    s.add(request([{ name: 'c', data: cumulative([point(5, 1, [kv('a', '1'), kv('b', '2')]), point(5, 9, [kv('a', 'other')])]) }]));
    s.add(request([{ name: 'c', data: cumulative([point(7, 2, [kv('b', '2'), kv('a', '1'), arr]), point(3, 0, [kv('a', 'other')])]) }]));
    s.add(request([{ name: 'c', data: cumulative([point(7, 3, [kv('a', '1'), kv('b', '2')])]) }])); // same time: first kept
    s.add(request([{ name: 'c', data: cumulative([point(1, 4)]) }], [kv('host', 'other')]));
    expect(s.size).toBe(3);
    expect(s.newStreams(request([{ name: 'c', data: cumulative([point(9, 1), point(9, 1, [kv('z', '1')])]) }]))).toBe(2);
    expect(values(s.take())).toEqual([['c', 7, 2, 0], ['c', 5, 9, 0], ['c', 1, 4, 0]]);
    expect(s.size).toBe(0);
  });
});

for (const name of ['js', 'native'] as const) {
  describe(`processor:temporal_reaggregation on ${name}`, () => {
    it('sends the latest points once per period, other metrics at once; inputs answered with their flush', async () => {
      const backend = await loadBackend(name);
      const h = newHarness();
      const { engine } = await startEngine(pipelineYaml(`
src: { type: receiver:test_source }
agg: { type: processor:temporal_reaggregation, config: { period: 300ms } }
sink: { type: exporter:test_sink }`, `
- { from: src, to: agg }
- { from: agg, to: sink }`), h, backend);
      const src = h.sources.get('src')!;
      const sink = h.sinks.get('sink')!;
      const t0 = Date.now();
      const answers = Promise.all([1, 2, 3].map((t) => src.inject(TelemetryBatch.fromRequest('metrics', request([
        { name: 'c', data: cumulative([point(t, t * 10)]) },
        { name: 'd', data: delta([point(t, t)]) },
      ]), { backend }))));
      await new Promise((r) => setTimeout(r, 100));
      expect(sink.received.map((p) => values(p.batch.request as ExportMetricsServiceRequest))).toEqual([[['d', 1, 1, 1]], [['d', 2, 2, 1]], [['d', 3, 3, 1]]]);
      expect(await answers).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(sink.received).toHaveLength(4);
      expect(values(sink.received[3]!.batch.request as ExportMetricsServiceRequest)).toEqual([['c', 3, 30, 0]]);
      await engine.shutdown();
    });

    it('flushes early at max_stream_cardinality and on shutdown', async () => {
      const backend = await loadBackend(name);
      const h = newHarness();
      const { engine } = await startEngine(pipelineYaml(`
src: { type: receiver:test_source }
agg: { type: processor:temporal_reaggregation, config: { period: 1h, max_stream_cardinality: 2 } }
sink: { type: exporter:test_sink }`, `
- { from: src, to: agg }
- { from: agg, to: sink }`), h, backend);
      const src = h.sources.get('src')!;
      const inject = (attr: string) => src.inject(TelemetryBatch.fromRequest('metrics', request([{ name: 'c', data: cumulative([point(1, 1, [kv('k', attr)])]) }]), { backend }));
      const first = Promise.all([inject('a'), inject('b')]);
      await new Promise((r) => setTimeout(r, 50));
      expect(h.sinks.get('sink')!.received).toHaveLength(0);
      const third = inject('c'); // a third stream: the two held go first
      expect(await first).toEqual([{ ok: true }, { ok: true }]);
      expect(h.sinks.get('sink')!.received.map((p) => p.batch.itemCount)).toEqual([2]);
      await engine.shutdown();
      expect(await third).toEqual({ ok: true });
      expect(h.sinks.get('sink')!.received.map((p) => p.batch.itemCount)).toEqual([2, 1]);
    });
  });
}
