// receiver:parquet — replays a Parquet data lake written by exporter:parquet: every committed
// file set, oldest first, as OTAP batches of at most `max_batch_size` items (held by the
// backend, so an OTAP exporter forwards them without an OTLP conversion). Without
// `poll_interval` it reads what is there and is done; with it, it keeps picking up new sets.
// Each set is read whole (its memory is the set's size in Arrow form).
import { z } from 'zod';
import { TelemetryBatch } from '../../../batch/telemetry-batch.js';
import { listFileSets, readFileSet } from '../../../datalake/datalake-reader.js';
import type { Signal } from '../../../otlp/model.js';
import { durationMs, nodeConfig, positiveInt } from '../../config/field-types.js';
import { sleepUnlessClosing } from '../../engine/closing-sleep.js';
import type { ReceiverFactory } from '../../engine/node-api.js';
import { storageConfig } from '../settings/storage.js';

const replayConfig = nodeConfig(z.strictObject({
  storage: storageConfig,
  signals: z.array(z.enum(['logs', 'traces', 'metrics'])).min(1).default(['logs', 'traces', 'metrics']),
  max_batch_size: positiveInt.max(65_535).default(8192),
  poll_interval: durationMs.optional(),
}));
type ReplayConfig = z.output<typeof replayConfig>;

export const parquetReceiver: ReceiverFactory<ReplayConfig> = {
  type: 'receiver:parquet',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'replays a Parquet data lake written by exporter:parquet as OTAP batches',
  config: replayConfig,
  create(config, ctx) {
    const counters = { sets: 0, batches: 0, items: 0, failedBatches: 0, unreadableSets: 0 };
    const seen = new Set<string>();
    let stopped = false;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    let loop: Promise<void> | undefined;
    const sleep = (ms: number): Promise<void> => sleepUnlessClosing(ms, ctx.closing);
    const pending = new Set<Promise<void>>();

    const emit = async (batch: TelemetryBatch): Promise<boolean> => {
      for (;;) {
        if (stopped) return false;
        const admitted = ctx.admit(batch);
        if (!admitted) {
          await sleep(10); // memory limit: wait for batches in flight to complete
          continue;
        }
        try {
          await ctx.send(admitted.pdata);
        } catch {
          ctx.nack(admitted.pdata, 'pipeline closed');
          return false;
        }
        counters.batches++;
        counters.items += batch.itemCount;
        const settled = admitted.completion.then((o) => {
          if (!o.ok) {
            counters.failedBatches++;
            ctx.logger.warn(`a replayed batch was refused downstream: ${o.reason}`);
          }
        });
        pending.add(settled);
        void settled.finally(() => pending.delete(settled));
        return true;
      }
    };

    const replayOnce = async (): Promise<void> => {
      const sets = await listFileSets(config.storage.baseDir, config.signals as Signal[]);
      for (const set of sets) {
        const key = `${set.signal}/${set.partition}/${set.name}`;
        if (stopped) return;
        if (seen.has(key)) continue;
        seen.add(key);
        let tables;
        try {
          tables = await readFileSet(set, ctx.backend, config.max_batch_size);
        } catch (e) {
          counters.unreadableSets++;
          ctx.logger.error(`skipping ${key} under ${config.storage.baseDir}: ${(e as Error).message}`);
          continue;
        }
        counters.sets++;
        for (const t of tables) {
          if (!(await emit(TelemetryBatch.fromBackendTables(t, { backend: ctx.backend })))) return;
        }
      }
    };

    const run = async (): Promise<void> => {
      await replayOnce();
      while (!stopped && config.poll_interval !== undefined) {
        await sleep(config.poll_interval);
        if (!stopped) await replayOnce();
      }
      await Promise.all(pending);
    };

    return {
      async start() {
        if (!ctx.backend.readParquetSet) {
          throw new Error(`receiver:parquet needs the native or wasm backend, not ${ctx.backend.name} (build the Rust core: npm run build:rust)`);
        }
        loop = run().catch((e: unknown) => {
          ctx.logger.error(`parquet replay stopped: ${(e as Error).message}`);
        }).finally(finished);
      },
      async stop() {
        stopped = true;
        await loop;
      },
      done,
      status: () => ({ base_uri: config.storage.baseDir, ...counters }),
    };
  },
};
