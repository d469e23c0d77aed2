// receiver:traffic_generator — produces logs, traces and metrics at a configured rate and
// batch size from the package's own telemetry model (src/otlp/generate.ts: services with
// semantic-convention attributes; no network, `registry_path` is accepted and not fetched).
// `pre_generated` sends a pool of encoded batches round robin (cheapest); `fresh` generates
// every batch. It paces with the memory budget: when the pipeline refuses a batch, it waits.
import { z } from 'zod';
import { TelemetryBatch } from '../../../batch/telemetry-batch.js';
import { generateLogs, generateMetrics, generateTraces } from '../../../otlp/generate.js';
import type { AnyValue, KeyValue, Signal, SignalRequest } from '../../../otlp/model.js';
import { encodeOtlp } from '../../../otlp/signal-codec.js';
import { nodeConfig, positiveInt } from '../../config/field-types.js';
import { sleepUnlessClosing } from '../../engine/closing-sleep.js';
import type { ReceiverFactory } from '../../engine/node-api.js';

const attrMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const resourceEntry = z.union([
  z.strictObject({ attrs: attrMap.refine((m) => Object.keys(m).length > 0, 'attrs must not be empty'), weight: positiveInt.default(1) }),
  attrMap.transform((attrs) => ({ attrs, weight: 1 })),
]);

const trafficConfig = z.strictObject({
  production_mode: z.enum(['smooth', 'open']).default('smooth'),
  signals_per_second: positiveInt.nullable().default(30),
  max_signal_count: z.number().int().nonnegative().nullable().default(null),
  max_batch_size: positiveInt.default(1000),
  metric_weight: z.number().int().nonnegative().default(0),
  trace_weight: z.number().int().nonnegative().default(0),
  log_weight: z.number().int().nonnegative().default(0),
  log_body_size_bytes: z.number().int().nonnegative().optional(),
  num_log_attributes: z.number().int().nonnegative().optional(),
  use_trace_context: z.boolean().default(false),
  num_metric_attributes: z.number().int().nonnegative().optional(),
  num_data_points_per_metric: z.number().int().positive().optional(),
}).refine((t) => t.metric_weight + t.trace_weight + t.log_weight > 0, {
  message: 'set at least one of log_weight, trace_weight, metric_weight above 0 (they all default to 0)',
});

const generatorConfig = nodeConfig(z.strictObject({
  traffic_config: trafficConfig,
  data_source: z.enum(['semantic_conventions', 'synthetic']).default('semantic_conventions'),
  registry_path: z.string().optional(),
  generation_strategy: z.enum(['fresh', 'pre_generated']).default('fresh'),
  enable_ack_nack: z.boolean().default(false),
  transport_headers: z.record(z.string(), z.string().nullable()).default({}),
  resource_attributes: z.union([resourceEntry, z.array(resourceEntry)]).optional(),
}));
type GeneratorConfig = z.output<typeof generatorConfig>;

const GENERATE = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
const POOL_SIZE = 16;

function toAnyValue(v: string | number | boolean): AnyValue {
  if (typeof v === 'string') return { type: 'string', value: v };
  if (typeof v === 'boolean') return { type: 'bool', value: v };
  return Number.isInteger(v) ? { type: 'int', value: BigInt(v) } : { type: 'double', value: v };
}

function withResourceAttributes<S extends Signal>(signal: S, req: SignalRequest[S], attrs: Record<string, string | number | boolean>): SignalRequest[S] {
  const extra: KeyValue[] = Object.entries(attrs).map(([key, v]) => ({ key, value: toAnyValue(v) }));
  const list = signal === 'traces' ? (req as SignalRequest['traces']).resourceSpans
    : signal === 'logs' ? (req as SignalRequest['logs']).resourceLogs : (req as SignalRequest['metrics']).resourceMetrics;
  for (const r of list) {
    const keep = r.resource.attributes.filter((a) => !(a.key in attrs));
    r.resource.attributes = [...keep, ...extra];
  }
  return req;
}

export const trafficGeneratorReceiver: ReceiverFactory<GeneratorConfig> = {
  type: 'receiver:traffic_generator',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'generates logs, traces and metrics at a configured rate',
  config: generatorConfig,
  create(config, ctx) {
    const t = config.traffic_config;
    const weights: Array<[Signal, number]> = ([['logs', t.log_weight], ['traces', t.trace_weight], ['metrics', t.metric_weight]] as Array<[Signal, number]>).filter(([, w]) => w > 0);
    const totalWeight = weights.reduce((a, [, w]) => a + w, 0);
    const entries = config.resource_attributes === undefined ? [] : (Array.isArray(config.resource_attributes) ? config.resource_attributes : [config.resource_attributes]).filter((e) => Object.keys(e.attrs).length > 0);
    const rotation = entries.flatMap((e) => Array<Record<string, string | number | boolean>>(e.weight).fill(e.attrs));
    const seed = 1 + ctx.instance;
    let batchIndex = 0;
    const pools = new Map<string, Uint8Array[]>();
    const make = (signal: Signal, size: number, index: number): Uint8Array => {
      let req = GENERATE[signal]({ seed, batchSize: size, batchIndex: index }) as SignalRequest[Signal];
      if (rotation.length > 0) req = withResourceAttributes(signal, req, rotation[index % rotation.length]!);
      return encodeOtlp(signal, req);
    };
    const nextBatch = (signal: Signal, size: number): Uint8Array => {
      const index = batchIndex++;
      if (config.generation_strategy === 'fresh') return make(signal, size, index);
      const key = `${signal}/${size}`;
      let pool = pools.get(key);
      if (!pool) pools.set(key, (pool = Array.from({ length: POOL_SIZE }, (_, i) => make(signal, size, i))));
      return pool[index % POOL_SIZE]!;
    };
    const counters = { items: 0, batches: 0, refusedWaits: 0, failed: 0 };
    let stopped = false;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    let loop: Promise<void> | undefined;
    const sleep = (ms: number): Promise<void> => sleepUnlessClosing(ms, ctx.closing);
    const inFlight = new Set<Promise<unknown>>();

    const emit = async (signal: Signal, size: number): Promise<void> => {
      const bytes = nextBatch(signal, size);
      for (;;) {
        if (stopped) return;
        const batch = TelemetryBatch.fromOtlpBytes(signal, bytes, { backend: ctx.backend, items: size });
        const admitted = ctx.admit(batch);
        if (!admitted) {
          counters.refusedWaits++;
          await sleep(5);
          continue;
        }
        try {
          await ctx.send(admitted.pdata);
        } catch {
          ctx.nack(admitted.pdata, 'pipeline closed');
          return;
        }
        counters.items += size;
        counters.batches++;
        const settled = admitted.completion.then((o) => { if (!o.ok) counters.failed++; });
        if (config.enable_ack_nack) await settled;
        return;
      }
    };

    const run = async (): Promise<void> => {
      const start = performance.now();
      let produced = 0;
      let turn = 0;
      const credits = new Map(weights.map(([s]) => [s, 0]));
      const limit = t.max_signal_count ?? Infinity;
      while (!stopped && produced < limit) {
        // Smooth weighted round robin: each signal gets its weight's share of the batches.
        for (const [s, w] of weights) credits.set(s, credits.get(s)! + w);
        const signal = weights.reduce((best, [s]) => (credits.get(s)! > credits.get(best)! ? s : best), weights[0]![0]);
        credits.set(signal, credits.get(signal)! - totalWeight);
        turn++;
        const size = Math.min(t.max_batch_size, limit - produced);
        if (t.signals_per_second !== null) {
          const dueAt = t.production_mode === 'smooth'
            ? start + (produced / t.signals_per_second) * 1000
            : start + Math.floor(produced / t.signals_per_second) * 1000;
          const wait = dueAt - performance.now();
          if (wait > 1) await sleep(wait);
          else if (turn % 64 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        } else if (turn % 16 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        if (stopped) break;
        const p = emit(signal, size);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        await p;
        produced += size;
      }
      await Promise.all(inFlight);
      finished();
    };
    return {
      async start() {
        loop = run().catch((e: unknown) => {
          ctx.logger.error(`traffic generator stopped: ${(e as Error).message}`);
          finished();
        });
      },
      async stop() {
        stopped = true;
        await loop;
      },
      done,
      status: () => ({ ...counters, finished: stopped || counters.items >= (t.max_signal_count ?? Infinity) }),
    };
  },
};
