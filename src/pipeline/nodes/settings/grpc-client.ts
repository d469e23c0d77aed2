// The engine's GrpcClientSettings (flattened into the otap and otlp_grpc exporters) and the
// connection options they become. Applied: endpoint, TLS, compression, headers/user_agent,
// timeout, connect_timeout (unary OTLP calls; the Arrow streams' grpc-js channel keeps its own
// 20 s). Accepted for compatibility and left to Node's and grpc-js's defaults: the TCP and
// HTTP/2 keepalive and window fields, concurrency_limit, buffer_size, proxy.
import { z } from 'zod';
import { byteSize, durationMs, nonNegativeInt, positiveInt } from '../../config/field-types.js';
import type { ConnectionOptions, GrpcCompression } from '../../../transport/exporter/channel.js';
import { clientTls, tlsClientSchema } from './tls.js';

export const grpcClientShape = {
  grpc_endpoint: z.string().min(1),
  compression: z.enum(['zstd', 'gzip', 'deflate', 'none']).optional(),
  compression_method: z.enum(['zstd', 'gzip', 'deflate', 'none']).optional(),
  concurrency_limit: positiveInt.default(256),
  connect_timeout: durationMs.default(3000),
  tcp_nodelay: z.boolean().default(true),
  tcp_keepalive: durationMs.optional(),
  tcp_keepalive_interval: durationMs.optional(),
  tcp_keepalive_retries: nonNegativeInt.optional(),
  initial_stream_window_size: byteSize.optional(),
  initial_connection_window_size: byteSize.optional(),
  http2_adaptive_window: z.boolean().default(false),
  http2_keepalive_interval: durationMs.optional(),
  http2_keepalive_timeout: durationMs.optional(),
  keep_alive_while_idle: z.boolean().default(true),
  timeout: durationMs.optional(),
  tls: tlsClientSchema.optional(),
  buffer_size: nonNegativeInt.optional(),
  startup_check: z.enum(['none', 'dns', 'connect']).default('none'),
  proxy: z.unknown().optional(),
  user_agent: z.string().optional(),
  headers: z.record(z.string(), z.string()).default({}),
};

const grpcClientObject = z.strictObject(grpcClientShape);
type ClientSettings = z.output<typeof grpcClientObject>;

/** `http://host:port` / `https://host:port` / `host:port` -> connection options. */
export function connectionOptions(c: ClientSettings, defaultCompression: GrpcCompression): ConnectionOptions {
  const m = /^(?:(https?):\/\/)?([^/]+?)\/?$/.exec(c.grpc_endpoint.trim());
  if (!m) throw new Error(`grpc_endpoint "${c.grpc_endpoint}" is not an endpoint: write http://host:port or https://host:port`);
  const chosen = c.compression ?? c.compression_method;
  if (chosen === 'deflate') throw new Error('compression "deflate" is not supported by this client: use zstd, gzip or none');
  const compression: GrpcCompression = chosen ?? defaultCompression;
  return {
    endpoint: m[2]!,
    compression,
    headers: { ...c.headers, ...(c.user_agent ? { 'user-agent': c.user_agent } : {}) },
    tls: clientTls(c.tls, m[1] === 'https'),
    connectTimeoutMs: c.connect_timeout,
  };
}
