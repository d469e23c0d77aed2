// OTLP/HTTP receiver plugin for OtapReceiver (node:http / node:https): POST /v1/traces,
// /v1/logs, /v1/metrics with protobuf or JSON bodies, identity or gzip content encoding.
// Every decoded request goes through the receiver's IngestContext, so OTLP/HTTP shares
// admission control, stats and consume() with the gRPC services.
//
//   const receiver = new OtapReceiver({ grpcPort: 4317, httpPort: 4318, otlpHttp: otlpHttp() }, consume);
//
// Responses follow the OTLP/HTTP specification:
//   200  Export*ServiceResponse (empty = full success) in the request's content type
//   400  malformed body (bad protobuf / JSON / gzip), google.rpc.Status in the request's format
//   401  missing or wrong bearer token (when the receiver has one)
//   404  any other path; 405 any other method (Allow: POST)
//   413  body larger than maxMessageBytes (before or after gzip); the rest is not read
//   415  content type other than application/x-protobuf / application/json, or an
//        unsupported Content-Encoding
//   429  admission refused (RESOURCE_EXHAUSTED), with Retry-After; for protobuf bodies the
//        pipeline may refuse from Content-Length before the body is read (refuseEarly)
//   503  consume() failed retryably / shutting down (UNAVAILABLE etc.), with Retry-After
//   500  any other consume() failure
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { http, https } from './node-http.js';
import { timingSafeEqual } from 'node:crypto';
import * as zlib from 'node:zlib';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { AddressInfo } from 'node:net';
import { TelemetryBatch } from '../../batch/telemetry-batch.js';
import type { Signal } from '../../otlp/model.js';
import { decodeOtlpJson } from '../../otlp/signal-codec.js';
import { WireType, WireWriter } from '../../proto/wire-writer.js';
import { decodedSizeLowerBound } from '../grpc/compression.js';
import { encodeExportResponse } from '../grpc/otlp-responses.js';
import type { Backend } from '../../backend/types.js';
import type { IngestContext, OtlpHttpPlugin, ReceiverOptions } from '../receiver/types.js';
import { logRefusedBatch } from '../receiver/refusals.js';

export interface OtlpHttpOptions {
  /** Seconds announced in Retry-After on 429 / 503. Default 1. */
  retryAfterSeconds?: number;
  /** Paths per signal; defaults /v1/traces, /v1/logs, /v1/metrics. */
  paths?: Partial<Record<Signal, string>>;
  /** Largest body (compressed, and again after gzip); defaults to the receiver's maxMessageBytes. */
  maxMessageBytes?: number;
  /** Idle keep-alive timeout of connections. Default 5000 ms (node's default). */
  keepAliveTimeoutMs?: number;
}

/** Counters of the HTTP front end (the shared receiver stats count accepted batches). */
export interface OtlpHttpStats {
  requests: number;
  /** Requests by response status code, e.g. { 200: 10, 415: 1 }. */
  responses: Record<number, number>;
  /** Body bytes read off the sockets (as sent, i.e. compressed when gzip). */
  bytesRead: number;
}

type Format = 'protobuf' | 'json';

const CONTENT_TYPE: Record<Format, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly grpcCode: number) {
    super(message);
  }
}

/** The OTLP/HTTP plugin: pass it as `otlpHttp` in the receiver options. */
export function otlpHttp(options: OtlpHttpOptions = {}): OtlpHttpPlugin & { readonly stats: OtlpHttpStats } {
  const stats: OtlpHttpStats = { requests: 0, responses: {}, bytesRead: 0 };
  return {
    stats,
    start: (ctx, port, tls) => startOtlpHttpServer(ctx, port, tls, options, stats),
  };
}

export async function startOtlpHttpServer(
  ctx: IngestContext,
  port: number,
  tls: ReceiverOptions['tls'],
  options: OtlpHttpOptions = {},
  stats: OtlpHttpStats = { requests: 0, responses: {}, bytesRead: 0 },
): Promise<{ port: number; close(): Promise<void> }> {
  const paths = new Map<string, Signal>([
    [options.paths?.traces ?? '/v1/traces', 'traces'],
    [options.paths?.logs ?? '/v1/logs', 'logs'],
    [options.paths?.metrics ?? '/v1/metrics', 'metrics'],
  ]);
  const limit = options.maxMessageBytes ?? ctx.maxMessageBytes;
  const retryAfter = String(Math.max(0, Math.round(options.retryAfterSeconds ?? 1)));
  let closing = false;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    stats.requests++;
    handle(req, res).catch((err: unknown) => {
      // Should not happen (handle() answers every error); never leave a request hanging.
      if (!res.headersSent) send(res, 500, 'json', { code: GrpcStatus.INTERNAL, message: String((err as Error)?.message ?? err) });
      else res.destroy();
    });
  };

  function send(res: ServerResponse, code: number, format: Format, body: Uint8Array | { code: number; message: string }, extra: Record<string, string> = {}): void {
    stats.responses[code] = (stats.responses[code] ?? 0) + 1;
    const bytes = body instanceof Uint8Array
      ? body
      : format === 'json'
        ? Buffer.from(JSON.stringify(body))
        : encodeStatus(body.code, body.message);
    res.writeHead(code, { 'content-type': CONTENT_TYPE[format], 'content-length': String(bytes.length), ...extra });
    res.end(bytes);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const signal = paths.get(path);
    const format = formatOf(req.headers['content-type']);
    const errFormat: Format = format ?? 'json';
    const fail = (e: HttpError, extra: Record<string, string> = {}): void => {
      logRefusedBatch({ protocol: 'otlp-http', signal, code: e.grpcCode, message: e.message, httpStatus: e.status, peer: req.socket.remoteAddress });
      send(res, e.status, errFormat, { code: e.grpcCode, message: e.message }, extra);
    };
    /** A gRPC status as its OTLP/HTTP answer (Retry-After on the retryable 429 and 503). */
    const failWithStatus = (code: number, message: string): void => {
      const httpStatus = httpStatusOf(code);
      fail(new HttpError(httpStatus, message, code), httpStatus === 429 || httpStatus === 503 ? { 'retry-after': retryAfter } : {});
    };
    if (!signal) {
      drainOrClose(req, res);
      return fail(new HttpError(404, `unknown path ${path}; use ${[...paths.keys()].join(', ')}`, GrpcStatus.NOT_FOUND));
    }
    if (req.method !== 'POST') {
      drainOrClose(req, res);
      return fail(new HttpError(405, `method ${req.method} not allowed; use POST`, GrpcStatus.UNIMPLEMENTED), { allow: 'POST' });
    }
    if (!format) {
      drainOrClose(req, res);
      return fail(new HttpError(415, `unsupported content type ${JSON.stringify(req.headers['content-type'] ?? '')}; use application/x-protobuf or application/json`, GrpcStatus.INVALID_ARGUMENT));
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== '') {
      drainOrClose(req, res);
      return fail(new HttpError(415, `unsupported content encoding ${JSON.stringify(encoding)}; use gzip or identity`, GrpcStatus.INVALID_ARGUMENT));
    }
    if (!checkAuth(ctx.bearerToken, req.headers.authorization)) {
      drainOrClose(req, res);
      return fail(new HttpError(401, 'missing or invalid bearer token', GrpcStatus.UNAUTHENTICATED), { 'www-authenticate': 'Bearer' });
    }
    if (closing) {
      drainOrClose(req, res);
      return fail(new HttpError(503, 'receiver shutting down', GrpcStatus.UNAVAILABLE), { 'retry-after': retryAfter });
    }
    // Protobuf is admitted at its decoded length, which Content-Length bounds from below: a
    // request the pipeline would refuse now is answered unread (its body is discarded, the
    // connection stays). JSON is admitted at its objects' estimate, so it is read first.
    const length = Number(req.headers['content-length']);
    if (format === 'protobuf' && Number.isFinite(length) && length <= limit) {
      const refused = ctx.refusalBeforeBody?.(req.headers.authorization, encoding === 'gzip' ? decodedSizeLowerBound(length) : length);
      if (refused) {
        req.resume();
        return failWithStatus(refused.code, refused.message);
      }
    }
    let body: Buffer;
    let payload: TelemetryBatch;
    try {
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > limit) {
        throw new HttpError(413, `body of ${declared} bytes exceeds the limit of ${limit} bytes`, GrpcStatus.RESOURCE_EXHAUSTED);
      }
      const raw = await readBounded(req, limit, (n) => (stats.bytesRead += n));
      body = encoding === 'gzip' ? gunzipBounded(raw, limit) : raw;
      // JSON needs objects; protobuf stays bytes (ingest() checks its framing).
      payload = format === 'json'
        ? TelemetryBatch.fromRequest(signal, decodeOtlpJson(signal, body.toString('utf8')), backendOf(ctx))
        : TelemetryBatch.fromOtlpBytes(signal, body, backendOf(ctx));
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(400, `malformed OTLP ${format} request: ${(err as Error)?.message ?? String(err)}`, GrpcStatus.INVALID_ARGUMENT);
      if (e.status === 413) closeAfterResponse(req, res);
      return fail(e);
    }
    (ctx as Partial<{ addBytesIn(n: number): void }>).addBytesIn?.(body.length);
    try {
      await ctx.ingest(payload, metadataOf(req.headers), body.length, 'otlp-http', format);
    } catch (err) {
      const code = typeof (err as { code?: unknown })?.code === 'number' ? (err as { code: number }).code : GrpcStatus.UNAVAILABLE;
      return failWithStatus(code, (err as Error)?.message ?? String(err));
    }
    send(res, 200, format, format === 'json' ? Buffer.from('{}') : encodeExportResponse({}));
  }

  const server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca } : {}), requestCert: tls.requireClientCert ?? false, rejectUnauthorized: tls.requireClientCert ?? false }, handler)
    : http.createServer(handler);
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ctx.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      closing = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, 2000).unref();
      });
    },
  };
}

/** gRPC status of a refused ingest -> HTTP status (OTLP/HTTP: 429/502/503/504 are retryable). */
export function httpStatusOf(code: number): number {
  switch (code) {
    case GrpcStatus.OK: return 200;
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.FAILED_PRECONDITION:
    case GrpcStatus.OUT_OF_RANGE: return 400;
    case GrpcStatus.UNAUTHENTICATED: return 401;
    case GrpcStatus.PERMISSION_DENIED: return 403;
    case GrpcStatus.RESOURCE_EXHAUSTED: return 429;
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.ABORTED:
    case GrpcStatus.CANCELLED: return 503;
    case GrpcStatus.DEADLINE_EXCEEDED: return 504;
    default: return 500;
  }
}

/** Media type -> format; undefined when unsupported. Parameters (charset) are ignored. */
function formatOf(contentType: string | undefined): Format | undefined {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media === 'application/x-protobuf' || media === 'application/protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  return undefined;
}

function checkAuth(token: string | undefined, authorization: string | undefined): boolean {
  if (token === undefined) return true;
  const m = /^Bearer\s+(.+)$/i.exec((authorization ?? '').trim());
  if (!m) return false;
  const got = Buffer.from(m[1]!);
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

function metadataOf(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k === 'authorization' || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Reads the body, rejecting with 413 as soon as more than `limit` bytes arrived. */
function readBounded(req: IncomingMessage, limit: number, onBytes: (n: number) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      onBytes(chunk.length);
      if (size > limit) {
        req.pause();
        finish(new HttpError(413, `body exceeds the limit of ${limit} bytes`, GrpcStatus.RESOURCE_EXHAUSTED));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish();
    const onError = (err: Error): void => finish(new HttpError(400, `reading the body: ${err.message}`, GrpcStatus.INVALID_ARGUMENT));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** gunzip with the output bounded (a gzip bomb stops at `limit` bytes: 413). */
function gunzipBounded(data: Buffer, limit: number): Buffer {
  try {
    return zlib.gunzipSync(data, { maxOutputLength: Math.max(1, limit) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new HttpError(413, `gzip body inflates beyond the limit of ${limit} bytes`, GrpcStatus.RESOURCE_EXHAUSTED);
    }
    throw new HttpError(400, `malformed gzip body: ${(err as Error).message}`, GrpcStatus.INVALID_ARGUMENT);
  }
}

/** An early answer: let a small body drain (keep-alive), otherwise close after responding. */
function drainOrClose(req: IncomingMessage, res: ServerResponse): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (Number.isFinite(declared) && declared <= 64 * 1024) req.resume();
  else closeAfterResponse(req, res);
}

/** Stop reading: the connection closes once the response is written. */
function closeAfterResponse(req: IncomingMessage, res: ServerResponse): void {
  req.pause();
  res.setHeader('connection', 'close');
  res.once('finish', () => req.socket.destroySoon?.());
}

/** google.rpc.Status { int32 code = 1; string message = 2; } as protobuf. */
export function encodeStatus(code: number, message: string): Uint8Array {
  const w = new WireWriter(16 + message.length * 3);
  if (code !== 0) {
    w.tag(1, WireType.VARINT);
    w.varint(code);
  }
  if (message) w.stringField(2, message);
  return w.finish();
}

function backendOf(ctx: IngestContext): { backend?: Backend } {
  return ctx.backend ? { backend: ctx.backend } : {};
}
