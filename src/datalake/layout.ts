// Where a data lake's files live: one directory per OTAP payload type (its proto enum name
// in lower case, as the Rust engine's parquet exporter names them), partition segments
// `key=value` below it, then `part-<ms>-<uuid>.parquet`. One exported file set (the tables
// of one signal written together) uses the same file name in every payload directory, which
// is how a reader finds a root file's children and how SQL views join them.
import { randomUUID } from 'node:crypto';
import { join, posix } from 'node:path';
import type { Signal } from '../otlp/model.js';
import { ArrowPayloadType, PAYLOAD_ORDER, payloadTypeName } from '../otap/payload-type.js';

export const PARQUET_SUFFIX = '.parquet';
/** A file being written: hidden (readers such as pyarrow and `*.parquet` globs skip it). */
export const IN_PROGRESS_SUFFIX = '.parquet.inprogress';
/** Commit records of file sets being renamed into place (see file-set.ts). */
export const COMMITS_DIR = '.commits';

/** The root payload type of each signal. */
export const ROOT_PAYLOAD: Record<Signal, number> = {
  logs: ArrowPayloadType.LOGS,
  traces: ArrowPayloadType.SPANS,
  metrics: ArrowPayloadType.UNIVARIATE_METRICS,
};

/** "log_attrs" for LOG_ATTRS. */
export function payloadDir(payloadType: number): string {
  return payloadTypeName(payloadType).toLowerCase();
}

/** Every payload type a signal's file set may hold, root first. */
export function signalPayloads(signal: Signal): readonly number[] {
  return PAYLOAD_ORDER[signal];
}

/** A partition as path segments: [["_part_id", "…"]] -> "_part_id=…". */
export type PartitionValues = ReadonlyArray<readonly [string, string]>;

/** Partition values must stay one path segment each and readable as hive partitions. */
export function partitionPath(values: PartitionValues): string {
  return values.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('/');
}

/** A new file set's name: creation time first so names sort by age, then a UUID so that
 *  exporters on several cores, or a restarted one, never pick an existing name. */
export function newSetName(now = Date.now()): string {
  return `part-${now}-${randomUUID()}`;
}

/** The directory of one payload type's files of a partition (relative to the base). */
export function relativeDir(payloadType: number, partition: string): string {
  return partition ? posix.join(payloadDir(payloadType), partition) : payloadDir(payloadType);
}

export function finalPath(base: string, payloadType: number, partition: string, setName: string): string {
  return join(base, relativeDir(payloadType, partition), `${setName}${PARQUET_SUFFIX}`);
}

/** The writer's pid is part of the name, so that recovery leaves a live writer's files alone
 *  (several pipeline instances, one process per core, share a base directory). */
export function inProgressPath(base: string, payloadType: number, partition: string, setName: string, pid = process.pid): string {
  return join(base, relativeDir(payloadType, partition), `.${setName}.${pid}${IN_PROGRESS_SUFFIX}`);
}

/** The pid of an in-progress file's writer, or undefined for another file. */
export function inProgressOwner(fileName: string): number | undefined {
  const m = /^\.part-.+\.(\d+)\.parquet\.inprogress$/.exec(fileName);
  return m ? Number(m[1]) : undefined;
}
