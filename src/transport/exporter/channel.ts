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
  Object.assign(opts, compressionChannelOptions(o.compression ?? 'zstd'));
  return opts;
}

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
