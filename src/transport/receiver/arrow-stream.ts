// One OTAP Arrow gRPC stream on the server: BatchArrowRecords in, one BatchStatus per batch
// out (acks may be out of order).
//
// Order and state: every BAR is decoded synchronously by the stream's backend decoder, in
// arrival order, in the 'data' handler — the decoder's Arrow IPC state (schemas, dictionaries) and the HPACK dynamic
// table are sequential per stream, so every batch that reaches the decoder is decoded, even
// one that admission will refuse afterwards (skipping it would lose its dictionary deltas).
// Only consume() calls overlap.
//
// Bounded memory:
// - decoded requests: admission (requestLimit in flight + waitingLimit waiting, then
//   RESOURCE_EXHAUSTED);
// - undecoded BARs: when this stream has too many batches pending or the ack writer is
//   backed up (a client that does not read its acks: `write()` returns false), the call is
//   paused, so no more messages are read and HTTP/2 flow control stops the sender;
// - IPC state: estimated after each batch; above streamMemoryLimit the batch is answered
//   RESOURCE_EXHAUSTED and the stream ends with RESOURCE_EXHAUSTED.
import { status } from '@grpc/grpc-js';
import type { Backend, BackendDecoder } from '../../backend/types.js';
import { TelemetryBatch } from '../../batch/telemetry-batch.js';
import { decodeBatchArrowRecords, peekBatchId, type BatchArrowRecords } from '../../otap/batch-arrow-records.js';
import { HpackDecoder } from '../hpack/index.js';
import type { Signal } from '../../otlp/model.js';
import { messageBuffers } from '../grpc/message-buffers.js';
import type { ArrowCall } from './arrow-call.js';
import { decodeErrorStatus } from './status.js';
import { logAnswerFailed, logRefusedBatch, logStreamEnded } from './refusals.js';

/** What the stream needs from its receiver. */
export interface StreamHost {
  readonly streamMemoryLimit: number;
  readonly maxMessageBytes: number;
  readonly shuttingDown: boolean;
  readonly backend: Backend;
  /** How a batch is handed over (ReceiverOptions.decodeTo). */
  readonly decodeTo: 'tables' | 'otlp';
  checkAuth(authorization: string | undefined): boolean;
  /** Admission + consume; resolves to the status for the batch. */
  process(payload: TelemetryBatch, metadata: Record<string, string>, bytes: number): { settled: Promise<{ code: number; message: string }>; cancel(): void };
  count(code: number): void;
  addBytesIn(n: number): void;
  streamClosed(stream: ArrowStream): void;
}

/** Pause reading when this many batches of one stream are waiting or being consumed. */
const MAX_PENDING_PER_STREAM = 256;

export class ArrowStream {
  private readonly decoder: BackendDecoder;
  private readonly hpack = new HpackDecoder({ maxTableSize: 4096 });
  private readonly baseMetadata: Record<string, string>;
  private readonly pending = new Set<{ cancel(answer: boolean): void }>();
  private closed = false;
  private halfClosed = false;
  private ackBlocked = false;
  private finalStatus: { code: number; message: string } | undefined;

  constructor(
    private readonly host: StreamHost,
    private readonly signal: Signal,
    private readonly call: ArrowCall,
  ) {
    this.decoder = host.backend.createDecoder({ maxMessageBytes: host.maxMessageBytes });
    this.baseMetadata = call.metadata;
    // The call's messages are decompressed into pooled buffers: each goes back once read.
    messageBuffers.retain();
  }

  start(): void {
    if (!this.host.checkAuth(this.call.authorization)) {
      this.host.count(status.UNAUTHENTICATED);
      this.fail(status.UNAUTHENTICATED, 'missing or invalid bearer token');
      return;
    }
    this.call.listen({
      message: (raw) => this.onBatch(raw),
      halfClose: () => {
        this.halfClosed = true;
        this.maybeFinish();
      },
      gone: () => this.close(),
      drain: () => {
        this.ackBlocked = false;
        this.updateFlow();
      },
    });
  }

  /** Shutdown: the stream ends UNAVAILABLE once its pending batches are answered. */
  shutdown(): void {
    this.finalStatus ??= { code: status.UNAVAILABLE, message: 'receiver shutting down' };
    this.halfClosed = true;
    this.maybeFinish();
  }

  /** Answers every pending batch UNAVAILABLE now (end of the shutdown grace period). */
  abandonPending(): void {
    for (const p of [...this.pending]) p.cancel(true);
  }

  private onBatch(raw: Buffer): void {
    try {
      this.handleBatch(raw);
    } finally {
      // Everything was read from the message by now (the decoders copy what they keep):
      // a reusable message buffer (../grpc/message-buffers.ts) goes back at once.
      messageBuffers.give(raw);
    }
  }

  private handleBatch(raw: Buffer): void {
    if (this.closed) return;
    this.host.addBytesIn(raw.length);
    let bar: BatchArrowRecords;
    try {
      bar = decodeBatchArrowRecords(raw);
    } catch (err) {
      this.ack(peekBatchId(raw), status.INVALID_ARGUMENT, `malformed BatchArrowRecords: ${(err as Error).message}`);
      return;
    }
    const id = bar.batchId;
    if (this.host.shuttingDown) {
      this.ack(id, status.UNAVAILABLE, 'receiver shutting down');
      return;
    }
    let metadata = this.baseMetadata;
    if (bar.headers.length) {
      let fields;
      try {
        fields = this.hpack.decode(bar.headers);
      } catch (err) {
        // The HPACK dynamic table is now out of step with the sender's: no later header
        // block of this stream can be trusted, so the stream ends (as in Go, INTERNAL).
        this.ack(id, status.INVALID_ARGUMENT, `invalid hpack headers: ${(err as Error).message}`);
        this.fail(status.INTERNAL, `invalid hpack headers in batch ${id}`);
        return;
      }
      metadata = { ...metadata };
      let auth: string | undefined;
      for (const [name, value] of fields) {
        const key = name.toLowerCase();
        if (key === 'authorization') auth = value;
        // grpc-timeout inside batch headers is ignored (Go applies it as a per-batch deadline).
        else metadata[key] = value;
      }
      if (auth !== undefined && !this.host.checkAuth(auth)) {
        this.ack(id, status.UNAUTHENTICATED, 'invalid bearer token in batch headers');
        return;
      }
    }
    let payload: TelemetryBatch | undefined;
    try {
      payload = this.decodePayload(raw);
    } catch (err) {
      const s = decodeErrorStatus(err);
      this.ack(id, s.code, s.message);
      // A trapped wasm instance took this stream's IPC state with it: later batches of the
      // stream cannot be decoded, so the sender must start a new stream.
      if ((err as { code?: unknown } | null)?.code === 'BACKEND_TRAPPED') {
        this.fail(status.INTERNAL, `decoder state lost (${(err as Error).message}); open a new stream`);
        return;
      }
      // A refused batch may have added to the state before its error (a payload's dictionary
      // deltas, then a payload type seen twice): refused batches must not grow it unchecked.
      const over = this.stateOverLimit();
      if (over) this.fail(status.RESOURCE_EXHAUSTED, over);
      return;
    }
    const over = this.stateOverLimit();
    if (over) {
      this.ack(id, status.RESOURCE_EXHAUSTED, over);
      this.fail(status.RESOURCE_EXHAUSTED, over);
      return;
    }
    if (payload === undefined) {
      this.ack(id, status.OK, '');
      return;
    }
    if (payload.signal !== this.signal) {
      this.ack(id, status.INVALID_ARGUMENT, `a ${payload.signal} batch on the ${this.signal} stream`);
      return;
    }
    const job = this.host.process(payload, metadata, raw.length);
    let settledOnce = false;
    const entry = {
      cancel: (answer: boolean) => {
        if (settledOnce) return;
        settledOnce = true;
        job.cancel();
        this.pending.delete(entry);
        if (answer) this.ack(id, status.UNAVAILABLE, 'receiver shutting down');
        this.updateFlow();
      },
    };
    this.pending.add(entry);
    this.updateFlow();
    job.settled.then((s) => {
      if (settledOnce) return;
      settledOnce = true;
      this.pending.delete(entry);
      this.ack(id, s.code, s.message);
      this.updateFlow();
    }).catch((err: unknown) => logAnswerFailed('otap', this.signal, err));
  }

  /** Why the decoder's state (schemas, dictionaries) is over the stream memory limit, or
   *  undefined when it is not. */
  private stateOverLimit(): string | undefined {
    const stateBytes = this.decoder.stateBytes();
    if (stateBytes <= this.host.streamMemoryLimit) return undefined;
    return `stream Arrow state of ~${stateBytes} bytes exceeds the stream memory limit of ${this.host.streamMemoryLimit}`;
  }

  /** The batch as the backend holds it: its tables when the decoder can keep them (native:
   *  no OTLP conversion unless the consumer asks) and the host wants them, else the OTLP
   *  bytes it decodes to. */
  private decodePayload(raw: Buffer): TelemetryBatch | undefined {
    const backend = this.host.backend;
    if (this.decoder.decodeTables && this.host.decodeTo === 'tables') {
      const tables = this.decoder.decodeTables(raw);
      return tables && TelemetryBatch.fromBackendTables(tables, { backend });
    }
    const decoded = this.decoder.decode(raw);
    return decoded.signal && TelemetryBatch.fromOtlpBytes(decoded.signal, decoded.otlp, { backend });
  }

  private ack(batchId: bigint, code: number, message: string): void {
    if (code !== status.OK) {
      this.host.count(code);
      logRefusedBatch({ protocol: 'otap', signal: this.signal, code, message, batchId, peer: this.peer() });
    }
    if (this.closed) return;
    const ok = this.call.write({ batchId, statusCode: code, statusMessage: message });
    if (!ok) this.ackBlocked = true;
    this.updateFlow();
  }

  private updateFlow(): void {
    if (this.closed) return;
    this.call.setPaused(this.ackBlocked || this.pending.size >= MAX_PENDING_PER_STREAM);
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.closed || !this.halfClosed || this.pending.size) return;
    const s = this.finalStatus;
    if (s && s.code !== status.OK) this.fail(s.code, s.message);
    else {
      this.closed = true;
      this.closeDecoder();
      this.call.end();
      this.host.streamClosed(this);
    }
  }

  /** Ends the stream with a status (after the acks already written). */
  private fail(code: number, message: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeDecoder();
    logStreamEnded(this.signal, code, message, this.peer());
    for (const p of [...this.pending]) p.cancel(false);
    this.call.fail(code, message);
    this.host.streamClosed(this);
  }

  /** Once, when the stream is closed: its decoder state and its hold on the buffer pool go. */
  private closeDecoder(): void {
    this.decoder.close();
    messageBuffers.release();
  }

  private peer(): string | undefined {
    try {
      return this.call.peer();
    } catch {
      return undefined; // a call that is already torn down
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeDecoder();
    for (const p of [...this.pending]) p.cancel(false);
    this.host.streamClosed(this);
  }
}
