// gRPC status code -> name (e.g. 14 -> "UNAVAILABLE"), for stats and log records.
import { status } from '@grpc/grpc-js';

export const STATUS_NAME: Record<number, string> = Object.fromEntries(
  Object.entries(status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k]),
);
