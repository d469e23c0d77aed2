// SQL over a data lake with DuckDB (@duckdb/node-api, an optional dependency: it ships prebuilt
// binaries and reads Parquet natively). `openLake` creates the views of views.ts for the
// payload types present and runs statements; `query` is the one-shot form `otap query` uses.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { payloadDir, PARQUET_SUFFIX } from './layout.js';
import { LAKE_PAYLOADS, viewStatements } from './views.js';

type DuckDb = typeof import('@duckdb/node-api');
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface QueryResult {
  columns: string[];
  /** Rows as JSON-safe values (DuckDB's JSON conversion: 64-bit integers and timestamps as strings). */
  rows: Json[][];
}

export interface Lake {
  /** Views created, by name. */
  readonly views: readonly string[];
  run(sql: string): Promise<QueryResult>;
  close(): void;
}

async function loadDuckDb(): Promise<DuckDb> {
  try {
    return await import('@duckdb/node-api');
  } catch (e) {
    throw new Error(`SQL over the data lake needs DuckDB: npm install @duckdb/node-api (an optional dependency of otel-arrow that did not install here: ${(e as Error).message})`, { cause: e });
  }
}

async function hasParquet(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isFile() && e.name.endsWith(PARQUET_SUFFIX)) return true;
    if (e.isDirectory() && (await hasParquet(join(dir, e.name)))) return true;
  }
  return false;
}

/** The payload types with at least one committed file under `base`. */
export async function presentPayloads(base: string): Promise<Set<number>> {
  const present = new Set<number>();
  for (const t of LAKE_PAYLOADS) if (await hasParquet(join(base, payloadDir(t)))) present.add(t);
  return present;
}

export interface OpenLakeOptions {
  /** DuckDB threads (default: DuckDB's, the number of cores). */
  threads?: number;
}

export async function openLake(base: string, options: OpenLakeOptions = {}): Promise<Lake> {
  const info = await stat(base).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`${base} is not a directory: give the base_uri directory of an exporter:parquet`);
  const present = await presentPayloads(base);
  if (present.size === 0) throw new Error(`${base} holds no Parquet files written by exporter:parquet (expected e.g. ${join(base, 'logs', '*.parquet')})`);
  const duckdb = await loadDuckDb();
  const instance = await duckdb.DuckDBInstance.create(':memory:', options.threads ? { threads: String(options.threads) } : {});
  const connection = await instance.connect();
  const views: string[] = [];
  try {
    for (const sql of viewStatements(base, present)) {
      await connection.run(sql);
      views.push(/VIEW (\w+)/.exec(sql)![1]!);
    }
  } catch (e) {
    connection.closeSync();
    instance.closeSync();
    throw e;
  }
  return {
    views,
    async run(sql) {
      const reader = await connection.runAndReadAll(sql);
      return { columns: reader.columnNames(), rows: reader.getRowsJson() as Json[][] };
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs one SQL statement over the data lake at `base` (views: see views.ts). */
export async function query(base: string, sql: string, options: OpenLakeOptions = {}): Promise<QueryResult> {
  const lake = await openLake(base, options);
  try {
    return await lake.run(sql);
  } finally {
    lake.close();
  }
}
