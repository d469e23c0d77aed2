// What the library logs: leveled records from one component, with structured attributes.

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export type LogAttributes = Record<string, string | number | boolean | bigint | undefined>;

export interface LogRecord {
  level: LogLevel;
  /** The part of the library that logs, e.g. "exporter", "receiver", "backend". */
  component: string;
  message: string;
  attributes: LogAttributes;
}

/** Receives every record the library emits, unfiltered: a sink applies its own level filter. */
export type LogSink = (record: LogRecord) => void;

export interface Logger {
  error(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  debug(message: string, attributes?: LogAttributes): void;
}
