// gRPC status helpers for the receiver: errors that carry a status code, and the mapping
// from consume() rejections and decode errors to codes.
import { status } from '@grpc/grpc-js';
import { OtelArrowError } from '../../errors.js';

/** An error that carries a gRPC status code (what consume() may reject with). */
export class StatusError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'StatusError';
  }
}

/** Marks an error as permanent: the receiver answers INVALID_ARGUMENT (no retry). */
export function permanent<E extends Error>(err: E): E & { permanent: true } {
  return Object.assign(err, { permanent: true as const });
}

/** A consume() rejection -> status: its own `code`, else INVALID_ARGUMENT when marked
 *  permanent, else UNAVAILABLE (retryable), as the Go receiver does. */
export function consumeErrorStatus(err: unknown): { code: number; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number' && Number.isInteger(code) && code >= 0 && code <= 16) return { code, message };
    if ((err as { permanent?: unknown }).permanent === true) return { code: status.INVALID_ARGUMENT, message };
  }
  return { code: status.UNAVAILABLE, message };
}

/** A decode error -> status: limits are RESOURCE_EXHAUSTED, everything else INVALID_ARGUMENT.
 *  The message names the table (and column) when the error knows them. */
export function decodeErrorStatus(err: unknown): { code: number; message: string } {
  if (err instanceof OtelArrowError) {
    const where = err.table && !err.message.startsWith(err.table) ? `${[err.table, err.column].filter(Boolean).join('.')}: ` : '';
    const code = err.code === 'LIMIT_EXCEEDED' ? status.RESOURCE_EXHAUSTED : status.INVALID_ARGUMENT;
    return { code, message: `otel-arrow decode: ${where}${err.message}` };
  }
  return { code: status.INVALID_ARGUMENT, message: `otel-arrow decode: ${err instanceof Error ? err.message : String(err)}` };
}

export { STATUS_NAME } from '../grpc/status-names.js';
