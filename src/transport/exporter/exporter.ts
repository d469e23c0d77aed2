// OtapExporter: the OTAP gRPC client. Per signal, up to numStreams concurrent Arrow bidi
// streams (one Producer each), least-loaded selection, batch_id -> pending batch tracking
// with acks in any order, stream rotation after maxStreamLifetimeMs, retries with
// exponential backoff, and a downgrade to plain OTLP/gRPC when the server does not
// implement the Arrow services.
//
// Delivery is at-least-once: a batch is kept (as its OTLP request) until a BatchStatus OK
// arrives for it; if its stream dies first, or no answer comes within timeoutMs, it is
// encoded again by a fresh stream's Producer and re-sent, so the server may have received
// it twice (e.g. it processed the batch but the connection broke before the ack). Without
// failures (including across lifetime rotations) every batch is sent exactly once.
// No ordering between batches is promised: several streams run concurrently and retried
// batches overtake later ones. Within one stream, batches go out in export() order.
import * as os from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { loadBackend } from '../../backend/index.js';
import type { Backend, BackendOption } from '../../backend/types.js';
import { TelemetryBatch } from '../../batch/telemetry-batch.js';
import type { Signal, SignalRequest } from '../../otlp/model.js';
import type { BatchStatus } from '../../otap/batch-arrow-records.js';
import { OtlpGrpcClient } from '../otlp-client.js';
import { ArrowStream, type Job, type StreamHost } from './arrow-stream.js';
import { backoffDelay, retryPolicy, type RetryOptions, type RetryPolicy } from './backoff.js';
import { metadataOf, newClient, prepareCompression, type GrpcCompression, type TlsOptions } from './channel.js';
import { ExportError, isRetryableBatchCode, isRetryableStreamCode } from './errors.js';
import { Semaphore } from './semaphore.js';
import { getLogger } from '../../log/index.js';
import { allowedCpus } from '../../allowed-cpus.js';
import { STATUS_NAME } from '../grpc/status-names.js';
import { OtelArrowError } from '../../errors.js';
import { grpcZstdLevel } from '../grpc/compression.js';

const log = getLogger('exporter');

export interface ExporterOptions {
  /** host:port of the OTAP (or OTLP) gRPC server. */
  endpoint: string;
  /** Concurrent Arrow streams per signal. Default max(1, cpus/2). */
  numStreams?: number;
  /** A stream stops taking batches after this long, ends once its batches are answered,
   *  and a new one (fresh Producer) takes over. Default 30 s; 0 = never rotate. */
  maxStreamLifetimeMs?: number;
  /** Unacknowledged batches allowed per exporter (sent, waiting for an answer, or waiting
   *  to be retried); export() waits for room beyond it. Default 64. */
  maxUnackedBatches?: number;
  /** gRPC message compression. Default zstd. */
  compression?: GrpcCompression;
  /** Arrow IPC body compression (done by the backend's zstd). Default none. */
  payloadCompression?: 'zstd' | 'none';
  /** zstd level of payloadCompression 'zstd'. Default 3. */
  payloadZstdLevel?: number;
  /** The codec that encodes OTAP streams: a loaded Backend, or which one to load
   *  (default loadBackend(): OTEL_ARROW_BACKEND, else native, then wasm, then js). */
  backend?: Backend | BackendOption;
  /** Encode on the backend's encoder thread (BackendEncoder.encodeAsync: native's own thread,
   *  wasm's a worker with its own instance per stream) instead of the JavaScript thread. Default: when this process may run on more than one CPU (its
   *  affinity mask, read as each stream opens); pinned to one CPU the hand-offs only cost. */
  encodeOffThread?: boolean;
  /** gRPC metadata sent on every stream / call (e.g. authorization). */
  headers?: Record<string, string>;
  /** true = TLS with system roots; an object for custom roots, mutual TLS or SNI. */
  tls?: boolean | TlsOptions;
  /** Backoff for retryable failures. Defaults 100 ms, 5 s, 60 s, 1.5 (+-50% jitter). */
  retry?: RetryOptions;
  /** Never fall back to plain OTLP when the server lacks the Arrow services. */
  disableDowngrade?: boolean;
  /** How long one sent batch may wait for its BatchStatus (or an OTLP Export for its
   *  response) before it counts as DEADLINE_EXCEEDED and is retried. Default 30 s. */
  timeoutMs?: number;
}

export interface ExporterStats {
  /** Batches acknowledged OK. */
  batches: number;
  /** Spans / log records / metric data points in those batches. */
  items: number;
  /** Bytes written to gRPC, retries included (serialized messages, before gRPC message
   *  compression, which grpc-js applies out of sight). */
  bytesOut: number;
  /** OTLP protobuf size of the acknowledged batches. */
  otlpBytes: number;
  /** Retries scheduled (a batch sent again after a failure). */
  retries: number;
  /** Arrow streams opened. */
  streamsOpened: number;
}

export interface ShutdownOptions {
  /** Stop waiting after this long: outstanding exports reject with CANCELED and streams
   *  are cancelled. Default: wait for every export to settle (bounded by the retry policy). */
  timeoutMs?: number;
}

interface Resolved {
  numStreams: number;
  lifetimeMs: number;
  timeoutMs: number;
  retry: RetryPolicy;
  disableDowngrade: boolean;
}

class StreamPool {
  readonly slots: (ArrowStream | undefined)[];
  /** Every stream not yet closed (open and draining). */
  readonly live = new Set<ArrowStream>();

  constructor(size: number) {
    this.slots = new Array<ArrowStream | undefined>(size).fill(undefined);
  }

  /** The least-loaded open stream; a free slot (no stream, or a draining/closed one) gets a
   *  new stream unless an open stream is idle. */
  pick(open: () => ArrowStream): ArrowStream {
    let best: ArrowStream | undefined;
    let free = -1;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (!s || !s.isOpen) {
        if (free < 0) free = i;
      } else if (!best || s.load < best.load) {
        best = s;
      }
    }
    if (best && (best.load === 0 || free < 0)) return best;
    const s = open();
    this.slots[free] = s;
    this.live.add(s);
    return s;
  }

  remove(stream: ArrowStream): void {
    this.live.delete(stream);
    const i = this.slots.indexOf(stream);
    if (i >= 0) this.slots[i] = undefined;
  }
}

export class OtapExporter {
  readonly stats: ExporterStats = { batches: 0, items: 0, bytesOut: 0, otlpBytes: 0, retries: 0, streamsOpened: 0 };
  private readonly options: ExporterOptions;
  private readonly cfg: Resolved;
  private client: grpc.Client | undefined;
  private readonly metadata: grpc.Metadata;
  private readonly pools = new Map<Signal, StreamPool>();
  private readonly window: Semaphore;
  private readonly jobs = new Set<Job>();
  private readonly host: StreamHost;
  private otlp: OtlpGrpcClient | undefined;
  /** Signals whose Arrow service answered UNIMPLEMENTED: they go as plain OTLP. */
  private readonly downgraded = new Set<Signal>();
  private codec: Backend | undefined;
  private readonly zstdLevel: number | undefined;
  /** Set while something must load before the first batch (backend, zstd codecs). */
  private ready: Promise<void> | undefined;
  private closing = false;
  private aborted = false;
  private outstanding = 0;
  private idleWaiters: Array<() => void> = [];
  private shutdownPromise: Promise<void> | undefined;

  constructor(options: ExporterOptions) {
    this.options = options;
    const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    this.cfg = {
      numStreams: Math.max(1, Math.floor(options.numStreams ?? Math.max(1, Math.floor(cpus / 2)))),
      lifetimeMs: options.maxStreamLifetimeMs ?? 30_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      retry: retryPolicy(options.retry),
      disableDowngrade: options.disableDowngrade ?? false,
    };
    this.window = new Semaphore(Math.max(1, Math.floor(options.maxUnackedBatches ?? 64)));
    newClient(options).close(); // validates endpoint and TLS options now
    this.metadata = metadataOf(options.headers);
    const loads: Promise<void>[] = [];
    const grpcCompression = prepareCompression(options.compression);
    if (grpcCompression) {
      loads.push(grpcCompression.catch((err: Error) => {
        throw new ExportError(grpc.status.FAILED_PRECONDITION, `gRPC compression zstd unavailable (${err.message}); use compression 'gzip' or 'none'`);
      }));
    }
    if (options.payloadCompression === 'zstd') this.zstdLevel = options.payloadZstdLevel ?? 3;
    const b = options.backend;
    if (b !== undefined && typeof b === 'object') this.codec = b;
    else {
      loads.push(loadBackend(b).then((backend) => { this.codec = backend; }, (err: Error) => {
        throw new ExportError(grpc.status.FAILED_PRECONDITION, `no OTAP backend: ${err.message}`);
      }));
    }
    if (loads.length) {
      this.ready = Promise.all(loads).then(() => { this.ready = undefined; });
      this.ready.catch(() => {}); // reported by export(), never an unhandled rejection
    }
    this.host = {
      onAck: (stream, job, status) => this.onAck(stream, job, status),
      onAckTimeout: (_stream, job) =>
        this.fail(job, grpc.status.DEADLINE_EXCEEDED, `no BatchStatus within ${this.cfg.timeoutMs} ms`, true),
      onEncodeError: (_stream, job, err) => {
        const message = `OTAP encoding failed: ${(err as Error)?.message ?? String(err)}`;
        // An OtelArrowError is about the batch (malformed, over a limit): sending it again
        // fails again. Anything else is the encoder's (a trapped wasm instance, a worker that
        // exited, a closed or poisoned encoder): the stream has ended, a new one can take it.
        if (err instanceof OtelArrowError) this.settle(job, new ExportError(grpc.status.INVALID_ARGUMENT, message, job.retries + 1));
        else this.fail(job, grpc.status.UNAVAILABLE, `${message}; retrying on a new stream`, true);
      },
      onReturned: (_stream, jobs) => {
        for (const job of jobs) this.dispatch(job);
      },
      onStreamEnd: (stream, status, unacked) => this.onStreamEnd(stream, status, unacked),
      onBytesOut: (n) => (this.stats.bytesOut += n),
    };
  }

  /** 'otlp' once the server answered UNIMPLEMENTED to an Arrow stream (downgrade). The
   *  downgrade is per signal (a server may lack only some Arrow services): see modeOf(). */
  get mode(): 'otap' | 'otlp' {
    return this.downgraded.size > 0 ? 'otlp' : 'otap';
  }

  /** The protocol batches of `signal` currently use. */
  modeOf(signal: Signal): 'otap' | 'otlp' {
    return this.downgraded.has(signal) ? 'otlp' : 'otap';
  }

  /** The backend encoding the streams (once loaded: after the first export settles, or at
   *  once when the options passed a Backend). */
  get backend(): Backend | undefined {
    return this.codec;
  }

  /** Exports one batch (a TelemetryBatch, or a signal and its OTLP request objects);
   *  resolves once the server acknowledged it OK, rejects with an ExportError (`code` =
   *  final gRPC status) when it was refused for good or retries ran out. Waits first while
   *  maxUnackedBatches batches are unacknowledged. The exporter keeps the batch (no copy)
   *  until then, to encode it again for a retry: do not mutate it before the promise settles. */
  export(batch: TelemetryBatch): Promise<void>;
  export<S extends Signal>(signal: S, request: SignalRequest[S]): Promise<void>;
  async export<S extends Signal>(what: S | TelemetryBatch, request?: SignalRequest[S]): Promise<void> {
    const batch = typeof what === 'string' ? TelemetryBatch.fromRequest(what, request as SignalRequest[S]) : what;
    if (this.closing) throw new ExportError(grpc.status.CANCELLED, 'exporter is shut down');
    this.outstanding++;
    try {
      const wait = this.window.acquire();
      if (wait) await wait;
      try {
        if (this.ready) await this.ready;
        if (this.aborted) throw new ExportError(grpc.status.CANCELLED, 'exporter shutdown timed out');
        await new Promise<void>((resolve, reject) => {
          const job: Job = {
            signal: batch.signal,
            batch,
            startedAt: Date.now(),
            retries: 0,
            settled: false,
            resolve,
            reject,
          };
          this.jobs.add(job);
          this.dispatch(job);
        });
      } finally {
        this.window.release();
      }
    } finally {
      if (--this.outstanding === 0) this.wakeIdle();
    }
  }

  /** Stops taking exports, waits until every export() has settled, then ends the streams
   *  and closes the channel. Idempotent. */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    this.shutdownPromise ??= this.doShutdown(options.timeoutMs);
    return this.shutdownPromise;
  }

  // -------------------------------------------------------------------------------------

  private channelTuning() {
    return { initialReconnectMs: this.cfg.retry.initialIntervalMs, maxReconnectMs: this.cfg.retry.maxIntervalMs };
  }

  /** Sends the job once (OTAP or OTLP); never throws (it also runs from retry timers). */
  private dispatch(job: Job): void {
    try {
      this.dispatchOnce(job);
    } catch (err) {
      this.settle(job, new ExportError(grpc.status.INTERNAL, `export failed: ${(err as Error)?.message ?? String(err)}`, job.retries + 1));
    }
  }

  private dispatchOnce(job: Job): void {
    if (job.settled) return;
    if (this.aborted) {
      this.settle(job, new ExportError(grpc.status.CANCELLED, 'exporter shutdown timed out', job.retries + 1));
      return;
    }
    if (this.downgraded.has(job.signal)) {
      this.sendOtlp(job);
      return;
    }
    let pool = this.pools.get(job.signal);
    if (!pool) this.pools.set(job.signal, (pool = new StreamPool(this.cfg.numStreams)));
    const stream = pool.pick(() => this.openStream(job.signal));
    stream.send(job);
  }

  private openStream(signal: Signal): ArrowStream {
    this.stats.streamsOpened++;
    this.client ??= newClient(this.options, this.channelTuning());
    const offThread = this.options.encodeOffThread ?? allowedCpus().length > 1;
    return new ArrowStream(this.host, this.client, signal, this.metadata.clone(), {
      lifetimeMs: this.cfg.lifetimeMs,
      ackTimeoutMs: this.cfg.timeoutMs,
      backend: this.codec!,
      offThread,
      // zstd calls: the encoder's thread compresses the messages too.
      ...((this.options.compression ?? 'zstd') === 'zstd' ? { frameLevel: grpcZstdLevel() } : {}),
      // thread: a wasm encoder in a worker of its own (native encoders always have a thread).
      encoder: { ...(this.zstdLevel !== undefined ? { zstdLevel: this.zstdLevel } : {}), thread: offThread },
    });
  }

  private sendOtlp(job: Job): void {
    const client = (this.otlp ??= new OtlpGrpcClient(
      { endpoint: this.options.endpoint, compression: this.options.compression, headers: this.options.headers, tls: this.options.tls, timeoutMs: this.cfg.timeoutMs },
      this.channelTuning(),
    ));
    let bytes: Uint8Array;
    try {
      bytes = job.batch.otlpBytes();
    } catch (err) {
      this.settle(job, new ExportError(grpc.status.INVALID_ARGUMENT, `OTLP encoding failed: ${(err as Error)?.message ?? String(err)}`, job.retries + 1));
      return;
    }
    this.stats.bytesOut += bytes.length;
    client.exportEncoded(job.signal, bytes).then(
      () => this.settle(job),
      (err: unknown) => {
        const code = err instanceof ExportError ? err.code : grpc.status.UNKNOWN;
        const message = err instanceof Error ? err.message : String(err);
        this.fail(job, code, message, isRetryableBatchCode(code, this.closing));
      },
    );
  }

  private onAck(_stream: ArrowStream, job: Job, status: BatchStatus): void {
    if (status.statusCode === grpc.status.OK) {
      this.settle(job);
      return;
    }
    this.fail(job, status.statusCode, status.statusMessage, isRetryableBatchCode(status.statusCode, this.closing));
  }

  private onStreamEnd(stream: ArrowStream, status: grpc.StatusObject, unacked: Job[]): void {
    this.pools.get(stream.signal)?.remove(stream);
    if (status.code === grpc.status.UNIMPLEMENTED) {
      if (!this.cfg.disableDowngrade && stream.acks === 0) {
        this.downgrade(stream.signal);
        for (const job of unacked) this.dispatch(job);
      } else {
        for (const job of unacked) this.fail(job, status.code, status.details || 'Arrow service not implemented', false);
      }
      return;
    }
    // A server that ends the stream OK with batches unanswered is treated like UNAVAILABLE.
    const code = status.code === grpc.status.OK ? grpc.status.UNAVAILABLE : status.code;
    const why = status.code === grpc.status.OK ? 'stream ended before its batches were acknowledged' : status.details || 'stream failed';
    for (const job of unacked) this.fail(job, code, why, isRetryableStreamCode(code, this.closing));
  }

  private downgrade(signal: Signal): void {
    if (this.downgraded.has(signal)) return;
    this.downgraded.add(signal);
    log.warn('the server does not implement the OTAP Arrow service (UNIMPLEMENTED): sending this signal as plain OTLP/gRPC from now on', {
      endpoint: this.options.endpoint, signal,
    });
    for (const s of this.pools.get(signal)?.live ?? []) s.drain();
  }

  /** A failed attempt: retry later with backoff, or give up. */
  private fail(job: Job, code: number, message: string, retryable: boolean): void {
    if (job.settled) return;
    const attempts = job.retries + 1;
    const where = { endpoint: this.options.endpoint, signal: job.signal, code: STATUS_NAME[code] ?? code, attempts };
    if (!retryable || this.aborted) {
      if (!this.aborted) log.warn(`batch refused, not retryable: ${message}`, where);
      this.settle(job, new ExportError(code, message, attempts));
      return;
    }
    const delay = backoffDelay(this.cfg.retry, job.retries);
    const max = this.cfg.retry.maxElapsedMs;
    if (max > 0 && Date.now() + delay - job.startedAt > max) {
      log.warn(`batch dropped, retries exhausted after ${Date.now() - job.startedAt} ms: ${message}`, where);
      this.settle(job, new ExportError(code, `${message} (gave up after ${attempts} attempts)`, attempts));
      return;
    }
    log.info(`retrying batch in ${delay} ms: ${message}`, { ...where, delayMs: delay });
    job.retries++;
    this.stats.retries++;
    job.retryTimer = setTimeout(() => {
      job.retryTimer = undefined;
      this.dispatch(job);
    }, delay);
  }

  private settle(job: Job, err?: Error): void {
    if (job.settled) return;
    job.settled = true;
    if (job.retryTimer) clearTimeout(job.retryTimer);
    this.jobs.delete(job);
    if (err) {
      job.reject(err);
      return;
    }
    this.stats.batches++;
    this.stats.items += itemsOf(job.batch);
    this.stats.otlpBytes += job.batch.byteSize;
    job.resolve();
  }

  private whenIdle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async doShutdown(timeoutMs: number | undefined): Promise<void> {
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = timeoutMs === undefined
      ? undefined
      : new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs))));
    const idle = this.whenIdle();
    if ((deadline ? await Promise.race([idle, deadline]) : await idle) === 'timeout') this.abort();
    await idle;
    const streams = [...this.pools.values()].flatMap((p) => [...p.live]);
    for (const s of streams) (this.aborted ? s.cancel() : s.drain());
    const closed = Promise.all(streams.map((s) => s.closed));
    if (deadline && (await Promise.race([closed, deadline])) === 'timeout') for (const s of streams) s.cancel();
    await closed;
    if (timer) clearTimeout(timer);
    this.client?.close();
    this.otlp?.close();
  }

  private abort(): void {
    this.aborted = true;
    for (const job of [...this.jobs]) this.settle(job, new ExportError(grpc.status.CANCELLED, 'exporter shutdown timed out', job.retries + 1));
    for (const pool of this.pools.values()) for (const s of pool.live) s.cancel();
  }
}

/** Items of an acknowledged batch; 0 for OTLP bytes whose framing does not parse (the
 *  server accepted them, so they are not an error here). */
function itemsOf(batch: TelemetryBatch): number {
  try {
    return batch.itemCount;
  } catch {
    return 0;
  }
}
