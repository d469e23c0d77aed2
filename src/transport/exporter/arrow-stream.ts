// One OTAP bidi stream (ArrowTraces / ArrowLogs / ArrowMetrics) with its own backend
// encoder (OTLP bytes in, BatchArrowRecords bytes out): encodes batches one at a time, in
// order, off the JavaScript thread where the backend can; tracks batch_id -> pending batch,
// matches BatchStatus acks (in any order), times out silent batches, drains and ends itself
// gracefully.
import * as grpc from '@grpc/grpc-js';
import type { Backend, BackendEncoder, EncoderOptions, FramedBatch, HeldBatch } from '../../backend/types.js';
import type { TelemetryBatch } from '../../batch/telemetry-batch.js';
import type { Signal } from '../../otlp/model.js';
import { decodeBatchStatus, peekBatchId, type BatchStatus } from '../../otap/batch-arrow-records.js';
import { arrowPath, asBuffer } from '../grpc/services.js';
import { preframedZstd } from '../grpc/compression.js';

/** One export() call travelling through the exporter (kept until acknowledged, so that it
 *  can be re-encoded for another stream). */
export interface Job {
  readonly signal: Signal;
  /** The batch; its OTLP bytes are what every stream (and the OTLP fallback) encodes. */
  readonly batch: TelemetryBatch;
  readonly startedAt: number;
  retries: number;
  settled: boolean;
  retryTimer?: NodeJS.Timeout;
  resolve(): void;
  reject(err: Error): void;
}

export interface StreamHost {
  /** A BatchStatus arrived for a job of this stream. */
  onAck(stream: ArrowStream, job: Job, status: BatchStatus): void;
  /** No BatchStatus within timeoutMs: the job is no longer tracked by the stream. */
  onAckTimeout(stream: ArrowStream, job: Job): void;
  /** The encoder failed on the job (the stream is draining: its IPC state is suspect). */
  onEncodeError(stream: ArrowStream, job: Job, err: unknown): void;
  /** Jobs the stream took but will not send (queued behind a failed encode): send elsewhere. */
  onReturned(stream: ArrowStream, jobs: Job[]): void;
  /** The stream has ended; `unacked` are the jobs it still owed an answer for. */
  onStreamEnd(stream: ArrowStream, status: grpc.StatusObject, unacked: Job[]): void;
  /** Bytes handed to grpc-js for this stream. */
  onBytesOut(n: number): void;
}

export interface ArrowStreamOptions {
  lifetimeMs: number;
  ackTimeoutMs: number;
  backend: Backend;
  encoder: EncoderOptions;
  /** Use the encoder's thread where it has one (BackendEncoder.encodeAsync). */
  offThread: boolean;
  /** The call compresses its messages with zstd at this level: the encoder's thread compresses
   *  them too where it can (BackendEncoder.encodeFramedAsync), leaving grpc-js nothing to do. */
  frameLevel?: number;
  callOptions?: grpc.CallOptions;
}

type State = 'open' | 'draining' | 'closed';

interface Pending {
  job: Job;
  timer: NodeJS.Timeout;
}

interface Queued {
  job: Job;
  encoded?: Promise<Uint8Array | FramedBatch | HeldBatch>;
}

/** Encodes waiting on the encoder's thread from which the event loop compresses instead.
 *  Interleaved runs of bench/transport's loop (2026-12-06, records/s, this / event loop
 *  always / encoder always): traces 512 587k / 596k / 514k, logs 512 902k / 934k / 777k,
 *  metrics 512 786k / 731k / 908k, traces 4096 585k / 572k / 550k, metrics 4096 1331k / 1390k
 *  / 1274k; a FrameBalance comparing the two threads' measured utilization did worse. */
const FRAME_BACKLOG = 2;

let nextStreamId = 1;

export class ArrowStream {
  readonly id = nextStreamId++;
  private readonly encoder: BackendEncoder;
  private readonly call: grpc.ClientDuplexStream<Uint8Array, BatchStatus>;
  private readonly pending = new Map<bigint, Pending>();
  /** Jobs taken and not yet written, in order. Those with `encoded` are in (or through) the
   *  encoder; they are always a prefix of the queue (see submit). */
  private readonly queued: Queued[] = [];
  /** writeQueued is running. */
  private writing = false;
  /** This stream's encodes handed to the encoder's thread and not yet settled. */
  private onEncoder = 0;
  private state: State = 'open';
  private ended = false;
  private lifetimeTimer: NodeJS.Timeout | undefined;
  private endTimer: NodeJS.Timeout | undefined;
  private resolveClosed!: () => void;
  /** Number of BatchStatus messages received. */
  acks = 0;
  /** Settles once the stream has its final status. */
  readonly closed: Promise<void>;

  constructor(
    private readonly host: StreamHost,
    client: grpc.Client,
    readonly signal: Signal,
    metadata: grpc.Metadata,
    private readonly options: ArrowStreamOptions,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.encoder = options.backend.createEncoder(options.encoder);
    this.call = client.makeBidiStreamRequest<Uint8Array, BatchStatus>(
      arrowPath(signal),
      asBuffer,
      decodeBatchStatus,
      metadata,
      options.callOptions ?? {},
    );
    this.call.on('data', (status: BatchStatus) => this.onData(status));
    // A non-OK status is also emitted as 'error'; 'status' always follows and does the work.
    this.call.on('error', () => {});
    this.call.on('status', (status: grpc.StatusObject) => this.onStatus(status));
    if (options.lifetimeMs > 0 && Number.isFinite(options.lifetimeMs)) {
      this.lifetimeTimer = setTimeout(() => this.drain(), options.lifetimeMs);
      this.lifetimeTimer.unref();
    }
  }

  /** Accepting new batches. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Batches taken and not yet answered (queued for the encoder or sent). */
  get load(): number {
    return this.pending.size + this.queued.length;
  }

  /** Queues the job for this stream's encoder, which writes it once encoded. Only on an open
   *  stream. */
  send(job: Job): void {
    if (this.state !== 'open') throw new Error(`stream ${this.id} is ${this.state}`);
    this.queued.push({ job });
    this.submit();
    if (!this.writing) void this.writeQueued();
  }

  /** Hands queued jobs to the encoder in queue order, as early as order allows: a job encoded
   *  off the JavaScript thread goes as soon as everything before it has gone (the encoder
   *  thread keeps them in order), one encoded synchronously only once everything before it is
   *  written (its encode must not overtake theirs). */
  private submit(): void {
    for (let i = 0; i < this.queued.length; i++) {
      const q = this.queued[i]!;
      if (q.encoded) continue;
      const offThread = this.options.offThread && q.job.batch.encodesOffThread(this.encoder);
      if (i > 0 && !offThread) return;
      q.encoded = offThread ? this.encodeOffThread(q.job) : this.encodeNow(q.job);
      // writeQueued awaits it, unless the stream ends first: a rejection then is nobody's.
      q.encoded.catch(() => {});
    }
  }

  /**
   * On the encoder's thread, with the call's zstd compression there too while that thread
   * keeps up (fewer than FRAME_BACKLOG of this stream's encodes on it): once encodes pile up
   * there, the encoder is the busier thread and the event loop compresses. So a lightly
   * loaded stream (an application's SDK exporter) never compresses on the event loop, and a
   * saturated one puts the compression on whichever thread has time.
   */
  private encodeOffThread(job: Job): Promise<Uint8Array | FramedBatch | HeldBatch> {
    const level = this.options.frameLevel;
    const framed = level !== undefined && !!this.encoder.encodeFramedAsync && this.onEncoder < FRAME_BACKLOG;
    // The event loop compresses this one: from the encoder's memory straight into the message.
    const held = !framed && level !== undefined && !!this.encoder.encodeHeldAsync;
    this.onEncoder++;
    const encoded: Promise<Uint8Array | FramedBatch | HeldBatch> = framed ? job.batch.encodeOtapOffThread(this.encoder, level)
      : held ? job.batch.encodeOtapOffThread(this.encoder, 'held') : job.batch.encodeOtapOffThread(this.encoder);
    const settled = (): void => {
      this.onEncoder--;
    };
    encoded.then(settled, settled);
    return encoded;
  }

  private encodeNow(job: Job): Promise<Uint8Array> {
    try {
      return Promise.resolve(job.batch.encodeOtap(this.encoder));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** Writes the queued jobs in order as their encodes complete. */
  private async writeQueued(): Promise<void> {
    this.writing = true;
    while (this.queued.length > 0 && !this.isClosed) {
      const { job, encoded } = this.queued[0]!;
      let bytes: Uint8Array;
      let batchId: bigint;
      let size: number;
      try {
        const out = await encoded!;
        if (out instanceof Uint8Array) {
          bytes = out;
          batchId = peekBatchId(out);
          size = out.length;
        } else {
          bytes = preframedZstd('frame' in out ? out.frame : out.zstdGrpcMessage(this.options.frameLevel!));
          batchId = out.batchId;
          size = out.barBytes;
        }
      } catch (err) {
        if (this.isClosed) break; // the job went back with the stream's end
        this.queued.shift();
        // A throw may leave some IPC writers advanced past what the receiver will see: the
        // jobs behind it (whatever the encoder made of them) go to another stream.
        this.drain();
        this.host.onEncodeError(this, job, err);
        this.host.onReturned(this, this.queued.splice(0).map((q) => q.job));
        break;
      }
      if (this.isClosed) break; // ended while encoding: the job was reported unacked
      this.queued.shift();
      const timer = setTimeout(() => this.onAckTimeout(batchId), this.options.ackTimeoutMs);
      this.pending.set(batchId, { job, timer });
      this.host.onBytesOut(size);
      this.call.write(bytes);
      this.submit();
    }
    this.writing = false;
    this.maybeEnd();
  }

  /** Takes no new batches; ends the stream once every sent batch is answered. */
  drain(): void {
    if (this.state !== 'open') return;
    this.state = 'draining';
    this.clearLifetime();
    this.maybeEnd();
  }

  /** Ends the call now; unanswered batches are reported through onStreamEnd. */
  cancel(): void {
    if (this.state === 'closed') return;
    this.state = 'draining';
    this.call.cancel();
  }

  private onData(status: BatchStatus): void {
    this.acks++;
    const p = this.pending.get(status.batchId);
    if (!p) return; // unknown id, or a batch that already timed out
    this.pending.delete(status.batchId);
    clearTimeout(p.timer);
    this.host.onAck(this, p.job, status);
    this.maybeEnd();
  }

  private onAckTimeout(batchId: bigint): void {
    const p = this.pending.get(batchId);
    if (!p) return;
    this.pending.delete(batchId);
    // A silent server: send nothing more here, let a fresh stream take over.
    this.drain();
    this.host.onAckTimeout(this, p.job);
    this.maybeEnd();
  }

  private maybeEnd(): void {
    if (this.state !== 'draining' || this.ended || this.pending.size > 0 || this.queued.length > 0) return;
    this.ended = true;
    this.call.end();
    // The server should answer the half-close with its status; do not wait forever.
    this.endTimer = setTimeout(() => this.call.cancel(), this.options.ackTimeoutMs);
    this.endTimer.unref();
  }

  private onStatus(status: grpc.StatusObject): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearLifetime();
    if (this.endTimer) clearTimeout(this.endTimer);
    const unacked: Job[] = [];
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      unacked.push(p.job);
    }
    this.pending.clear();
    // Encodes still in the encoder finish unobserved (close() frees it after them).
    unacked.push(...this.queued.splice(0).map((q) => q.job));
    this.encoder.close();
    this.host.onStreamEnd(this, status, unacked);
    this.resolveClosed();
  }

  private clearLifetime(): void {
    if (this.lifetimeTimer) clearTimeout(this.lifetimeTimer);
    this.lifetimeTimer = undefined;
  }
}
