// One open file set: the Parquet files (one per payload type) that a signal's batches go into
// until the set is rotated. Bytes come out of the backend's writer and are appended to hidden
// in-progress files; committing finishes the files (footers), syncs them, records the renames
// in a commit record, renames children before the root and drops the record. A crash before
// the record leaves only in-progress files (deleted on restart); a crash during the renames is
// finished on restart from the record (recovery.ts). Readers only ever see whole files.
import { mkdir, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { BackendParquetWriter, ParquetFileBytes } from '../backend/types.js';
import type { Signal } from '../otlp/model.js';
import { COMMITS_DIR, finalPath, inProgressPath, ROOT_PAYLOAD } from './layout.js';

/** What a commit record holds: renames relative to the base, the writer's pid. */
export interface CommitRecord {
  pid: number;
  renames: Array<[from: string, to: string]>;
}

export function commitRecordPath(base: string, setName: string): string {
  return join(base, COMMITS_DIR, `${setName}.json`);
}

async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export class OpenFileSet {
  readonly createdAt = Date.now();
  private readonly files = new Map<number, FileHandle>();
  private bytesWritten = 0;

  constructor(
    readonly base: string,
    readonly signal: Signal,
    readonly partition: string,
    readonly name: string,
    readonly writer: BackendParquetWriter,
  ) {}

  /** Bytes appended to this set's files so far. */
  get bytes(): number {
    return this.bytesWritten;
  }

  /** Most rows of any one table (what target_rows_per_file is compared with). */
  maxTableRows(): number {
    let max = 0;
    for (const rows of this.writer.rows().values()) max = Math.max(max, rows);
    return max;
  }

  rootRows(): number {
    return this.writer.rows().get(ROOT_PAYLOAD[this.signal]) ?? 0;
  }

  /** Appends what the writer produced (`writer.takeOutput()` or `finish()`). */
  async append(outputs: readonly ParquetFileBytes[]): Promise<void> {
    for (const { payloadType, bytes } of outputs) {
      let handle = this.files.get(payloadType);
      if (!handle) {
        const path = this.inProgress(payloadType);
        await mkdir(dirname(path), { recursive: true });
        handle = await open(path, 'wx');
        this.files.set(payloadType, handle);
      }
      if (bytes.length > 0) {
        await handle.appendFile(bytes);
        this.bytesWritten += bytes.length;
      }
    }
  }

  /** Finishes every file and moves the set into place; returns the final paths. */
  async commit(): Promise<string[]> {
    await this.append(this.writer.finish());
    for (const handle of this.files.values()) {
      await handle.sync();
      await handle.close();
    }
    const root = ROOT_PAYLOAD[this.signal];
    // Children first: a root file that readers can see always finds its children.
    const types = [...this.files.keys()].sort((a, b) => Number(a === root) - Number(b === root));
    const record: CommitRecord = {
      pid: process.pid,
      renames: types.map((t) => [relative(this.base, this.inProgress(t)), relative(this.base, this.final(t))]),
    };
    const recordPath = commitRecordPath(this.base, this.name);
    await mkdir(dirname(recordPath), { recursive: true });
    await writeFile(recordPath, JSON.stringify(record), { flush: true });
    const dirs = new Set<string>();
    for (const [from, to] of record.renames) {
      await rename(join(this.base, from), join(this.base, to));
      dirs.add(dirname(join(this.base, to)));
    }
    for (const dir of dirs) await syncDir(dir);
    await rm(recordPath, { force: true });
    this.files.clear();
    return record.renames.map(([, to]) => join(this.base, to));
  }

  /** Closes and deletes the in-progress files (a set that cannot be completed). */
  async abandon(): Promise<void> {
    for (const [t, handle] of this.files) {
      await handle.close().catch(() => {});
      await rm(this.inProgress(t), { force: true });
    }
    this.files.clear();
  }

  private inProgress(payloadType: number): string {
    return inProgressPath(this.base, payloadType, this.partition, this.name);
  }

  private final(payloadType: number): string {
    return finalPath(this.base, payloadType, this.partition, this.name);
  }
}
