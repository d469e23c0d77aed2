// Client-side gRPC plumbing: connection options shared by OtapExporter (grpc-js channels:
// credentials, channel options, metadata) and OtlpGrpcClient (node:http2: endpoint URL and
// :authority).
import * as grpc from '@grpc/grpc-js';
import { compressionChannelOptions, installGrpcCompression } from '../grpc/compression.js';

export type GrpcCompression = 'zstd' | 'gzip' | 'none';

export interface TlsOptions {
  /** PEM root certificates; the system roots when absent. */
  ca?: Buffer;
  /** PEM client certificate chain (mutual TLS, with `key`). */
  cert?: Buffer;
  /** PEM client private key (mutual TLS, with `cert`). */
  key?: Buffer;
  /** Name to verify the server certificate against (and to send as SNI / :authority). */
  serverName?: string;
}

export interface ConnectionOptions {
  /** host:port (no scheme). */
  endpoint: string;
  /** gRPC message compression. */
  compression?: GrpcCompression;
  /** Sent as gRPC metadata on every call (e.g. authorization). */
  headers?: Record<string, string>;
  /** true = TLS with system roots; an object for custom roots, mutual TLS or SNI. */
  tls?: boolean | TlsOptions;
  /** A connection (TCP, and TLS when used) not up within this long fails, and the next
   *  attempt waits for the reconnect backoff (unary OTLP calls; grpc-js channels keep their
   *  own 20 s). Default: none beyond the operating system's. */
  connectTimeoutMs?: number;
  /** HTTP/2 keepalive, flow-control windows and TCP options; unset fields keep Node's and
   *  grpc-js's defaults. */
  transport?: TransportSettings;
}

/** The connection-level knobs of the engine's GrpcClientSettings that Node can apply. */
export interface TransportSettings {
  /** An HTTP/2 PING every this long; a connection whose PING is not answered within
   *  keepaliveTimeoutMs is closed (its calls fail UNAVAILABLE and are retried). */
  keepaliveIntervalMs?: number;
  /** Default 20 s (grpc-js's). */
  keepaliveTimeoutMs?: number;
  /** PINGs also while no call is open (default false, as grpc-js). */
  keepaliveWhileIdle?: boolean;
  /** HTTP/2 receive window of each stream, bytes. */
  initialStreamWindowSize?: number;
  /** HTTP/2 receive window of the connection, bytes. */
  initialConnectionWindowSize?: number;
  /** TCP keepalive probes after this long idle (SO_KEEPALIVE; Node's libuv then probes every
   *  second, 10 times). */
  tcpKeepaliveMs?: number;
  /** TCP_NODELAY (default true). */
  tcpNoDelay?: boolean;
}

export function channelCredentials(tls: ConnectionOptions['tls']): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  if (tls === true) return grpc.credentials.createSsl();
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new TypeError('tls.cert and tls.key go together (mutual TLS)');
  }
  return grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}

export interface ChannelTuning {
  /** Reconnect backoff of the channel (grpc-js defaults are 1 s .. 120 s, far slower than
   *  our batch retries; a restarted collector should be found again within one retry). */
  initialReconnectMs?: number;
  maxReconnectMs?: number;
}

export function channelOptions(o: ConnectionOptions, tuning: ChannelTuning = {}): grpc.ChannelOptions {
  const opts: grpc.ChannelOptions = {
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    // Our own retry loop re-sends; grpc-js transparent retries would only duplicate it.
    'grpc.enable_retries': 0,
    // No channelz service is served: its per-call bookkeeping (timestamps, counters) is pure cost.
    'grpc.enable_channelz': 0,
  };
  if (tuning.initialReconnectMs !== undefined) opts['grpc.initial_reconnect_backoff_ms'] = Math.max(1, Math.round(tuning.initialReconnectMs));
  if (tuning.maxReconnectMs !== undefined) opts['grpc.max_reconnect_backoff_ms'] = Math.max(1, Math.round(tuning.maxReconnectMs));
  if (o.tls && o.tls !== true && o.tls.serverName) {
    opts['grpc.ssl_target_name_override'] = o.tls.serverName;
    opts['grpc.default_authority'] = o.tls.serverName;
  }
  Object.assign(opts, compressionChannelOptions(o.compression ?? 'zstd'), transportChannelOptions(o.transport));
  return opts;
}

/** grpc-js applies keepalive, and one flow-control window to the streams and the connection
 *  alike (the larger of the two asked for); it has no TCP socket options. */
function transportChannelOptions(t: TransportSettings | undefined): grpc.ChannelOptions {
  const opts: grpc.ChannelOptions = {};
  if (!t) return opts;
  if (t.keepaliveIntervalMs !== undefined) {
    opts['grpc.keepalive_time_ms'] = t.keepaliveIntervalMs;
    opts['grpc.keepalive_timeout_ms'] = t.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS;
    opts['grpc.keepalive_permit_without_calls'] = t.keepaliveWhileIdle ? 1 : 0;
  }
  const window = Math.max(t.initialStreamWindowSize ?? 0, t.initialConnectionWindowSize ?? 0);
  if (window > 0) opts['grpc-node.flow_control_window'] = window;
  return opts;
}

export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;

export function metadataOf(headers: Record<string, string> | undefined): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers ?? {})) {
    const key = k.toLowerCase();
    // gRPC binary headers (`-bin`) carry bytes; take the string as base64, as on the wire.
    md.set(key, key.endsWith('-bin') ? Buffer.from(v, 'base64') : v);
  }
  return md;
}

/** Resolves once the channel can use the chosen compression (zstd patches grpc-js once per
 *  process, see grpc/compression.ts); undefined when nothing needs preparing. */
export function prepareCompression(compression: GrpcCompression | undefined): Promise<void> | undefined {
  return (compression ?? 'zstd') === 'zstd' ? installGrpcCompression() : undefined;
}

function checkEndpoint(endpoint: string): void {
  if (!endpoint || /^[a-z]+:\/\//i.test(endpoint)) {
    throw new TypeError(`endpoint must be host:port, got ${JSON.stringify(endpoint)}`);
  }
}

export function newClient(o: ConnectionOptions, tuning?: ChannelTuning): grpc.Client {
  checkEndpoint(o.endpoint);
  return new grpc.Client(o.endpoint, channelCredentials(o.tls), channelOptions(o, tuning));
}

/** The URL to connect an HTTP/2 session to and the :authority to send (the TLS server name
 *  when one is set, as grpc-js's `grpc.default_authority`); port 443 when none is given,
 *  as in grpc-js. */
export function channelEndpoint(o: ConnectionOptions): { url: string; authority: string } {
  checkEndpoint(o.endpoint);
  let parsed: URL;
  try {
    parsed = new URL(`${o.tls ? 'https' : 'http'}://${o.endpoint}`);
  } catch {
    throw new TypeError(`endpoint must be host:port, got ${JSON.stringify(o.endpoint)}`);
  }
  if (parsed.pathname !== '/' || parsed.search || parsed.username) {
    throw new TypeError(`endpoint must be host:port, got ${JSON.stringify(o.endpoint)}`);
  }
  // URL drops a port equal to its scheme's default (80, 443): take it from the text then.
  const port = parsed.port || /:(\d+)$/.exec(o.endpoint)?.[1] || '443';
  const url = `${parsed.protocol}//${parsed.hostname}:${port}`;
  const serverName = o.tls && o.tls !== true ? o.tls.serverName : undefined;
  return { url, authority: serverName ?? `${parsed.hostname}:${port}` };
}
