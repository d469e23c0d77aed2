// Reads a Parquet data lake back into OTAP tables: finds the committed file sets (a root file
// and the same-named files of the other payload types in the same partition), and turns each
// set into batches of at most `maxItems` items with the backend's reader (ids renumbered per
// batch, transport-encoded like tables from the wire).
import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import type { Backend, BackendTables } from '../backend/types.js';
import { OtelArrowError } from '../errors.js';
import type { Signal } from '../otlp/model.js';
import { SIGNALS } from '../backend/types.js';
import { payloadDir, PARQUET_SUFFIX, ROOT_PAYLOAD, signalPayloads } from './layout.js';

/** One committed file set. */
export interface FileSetRef {
  signal: Signal;
  /** Partition path below the payload directory ("" when unpartitioned). */
  partition: string;
  /** `part-<ms>-<uuid>` */
  name: string;
  /** Payload type -> file path. */
  files: ReadonlyMap<number, string>;
}

/** Relative paths (posix) of the committed Parquet files under `dir`. */
async function parquetFiles(dir: string, root = dir, out: string[] = []): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.name.startsWith('.')) continue; // in-progress files, commit records
    const path = join(dir, e.name);
    if (e.isDirectory()) await parquetFiles(path, root, out);
    else if (e.name.endsWith(PARQUET_SUFFIX)) out.push(relative(root, path).split(sep).join(posix.sep));
  }
  return out;
}

/** The committed file sets under `base`, oldest first (set names start with their time). */
export async function listFileSets(base: string, signals: readonly Signal[] = SIGNALS): Promise<FileSetRef[]> {
  const sets: FileSetRef[] = [];
  const present = new Map<number, Set<string>>();
  const filesOf = async (payloadType: number): Promise<Set<string>> => {
    let s = present.get(payloadType);
    if (!s) present.set(payloadType, (s = new Set(await parquetFiles(join(base, payloadDir(payloadType))))));
    return s;
  };
  for (const signal of signals) {
    const root = ROOT_PAYLOAD[signal];
    for (const rel of await filesOf(root)) {
      const slash = rel.lastIndexOf('/');
      const partition = slash < 0 ? '' : rel.slice(0, slash);
      const name = rel.slice(slash + 1, -PARQUET_SUFFIX.length);
      const files = new Map<number, string>();
      for (const t of signalPayloads(signal)) {
        if ((await filesOf(t)).has(rel)) files.set(t, join(base, payloadDir(t), ...rel.split('/')));
      }
      sets.push({ signal, partition, name, files });
    }
  }
  return sets.sort((a, b) => a.name.localeCompare(b.name) || a.partition.localeCompare(b.partition) || a.signal.localeCompare(b.signal));
}

/** One file set as batches of at most `maxItems` items, held by `backend`. */
export async function readFileSet(set: FileSetRef, backend: Backend, maxItems: number): Promise<BackendTables[]> {
  if (!backend.readParquetSet) {
    throw new OtelArrowError('UNSUPPORTED', `reading Parquet needs the native or wasm backend; the ${backend.name} backend cannot (build the Rust core: npm run build:rust)`);
  }
  const files = await Promise.all([...set.files].map(async ([payloadType, path]) => ({ payloadType, bytes: await readFile(path) })));
  try {
    return backend.readParquetSet(set.signal, files, maxItems);
  } catch (e) {
    const where = join(set.partition, set.name);
    if (e instanceof OtelArrowError) throw new OtelArrowError(e.code, `file set ${where}: ${e.message}`, { cause: e });
    throw e;
  }
}
