// gRPC calls the receiver serves straight from node:http2, ahead of grpc-js.
//
// grpc-js keeps its http2 servers in the private `http2Servers` map (as
// grpc/http2-settings.ts relies on) and serves each with one 'stream' listener. That
// listener is wrapped: a request `route` claims (the OTLP Export calls, the Arrow streams)
// is served by its handler, everything else (unknown paths, other content types) goes to
// grpc-js unchanged. Sessions stay grpc-js's: keepalive, connection limits and shutdown
// (tryShutdown/forceShutdown close the sessions, direct calls included) work as before. If
// a grpc-js version keeps its servers elsewhere or listens differently, nothing is wrapped
// and grpc-js serves every call (same answers).
import type * as http2 from 'node:http2';
import type * as grpc from '@grpc/grpc-js';

export type DirectHandler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void;

type StreamListener = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, rawHeaders: string[]) => void;

/** Routes the gRPC requests of `server`'s http2 servers that `route` claims (by :path, with a
 *  gRPC content type) to their handlers; returns how many servers it wrapped (0: grpc-js
 *  serves everything). */
export function serveGrpcDirectly(server: grpc.Server, route: (path: string) => DirectHandler | undefined): number {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map)) return 0;
  let wrapped = 0;
  for (const s of servers.keys() as Iterable<http2.Http2Server | http2.Http2SecureServer>) {
    const listeners = typeof s.listeners === 'function' ? s.listeners('stream') : [];
    if (listeners.length !== 1) continue;
    const grpcListener = listeners[0] as StreamListener;
    s.removeListener('stream', grpcListener);
    s.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, rawHeaders: string[]) => {
      const handler = route(headers[':path'] ?? '');
      if (handler !== undefined && isGrpcContentType(headers['content-type'])) handler(stream, headers);
      else grpcListener(stream, headers, flags, rawHeaders);
    });
    wrapped++;
  }
  return wrapped;
}

function isGrpcContentType(ct: string | undefined): boolean {
  return typeof ct === 'string' && (ct === 'application/grpc' || ct.startsWith('application/grpc+') || ct.startsWith('application/grpc;'));
}

/** Headers that are the protocol's, not the caller's metadata (as grpc-js removes them). */
const PROTOCOL_HEADERS = new Set(['grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'te', 'content-type', 'authorization']);

/** The caller's metadata as consume() sees it (first value per name, `-bin` values as
 *  canonical base64, as grpc-js's Metadata gives them). */
export function headerMetadata(headers: http2.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.charCodeAt(0) === 58 /* ':' */ || PROTOCOL_HEADERS.has(k) || v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (first === undefined) continue;
    out[k] = k.endsWith('-bin') ? Buffer.from(first.split(',')[0]!.trim(), 'base64').toString('base64') : first;
  }
  return out;
}

/** grpc-message: percent-encoded outside printable ASCII, and '%' itself (gRPC over HTTP/2). */
export function grpcMessageHeader(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** host:port of the client of `stream` (IPv6 in brackets), as grpc-js's getPeer() gives it. */
export function streamPeer(stream: http2.ServerHttp2Stream): string {
  const socket = stream.session?.socket;
  const address = socket?.remoteAddress;
  if (!address) return 'unknown';
  return `${address.includes(':') ? `[${address}]` : address}:${socket.remotePort ?? 0}`;
}
