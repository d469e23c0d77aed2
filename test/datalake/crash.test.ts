// Crash safety of the data lake: a writer process killed (SIGKILL) at random points, over and
// over, on the same directory. After each kill every committed Parquet file must read cleanly
// (DuckDB, straight from the files), and after the next writer's recovery the replay reader must
// find no broken set and no record twice. A crash in the middle of a set's renames (a commit
// record left behind) is replayed deterministically: recovery finishes the renames.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { listFileSets, readFileSet } from '../../src/datalake/datalake-reader.js';
import { commitRecordPath } from '../../src/datalake/file-set.js';
import { recoverDatalake } from '../../src/datalake/recovery.js';
import { generateLogs } from '../../src/otlp/generate.js';
import { decodeOtlp } from '../../src/otlp/signal-codec.js';
import type { ExportLogsServiceRequest } from '../../src/otlp/model.js';
import { backendRows, requireBackend } from '../support/backends.js';
import { filesUnder, tempLake, writeRequests } from '../support/datalake.js';
import { ROOT } from '../support/dist.js';

const WRITER = path.join(ROOT, 'test/fixtures/lake-writer.ts');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Starts the writer, waits until it writes, lets it run `ms` more, kills it. */
async function runAndKill(base: string, backend: string, startSeq: number, ms: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, base, backend, String(startSeq)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`writer exited (${code}) before writing: ${stderr}`)));
  });
  await new Promise((r) => setTimeout(r, ms));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

function seqs(request: ExportLogsServiceRequest): bigint[] {
  const out: bigint[] = [];
  for (const r of request.resourceLogs) for (const s of r.scopeLogs) for (const l of s.logRecords) {
    const v = l.attributes.find((a) => a.key === 'seq')?.value;
    if (v?.type === 'int') out.push(v.value);
  }
  return out;
}

describe.each(backendRows(['native', 'wasm']))('data lake crash safety on %s', (name) => {
  it('killed writers leave only whole files, and recovery plus replay give each record once', async () => {
    const backend = requireBackend(name);
    const base = tempLake();
    dirs.push(base);
    const db = await DuckDBInstance.create(':memory:');
    const sql = await db.connect();
    for (let round = 0; round < 5; round++) {
      await runAndKill(base, name, round * 1_000_000, 150 + round * 137);
      // Whatever readers can see now reads cleanly, every file of it.
      for (const f of filesUnder(base).filter((p) => p.endsWith('.parquet'))) {
        const r = await sql.runAndReadAll(`SELECT count(*) FROM read_parquet('${path.join(base, f)}')`);
        expect(Number(r.getRows()[0]![0])).toBeGreaterThanOrEqual(0);
      }
    }
    sql.closeSync();
    db.closeSync();
    await recoverDatalake(base);
    expect(filesUnder(base).some((f) => f.includes('inprogress'))).toBe(false);
    const seen = new Set<bigint>();
    const sets = await listFileSets(base, ['logs']);
    expect(sets.length).toBeGreaterThan(0);
    for (const set of sets) {
      for (const t of await readFileSet(set, backend, 1000)) {
        for (const s of seqs(decodeOtlp('logs', t.toOtlp()))) {
          expect(seen.has(s), `record seq ${s} read twice`).toBe(false);
          seen.add(s);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(0);
  }, 120_000);

  it('finishes a set whose renames a crash interrupted', async () => {
    const backend = requireBackend(name);
    const base = tempLake();
    dirs.push(base);
    await writeRequests(backend, 'logs', [generateLogs({ seed: 9, batchSize: 40 })], { base });
    const files = filesUnder(base);
    const [set] = await listFileSets(base, ['logs']);
    // Put the set back as a crashed writer (a pid that no longer runs) left it mid-rename: the
    // children renamed, the root still in progress, the commit record present.
    const deadPid = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, ['-e', '0']);
      c.once('exit', () => resolve(c.pid!));
    });
    const renames = files.map((f) => {
      const dir = path.posix.dirname(f);
      return [`${dir}/.${path.posix.basename(f, '.parquet')}.${deadPid}.parquet.inprogress`, f] as [string, string];
    });
    const root = renames.find(([, to]) => to.startsWith('logs/'))!;
    fs.renameSync(path.join(base, root[1]), path.join(base, root[0]));
    fs.mkdirSync(path.dirname(commitRecordPath(base, set!.name)), { recursive: true });
    fs.writeFileSync(commitRecordPath(base, set!.name), JSON.stringify({ pid: deadPid, renames }));
    expect(await listFileSets(base, ['logs'])).toHaveLength(0); // no root file: not visible yet
    const report = await recoverDatalake(base);
    expect(report.completedSets).toBe(1);
    expect(filesUnder(base)).toEqual(files);
    expect(await listFileSets(base, ['logs'])).toHaveLength(1);
  });
});
