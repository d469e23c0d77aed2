// The log sink of `otap run` and of applications that want structured logs: every record of
// the library through pino, as JSON lines or as pretty one-liners (a small formatter over
// pino's JSON), on stderr by default.
import { Writable } from 'node:stream';
import { pino, type DestinationStream } from 'pino';
import type { LogAttributes, LogLevel, LogSink } from './types.js';

export type LogFormat = 'json' | 'pretty';

export interface PinoSinkOptions {
  format?: LogFormat;
  level?: LogLevel;
  /** Where the lines go; default stderr. */
  stream?: NodeJS.WritableStream;
}

const COLORS: Record<string, string> = { error: '\x1b[31m', warn: '\x1b[33m', info: '\x1b[36m', debug: '\x1b[90m' };

/** Formats pino's JSON lines as `HH:MM:SS.mmm LEVEL component: message key=value ...`. */
function prettyStream(out: NodeJS.WritableStream, color: boolean): DestinationStream {
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        let text = line;
        try {
          const { time, level, component, msg, pid: _pid, hostname: _host, ...rest } = JSON.parse(line) as Record<string, unknown>;
          const lv = String(level);
          const head = `${String(time).slice(11, 23)} ${color ? `${COLORS[lv] ?? ''}${lv.toUpperCase().padEnd(5)}\x1b[0m` : lv.toUpperCase().padEnd(5)}`;
          const kv = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
          text = `${head} ${String(component)}: ${String(msg)}${kv ? ` ${kv}` : ''}`;
        } catch {
          // not JSON: print as is
        }
        out.write(`${text}\n`);
      }
      done();
    },
  });
  return w;
}

function plainAttributes(a: LogAttributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = typeof v === 'bigint' ? v.toString() : v;
  return out;
}

export function pinoSink(options: PinoSinkOptions = {}): LogSink {
  const out = options.stream ?? process.stderr;
  const format = options.format ?? 'pretty';
  const dest: DestinationStream = format === 'json'
    ? (options.stream ? (options.stream as DestinationStream) : pino.destination({ fd: 2, sync: true }))
    : prettyStream(out, (out as { isTTY?: boolean }).isTTY === true);
  const logger = pino({
    level: options.level ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }, dest);
  return (r) => logger[r.level]({ component: r.component, ...plainAttributes(r.attributes) }, r.message);
}
