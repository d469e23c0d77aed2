// The engine's GrpcServerSettings and HttpServerSettings (fields and defaults as there);
// the ones grpc-js exposes are applied, the HTTP/2 tuning knobs are accepted for
// compatibility and left to grpc-js's defaults. `bearer_token` is this implementation's own
// addition (the engine has no receiver authentication): clients must then send
// `authorization: Bearer <token>` (gRPC UNAUTHENTICATED / HTTP 401 otherwise).
import { z } from 'zod';
import { byteSize, durationMs, nonNegativeInt, socketAddress } from '../../config/field-types.js';
import { tlsServerSchema } from './tls.js';

const compression = z.enum(['zstd', 'gzip', 'deflate', 'none']);

export const grpcServerSchema = z.strictObject({
  listening_addr: socketAddress,
  request_compression: z.union([compression, z.array(compression)]).optional(),
  response_compression: z.union([compression, z.array(compression)]).optional(),
  max_concurrent_requests: nonNegativeInt.default(0),
  max_concurrent_streams: nonNegativeInt.optional(),
  tcp_nodelay: z.boolean().default(true),
  tcp_keepalive: durationMs.optional(),
  tcp_keepalive_interval: durationMs.optional(),
  tcp_keepalive_retries: nonNegativeInt.optional(),
  transport_concurrency_limit: nonNegativeInt.optional(),
  load_shed: z.boolean().default(true),
  initial_stream_window_size: byteSize.optional(),
  initial_connection_window_size: byteSize.optional(),
  http2_adaptive_window: z.boolean().default(false),
  max_frame_size: byteSize.optional(),
  max_decoding_message_size: byteSize.default(4 * 1024 * 1024),
  http2_keepalive_interval: durationMs.optional(),
  http2_keepalive_timeout: durationMs.optional(),
  wait_for_result: z.boolean().default(false),
  timeout: durationMs.optional(),
  tls: tlsServerSchema.optional(),
  bearer_token: z.string().min(1).optional(),
});
export type GrpcServerSettings = z.output<typeof grpcServerSchema>;

export const httpServerSchema = z.strictObject({
  listening_addr: socketAddress,
  max_concurrent_requests: nonNegativeInt.default(0),
  tcp_nodelay: z.boolean().default(true),
  tcp_keepalive: durationMs.optional(),
  tcp_keepalive_interval: durationMs.optional(),
  tcp_keepalive_retries: nonNegativeInt.optional(),
  max_request_body_size: byteSize.default(4 * 1024 * 1024),
  wait_for_result: z.boolean().default(false),
  timeout: durationMs.default(30_000),
  accept_compressed_requests: z.boolean().default(true),
  tls: tlsServerSchema.optional(),
  bearer_token: z.string().min(1).optional(),
});
export type HttpServerSettings = z.output<typeof httpServerSchema>;
