// The OpenTelemetry diag API as the log sink, when @opentelemetry/api is installed (an
// optional peer dependency): records go wherever the application pointed `diag.setLogger`
// (the SDK does so from OTEL_LOG_LEVEL), under the namespace "otel-arrow/<component>".
import { createRequire } from 'node:module';
import type { LogAttributes, LogLevel, LogSink } from './types.js';

type DiagMethod = (message: string, ...args: unknown[]) => void;
type ComponentLogger = Record<LogLevel, DiagMethod>;
/** The part of @opentelemetry/api's `diag` we use (kept local: the package is optional). */
export interface DiagApi {
  createComponentLogger(options: { namespace: string }): ComponentLogger;
}

/** `diag` of the installed @opentelemetry/api, or undefined when the package is absent. */
export function loadDiag(): DiagApi | undefined {
  try {
    // CJS bundle: __filename; ESM (source or bundle): import.meta.url.
    const require = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    const api = require('@opentelemetry/api') as { diag?: DiagApi };
    return typeof api.diag?.createComponentLogger === 'function' ? api.diag : undefined;
  } catch {
    return undefined; // not installed: the caller falls back to stderr
  }
}

export function diagSink(diag: DiagApi): LogSink {
  const loggers = new Map<string, ComponentLogger>();
  return ({ level, component, message, attributes }) => {
    let logger = loggers.get(component);
    if (!logger) loggers.set(component, (logger = diag.createComponentLogger({ namespace: `otel-arrow/${component}` })));
    if (hasAny(attributes)) logger[level](message, attributes);
    else logger[level](message);
  };
}

function hasAny(attributes: LogAttributes): boolean {
  for (const key in attributes) if (attributes[key] !== undefined) return true;
  return false;
}
