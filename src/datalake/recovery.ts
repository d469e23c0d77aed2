// Makes a data lake directory consistent before an exporter writes into it again: file sets
// whose commit record survived a crash are renamed into place, in-progress files of writers
// that are gone are deleted (they have no footer and hold data that was never committed).
// Files of a live writer (another core's process) are left alone.
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommitRecord } from './file-set.js';
import { COMMITS_DIR, inProgressOwner } from './layout.js';

export interface RecoveryReport {
  /** File sets completed from their commit record. */
  completedSets: number;
  /** In-progress files deleted. */
  deletedFiles: string[];
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function completeCommits(base: string): Promise<number> {
  const dir = join(base, COMMITS_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  let completed = 0;
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const path = join(dir, name);
    let record: CommitRecord;
    try {
      record = JSON.parse(await readFile(path, 'utf8')) as CommitRecord;
    } catch {
      await rm(path, { force: true }); // written without flush before a crash: its files are still in progress
      continue;
    }
    if (record.pid !== process.pid && alive(record.pid)) continue;
    for (const [from, to] of record.renames) {
      if (await exists(join(base, from))) await rename(join(base, from), join(base, to));
    }
    await rm(path, { force: true });
    completed++;
  }
  return completed;
}

async function deleteOrphans(dir: string, deleted: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== COMMITS_DIR) await deleteOrphans(path, deleted);
      continue;
    }
    const owner = inProgressOwner(e.name);
    if (owner !== undefined && owner !== process.pid && !alive(owner)) {
      await rm(path, { force: true });
      deleted.push(path);
    }
  }
}

export async function recoverDatalake(base: string): Promise<RecoveryReport> {
  const completedSets = await completeCommits(base);
  const deletedFiles: string[] = [];
  await deleteOrphans(base, deletedFiles);
  return { completedSets, deletedFiles };
}
