// processor:log_sampling — keeps a share of the log records (traces and metrics pass
// untouched), as the Rust engine does: each batch keeps a prefix of its records (for held
// OTAP tables the first rows of the LOGS table, cut in the Rust core with its children; for
// OTLP batches the first records in request order), sized by the policy:
// - ratio { emit, out_of }: exactly emit of every out_of records over the stream (the count
//   follows the position in the current cycle across batches);
// - zip { interval, max_items }: at most max_items records per interval (windows start at the
//   first batch the node sees).
// A batch left with no record is acked and not sent on.
import { z } from 'zod';
import type { Backend } from '../../../backend/types.js';
import { TelemetryBatch } from '../../../batch/telemetry-batch.js';
import { splitOtlpRequest } from '../../../otlp/protobuf/split-request.js';
import { durationMs, nodeConfig, positiveInt } from '../../config/field-types.js';
import type { ProcessorFactory } from '../../engine/node-api.js';

const samplingConfig = nodeConfig(z.strictObject({
  policy: z.union([
    z.strictObject({ ratio: z.strictObject({ emit: positiveInt, out_of: positiveInt }).refine((r) => r.emit <= r.out_of, { message: 'emit must be <= out_of', path: ['emit'] }) }),
    z.strictObject({ zip: z.strictObject({ interval: durationMs.refine((ms) => ms > 0, 'must be > 0'), max_items: positiveInt }) }),
  ], { error: 'expected exactly one of { ratio: { emit, out_of } } or { zip: { interval, max_items } }' }),
}));
type SamplingConfig = z.output<typeof samplingConfig>;

/** How many of the next n records a ratio policy keeps; advances its cycle. */
export class RatioSampler {
  private seen = 0;
  private emitted = 0;

  constructor(private readonly emit: number, private readonly outOf: number) {}

  toKeep(n: number): number {
    const head = Math.min(n, this.outOf - this.seen);
    const rest = n - head;
    const keep = Math.min(this.emit - this.emitted, head) + Math.floor(rest / this.outOf) * this.emit + Math.min(this.emit, rest % this.outOf);
    this.seen = (this.seen + n) % this.outOf;
    this.emitted = Math.min(this.emit, this.seen);
    return keep;
  }
}

/** The first `keep` log records of `batch` (same form: held tables stay tables). */
function logPrefix(batch: TelemetryBatch, keep: number, backend: Backend): TelemetryBatch {
  const held = batch.backendTables;
  const head = held && backend.headTables?.(held, keep);
  if (head) return TelemetryBatch.fromBackendTables(head, { backend });
  const [first] = splitOtlpRequest('logs', batch.otlpBytes(), Math.max(batch.itemCount, 1), 'items', keep);
  return TelemetryBatch.fromOtlpBytes('logs', first!.bytes, { backend, items: first!.items });
}

export const logSamplingProcessor: ProcessorFactory<SamplingConfig> = {
  type: 'processor:log_sampling',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'keeps a ratio of the log records, or at most N per interval',
  config: samplingConfig,
  create(config, ctx) {
    const stats = { kept: 0, sampledOut: 0 };
    const policy = config.policy;
    let toKeep: (n: number) => number;
    let timer: NodeJS.Timeout | undefined;
    if ('ratio' in policy) {
      const sampler = new RatioSampler(policy.ratio.emit, policy.ratio.out_of);
      toKeep = (n) => sampler.toKeep(n);
    } else {
      let count = 0;
      toKeep = (n) => {
        timer ??= setInterval(() => (count = 0), policy.zip.interval).unref();
        const keep = Math.min(n, Math.max(0, policy.zip.max_items - count));
        count += keep;
        return keep;
      };
    }
    return {
      async process(pdata) {
        if (pdata.signal !== 'logs') {
          await ctx.send(pdata);
          return;
        }
        const n = pdata.batch.itemCount;
        const keep = toKeep(n);
        stats.kept += keep;
        stats.sampledOut += n - keep;
        ctx.metrics.itemsDiscarded += n - keep;
        if (keep === 0) {
          ctx.ack(pdata); // sampled out entirely: answered, nothing to send
          return;
        }
        let out: TelemetryBatch;
        try {
          out = keep === n ? pdata.batch : logPrefix(pdata.batch, keep, ctx.backend);
        } catch (e) {
          ctx.nack(pdata, `log_sampling: cannot cut the batch: ${(e as Error).message}`, { permanent: true });
          return;
        }
        await ctx.send(out === pdata.batch ? pdata : pdata.withBatch(out));
      },
      async drain() {
        clearInterval(timer);
      },
      status: () => stats,
    };
  },
};
