// A wasm encoder held by a worker thread (EncoderOptions.thread; wasm-encoder-workers.ts): its
// async calls run there beside the event loop, its sync calls wait for them. Its stream state
// lives in that worker's instance, so it has no encodeTables/encodeEdited (those take objects
// of this thread's instance): such batches are encoded from their OTLP bytes.
import type { Signal } from '../otlp/model.js';
import type { BackendEncoder, CountedBatch, EncodeInput, FramedBatch } from './types.js';
import type { EncodedReply, ReplyForm } from './wasm-encoder-messages.js';
import type { EncoderWorker } from './wasm-encoder-workers.js';
import { signalCode } from './wasm-signal.js';

export class WasmThreadEncoder implements BackendEncoder {
  private closed = false;

  /** Present when the module can frame (otap_encoder_encode_framed). */
  readonly encodeFramedAsync: ((input: EncodeInput, level: number) => Promise<FramedBatch>) | undefined;
  /** Present when the module counts (otap_encoder_last_items). */
  readonly encodeCountedAsync: ((input: EncodeInput) => Promise<CountedBatch>) | undefined;

  constructor(private readonly worker: EncoderWorker, private readonly id: number, can: { frame: boolean; count: boolean }) {
    this.encodeFramedAsync = can.frame ? (input, level) => this.framed(input, level) : undefined;
    this.encodeCountedAsync = can.count ? (input) => this.counted(input) : undefined;
  }

  encode(signal: Signal, otlpRequestBytes: Uint8Array): Uint8Array {
    this.check(signal);
    return this.worker.encodeSync(this.id, signal, otlpRequestBytes);
  }

  encodeColumns(columns: Uint8Array): Uint8Array {
    this.check();
    return this.worker.encodeSync(this.id, undefined, columns);
  }

  encodeAsync(signal: Signal, otlpRequestBytes: Uint8Array): Promise<Uint8Array> {
    this.check(signal);
    return this.worker.encodeAsync(this.id, signal, otlpRequestBytes).then((r) => r.data);
  }

  encodeColumnsAsync(columns: Uint8Array): Promise<Uint8Array> {
    this.check();
    return this.worker.encodeAsync(this.id, undefined, columns).then((r) => r.data);
  }

  private framed(input: EncodeInput, level: number): Promise<FramedBatch> {
    return this.queue(input, { frameLevel: level }).then((r) => ({ frame: r.data, batchId: r.batchId!, barBytes: r.barBytes!, items: r.items! }));
  }

  private counted(input: EncodeInput): Promise<CountedBatch> {
    return this.queue(input, { counted: true }).then((r) => ({ bar: r.data, items: r.items! }));
  }

  /** An encode of `input` queued on the worker, answered in the form `answer` asks for. */
  private queue(input: EncodeInput, answer: ReplyForm): Promise<EncodedReply> {
    const signal = 'columns' in input ? undefined : input.signal;
    this.check(signal);
    return this.worker.encodeAsync(this.id, signal, 'columns' in input ? input.columns : input.otlp, answer);
  }

  /** Calls already made finish; later ones throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.close(this.id);
  }

  private check(signal?: Signal): void {
    if (this.closed) throw new Error('Encoder is closed');
    if (signal !== undefined) signalCode(signal);
  }
}
