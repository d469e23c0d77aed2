// processor:temporal_reaggregation — re-emits high-frequency metrics at a lower frequency, as
// the Rust engine defines it: gauges, summaries, cumulative monotonic sums and cumulative
// (exponential) histograms are held, one point per stream (the latest by time; exemplars
// dropped), and sent as one batch `period` after the first point held since the last flush;
// earlier when `max_stream_cardinality` streams are held or `inbound_request_limit` inputs
// wait, and at shutdown. Other metrics of a batch go on at once; logs and traces pass.
// An input is answered when everything made from it was (the held part: the flush's batch).
import { z } from 'zod';
import { TelemetryBatch } from '../../../batch/telemetry-batch.js';
import { LatestPointStore, splitAggregatable } from '../../../otlp/metric-streams.js';
import type { ExportMetricsServiceRequest } from '../../../otlp/model.js';
import { durationMs, nodeConfig, positiveInt } from '../../config/field-types.js';
import type { ProcessorFactory } from '../../engine/node-api.js';
import { Interest, PData } from '../../engine/pdata.js';

const reaggregationConfig = nodeConfig(z.strictObject({
  period: durationMs.refine((ms) => ms >= 100, 'must be at least 100ms').default(60_000),
  inbound_request_limit: positiveInt.default(1024),
  outbound_request_limit: z.number().int().min(3, 'must be at least 3').default(2048),
  max_stream_cardinality: z.number().int().min(1).max(65535).default(16383),
}));
type ReaggregationConfig = z.output<typeof reaggregationConfig>;

interface Input {
  pdata: PData;
  /** Outputs made from it that are not answered yet. */
  parts: number;
  failure?: { reason: string; permanent: boolean };
}

export const temporalReaggregationProcessor: ProcessorFactory<ReaggregationConfig> = {
  type: 'processor:temporal_reaggregation',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'holds cumulative metrics and re-emits the latest point of each stream once per period',
  config: reaggregationConfig,
  create(config, ctx) {
    const store = new LatestPointStore();
    let held: Input[] = [];
    let timer: NodeJS.Timeout | undefined;
    let outbound = 0;
    const waiters: Array<() => void> = [];
    const stats = { flushes: 0, flushesByCardinality: 0, flushesByInputs: 0, streamsHeld: 0 };

    const settle = (i: Input, failure?: { reason: string; permanent: boolean }): void => {
      if (failure) i.failure ??= failure;
      if (--i.parts > 0) return;
      if (i.failure) ctx.nack(i.pdata, i.failure.reason, { permanent: i.failure.permanent });
      else ctx.ack(i.pdata);
    };

    /** Sends a batch made from `inputs` (each gains a part, settled when it is answered). */
    const sendPart = async (request: ExportMetricsServiceRequest, inputs: Input[]): Promise<void> => {
      for (const i of inputs) i.parts++;
      while (outbound >= config.outbound_request_limit) await new Promise<void>((r) => waiters.push(r));
      const out = new PData(TelemetryBatch.fromRequest('metrics', request, { backend: ctx.backend }), [], Math.min(...inputs.map((i) => i.pdata.bornAt)));
      ctx.subscribe(out, Interest.ACKS | Interest.NACKS, inputs);
      outbound++;
      try {
        await ctx.send(out);
      } catch (e) {
        out.frames.pop();
        outbound--;
        for (const i of inputs) settle(i, { reason: (e as Error).message, permanent: false });
      }
    };

    const flush = async (): Promise<void> => {
      clearTimeout(timer);
      timer = undefined;
      const inputs = held;
      held = [];
      stats.streamsHeld = 0;
      if (store.size === 0) {
        for (const i of inputs) settle(i);
        return;
      }
      stats.flushes++;
      await sendPart(store.take(), inputs);
      for (const i of inputs) settle(i); // the part held since it arrived
    };
    const flushLater = (): void => {
      timer ??= setTimeout(() => void flush().catch((e: unknown) => ctx.logger.error(`temporal_reaggregation flush failed: ${(e as Error).message}`)), config.period);
      timer.unref?.();
    };

    return {
      async process(pdata) {
        if (pdata.signal !== 'metrics') {
          await ctx.send(pdata);
          return;
        }
        let parts: ReturnType<typeof splitAggregatable>;
        try {
          parts = splitAggregatable(pdata.batch.request as ExportMetricsServiceRequest);
        } catch (e) {
          ctx.nack(pdata, `temporal_reaggregation: cannot read the batch: ${(e as Error).message}`, { permanent: true });
          return;
        }
        if (parts.aggregatable.resourceMetrics.length === 0) {
          await ctx.send(pdata); // nothing to hold: the batch as it came
          return;
        }
        const input: Input = { pdata, parts: 1 };
        if (parts.rest.resourceMetrics.length > 0) await sendPart(parts.rest, [input]);
        if (store.size + store.newStreams(parts.aggregatable) > config.max_stream_cardinality && store.size > 0) {
          stats.flushesByCardinality++;
          await flush();
        }
        store.add(parts.aggregatable);
        held.push(input);
        stats.streamsHeld = store.size;
        if (held.length >= config.inbound_request_limit) {
          stats.flushesByInputs++;
          await flush();
        } else {
          flushLater();
        }
      },
      onAck(ack) {
        outbound--;
        waiters.shift()?.();
        for (const i of ack.calldata as Input[]) settle(i);
      },
      onNack(nack) {
        outbound--;
        waiters.shift()?.();
        for (const i of nack.calldata as Input[]) settle(i, { reason: nack.reason, permanent: nack.permanent });
      },
      drain: flush,
      status: () => ({ ...stats, inputsHeld: held.length, outboundInFlight: outbound }),
    };
  },
};
