// The library's loggers. The sink is chosen on the first record: the OpenTelemetry diag API
// when @opentelemetry/api is installed, else stderr filtered by OTEL_LOG_LEVEL; an
// application (or a test) may install its own with setLogSink().
import { diagSink, loadDiag } from './diag-sink.js';
import { stderrSink } from './stderr-sink.js';
import type { LogAttributes, LogLevel, Logger, LogSink } from './types.js';

let installed: LogSink | undefined;
let resolved: LogSink | undefined;

function defaultSink(): LogSink {
  const diag = loadDiag();
  return diag ? diagSink(diag) : stderrSink();
}

function sink(): LogSink {
  return installed ?? (resolved ??= defaultSink());
}

/**
 * Sends every record of the library to `sink` (which filters by level itself); undefined
 * restores the default (diag when @opentelemetry/api is installed, else stderr).
 */
export function setLogSink(next: LogSink | undefined): void {
  installed = next;
}

/** The logger of one component ("exporter", "receiver", ...). */
export function getLogger(component: string): Logger {
  const emit = (level: LogLevel) => (message: string, attributes: LogAttributes = {}): void => {
    try {
      sink()({ level, component, message, attributes });
    } catch {
      // A failing sink must never break the data path it reports on.
    }
  };
  return { error: emit('error'), warn: emit('warn'), info: emit('info'), debug: emit('debug') };
}
