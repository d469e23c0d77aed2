// `otap query DIR "SQL"`: SQL over a Parquet data lake (exporter:parquet) with DuckDB, printed
// as a table, CSV or JSON lines. `--views` lists the views it creates.
import { formatResult, type ResultFormat } from '../datalake/format-result.js';
import { openLake } from '../datalake/query.js';

export interface QueryCommandOptions {
  dir: string;
  sql: string | undefined;
  format: ResultFormat;
  listViews: boolean;
}

export async function queryCommand(opts: QueryCommandOptions): Promise<number> {
  try {
    return await runQuery(opts);
  } catch (e) {
    // A missing directory, DuckDB absent, a SQL error: one line for the user, no stack.
    process.stderr.write(`otap query: ${shortMessage((e as Error).message)}\n`);
    return 1;
  }
}

async function runQuery(opts: QueryCommandOptions): Promise<number> {
  const lake = await openLake(opts.dir);
  try {
    if (opts.listViews || opts.sql === undefined) {
      const views = await lake.run(`SELECT table_name AS view, string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS columns
        FROM information_schema.columns WHERE table_name IN (${lake.views.map((v) => `'${v}'`).join(', ')}) GROUP BY table_name ORDER BY table_name`);
      process.stdout.write(formatResult(views, opts.format));
      return 0;
    }
    const started = performance.now();
    const result = await lake.run(opts.sql);
    process.stdout.write(formatResult(result, opts.format));
    if (opts.format === 'table') process.stderr.write(`${((performance.now() - started) / 1000).toFixed(3)} s\n`);
    return 0;
  } finally {
    lake.close();
  }
}

/** DuckDB binder errors list every candidate function: keep the message and the position. */
function shortMessage(message: string): string {
  const lines = message.split('\n');
  const cut = lines.findIndex((l) => l.trim() === 'Candidate functions:');
  return cut < 0 ? message : [...lines.slice(0, cut), ...lines.slice(cut).filter((l) => l.startsWith('LINE ') || /^\s*\^$/.test(l))].join('\n');
}
