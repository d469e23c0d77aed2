// A load generator for OTAP receivers that costs next to nothing per batch: it replays a
// pre-encoded sequence of BatchArrowRecords (one encoder's stream: schemas and dictionaries
// in the first, deltas after) over raw gRPC bidi streams, one stream per pass through the
// sequence, and resolves each send when its BatchStatus comes back. Used by bench/pipeline so
// that the system under test, not the sender's encoder, sets the pace.
import * as grpc from '@grpc/grpc-js';
import { decodeBatchStatus, type BatchStatus } from '../src/otap/batch-arrow-records.js';
import type { Signal } from '../src/otlp/model.js';
import { arrowPath, asBuffer } from '../src/transport/grpc/services.js';

interface Pending { resolve(): void; reject(e: Error): void }

class ReplayStream {
  readonly call: grpc.ClientDuplexStream<Uint8Array, BatchStatus>;
  next = 0;
  readonly pending = new Map<bigint, Pending>();
  /** No more writes: half-closed once every batch sent on it is answered (a peer may drop
   *  the answers of a stream the client has already half-closed). */
  private retired = false;

  constructor(client: grpc.Client, signal: Signal) {
    this.call = client.makeBidiStreamRequest(arrowPath(signal), (b: Uint8Array) => asBuffer(b), (b: Buffer) => decodeBatchStatus(b));
    this.call.on('data', (s: BatchStatus) => {
      const p = this.pending.get(s.batchId);
      this.pending.delete(s.batchId);
      if (s.statusCode === 0) p?.resolve();
      else p?.reject(new Error(`batch ${s.batchId} refused: status ${s.statusCode} ${s.statusMessage}`));
      if (this.retired && this.pending.size === 0) this.call.end();
    });
    const fail = (e: Error): void => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.call.on('error', fail);
    this.call.on('end', () => fail(new Error('stream ended with batches unanswered')));
  }

  retire(): void {
    this.retired = true;
    if (this.pending.size === 0) this.call.end();
  }
}

export class BarReplayClient {
  private readonly client: grpc.Client;
  private readonly streams: ReplayStream[];
  private turn = 0;

  /** `bars`: one encoder's output in order (batch ids 0, 1, ...); `streams` used at once. */
  constructor(endpoint: string, private readonly signal: Signal, private readonly bars: readonly Uint8Array[], streams = 2) {
    this.client = new grpc.Client(endpoint, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 });
    this.streams = Array.from({ length: streams }, () => new ReplayStream(this.client, signal));
  }

  /** Sends the next batch of a stream; resolves when the receiver acknowledged it. */
  send(): Promise<void> {
    const k = this.turn++ % this.streams.length;
    let s = this.streams[k]!;
    if (s.next === this.bars.length) {
      // A pass is done: retire this stream and start a fresh one, whose first batch carries
      // the schemas again.
      s.retire();
      s = this.streams[k] = new ReplayStream(this.client, this.signal);
    }
    const id = s.next++;
    return new Promise<void>((resolve, reject) => {
      s.pending.set(BigInt(id), { resolve, reject });
      s.call.write(this.bars[id]!);
    });
  }

  close(): void {
    for (const s of this.streams) s.call.end();
    this.client.close();
  }
}
