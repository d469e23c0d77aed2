#!/usr/bin/env node
// The `otap` command line.
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { OtelArrowError } from '../errors.js';
import { ConfigError, CONFIG_HELP } from '../bridge/config.js';
import { parseDuration, runBridgeCommand } from './bridge.js';
import { convert } from './convert.js';
import { applyHeapGrowth, chooseHeapGrowth } from './heap-growth.js';
import { runDemo } from './demo.js';
import { inspect } from './inspect.js';
import { queryCommand } from './query.js';
import { runCommand } from './run.js';
import type { CoreAllocation } from '../pipeline/config/spec-schema.js';
import { splitHostPort } from '../bridge/config.js';
import { loadBackend } from '../backend/index.js';
import type { Backend, BackendOption } from '../backend/types.js';

const USAGE = `usage: otap <command> [options]

commands:
  bridge    [--config file.json] [--listen host:port] [--http host:port|none] [--to host:port]
            [--duration 20s] [--quiet] [--backend B] [--print-config] | --demo [--rate N]
            OTLP receiver (gRPC on --listen, default 127.0.0.1:4317; HTTP on --http, default
            127.0.0.1:4318) -> OTAP exporter to --to (a downstream otelarrow receiver), run as
            a built-in pipeline of the engine (--print-config prints it as otel_dataflow/v1
            YAML for otap run): each request is answered once the downstream acked it, with
            retries and a memory limit; a line per second on stderr (-q, --quiet: none), a
            summary at the end (Ctrl-C, or after --duration); exits 1 if data was lost.
            --demo: no setup; a local downstream and a load generator (--rate records/s,
            default 6000, for --duration, default 15s); exits 1 if data was lost
  run       [--config FILE] [--duration D] [--num-cores N | --core-id-range A-B]
            [--http-admin-bind host:port] [--log-format pretty|json] [--log-level L]
            [--backend B] [--quiet]
            the pipeline engine on an otel_dataflow/v1 config (the Rust OTAP Dataflow
            Engine's format); without --config, a built-in demo (traffic generator -> batch ->
            OTAP exporter -> OTAP receiver -> perf) for 10 s. A line per second on stderr,
            graceful drain on Ctrl-C / SIGTERM / --duration, a summary; exits 1 if data was lost.
            One shared-nothing worker process per core the config's core_allocation (or
            --num-cores / --core-id-range) selects; receivers share their ports
  run       --validate FILE
            check a config (schema, connections, node configs) without running it
  demo      [--batches N] [--batch-size K] [--seed S] [--backend B]
            generate telemetry, stream it through the OTAP encoder and decoder, check it
            survives, print OTLP vs OTAP bytes per signal
  convert   <inputs...> -o <output> [--signal traces|logs|metrics] [--split] [--backend B]
            OTLP files (.pb protobuf, .json OTLP/JSON; one request each) -> an OTAP stream
            file (.otap), or an OTAP stream file -> OTLP (.json or .pb; --split: one file per
            batch into the output directory)
  inspect   <file.otap> [--schemas] [--backend B]
            payload types, schemas, rows, dictionary sizes and bytes per table
  query     <dir> ["SQL"] [--format table|csv|json] [--views]
            SQL over a Parquet data lake written by exporter:parquet (DuckDB): views per
            payload type (logs, log_attrs, spans, ...) and joined ones (logs_flat, spans_flat,
            resources, scopes); without SQL (or --views), the views and their columns
  help      this text (also: otap --help, otap -h, otap <command> --help)

--backend auto|native|wasm|js: the codec that encodes and decodes (default OTEL_ARROW_BACKEND,
else auto: the native addon, then wasm, then the TypeScript codec).

OTEL_ARROW_V8_HEAP_GROWING_PERCENT (default 300; 0 = V8's own): how far V8 lets the old
generation grow past its live size before a full collection; fewer full collections under
load, for more peak memory at saturation (+20 to +130 MiB in the benchmarks).

OTAP stream files hold the BatchArrowRecords of one stream, each framed by a uint32 LE length.

bridge ${CONFIG_HELP.replace(/\n/g, '\n  ')}`;

function main(argv: string[]): number | Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  const { values, positionals } = parseCommandLine(command === 'query' ? sqlAsPositional(rest) : rest);
  if (!command || values.help) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  switch (command) {
    case 'bridge': {
      const duration = values.duration === undefined ? undefined : parseDuration(values.duration);
      if (values.duration !== undefined && (duration === undefined || duration <= 0)) throw usage(`--duration must be like 15s, 500ms or 2m, not "${values.duration}"`);
      return runBridgeCommand({
        ...(values.config ? { config: values.config } : {}),
        ...(values.listen ? { listen: values.listen } : {}),
        ...(values.http ? { http: values.http } : {}),
        ...(values.to ? { to: values.to } : {}),
        demo: values.demo ?? false,
        printConfig: values['print-config'] ?? false,
        ...(duration !== undefined ? { durationMs: duration } : {}),
        ...(values.rate !== undefined ? { rate: intOption(values.rate, 0, '--rate', 1) } : {}),
        quiet: values.quiet ?? false,
        ...(values.backend ? { backend: backendOption(values.backend) } : {}),
      });
    }
    case 'run': {
      const duration = values.duration === undefined ? undefined : parseDuration(values.duration);
      if (values.duration !== undefined && (duration === undefined || duration <= 0)) throw usage(`--duration must be like 15s, 500ms or 2m, not "${values.duration}"`);
      return runCommand({
        ...(values.config ? { config: values.config } : {}),
        ...(values.validate ? { validate: values.validate } : {}),
        ...(duration !== undefined ? { durationMs: duration } : {}),
        ...(values.backend ? { backend: backendOption(values.backend) } : {}),
        ...coresOption(values['num-cores'], values['core-id-range']),
        ...(values['http-admin-bind'] ? { adminBind: splitHostPort(values['http-admin-bind'], '--http-admin-bind') } : {}),
        ...(values['log-format'] ? { logFormat: choice(values['log-format'], ['pretty', 'json'] as const, '--log-format') } : {}),
        ...(values['log-level'] ? { logLevel: choice(values['log-level'], ['error', 'warn', 'info', 'debug'] as const, '--log-level') } : {}),
        quiet: values.quiet ?? false,
      });
    }
    case 'demo': {
      const opts = {
        batches: intOption(values.batches, 20, '--batches', 1),
        batchSize: intOption(values['batch-size'], 1000, '--batch-size', 1),
        seed: intOption(values.seed, 1, '--seed', 0),
      };
      return withBackend(values.backend, (backend) => (runDemo(opts, backend) ? 0 : 1));
    }
    case 'convert':
      if (positionals.length === 0 || !values.output) throw usage('convert needs input files and -o <output>');
      return withBackend(values.backend, (backend) => {
        convert({ inputs: positionals, output: values.output!, ...(values.signal ? { signal: values.signal } : {}), split: values.split ?? false }, backend);
        return 0;
      });
    case 'inspect':
      if (positionals.length !== 1) throw usage('inspect needs one OTAP stream file');
      return withBackend(values.backend, (backend) => {
        inspect(positionals[0]!, { schemas: values.schemas ?? false }, backend);
        return 0;
      });
    case 'query':
      if (positionals.length < 1 || positionals.length > 2) throw usage('query needs a data lake directory and one SQL statement (quote it)');
      return queryCommand({
        dir: positionals[0]!,
        sql: positionals[1],
        format: values.format ? choice(values.format, ['table', 'csv', 'json'] as const, '--format') : 'table',
        listViews: values.views ?? false,
      });
    default:
      throw usage(`unknown command "${command}"`);
  }
}

/** A SQL argument may start with a `-- comment` line: never an option (one with whitespace in
 *  it cannot be one), so it goes after the `--` that ends the options. */
function sqlAsPositional(args: string[]): string[] {
  const sql = args.filter((a) => a.startsWith('-') && /\s/.test(a));
  return sql.length ? [...args.filter((a) => !sql.includes(a)), '--', ...sql] : args;
}

function parseCommandLine(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        signal: { type: 'string' },
        split: { type: 'boolean' },
        schemas: { type: 'boolean' },
        batches: { type: 'string' },
        'batch-size': { type: 'string' },
        seed: { type: 'string' },
        config: { type: 'string' },
        validate: { type: 'string' },
        'num-cores': { type: 'string' },
        'core-id-range': { type: 'string' },
        'http-admin-bind': { type: 'string' },
        'log-format': { type: 'string' },
        'log-level': { type: 'string' },
        listen: { type: 'string' },
        http: { type: 'string' },
        to: { type: 'string' },
        demo: { type: 'boolean' },
        'print-config': { type: 'boolean' },
        duration: { type: 'string' },
        rate: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        backend: { type: 'string' },
        format: { type: 'string' },
        views: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // Unknown options, missing option values: a usage error, not a crash.
    throw usage((err as Error).message);
  }
}

const BACKEND_OPTIONS: readonly BackendOption[] = ['auto', 'native', 'wasm', 'js'];

function backendOption(v: string): BackendOption {
  if ((BACKEND_OPTIONS as readonly string[]).includes(v)) return v as BackendOption;
  throw usage(`--backend must be ${BACKEND_OPTIONS.join(', ')}, not "${v}"`);
}

/** Runs `fn` with the backend of --backend (else OTEL_ARROW_BACKEND, else auto); resolves
 *  to its exit code. */
async function withBackend(flag: string | undefined, fn: (backend: Backend) => number): Promise<number> {
  return fn(await loadBackend(flag === undefined ? undefined : backendOption(flag)));
}

function choice<T extends string>(v: string, options: readonly T[], name: string): T {
  if ((options as readonly string[]).includes(v)) return v as T;
  throw usage(`${name} must be ${options.join(', ')}, not "${v}"`);
}

function coresOption(numCores: string | undefined, range: string | undefined): { cores?: CoreAllocation } {
  if (numCores !== undefined && range !== undefined) throw usage('give --num-cores or --core-id-range, not both');
  if (numCores !== undefined) return { cores: { strategy: 'core_count', count: intOption(numCores, 0, '--num-cores', 0), set: undefined } };
  if (range === undefined) return {};
  const m = /^(\d+)(?:-(\d+))?$/.exec(range);
  if (!m || Number(m[2] ?? m[1]) < Number(m[1])) throw usage(`--core-id-range must be like 0-3 or 2, not "${range}"`);
  return { cores: { strategy: 'core_set', count: undefined, set: [{ start: Number(m[1]), end: Number(m[2] ?? m[1]) }] } };
}

function intOption(v: string | undefined, dflt: number, name: string, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n) || n < min) throw usage(`${name} must be an integer >= ${min}, not "${v}"`);
  return n;
}

class UsageError extends Error {}

/** File system errors (ENOENT, EISDIR, EACCES, ...) are the user's to fix: one line, no stack. */
function isSystemError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

const usage = (msg: string) => new UsageError(msg);

function fail(err: unknown): void {
  if (err instanceof UsageError) {
    console.error(`otap: ${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (err instanceof OtelArrowError || err instanceof ConfigError || isSystemError(err)) {
    console.error(`otap: ${(err as Error).message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}

try {
  applyHeapGrowth(chooseHeapGrowth(process.env, process.execArgv), setFlagsFromString);
  const code = main(process.argv.slice(2));
  if (typeof code === 'number') process.exitCode = code;
  else {
    code.then((c) => {
      process.exitCode = c;
      // gRPC channels may linger a moment after shutdown; never hang the command on them.
      setTimeout(() => process.exit(c), 3000).unref();
    }, (err: unknown) => {
      fail(err);
      setTimeout(() => process.exit(process.exitCode ?? 1), 3000).unref();
    });
  }
} catch (err) {
  fail(err);
}
