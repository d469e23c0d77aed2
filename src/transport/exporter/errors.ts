// Export errors and the retry classification of gRPC status codes.
import { status as GrpcStatus } from '@grpc/grpc-js';

/** A failed export: `code` is the final gRPC status code (after retries, if any). */
export class ExportError extends Error {
  override readonly name = 'ExportError';
  constructor(
    /** gRPC status code (numeric, @grpc/grpc-js `status`). */
    readonly code: number,
    message: string,
    /** Attempts made (1 = no retry). */
    readonly attempts = 1,
  ) {
    super(`${statusName(code)}: ${message}`);
  }
}

export function statusName(code: number): string {
  const name = (GrpcStatus as unknown as Record<number, string | undefined>)[code];
  return name ?? `status ${code}`;
}

/** Codes that make a batch worth sending again when the server says so in a BatchStatus
 *  (or a unary OTLP Export fails with it). CANCELED only while not shutting down. */
const RETRYABLE_BATCH = new Set<number>([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.ABORTED,
  GrpcStatus.CANCELLED,
]);

/** When a whole stream ends, its unacknowledged batches were not refused one by one: they
 *  are also retried for INTERNAL (a receiver that could not decode kills the stream with
 *  it) and UNKNOWN (crashed handler). (A stream ended OK with batches unanswered is
 *  reported as UNAVAILABLE by the exporter.) */
const RETRYABLE_STREAM = new Set<number>([...RETRYABLE_BATCH, GrpcStatus.INTERNAL, GrpcStatus.UNKNOWN]);

export function isRetryableBatchCode(code: number, closing: boolean): boolean {
  if (code === GrpcStatus.CANCELLED && closing) return false;
  return RETRYABLE_BATCH.has(code);
}

export function isRetryableStreamCode(code: number, closing: boolean): boolean {
  if (code === GrpcStatus.CANCELLED && closing) return false;
  return RETRYABLE_STREAM.has(code);
}
