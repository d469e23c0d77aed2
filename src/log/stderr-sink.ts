// The fallback sink without @opentelemetry/api: one line per record on stderr, filtered by
// OTEL_LOG_LEVEL (the OpenTelemetry variable: none, error, warn, info, debug, verbose, all;
// default warn, so that a library stays quiet unless something needs attention).
import type { LogAttributes, LogLevel, LogSink } from './types.js';

const RANK: Record<LogLevel, number> = { error: 1, warn: 2, info: 3, debug: 4 };
const THRESHOLD: Record<string, number> = { none: 0, error: 1, warn: 2, info: 3, debug: 4, verbose: 5, all: 5 };

/** The most verbose level OTEL_LOG_LEVEL lets through, as a rank (0 = nothing). */
export function thresholdOf(value: string | undefined): number {
  const rank = THRESHOLD[(value ?? '').trim().toLowerCase()];
  return rank ?? RANK.warn;
}

export function stderrSink(
  threshold = thresholdOf(process.env.OTEL_LOG_LEVEL),
  write: (line: string) => void = (line) => void process.stderr.write(line),
): LogSink {
  return ({ level, component, message, attributes }) => {
    if (RANK[level] > threshold) return;
    const attrs = formatAttributes(attributes);
    write(`${new Date().toISOString()} ${level.toUpperCase()} otel-arrow/${component}: ${message}${attrs}\n`);
  };
}

function formatAttributes(attributes: LogAttributes): string {
  let out = '';
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    out += ` ${key}=${typeof value === 'string' && /[\s"=]/.test(value) ? JSON.stringify(value) : String(value)}`;
  }
  return out;
}
