// The OTAP / OTLP gRPC receiver on @grpc/grpc-js: the three Arrow bidi streams and the three
// OTLP Export methods on one server, sharing admission control, stats and consume().
// See arrow-stream.ts for the per-stream semantics and ../README.md for the behaviour notes.
import { timingSafeEqual } from 'node:crypto';
import type * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { loadBackend } from '../../backend/index.js';
import type { Backend } from '../../backend/types.js';
import { TelemetryBatch } from '../../batch/telemetry-batch.js';
import type { Signal } from '../../otlp/model.js';
import type { BatchStatus } from '../../otap/batch-arrow-records.js';
import { decodedSizeLowerBound, installGrpcCompression } from '../grpc/compression.js';
import { applyHttp2Settings, checkHttp2ServerTuning, DEFAULT_HTTP2_SERVER_TUNING } from '../grpc/http2-settings.js';
import type { ExportServiceResponse } from '../grpc/otlp-responses.js';
import { ARROW_METHOD_NAME, arrowPath, otlpPath, rawArrowServiceFor, rawOtlpServiceFor, SIGNALS } from '../grpc/services.js';
import { Admission, type Ticket } from './admission.js';
import { grpcJsArrowCall, metadataRecord, type ArrowCall } from './arrow-call.js';
import { directArrowCall } from './arrow-call-direct.js';
import { ArrowStream, type StreamHost } from './arrow-stream.js';
import { serveGrpcDirectly, type DirectHandler } from './direct-routes.js';
import { serveExport } from './otlp-export-direct.js';
import { consumeErrorStatus, STATUS_NAME, StatusError } from './status.js';
import { logAnswerFailed, logRefusedBatch, logStreamEnded } from './refusals.js';
import type { ConsumeFn, IngestContext, Protocol, ReceivedBatch, ReceiverOptions, ReceiverStats } from './types.js';

const MiB = 1024 * 1024;

interface Job {
  settled: Promise<{ code: number; message: string }>;
  cancel(): void;
}

export class OtapReceiver implements StreamHost, IngestContext {
  readonly stats: ReceiverStats = { batches: 0, items: 0, bytesIn: 0, rejected: {}, streams: 0 };
  readonly host: string;
  readonly bearerToken: string | undefined;
  readonly maxMessageBytes: number;
  readonly streamMemoryLimit: number;
  shuttingDown = false;

  private readonly options: ReceiverOptions;
  private readonly consume: ConsumeFn;
  private readonly admission: Admission;
  private readonly streams = new Set<ArrowStream>();
  private readonly streamsClosedWaiters: Array<() => void> = [];
  private server: grpc.Server | undefined;
  private codec: Backend | undefined;
  private http: { port: number; close(): Promise<void> } | undefined;
  private started: Promise<{ grpcPort: number; httpPort?: number }> | undefined;

  constructor(options: ReceiverOptions, consume: ConsumeFn) {
    this.options = options;
    this.consume = consume;
    this.host = options.host ?? '127.0.0.1';
    this.bearerToken = options.bearerToken;
    this.maxMessageBytes = options.maxMessageBytes ?? 64 * MiB;
    this.streamMemoryLimit = (options.streamMemoryLimitMiB ?? 64) * MiB;
    this.admission = new Admission((options.requestLimitMiB ?? 128) * MiB, (options.waitingLimitMiB ?? 32) * MiB);
  }

  /** Bytes admitted and being consumed / waiting for admission (for monitoring and tests). */
  get admissionState(): { inFlight: number; waiting: number } {
    return { inFlight: this.admission.inFlight, waiting: this.admission.waiting };
  }

  start(): Promise<{ grpcPort: number; httpPort?: number }> {
    this.started ??= this.doStart();
    return this.started;
  }

  /** ReceiverOptions.decodeTo, for the streams. */
  get decodeTo(): 'tables' | 'otlp' {
    return this.options.decodeTo ?? 'tables';
  }

  /** The backend decoding OTAP streams (set by start()). */
  get backend(): Backend {
    if (!this.codec) throw new Error('receiver not started: its backend loads in start()');
    return this.codec;
  }

  /** Loads the backend of `options.backend` (start() does it too); resolves to it. */
  async loadBackend(): Promise<Backend> {
    const b = this.options.backend;
    this.codec ??= b !== undefined && typeof b === 'object' ? b : await loadBackend(b);
    return this.codec;
  }

  private async doStart(): Promise<{ grpcPort: number; httpPort?: number }> {
    await this.loadBackend();
    await installGrpcCompression();
    const tuning = { ...DEFAULT_HTTP2_SERVER_TUNING, ...this.options.http2 };
    checkHttp2ServerTuning(tuning);
    const server = new grpc.Server({
      ...(this.options.maxConcurrentStreams !== undefined ? { 'grpc.max_concurrent_streams': this.options.maxConcurrentStreams } : {}),
      'grpc.max_receive_message_length': this.maxMessageBytes,
      'grpc.max_send_message_length': -1,
      // No channelz service is served: its per-call bookkeeping (timestamps, counters) is pure cost.
      'grpc.enable_channelz': 0,
    });
    for (const signal of SIGNALS) {
      server.addService(rawArrowServiceFor(signal), {
        [ARROW_METHOD_NAME[signal]]: (call: grpc.ServerDuplexStream<Buffer, BatchStatus>) => this.openStream(signal, grpcJsArrowCall(call)),
      });
      server.addService(rawOtlpServiceFor(signal), {
        Export: (call: grpc.ServerUnaryCall<Buffer, ExportServiceResponse>, cb: grpc.sendUnaryData<ExportServiceResponse>) =>
          this.export(signal, call, cb),
      });
    }
    const tls = this.options.tls;
    const creds = tls
      ? grpc.ServerCredentials.createSsl(tls.ca ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.requireClientCert ?? false)
      : grpc.ServerCredentials.createInsecure();
    const address = `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.options.grpcPort ?? 0}`;
    const grpcPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, creds, (err, port) => (err ? reject(err) : resolve(port))));
    const exportDirect = this.options.grpcExportDirect !== false;
    const arrowDirect = this.options.grpcArrowDirect !== false;
    if (exportDirect || arrowDirect) {
      const routes = new Map<string, DirectHandler>();
      for (const signal of SIGNALS) {
        if (exportDirect) routes.set(otlpPath(signal), (stream, headers) => this.exportDirect(signal, stream, headers));
        if (arrowDirect) routes.set(arrowPath(signal), (stream, headers) => this.openStream(signal, directArrowCall(stream, headers, this.maxMessageBytes)));
      }
      serveGrpcDirectly(server, (path) => routes.get(path));
    }
    if (applyHttp2Settings(server, tuning) === 0) {
      process.emitWarning('this @grpc/grpc-js keeps its http2 servers where otel-arrow cannot tune them: HTTP/2 windows stay at 64 KiB, large requests arrive slower', { code: 'OTEL_ARROW_HTTP2_WINDOWS' });
    }
    this.server = server;
    const result: { grpcPort: number; httpPort?: number } = { grpcPort };
    const httpPort = this.options.httpPort;
    if (httpPort !== undefined && httpPort !== false) {
      if (!this.options.otlpHttp) {
        server.forceShutdown();
        throw new Error('httpPort is set but no OTLP/HTTP plugin (options.otlpHttp) is configured');
      }
      this.http = await this.options.otlpHttp.start(this, httpPort, tls);
      result.httpPort = this.http.port;
    }
    return result;
  }

  /**
   * Graceful stop: no new batches (answered UNAVAILABLE), batches waiting for admission are
   * answered UNAVAILABLE, running consume() calls get `shutdownGraceMs` to finish (then
   * their batches are answered UNAVAILABLE too), and every stream ends UNAVAILABLE.
   */
  async shutdown(): Promise<void> {
    const server = this.server;
    if (!server || this.shuttingDown) return;
    this.shuttingDown = true;
    this.admission.rejectWaiting(new StatusError(grpc.status.UNAVAILABLE, 'receiver shutting down'));
    for (const s of [...this.streams]) s.shutdown();
    const grace = this.options.shutdownGraceMs ?? 5000;
    await Promise.race([this.allStreamsClosed(), sleep(grace)]);
    for (const s of [...this.streams]) s.abandonPending();
    await Promise.race([
      new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
      sleep(1000),
    ]);
    server.forceShutdown();
    await this.http?.close();
    this.server = undefined;
  }

  // -------------------------------------------------------------------------------------
  // StreamHost / IngestContext

  checkAuth(authorization: string | undefined): boolean {
    const token = this.bearerToken;
    if (token === undefined) return true;
    if (typeof authorization !== 'string') return false;
    const m = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (!m) return false;
    const got = Buffer.from(m[1]!);
    const want = Buffer.from(token);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  refusalBeforeBody(authorization: string | undefined, minBytes: number): { code: number; message: string } | undefined {
    let refused: { code: number; message: string } | undefined;
    if (!this.checkAuth(authorization)) refused = { code: grpc.status.UNAUTHENTICATED, message: 'missing or invalid bearer token' };
    else if (this.shuttingDown) refused = { code: grpc.status.UNAVAILABLE, message: 'receiver shutting down' };
    else {
      const e = this.options.refuseEarly?.(minBytes);
      if (e) refused = { code: e.code, message: e.message };
    }
    if (refused) this.count(refused.code);
    return refused;
  }

  count(code: number): void {
    const name = STATUS_NAME[code] ?? String(code);
    this.stats.rejected[name] = (this.stats.rejected[name] ?? 0) + 1;
  }

  addBytesIn(n: number): void {
    this.stats.bytesIn += n;
  }

  streamClosed(stream: ArrowStream): void {
    if (this.streams.delete(stream)) this.stats.streams = this.streams.size;
    if (this.streams.size === 0) for (const w of this.streamsClosedWaiters.splice(0)) w();
  }

  process(payload: TelemetryBatch, metadata: Record<string, string>, bytes: number): Job {
    return this.run(received(payload, metadata, bytes, 'otap'));
  }

  async ingest<S extends Signal>(payload: TelemetryBatch<S>, metadata: Record<string, string>, bytes: number, protocol: Protocol, format?: 'protobuf' | 'json'): Promise<void> {
    try {
      void payload.itemCount; // validates the framing of OTLP bytes
    } catch (err) {
      throw new StatusError(grpc.status.INVALID_ARGUMENT, `malformed OTLP ${format === 'json' ? 'JSON' : 'protobuf'} request: ${(err as Error).message}`);
    }
    const s = await this.run(received(payload, metadata, bytes, protocol, format)).settled;
    if (s.code !== grpc.status.OK) {
      this.count(s.code);
      throw new StatusError(s.code, s.message);
    }
  }

  /** Admission, then consume(); the job settles with the batch's status. */
  private run(batch: ReceivedBatch): Job {
    let ticket: Ticket;
    try {
      ticket = this.admission.acquire(batch.payload.byteSize);
    } catch (err) {
      if (this.options.releaseAfterConsume) batch.payload.release();
      return { settled: Promise.resolve(consumeErrorStatus(err)), cancel: () => {} };
    }
    let phase: 'waiting' | 'consuming' | 'cancelled' = 'waiting';
    const settled = ticket.admitted.then(
      async () => {
        if (phase === 'cancelled') {
          ticket.release();
          return { code: grpc.status.CANCELLED, message: 'cancelled' };
        }
        phase = 'consuming';
        try {
          // Counted first: consume() may release what it was given.
          const items = batch.payload.itemCount;
          await this.consume(batch);
          this.stats.batches++;
          this.stats.items += items;
          return { code: grpc.status.OK, message: '' };
        } catch (err) {
          return consumeErrorStatus(err);
        } finally {
          ticket.release();
        }
      },
      (err: unknown) => consumeErrorStatus(err),
    );
    // Every way the job ends (consumed, refused, cancelled) settles it.
    if (this.options.releaseAfterConsume) void settled.then(() => batch.payload.release());
    return {
      settled,
      cancel: () => {
        // A consume() already running keeps its admitted bytes until it settles.
        if (phase === 'waiting') {
          phase = 'cancelled';
          ticket.release();
        }
      },
    };
  }

  // -------------------------------------------------------------------------------------

  private openStream(signal: Signal, call: ArrowCall): void {
    if (this.shuttingDown) {
      this.count(grpc.status.UNAVAILABLE);
      logStreamEnded(signal, grpc.status.UNAVAILABLE, 'receiver shutting down', call.peer());
      call.fail(grpc.status.UNAVAILABLE, 'receiver shutting down');
      return;
    }
    let stream: ArrowStream;
    try {
      stream = new ArrowStream(this, signal, call);
    } catch (err) {
      // The backend could not create a decoder (e.g. wasm out of memory).
      const details = `cannot open an Arrow stream: ${(err as Error)?.message ?? String(err)}`;
      this.count(grpc.status.INTERNAL);
      logStreamEnded(signal, grpc.status.INTERNAL, details, call.peer());
      call.fail(grpc.status.INTERNAL, details);
      return;
    }
    this.streams.add(stream);
    this.stats.streams = this.streams.size;
    stream.start();
  }

  /** An OTLP Export call served from its HTTP/2 stream (otlp-export-direct.ts). */
  private exportDirect(signal: Signal, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
    serveExport(signal, stream, headers, this.maxMessageBytes,
      (sig, request, metadata, peer) => this.exportStatus(sig, request, authorization, metadata, peer),
      (messageBytes, compressed, peer) => {
        const refused = this.refusalBeforeBody(authorization, compressed ? decodedSizeLowerBound(messageBytes) : messageBytes);
        if (refused) logRefusedBatch({ protocol: 'otlp-grpc', signal, code: refused.code, message: refused.message, peer });
        return refused;
      });
  }

  /** grpc-js's Export handler (when the direct path is not installed, see otlp-export-direct.ts). */
  private export(signal: Signal, call: grpc.ServerUnaryCall<Buffer, ExportServiceResponse>, cb: grpc.sendUnaryData<ExportServiceResponse>): void {
    const authorization = call.metadata.get('authorization')[0];
    this.exportStatus(signal, call.request, typeof authorization === 'string' ? authorization : undefined, metadataRecord(call.metadata), call.getPeer())
      .then((s) => cb(s.code === grpc.status.OK ? null : { code: s.code, details: s.message, name: STATUS_NAME[s.code] ?? 'Error', message: s.message }, s.code === grpc.status.OK ? {} : undefined))
      .catch((err: unknown) => logAnswerFailed('otlp-grpc', signal, err));
  }

  /** One OTLP Export request: auth, shutdown, framing, admission, consume() -> its status
   *  (refusals counted and logged). */
  private async exportStatus(signal: Signal, raw: Buffer, authorization: string | undefined, metadata: Record<string, string>, peer: string): Promise<{ code: number; message: string }> {
    const refuse = (code: number, message: string): { code: number; message: string } => {
      this.count(code);
      logRefusedBatch({ protocol: 'otlp-grpc', signal, code, message, peer });
      return { code, message };
    };
    if (!this.checkAuth(authorization)) return refuse(grpc.status.UNAUTHENTICATED, 'missing or invalid bearer token');
    if (this.shuttingDown) return refuse(grpc.status.UNAVAILABLE, 'receiver shutting down');
    this.stats.bytesIn += raw.length;
    const payload = TelemetryBatch.fromOtlpBytes(signal, raw, { backend: this.backend });
    try {
      void payload.itemCount; // walks the request's framing down to its items
    } catch (err) {
      return refuse(grpc.status.INVALID_ARGUMENT, `malformed OTLP request: ${(err as Error).message}`);
    }
    const s = await this.run(received(payload, metadata, raw.length, 'otlp-grpc')).settled;
    return s.code === grpc.status.OK ? s : refuse(s.code, s.message);
  }

  private allStreamsClosed(): Promise<void> {
    if (this.streams.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.streamsClosedWaiters.push(resolve));
  }
}

/** The consume() argument: `request` decodes the payload's objects on first access. */
function received<S extends Signal>(payload: TelemetryBatch<S>, metadata: Record<string, string>, bytes: number, protocol: Protocol, format?: 'protobuf' | 'json'): ReceivedBatch<S> {
  const batch = { signal: payload.signal, payload, metadata, bytes, protocol, ...(format ? { format } : {}) };
  return Object.defineProperty(batch, 'request', { get: () => payload.request, enumerable: true }) as ReceivedBatch<S>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
