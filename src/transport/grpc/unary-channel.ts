// Unary gRPC calls over one HTTP/2 connection, on node:http2 directly.
//
// Why not a grpc-js client: a grpc-js unary call passes through a resolving call, a
// load-balancing call, a retrying call, a filter stack and a Metadata copy, and captures a
// stack trace, so at small OTLP requests (tens of records) the client costs more CPU than
// converting the request. An exporter's Export call needs much less: TLS, metadata, a
// deadline, message compression, the status from trailers (or from the HTTP status when a
// proxy answers), and reconnecting with backoff. That is all this channel does. Streams
// (the Arrow services) stay on grpc-js.
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ExportError } from '../exporter/errors.js';
import { decompressMessage, grpcMessageFrame, grpcZstd, zstdGrpcMessage } from './compression.js';
import { channelEndpoint, DEFAULT_KEEPALIVE_TIMEOUT_MS, type ChannelTuning, type ConnectionOptions, type TransportSettings } from '../exporter/channel.js';
import { keepSessionAlive, type SessionKeepalive } from './http2-keepalive.js';

const gzip = promisify(zlib.gzip);

/** Largest response message accepted (as grpc-js's `grpc.max_receive_message_length` in channel.ts). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** grpc-js's reconnect backoff: 1 s doubling by 1.6 up to 120 s, +-20% jitter. */
const DEFAULT_INITIAL_RECONNECT_MS = 1000;
const DEFAULT_MAX_RECONNECT_MS = 120_000;
const USER_AGENT = 'otel-arrow-node';
/** Node fires longer timers at once (with a warning): longer deadlines wait this long (24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Header names a caller may not set: they are the protocol's. */
const RESERVED_HEADERS = new Set(['content-type', 'te', 'grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'host']);

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_INADEQUATE_SECURITY } = http2.constants;

/** gRPC status of a response without grpc-status, from its HTTP status (gRPC's
 *  http-grpc-status-mapping: what a proxy or a non-gRPC server answers). */
function statusOfHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400: return GrpcStatus.INTERNAL;
    case 401: return GrpcStatus.UNAUTHENTICATED;
    case 403: return GrpcStatus.PERMISSION_DENIED;
    case 404: return GrpcStatus.UNIMPLEMENTED;
    case 429: case 502: case 503: case 504: return GrpcStatus.UNAVAILABLE;
    default: return GrpcStatus.UNKNOWN;
  }
}

/** gRPC status of a stream reset before any status arrived (gRPC's HTTP/2 error mapping). */
function statusOfReset(rstCode: number): number {
  switch (rstCode) {
    case NGHTTP2_REFUSED_STREAM: return GrpcStatus.UNAVAILABLE;
    case NGHTTP2_CANCEL: return GrpcStatus.CANCELLED;
    case NGHTTP2_ENHANCE_YOUR_CALM: return GrpcStatus.RESOURCE_EXHAUSTED;
    case NGHTTP2_INADEQUATE_SECURITY: return GrpcStatus.PERMISSION_DENIED;
    default: return GrpcStatus.INTERNAL;
  }
}

/** `grpc-timeout` value: at most 8 digits, in milliseconds while they fit, else seconds. */
function grpcTimeout(ms: number): string {
  const m = Math.max(1, Math.ceil(ms));
  return m <= 99_999_999 ? `${m}m` : `${Math.min(99_999_999, Math.ceil(m / 1000))}S`;
}

/** Call headers from user metadata: names lower-cased and checked as grpc-js's Metadata
 *  checks them; `-bin` values are base64 already (as on the wire). */
function metadataHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const key = k.toLowerCase();
    if (!/^[0-9a-z_.-]+$/.test(key)) throw new TypeError(`header name ${JSON.stringify(k)} is not valid gRPC metadata (allowed: 0-9 a-z _ . -)`);
    if (RESERVED_HEADERS.has(key)) throw new TypeError(`header ${JSON.stringify(k)} is set by the gRPC protocol and cannot be overridden`);
    if (!key.endsWith('-bin') && !/^[ -~]*$/.test(v)) throw new TypeError(`header ${JSON.stringify(k)}: value must be printable ASCII (use a "-bin" name for bytes, base64-encoded)`);
    out[key] = v;
  }
  return out;
}

type Compression = NonNullable<ConnectionOptions['compression']>;

/** One connection (replaced when it closes) carrying unary calls to one endpoint. */
export class UnaryChannel {
  private readonly url: string;
  private readonly connectOptions: http2.SecureClientSessionOptions;
  /** Headers every call sends; a call adds :path and grpc-timeout. */
  private readonly baseHeaders: http2.OutgoingHttpHeaders;
  private readonly compression: Compression;
  private readonly initialReconnectMs: number;
  private readonly maxReconnectMs: number;
  private readonly connectTimeoutMs: number | undefined;
  private readonly transport: TransportSettings;
  private readonly keepalives = new WeakMap<http2.ClientHttp2Session, SessionKeepalive>();
  private session: http2.ClientHttp2Session | undefined;
  /** Consecutive failed connection attempts, and when the next one may start. */
  private failures = 0;
  private retryAt = 0;
  private lastFailure = '';
  private closed = false;

  constructor(options: ConnectionOptions, tuning: ChannelTuning = {}) {
    const { url, authority } = channelEndpoint(options);
    this.url = url;
    const tls = options.tls;
    if (tls && tls !== true && (tls.cert === undefined) !== (tls.key === undefined)) {
      throw new TypeError('tls.cert and tls.key go together (mutual TLS)');
    }
    this.transport = options.transport ?? {};
    const streamWindow = this.transport.initialStreamWindowSize;
    this.connectOptions = {
      settings: { enablePush: false, ...(streamWindow !== undefined ? { initialWindowSize: streamWindow } : {}) },
      // Node refuses new streams (ENHANCE_YOUR_CALM) once a session holds 10 MB, queued
      // request bytes included: 8 in-flight 8192-record requests are more. The callers bound
      // what is in flight (max_in_flight); as grpc-js does, the session does not.
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
      // Metadata size is the server's call (its SETTINGS_MAX_HEADER_LIST_SIZE), as in grpc-js.
      maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
      ...socketOptions(this.transport),
      ...(tls && tls !== true ? {
        ...(tls.ca ? { ca: tls.ca } : {}),
        ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}),
        ...(tls.serverName ? { servername: tls.serverName } : {}),
      } : {}),
    };
    this.compression = options.compression ?? 'zstd';
    const metadata = metadataHeaders(options.headers);
    this.baseHeaders = {
      ':method': 'POST',
      ':scheme': tls ? 'https' : 'http',
      ':authority': authority,
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': USER_AGENT,
      'grpc-accept-encoding': 'identity,gzip,deflate,zstd',
      ...(this.compression === 'none' ? {} : { 'grpc-encoding': this.compression }),
      ...metadata,
    };
    this.initialReconnectMs = Math.max(1, tuning.initialReconnectMs ?? DEFAULT_INITIAL_RECONNECT_MS);
    this.maxReconnectMs = Math.max(this.initialReconnectMs, tuning.maxReconnectMs ?? DEFAULT_MAX_RECONNECT_MS);
    const ct = options.connectTimeoutMs;
    if (ct !== undefined && !(ct > 0)) throw new RangeError(`connectTimeoutMs ${ct}: expected a positive number of milliseconds`);
    this.connectTimeoutMs = ct === undefined ? undefined : Math.min(ct, MAX_TIMER_MS);
  }

  /** Calls `path` with one request message; resolves with the response message, rejects
   *  with an ExportError carrying the gRPC status code. */
  async call(path: string, message: Uint8Array, timeoutMs: number): Promise<Buffer> {
    if (this.closed) throw new ExportError(GrpcStatus.CANCELLED, 'gRPC channel is closed');
    const deadline = Date.now() + timeoutMs;
    const frame = this.compression === 'none' ? grpcMessageFrame(message, false) : await this.compressedFrame(message);
    const stream = this.open({ ...this.baseHeaders, ':path': path, 'grpc-timeout': grpcTimeout(deadline - Date.now()) });
    const body = await awaitResponse(stream, frame, deadline - Date.now(), this.url);
    return this.decompress(body.message, body.encoding);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }

  private async compressedFrame(message: Uint8Array): Promise<Buffer> {
    if (this.compression === 'gzip') return grpcMessageFrame(await gzip(message), true);
    const { codec, level } = await grpcZstd();
    return zstdGrpcMessage(codec, message, level);
  }

  private async decompress(message: Buffer, encoding: string | undefined): Promise<Buffer> {
    if (encoding === undefined) return message;
    try {
      return await decompressMessage(message, encoding, MAX_RESPONSE_BYTES);
    } catch (err) {
      throw new ExportError(GrpcStatus.INTERNAL, `response from ${this.url} could not be decompressed (${encoding}): ${(err as { details?: string }).details ?? String(err)}`);
    }
  }

  /** The connection window, once connected. */
  private tune(session: http2.ClientHttp2Session): void {
    const w = this.transport.initialConnectionWindowSize;
    if (w !== undefined) session.setLocalWindowSize(w);
  }

  /** A request stream on the current connection, connecting (or reconnecting) first. */
  private open(headers: http2.OutgoingHttpHeaders): http2.ClientHttp2Stream {
    for (let attempt = 0; ; attempt++) {
      const session = this.connection();
      try {
        const stream = session.request(headers, { endStream: false });
        this.keepalives.get(session)?.track(stream);
        return stream;
      } catch (err) {
        // The connection went away between the check and the request (GOAWAY, destroyed):
        // one more try on a new one.
        if (this.session === session) this.session = undefined;
        if (attempt > 0) throw new ExportError(GrpcStatus.UNAVAILABLE, `cannot start a call to ${this.url}: ${(err as Error).message}`);
      }
    }
  }

  private connection(): http2.ClientHttp2Session {
    const current = this.session;
    if (current && !current.closed && !current.destroyed) return current;
    const wait = Math.ceil(this.retryAt - Date.now());
    if (wait > 0) {
      throw new ExportError(GrpcStatus.UNAVAILABLE, `${this.lastFailure}; next connection attempt in ${wait} ms`);
    }
    const session = http2.connect(this.url, this.connectOptions);
    // Idle connections must not keep the process alive; a call's deadline timer does while it runs.
    session.unref();
    let connected = false;
    // A peer that never completes the connection (a dropped SYN, a silent TLS endpoint) fails
    // it after connectTimeoutMs: the calls waiting on it end UNAVAILABLE, the backoff starts.
    let failed = false;
    const connectFailed = (err: Error): void => {
      if (connected || failed) return; // after connecting, the calls fail with their own stream errors
      failed = true;
      this.lastFailure = `connection to ${this.url} failed: ${err.message}`;
      const backoff = Math.min(this.maxReconnectMs, this.initialReconnectMs * 1.6 ** this.failures);
      this.failures++;
      this.retryAt = Date.now() + backoff * (0.8 + 0.4 * Math.random());
    };
    const connectTimer = this.connectTimeoutMs === undefined ? undefined : setTimeout(() => {
      if (connected) return;
      const err = new Error(`not connected within ${this.connectTimeoutMs} ms`);
      connectFailed(err); // now, so that the calls failing with it already see the backoff
      session.destroy(err);
    }, this.connectTimeoutMs);
    connectTimer?.unref();
    session.on('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      this.failures = 0;
      this.tune(session);
    });
    const ka = this.transport.keepaliveIntervalMs;
    if (ka !== undefined) {
      this.keepalives.set(session, keepSessionAlive(session, {
        intervalMs: ka, timeoutMs: this.transport.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS, whileIdle: this.transport.keepaliveWhileIdle ?? false,
      }, this.url));
    }
    session.once('close', () => clearTimeout(connectTimer));
    session.on('error', connectFailed);
    const forget = (): void => {
      if (this.session === session) this.session = undefined;
    };
    session.on('goaway', forget);
    session.on('close', forget);
    this.session = session;
    return session;
  }
}

/** TCP options, set at connect: http2.connect hands its options to net.connect / tls.connect
 *  (an HTTP/2 session's socket refuses them afterwards). */
function socketOptions(t: TransportSettings): Pick<net.TcpSocketConnectOpts, 'noDelay' | 'keepAlive' | 'keepAliveInitialDelay'> {
  return {
    noDelay: t.tcpNoDelay ?? true,
    ...(t.tcpKeepaliveMs !== undefined ? { keepAlive: true, keepAliveInitialDelay: t.tcpKeepaliveMs } : {}),
  };
}

interface ResponseBody {
  message: Buffer;
  /** The response's grpc-encoding when its message is compressed. */
  encoding: string | undefined;
}

/** Sends `frame` on `stream` and waits for the status; resolves with the one response message. */
function awaitResponse(stream: http2.ClientHttp2Stream, frame: Buffer, timeoutMs: number, url: string): Promise<ResponseBody> {
  return new Promise((resolve, reject) => {
    let headers: http2.IncomingHttpHeaders | undefined;
    let trailers: http2.IncomingHttpHeaders | undefined;
    let failure: Error | undefined;
    let settled = false;
    const chunks: Buffer[] = [];
    let received = 0;
    const fail = (code: number, message: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new ExportError(code, message));
    };
    const timer = setTimeout(() => {
      fail(GrpcStatus.DEADLINE_EXCEEDED, `no answer from ${url} within ${Math.round(timeoutMs)} ms`);
      stream.close(NGHTTP2_CANCEL);
    }, Math.min(MAX_TIMER_MS, Math.max(0, timeoutMs)));
    stream.on('response', (h) => { headers = h; });
    stream.on('trailers', (t: http2.IncomingHttpHeaders) => { trailers = t; });
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_RESPONSE_BYTES + 5) {
        fail(GrpcStatus.RESOURCE_EXHAUSTED, `response from ${url} exceeds ${MAX_RESPONSE_BYTES} bytes`);
        stream.close(NGHTTP2_CANCEL);
      } else {
        chunks.push(chunk);
      }
    });
    stream.on('error', (err: Error) => { failure = err; });
    stream.on('close', () => {
      if (settled) return;
      const result = finish(stream.rstCode, headers, trailers, failure, chunks, received, url);
      if ('code' in result) {
        fail(result.code, result.message);
      } else {
        settled = true;
        clearTimeout(timer);
        resolve(result);
      }
    });
    stream.end(frame);
  });
}

interface CallFailure {
  code: number;
  message: string;
}

const failed = (code: number, message: string): CallFailure => ({ code, message });

/** The outcome of a closed call stream. */
function finish(
  rstCode: number | undefined,
  headers: http2.IncomingHttpHeaders | undefined,
  trailers: http2.IncomingHttpHeaders | undefined,
  failure: Error | undefined,
  chunks: Buffer[],
  received: number,
  url: string,
): ResponseBody | CallFailure {
  if (!headers) {
    // No response at all: the connection failed or the server reset the stream.
    if (failure && (rstCode === undefined || rstCode === 0 || (failure as NodeJS.ErrnoException).code !== 'ERR_HTTP2_STREAM_ERROR')) {
      return failed(GrpcStatus.UNAVAILABLE, `call to ${url} failed: ${failure.message}`);
    }
    return failed(statusOfReset(rstCode ?? 0), `${url} reset the call (HTTP/2 error ${rstCode ?? 0})`);
  }
  // Trailers-only responses carry the status in the headers.
  const statusSource = trailers?.['grpc-status'] !== undefined ? trailers : headers;
  const rawStatus = statusSource['grpc-status'];
  const httpStatus = Number(headers[':status']);
  if (rawStatus === undefined) {
    if (httpStatus !== 200) return failed(statusOfHttp(httpStatus), `${url} answered HTTP ${httpStatus} without a gRPC status (not a gRPC server, or a proxy refused the call)`);
    if (rstCode) return failed(statusOfReset(rstCode), `${url} reset the call before its status (HTTP/2 error ${rstCode})`);
    return failed(GrpcStatus.UNKNOWN, `${url} ended the call without a gRPC status`);
  }
  const code = Number(rawStatus);
  if (!Number.isInteger(code) || code < 0) return failed(GrpcStatus.UNKNOWN, `${url} sent an invalid grpc-status ${JSON.stringify(rawStatus)}`);
  if (code !== GrpcStatus.OK) {
    const rawMessage = String(statusSource['grpc-message'] ?? '');
    let message = rawMessage;
    try {
      message = decodeURIComponent(rawMessage);
    } catch { /* not percent-encoded: keep it as sent */ }
    return failed(code, message || `${url} refused the call`);
  }
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
  if (body.length < 5) return failed(GrpcStatus.INTERNAL, `${url} answered OK without a response message`);
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) return failed(GrpcStatus.INTERNAL, `${url} sent a malformed response (message of ${length} bytes in ${body.length - 5})`);
  if (body[0] === 0) return { message: body.subarray(5), encoding: undefined };
  const encoding = headers['grpc-encoding'];
  if (typeof encoding !== 'string' || encoding === 'identity') return failed(GrpcStatus.INTERNAL, `${url} sent a compressed response without naming its grpc-encoding`);
  return { message: body.subarray(5), encoding };
}
