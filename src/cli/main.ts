#!/usr/bin/env node
// The `otap` command line.
import { parseArgs } from 'node:util';
import { OtelArrowError } from '../errors.js';
import { convert } from './convert.js';
import { runDemo } from './demo.js';
import { inspect } from './inspect.js';

const USAGE = `usage: otap <command> [options]

commands:
  demo      [--batches N] [--batch-size K] [--seed S]
            generate telemetry, stream it through the OTAP encoder and decoder, check it
            survives, print OTLP vs OTAP bytes per signal
  convert   <inputs...> -o <output> [--signal traces|logs|metrics] [--split]
            OTLP files (.pb protobuf, .json OTLP/JSON; one request each) -> an OTAP stream
            file (.otap), or an OTAP stream file -> OTLP (.json or .pb; --split: one file per
            batch into the output directory)
  inspect   <file.otap> [--schemas]
            payload types, schemas, rows, dictionary sizes and bytes per table

OTAP stream files hold the BatchArrowRecords of one stream, each framed by a uint32 LE length.`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  const { values, positionals } = parseCommandLine(rest);
  if (!command || values.help || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  switch (command) {
    case 'demo':
      return runDemo({
        batches: intOption(values.batches, 20, '--batches', 1),
        batchSize: intOption(values['batch-size'], 1000, '--batch-size', 1),
        seed: intOption(values.seed, 1, '--seed', 0),
      }) ? 0 : 1;
    case 'convert':
      if (positionals.length === 0 || !values.output) throw usage('convert needs input files and -o <output>');
      convert({ inputs: positionals, output: values.output, ...(values.signal ? { signal: values.signal } : {}), split: values.split ?? false });
      return 0;
    case 'inspect':
      if (positionals.length !== 1) throw usage('inspect needs one OTAP stream file');
      inspect(positionals[0]!, { schemas: values.schemas ?? false });
      return 0;
    default:
      throw usage(`unknown command "${command}"`);
  }
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
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // Unknown options, missing option values: a usage error, not a crash.
    throw usage((err as Error).message);
  }
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

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`otap: ${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (err instanceof OtelArrowError || isSystemError(err)) {
    console.error(`otap: ${(err as Error).message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
