// The engine's GrpcServerSettings and HttpServerSettings (fields and defaults as there).
// Applied: message size, concurrent streams, the HTTP/2 windows and frame size (on grpc-js's
// http2 server, see transport/grpc/http2-settings.ts; the engine's 8 MiB / 24 MiB windows by
// default). Accepted for compatibility and left to Node's defaults: the TCP and keepalive
// knobs, and http2_adaptive_window (Node's HTTP/2 has no BDP window sizing; the static
// windows apply either way). `bearer_token` is this implementation's own
// addition (the engine has no receiver authentication): clients must then send
// `authorization: Bearer <token>` (gRPC UNAUTHENTICATED / HTTP 401 otherwise).
import { z } from 'zod';
import { byteSize, durationMs, nonNegativeInt, socketAddress } from '../../config/field-types.js';
import { MAX_FRAME_BYTES, MAX_WINDOW_BYTES, MIN_FRAME_BYTES, MIN_WINDOW_BYTES, type Http2ServerTuning } from '../../../transport/grpc/http2-settings.js';
import { tlsServerSchema } from './tls.js';

const http2Window = byteSize.refine((v) => v >= MIN_WINDOW_BYTES && v <= MAX_WINDOW_BYTES, { message: `expected an HTTP/2 window from ${MIN_WINDOW_BYTES} bytes to ${MAX_WINDOW_BYTES} bytes (2 GiB - 1)` });

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
  initial_stream_window_size: http2Window.optional(),
  initial_connection_window_size: http2Window.optional(),
  http2_adaptive_window: z.boolean().default(false),
  max_frame_size: byteSize.refine((v) => v >= MIN_FRAME_BYTES && v <= MAX_FRAME_BYTES, { message: `expected an HTTP/2 frame size from 16KiB to ${MAX_FRAME_BYTES} bytes` }).optional(),
  max_decoding_message_size: byteSize.default(4 * 1024 * 1024),
  http2_keepalive_interval: durationMs.optional(),
  http2_keepalive_timeout: durationMs.optional(),
  wait_for_result: z.boolean().default(false),
  timeout: durationMs.optional(),
  tls: tlsServerSchema.optional(),
  bearer_token: z.string().min(1).optional(),
});
export type GrpcServerSettings = z.output<typeof grpcServerSchema>;

/** The HTTP/2 tuning these settings ask for (fields left out keep the receiver's defaults). */
export function grpcHttp2Tuning(s: GrpcServerSettings): Partial<Http2ServerTuning> {
  return {
    ...(s.initial_stream_window_size !== undefined ? { streamWindowBytes: s.initial_stream_window_size } : {}),
    ...(s.initial_connection_window_size !== undefined ? { connectionWindowBytes: s.initial_connection_window_size } : {}),
    ...(s.max_frame_size !== undefined ? { maxFrameBytes: s.max_frame_size } : {}),
  };
}

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
