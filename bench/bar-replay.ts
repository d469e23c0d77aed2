// A load generator for OTAP receivers that costs next to nothing per batch: it replays a
// pre-encoded sequence of BatchArrowRecords (one encoder's stream: schemas and dictionaries
// in the first, deltas after), framed once, over raw HTTP/2 streams (node:http2, no gRPC
// client stack), one gRPC stream per pass through the sequence, and resolves each send when
// its BatchStatus comes back. Each client is one connection, so several clients spread over
// the workers of a multi-core receiver. Used by bench/pipeline so that the system under test,
// not the sender, sets the pace.
import * as http2 from 'node:http2';
import { decodeBatchStatus } from '../src/otap/batch-arrow-records.js';
import type { Signal } from '../src/otlp/model.js';
import { grpcMessageFrame } from '../src/transport/grpc/compression.js';
import { arrowPath } from '../src/transport/grpc/services.js';
import { grpcMessageSplitter } from './grpc-frames.js';

interface Pending { resolve(): void; reject(e: Error): void }

class ReplayStream {
  private readonly stream: http2.ClientHttp2Stream;
  next = 0;
  readonly pending = new Map<bigint, Pending>();
  /** No more writes: half-closed once every batch sent on it is answered (a peer may drop
   *  the answers of a stream the client has already half-closed). */
  private retired = false;

  constructor(session: http2.ClientHttp2Session, path: string) {
    this.stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    this.stream.on('data', grpcMessageSplitter((body) => {
      const s = decodeBatchStatus(body!);
      const p = this.pending.get(s.batchId);
      this.pending.delete(s.batchId);
      if (s.statusCode === 0) p?.resolve();
      else p?.reject(new Error(`batch ${s.batchId} refused: status ${s.statusCode} ${s.statusMessage}`));
      if (this.retired && this.pending.size === 0) this.stream.end();
    }, true));
    const fail = (e: Error): void => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    let status: string | undefined;
    const read = (h: http2.IncomingHttpHeaders): void => {
      if (h['grpc-status'] !== undefined) status = `grpc-status ${String(h['grpc-status'])} ${decodeURIComponent(String(h['grpc-message'] ?? ''))}`;
    };
    this.stream.on('response', read);
    this.stream.on('trailers', read);
    this.stream.on('error', fail);
    this.stream.on('close', () => fail(new Error(`stream ended with batches unanswered (${status ?? 'no grpc-status'})`)));
  }

  write(frame: Buffer): void {
    this.stream.write(frame);
  }

  retire(): void {
    this.retired = true;
    if (this.pending.size === 0) this.stream.end();
  }

  end(): void {
    this.stream.end();
  }
}

export class BarReplayClient {
  private readonly session: http2.ClientHttp2Session;
  private readonly frames: Buffer[];
  private readonly path: string;
  private readonly streams: ReplayStream[];
  private turn = 0;

  /** `bars`: one encoder's output in order (batch ids 0, 1, ...); `streams` used at once. */
  constructor(endpoint: string, signal: Signal, bars: readonly Uint8Array[], streams = 2) {
    this.frames = bars.map((b) => grpcMessageFrame(b, false));
    this.path = arrowPath(signal);
    this.session = http2.connect(`http://${endpoint}`);
    this.session.on('error', () => {}); // each pending send reports its own stream's error
    this.streams = Array.from({ length: streams }, () => new ReplayStream(this.session, this.path));
  }

  /** Sends the next batch of a stream; resolves when the receiver acknowledged it. */
  send(): Promise<void> {
    const k = this.turn++ % this.streams.length;
    let s = this.streams[k]!;
    if (s.next === this.frames.length) {
      // A pass is done: retire this stream and start a fresh one, whose first batch carries
      // the schemas again.
      s.retire();
      s = this.streams[k] = new ReplayStream(this.session, this.path);
    }
    const id = s.next++;
    return new Promise<void>((resolve, reject) => {
      s.pending.set(BigInt(id), { resolve, reject });
      s.write(this.frames[id]!);
    });
  }

  close(): void {
    for (const s of this.streams) s.end();
    this.session.close();
  }
}
