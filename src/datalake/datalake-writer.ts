// Writes telemetry batches into a Parquet data lake: per signal and partition one open file
// set, rotated when one of its tables reaches `targetRowsPerFile` rows or when it is older
// than `flushWhenOlderThanMs`, and when the set's u32 ids are used up. Ids are made unique
// across the batches of a set by the backend's writer (native or wasm); the root table carries
// `_part_id` (this writer's UUID) in its schema metadata, as the Rust engine's exporter does.
// Calls are serialised: one batch is written at a time.
import { randomUUID } from 'node:crypto';
import { PARQUET_ID_OVERFLOW, type Backend, type BackendTables } from '../backend/types.js';
import type { TelemetryBatch } from '../batch/telemetry-batch.js';
import { OtelArrowError } from '../errors.js';
import type { Signal } from '../otlp/model.js';
import { OpenFileSet } from './file-set.js';
import { newSetName, partitionPath, ROOT_PAYLOAD, type PartitionValues } from './layout.js';
import { recoverDatalake, type RecoveryReport } from './recovery.js';

export const PART_ID_KEY = '_part_id';
export const DEFAULT_TARGET_ROWS_PER_FILE = 100_000_000;
export const DEFAULT_ROW_GROUP_ROWS = 131_072;

export interface DatalakeWriterOptions {
  /** Directory of the data lake (created when missing). */
  base: string;
  backend: Backend;
  /** Schema metadata keys whose values partition the files (`_part_id` is this writer's UUID). */
  partitionKeys?: readonly string[];
  /** A set is committed once one of its tables holds this many rows. Default 100 million. */
  targetRowsPerFile?: number;
  /** A set is committed once it is older than this. Default: no age limit. */
  flushWhenOlderThanMs?: number;
  /** Rows per Parquet row group. Default 131072. */
  rowGroupRows?: number;
  zstdLevel?: number;
}

export interface DatalakeWriterStats {
  batches: number;
  items: number;
  setsCommitted: number;
  filesCommitted: number;
  bytesCommitted: number;
  rotatedByRows: number;
  rotatedByAge: number;
  rotatedByIds: number;
  setsAbandoned: number;
  openSets: number;
  /** Memory the open sets hold in unfinished row groups (not counted by the pipeline's limiter). */
  bufferedBytes: number;
}

export class DatalakeWriter {
  /** This writer's partition id (schema metadata `_part_id`). */
  readonly partId = randomUUID();
  private readonly sets = new Map<string, OpenFileSet>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stats: Omit<DatalakeWriterStats, 'openSets' | 'bufferedBytes'> = {
    batches: 0, items: 0, setsCommitted: 0, filesCommitted: 0, bytesCommitted: 0, rotatedByRows: 0, rotatedByAge: 0, rotatedByIds: 0, setsAbandoned: 0,
  };
  private readonly target: number;

  constructor(private readonly options: DatalakeWriterOptions) {
    if (!options.backend.createParquetWriter) {
      throw new OtelArrowError('UNSUPPORTED', `writing Parquet needs the native or wasm backend; the ${options.backend.name} backend cannot (unset OTEL_ARROW_BACKEND=js or build the Rust core: npm run build:rust)`);
    }
    this.target = options.targetRowsPerFile ?? DEFAULT_TARGET_ROWS_PER_FILE;
  }

  /** Completes or removes what a crashed writer left behind. Call once before writing. */
  recover(): Promise<RecoveryReport> {
    return this.serial(() => recoverDatalake(this.options.base));
  }

  /** Appends one batch; resolves once its rows are in the open set's files (not yet committed). */
  write(batch: TelemetryBatch): Promise<void> {
    return this.serial(() => this.writeNow(batch));
  }

  /** Commits the sets older than the age limit. */
  flushAged(now = Date.now()): Promise<void> {
    const limit = this.options.flushWhenOlderThanMs;
    if (limit === undefined) return Promise.resolve();
    return this.serial(async () => {
      for (const [key, set] of this.sets) {
        if (now - set.createdAt >= limit) {
          this.stats.rotatedByAge++;
          await this.commit(key, set);
        }
      }
    });
  }

  /** Commits every open set (shutdown). */
  flushAll(): Promise<void> {
    return this.serial(async () => {
      for (const [key, set] of this.sets) await this.commit(key, set);
    });
  }

  snapshot(): DatalakeWriterStats {
    let bufferedBytes = 0;
    for (const set of this.sets.values()) bufferedBytes += set.writer.bufferedBytes();
    return { ...this.stats, openSets: this.sets.size, bufferedBytes };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => {});
    return run;
  }

  private tablesOf(batch: TelemetryBatch): BackendTables {
    const { backend } = this.options;
    // A received OTAP batch is held by the pipeline's backend: written as it is.
    const held = batch.backendTables;
    if (held) return held;
    if (!backend.tablesFromOtlp) throw new OtelArrowError('UNSUPPORTED', `the ${backend.name} backend cannot build OTAP tables`);
    return backend.tablesFromOtlp(batch.signal, batch.otlpBytes());
  }

  private partitionOf(batch: TelemetryBatch): PartitionValues {
    const keys = this.options.partitionKeys ?? [];
    if (keys.length === 0) return [];
    let metadata: Map<string, string> | undefined;
    const values: Array<[string, string]> = [];
    for (const key of keys) {
      if (key === PART_ID_KEY) {
        values.push([key, this.partId]);
        continue;
      }
      metadata ??= rootMetadata(batch);
      const v = metadata.get(key);
      if (v !== undefined) values.push([key, v]);
    }
    return values;
  }

  private openSet(signal: Signal, partition: string): OpenFileSet {
    const writer = this.options.backend.createParquetWriter!(signal, {
      rowGroupRows: this.options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS,
      ...(this.options.zstdLevel !== undefined ? { zstdLevel: this.options.zstdLevel } : {}),
      rootMetadata: { [PART_ID_KEY]: this.partId },
    });
    return new OpenFileSet(this.options.base, signal, partition, newSetName(), writer);
  }

  private async writeNow(batch: TelemetryBatch): Promise<void> {
    const tables = this.tablesOf(batch);
    const partition = partitionPath(this.partitionOf(batch));
    const key = `${batch.signal}\u0000${partition}`;
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = this.openSet(batch.signal, partition)));
    try {
      set.writer.write(tables); // throws (set unchanged) on a table it cannot lay out
    } catch (e) {
      if (!(e instanceof OtelArrowError && e.code === PARQUET_ID_OVERFLOW)) throw e;
      // The set's u32 ids are used up: close it and write the batch to the next one.
      this.stats.rotatedByIds++;
      await this.commit(key, set);
      this.sets.set(key, (set = this.openSet(batch.signal, partition)));
      set.writer.write(tables);
    }
    try {
      await set.append(set.writer.takeOutput());
    } catch (e) {
      this.sets.delete(key);
      this.stats.setsAbandoned++;
      await set.abandon();
      throw new Error(`writing ${set.name} under ${this.options.base} failed, the open file set was dropped: ${(e as Error).message}`, { cause: e });
    }
    this.stats.batches++;
    this.stats.items += batch.itemCount;
    if (set.maxTableRows() >= this.target) {
      this.stats.rotatedByRows++;
      await this.commit(key, set);
    }
  }

  private async commit(key: string, set: OpenFileSet): Promise<void> {
    this.sets.delete(key);
    if (set.rootRows() === 0) {
      await set.abandon();
      return;
    }
    try {
      const files = await set.commit();
      this.stats.setsCommitted++;
      this.stats.filesCommitted += files.length;
      this.stats.bytesCommitted += set.bytes;
    } catch (e) {
      this.stats.setsAbandoned++;
      await set.abandon();
      throw new Error(`committing ${set.name} under ${this.options.base} failed, its rows are lost: ${(e as Error).message}`, { cause: e });
    }
  }
}

function rootMetadata(batch: TelemetryBatch): Map<string, string> {
  const root = ROOT_PAYLOAD[batch.signal];
  const payload = batch.arrow().find((p) => p.payloadType === root);
  return new Map(payload?.batch.schema.metadata ?? []);
}
