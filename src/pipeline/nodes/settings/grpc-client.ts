// The engine's GrpcClientSettings (flattened into the otap and otlp_grpc exporters) and the
// connection options they become. Applied: endpoint, TLS, compression, headers/user_agent,
// timeout, connect_timeout (unary OTLP calls; the Arrow streams' grpc-js channel keeps its own
// 20 s), concurrency_limit (calls or batches in flight, by the exporter), HTTP/2 keepalive
// (interval, timeout, while idle) and windows (grpc-js: one window, the larger), tcp_nodelay
// and tcp_keepalive (unary OTLP calls; grpc-js has no socket options). Unset keepalive and
// window fields keep Node's and grpc-js's defaults rather than the engine's (30 s PINGs while
// idle draw GOAWAY too_many_pings from Go servers, whose policy allows one per 5 minutes).
// Accepted and reported as not applied when set: tcp_keepalive_interval/retries (Node sets
// only the idle time), http2_adaptive_window, buffer_size, startup_check other than none,
// proxy (grpc-js reads the grpc_proxy / https_proxy environment variables instead).
import { z } from 'zod';
import { byteSize, durationMs, nonNegativeInt, positiveInt } from '../../config/field-types.js';
import type { ConnectionOptions, GrpcCompression } from '../../../transport/exporter/channel.js';
import { clientTls, tlsClientSchema } from './tls.js';

/** HTTP/2's largest flow-control window. */
const MAX_WINDOW = 2 ** 31 - 1;

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
  initial_stream_window_size: byteSize.pipe(z.number().int().min(65_535).max(MAX_WINDOW, 'must be at most 2^31 - 1 bytes (HTTP/2)')).optional(),
  initial_connection_window_size: byteSize.pipe(z.number().int().min(65_535).max(MAX_WINDOW, 'must be at most 2^31 - 1 bytes (HTTP/2)')).optional(),
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
    transport: {
      ...(c.http2_keepalive_interval !== undefined ? {
        keepaliveIntervalMs: c.http2_keepalive_interval,
        ...(c.http2_keepalive_timeout !== undefined ? { keepaliveTimeoutMs: c.http2_keepalive_timeout } : {}),
        keepaliveWhileIdle: c.keep_alive_while_idle,
      } : {}),
      ...(c.initial_stream_window_size !== undefined ? { initialStreamWindowSize: c.initial_stream_window_size } : {}),
      ...(c.initial_connection_window_size !== undefined ? { initialConnectionWindowSize: c.initial_connection_window_size } : {}),
      ...(c.tcp_keepalive !== undefined ? { tcpKeepaliveMs: c.tcp_keepalive } : {}),
      tcpNoDelay: c.tcp_nodelay,
    },
  };
}

/** The settings given that this client cannot apply, each with why (for a warning at start).
 *  `grpcJs`: the client is a grpc-js channel (exporter:otap), which takes no socket options. */
export function unappliedClientSettings(c: ClientSettings, grpcJs = false): string[] {
  const out: string[] = [];
  if (grpcJs && (c.tcp_keepalive !== undefined || !c.tcp_nodelay)) out.push('tcp_keepalive / tcp_nodelay: the gRPC client of the Arrow streams (grpc-js) takes no socket options');
  if (c.tcp_keepalive_interval !== undefined || c.tcp_keepalive_retries !== undefined) {
    out.push('tcp_keepalive_interval / tcp_keepalive_retries: Node sets only the idle time (tcp_keepalive); its probes go 1 s apart, 10 of them');
  }
  if (c.http2_keepalive_timeout !== undefined && c.http2_keepalive_interval === undefined) out.push('http2_keepalive_timeout: no PINGs are sent without http2_keepalive_interval');
  if (c.http2_adaptive_window) out.push('http2_adaptive_window: Node has no adaptive HTTP/2 window; set initial_*_window_size instead');
  if (c.buffer_size !== undefined) out.push('buffer_size: batches wait in the pipeline channel before this exporter, not in a client buffer');
  if (c.startup_check !== 'none') out.push(`startup_check ${c.startup_check}: not performed; the first export connects, and a failed connection is retried with backoff`);
  if (c.proxy !== undefined) out.push('proxy: not applied (the OTAP exporter\'s gRPC client reads the grpc_proxy / https_proxy environment variables; the OTLP/gRPC exporter connects directly)');
  return out;
}
