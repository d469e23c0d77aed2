// processor:retry — re-sends a batch that comes back nacked (not permanent) after an
// exponential delay: initial_interval * multiplier^n, capped at max_interval, and never
// past max_elapsed_time from the first attempt; then, or on a permanent nack, the nack goes
// upstream. State is in memory.
import { z } from 'zod';
import { durationMs, nodeConfig } from '../../config/field-types.js';
import { Interest, type PData } from '../../engine/pdata.js';
import type { ProcessorFactory } from '../../engine/node-api.js';

const retryConfig = nodeConfig(z.object({
  initial_interval: durationMs.default(5000),
  max_interval: durationMs.default(30_000),
  max_elapsed_time: durationMs.default(300_000),
  multiplier: z.number().default(1.5),
}).superRefine((c, ctx) => {
  if (c.multiplier < 1) ctx.addIssue({ code: 'custom', path: ['multiplier'], message: 'must be >= 1' });
  for (const k of ['initial_interval', 'max_interval', 'max_elapsed_time'] as const) {
    if (c[k] <= 0) ctx.addIssue({ code: 'custom', path: [k], message: 'must be greater than 0' });
  }
  if (c.multiplier > 1 && c.initial_interval > 0) {
    const steps = Math.log(c.max_interval / c.initial_interval) / Math.log(c.multiplier);
    if (steps > 1000) ctx.addIssue({ code: 'custom', path: ['multiplier'], message: `the backoff would take ${Math.ceil(steps)} steps to reach max_interval (limit 1000): raise multiplier or initial_interval` });
  }
}));
type RetryConfig = z.output<typeof retryConfig>;

interface Attempt {
  firstAt: number;
  attempt: number;
}

export const retryProcessor: ProcessorFactory<RetryConfig> = {
  type: 'processor:retry',
  usesArrowForm: false,
  reads: 'none',
  doneWhenAnswered: true,
  description: 'retries nacked batches with exponential backoff',
  config: retryConfig,
  create(config, ctx) {
    const timers = new Map<NodeJS.Timeout, PData>();
    let retries = 0;
    const forward = async (pdata: PData, state: Attempt): Promise<void> => {
      ctx.subscribe(pdata, Interest.ACKS | Interest.NACKS | Interest.RETURN_DATA, state);
      try {
        await ctx.send(pdata);
      } catch (e) {
        pdata.frames.pop();
        ctx.nack(pdata, `retry: ${(e as Error).message}`);
      }
    };
    return {
      process: (pdata) => forward(pdata, { firstAt: Date.now(), attempt: 0 }),
      onAck(ack) {
        if (ack.pdata) ctx.ack(ack.pdata);
      },
      onNack(nack) {
        const pdata = nack.pdata;
        if (!pdata) return;
        const state = nack.calldata as Attempt;
        const delay = Math.min(config.max_interval, config.initial_interval * config.multiplier ** state.attempt);
        const late = Date.now() + delay - state.firstAt > config.max_elapsed_time;
        if (nack.permanent || late || ctx.closing.aborted) {
          ctx.nack(pdata, nack.permanent || !late ? nack.reason : `${nack.reason} (gave up after ${state.attempt + 1} attempts)`, { permanent: nack.permanent, ...(nack.code !== undefined ? { code: nack.code } : {}) });
          return;
        }
        retries++;
        const t = setTimeout(() => {
          timers.delete(t);
          void forward(pdata, { firstAt: state.firstAt, attempt: state.attempt + 1 });
        }, delay);
        timers.set(t, pdata);
      },
      async drain() {
        // Shutting down: pending retries go upstream as nacks rather than waiting out their delay.
        for (const [t, pdata] of timers) {
          clearTimeout(t);
          ctx.nack(pdata, 'retry abandoned: the pipeline is shutting down');
        }
        timers.clear();
      },
      status: () => ({ retries, waiting: timers.size }),
    };
  },
};
