// exporter:parquet — writes batches into a Parquet data lake that keeps the OTAP star schema
// (src/datalake): one file per payload type and file set, zstd, rotated by rows and age,
// committed atomically. Configuration as the Rust engine's parquet exporter; `row_group_rows`
// and `zstd_level` under writer_options are this package's additions. A batch is acked once
// its rows are in the open set's files; a crash loses the sets not yet committed (bound it
// with flush_when_older_than), never leaves a partial file readers pick up.
import { z } from 'zod';
import { DatalakeWriter } from '../../../datalake/datalake-writer.js';
import { OtelArrowError } from '../../../errors.js';
import { durationMs, nodeConfig, positiveInt } from '../../config/field-types.js';
import type { ExporterFactory } from '../../engine/node-api.js';
import { storageConfig } from '../settings/storage.js';

const parquetConfig = nodeConfig(z.strictObject({
  storage: storageConfig,
  /** The engine's object-store retries: accepted, unused for local files (as in the engine). */
  retry: z.record(z.string(), z.unknown()).optional(),
  partitioning_strategies: z.array(z.strictObject({ schema_metadata: z.array(z.string().min(1)).min(1) })).optional(),
  writer_options: z.strictObject({
    target_rows_per_file: positiveInt.optional(),
    flush_when_older_than: durationMs.optional(),
    row_group_rows: positiveInt.max(16_777_216).optional(),
    zstd_level: z.number().int().min(1).max(22).optional(),
  }).optional(),
}));
type ParquetConfig = z.output<typeof parquetConfig>;

export const parquetExporter: ExporterFactory<ParquetConfig> = {
  type: 'exporter:parquet',
  usesArrowForm: true, // the data lake writer reads the Arrow form
  doneWhenAnswered: true,
  description: 'writes batches as Parquet files per OTAP payload type (a data lake DuckDB, pyarrow and Spark read)',
  config: parquetConfig,
  create(config, ctx) {
    const w = config.writer_options ?? {};
    const writer = new DatalakeWriter({
      base: config.storage.baseDir,
      backend: ctx.backend,
      partitionKeys: (config.partitioning_strategies ?? []).flatMap((s) => s.schema_metadata),
      ...(w.target_rows_per_file !== undefined ? { targetRowsPerFile: w.target_rows_per_file } : {}),
      ...(w.flush_when_older_than !== undefined ? { flushWhenOlderThanMs: w.flush_when_older_than } : {}),
      ...(w.row_group_rows !== undefined ? { rowGroupRows: w.row_group_rows } : {}),
      ...(w.zstd_level !== undefined ? { zstdLevel: w.zstd_level } : {}),
    });
    if (config.retry) ctx.logger.warn('retry settings do not apply to local file storage; they are ignored');
    let timer: NodeJS.Timeout | undefined;
    let recovered: Promise<void> | undefined;
    const ready = (): Promise<void> => (recovered ??= writer.recover().then((r) => {
      if (r.completedSets || r.deletedFiles.length) {
        ctx.logger.warn(`${config.storage.baseDir}: completed ${r.completedSets} file set(s) and deleted ${r.deletedFiles.length} unfinished file(s) left by an earlier run`);
      }
    }));
    const age = w.flush_when_older_than;
    if (age !== undefined) {
      // Checked a few times per period so a set is committed close to its age limit.
      timer = setInterval(() => {
        writer.flushAged().catch((e: unknown) => ctx.logger.error((e as Error).message));
      }, Math.max(50, Math.min(age / 4, 5000)));
      timer.unref();
    }
    return {
      async export(pdata) {
        try {
          await ready();
          await writer.write(pdata.batch);
          ctx.ack(pdata);
        } catch (e) {
          const permanent = e instanceof OtelArrowError && e.code !== 'LIMIT_EXCEEDED';
          ctx.nack(pdata, `parquet: ${(e as Error).message}`, { permanent });
        }
      },
      async stop() {
        if (timer) clearInterval(timer);
        await ready().catch(() => {});
        await writer.flushAll().catch((e: unknown) => ctx.logger.error((e as Error).message));
      },
      status: () => ({ base_uri: config.storage.baseDir, part_id: writer.partId, ...writer.snapshot() }),
    };
  },
};
