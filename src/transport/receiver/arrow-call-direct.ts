// An OTAP Arrow stream call served straight from its HTTP/2 stream (see direct-routes.ts).
//
// Why: per BatchArrowRecords, a grpc-js server stream runs its stream decoder, the
// compression filter's promise chain, a deserialize step and, per BatchStatus, a serialize
// step and a write through its intercepting call; at small batches (tens of records) that
// is a large share of receiving OTAP. Here a message is split out of the DATA bytes
// (grpc/message-reader.ts), decompressed when flagged (gzip, deflate, zstd, zstdarrowN, as
// grpc-js with our zstd), and handed over in order; an ack is one framed write.
//
// As grpc-js: messages above the limit end the call RESOURCE_EXHAUSTED, broken framing
// INTERNAL, a compressed message in an unsupported grpc-encoding UNIMPLEMENTED; grpc-timeout
// ends the call DEADLINE_EXCEEDED; response headers go out with the first ack, the status in
// trailers (trailers-only when nothing was written); pausing stops reading, so HTTP/2 flow
// control holds the sender.
import * as http2 from 'node:http2';
import { status } from '@grpc/grpc-js';
import { encodeBatchStatus, type BatchStatus } from '../../otap/batch-arrow-records.js';
import { ACCEPTED_ENCODINGS, decompressMessage, grpcMessageFrame, isZstdEncoding } from '../grpc/compression.js';
import { GrpcMessageReader, type GrpcFramingError, type GrpcMessage } from '../grpc/message-reader.js';
import type { ArrowCall, ArrowCallEvents } from './arrow-call.js';
import { grpcMessageHeader, headerMetadata, streamPeer } from './direct-routes.js';

const RESPONSE_HEADERS = { ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': ACCEPTED_ENCODINGS };
/** Acks written but not yet taken by HTTP/2 (a client that does not read them) before
 *  write() says stop: Node's own stream buffer (64 KiB) would hold some 700 error acks. */
const MAX_UNSENT_ACK_BYTES = 8 * 1024;
/** Node fires longer timers at once: longer deadlines are left to the client. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** grpc-timeout ("<digits><unit>") in milliseconds; undefined when absent or malformed. */
export function grpcTimeoutMs(value: string | string[] | undefined): number | undefined {
  const m = typeof value === 'string' ? /^(\d{1,8})([HMSmun])$/.exec(value) : null;
  if (!m) return undefined;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'H': return n * 3_600_000;
    case 'M': return n * 60_000;
    case 'S': return n * 1000;
    case 'm': return n;
    case 'u': return n / 1000;
    default: return n / 1_000_000;
  }
}

export function directArrowCall(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, maxMessageBytes: number): ArrowCall {
  return new DirectArrowCall(stream, headers, maxMessageBytes);
}

class DirectArrowCall implements ArrowCall {
  readonly metadata: Record<string, string>;
  readonly authorization: string | undefined;
  private readonly encoding: string | undefined;
  private readonly reader: GrpcMessageReader;
  private readonly maxMessageBytes: number;
  private events: ArrowCallEvents | undefined;
  /** The last delivery still waiting (for a decompression, or behind one); undefined: none. */
  private pending: Promise<void> | undefined;
  /** Messages read and not yet handed over (the call was paused meanwhile). */
  private readonly backlog: GrpcMessage[] = [];
  private paused = false;
  /** A compressed message is being decompressed: the next waits, so that a call holds at most
   *  one decompressed message the stream has not taken (a chunk of small zstd frames can
   *  inflate to many times maxMessageBytes if all are decompressed before a pause). */
  private decompressing = false;
  /** The client half-closed; halfClose() goes out once the backlog is delivered. */
  private ended = false;
  private halfCloseSent = false;
  private ackBlocked = false;
  private headersSent = false;
  private trailers: http2.OutgoingHttpHeaders | undefined;
  private finished = false;
  private deadline: NodeJS.Timeout | undefined;

  constructor(private readonly stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, maxMessageBytes: number) {
    this.metadata = headerMetadata(headers);
    const auth = headers.authorization;
    this.authorization = typeof auth === 'string' ? auth : undefined;
    const enc = headers['grpc-encoding'];
    const encoding = Array.isArray(enc) ? enc[0] : enc;
    this.encoding = encoding === 'identity' ? undefined : encoding;
    this.reader = new GrpcMessageReader(maxMessageBytes);
    this.maxMessageBytes = maxMessageBytes;
    stream.on('error', () => {}); // a reset call: 'close' follows
    stream.on('wantTrailers', () => {
      try {
        stream.sendTrailers(this.trailers ?? { 'grpc-status': '0' });
      } catch { /* the call went away meanwhile */ }
      this.resetIfStillSending();
    });
    const timeout = grpcTimeoutMs(headers['grpc-timeout']);
    if (timeout !== undefined && timeout <= MAX_TIMER_MS) {
      this.deadline = setTimeout(() => this.abort(status.DEADLINE_EXCEEDED, 'Deadline exceeded'), timeout);
      this.deadline.unref();
    }
  }

  peer(): string {
    return streamPeer(this.stream);
  }

  listen(events: ArrowCallEvents): void {
    this.events = events;
    const stream = this.stream;
    stream.on('data', (chunk: Buffer) => {
      if (this.finished) return;
      let messages: GrpcMessage[];
      try {
        messages = this.reader.push(chunk);
      } catch (err) {
        const e = err as GrpcFramingError;
        this.abort(e.code ?? status.INTERNAL, e.details ?? String(err));
        return;
      }
      for (const m of messages) this.backlog.push(m);
      this.deliverBacklog();
    });
    stream.on('end', () => {
      if (this.finished) return;
      if (this.reader.partial) this.abort(status.INTERNAL, 'the client ended the stream in the middle of a message');
      else {
        this.ended = true;
        this.deliverBacklog();
      }
    });
    stream.on('close', () => {
      this.clearDeadline();
      events.gone();
    });
    stream.on('drain', () => {
      this.ackBlocked = false;
      events.drain();
    });
  }

  /** Hands the messages read over while the call is not paused (a chunk may hold many: those
   *  after a pause wait, as a grpc-js call reads one message at a time) and no decompression
   *  is under way, then the half-close. */
  private deliverBacklog(): void {
    while (this.backlog.length > 0 && !this.paused && !this.finished && !this.decompressing) this.deliver(this.backlog.shift()!);
    if (this.ended && this.backlog.length === 0 && !this.halfCloseSent) {
      this.halfCloseSent = true;
      const events = this.events!;
      this.inOrder(() => events.halfClose());
    }
  }

  /** Hands one message over, decompressed, after those before it. */
  private deliver(m: GrpcMessage): void {
    const events = this.events!;
    if (!m.compressed) {
      this.inOrder(() => events.message(m.body));
      return;
    }
    const encoding = this.encoding;
    if (encoding === undefined || (encoding !== 'gzip' && encoding !== 'deflate' && !isZstdEncoding(encoding))) {
      this.inOrder(() => (encoding === undefined
        ? this.abort(status.INTERNAL, 'compressed message without a grpc-encoding')
        : this.abort(status.UNIMPLEMENTED, `Received message compressed with unsupported encoding "${encoding}"`)));
      return;
    }
    this.decompressing = true;
    this.inOrder(decompressMessage(m.body, encoding, this.maxMessageBytes).then(
      (raw) => () => {
        this.decompressing = false;
        events.message(raw);
        this.deliverBacklog(); // the stream may have paused on this one
      },
      (err: { code?: number; details?: string }) => () => this.abort(err.code ?? status.INTERNAL, err.details ?? String(err)),
    ));
  }

  /** Runs a step after the steps before it: at once when none waits and it needs nothing
   *  (the usual case), else once they ran and `work` (a decompression) resolved. A step that
   *  throws ends the call INTERNAL rather than reaching the event loop. */
  private inOrder(work: (() => void) | Promise<() => void>): void {
    const run = (step: () => void): void => {
      if (this.finished) return;
      try {
        step();
      } catch (err) {
        this.abort(status.INTERNAL, `receiving a batch failed: ${(err as Error)?.message ?? String(err)}`);
      }
    };
    if (typeof work === 'function' && this.pending === undefined) {
      run(work);
      return;
    }
    const p = (this.pending ?? Promise.resolve()).then(() => work).then(run);
    this.pending = p;
    void p.then(() => {
      if (this.pending === p) this.pending = undefined;
    });
  }

  /** The call itself ends with an error status: the stream learns it is gone. */
  private abort(code: number, message: string): void {
    this.fail(code, message);
    this.events?.gone();
  }

  write(s: BatchStatus): boolean {
    const stream = this.stream;
    if (this.finished || stream.destroyed || stream.closed) return true; // nobody to tell
    let written: boolean;
    try {
      this.sendHeaders();
      written = stream.write(grpcMessageFrame(encodeBatchStatus(s), false), () => {
        // This ack has gone to HTTP/2 (the peer's window took it): so have those before it.
        if (this.ackBlocked && stream.writableLength < MAX_UNSENT_ACK_BYTES) {
          this.ackBlocked = false;
          this.events?.drain();
        }
      });
    } catch {
      return true; // the client reset the call meanwhile: 'close' follows
    }
    if (!written || stream.writableLength >= MAX_UNSENT_ACK_BYTES) {
      this.ackBlocked = true;
      return false;
    }
    return true;
  }

  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) this.stream.pause();
    else {
      this.deliverBacklog();
      if (!this.paused) this.stream.resume();
    }
  }

  end(): void {
    this.finish({ 'grpc-status': '0' });
  }

  fail(code: number, message: string): void {
    this.finish({ 'grpc-status': String(code), 'grpc-message': grpcMessageHeader(message) });
  }

  private finish(trailers: http2.OutgoingHttpHeaders): void {
    if (this.finished) return;
    this.finished = true;
    this.clearDeadline();
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return;
    const trailersOnly = !this.headersSent;
    try {
      if (trailersOnly) {
        // Nothing written yet: the status goes in the headers.
        this.headersSent = true;
        stream.respond({ ...RESPONSE_HEADERS, ...trailers }, { endStream: true });
      } else {
        // The status goes in the trailers ('wantTrailers' sends them, then resets).
        this.trailers = trailers;
        stream.end();
      }
    } catch { /* the call went away meanwhile */ }
    if (trailersOnly) this.resetIfStillSending();
  }

  /** A client still sending when the status has gone out is told the call is over (as gRPC
   *  servers do: RST_STREAM NO_ERROR after the status), so its stream closes and nothing
   *  more is read. Deferred a turn: a reset submitted with the status would overtake it. */
  private resetIfStillSending(): void {
    if (this.ended) return;
    const stream = this.stream;
    setImmediate(() => {
      if (this.ended || stream.closed || stream.destroyed) return;
      try {
        stream.close(http2.constants.NGHTTP2_NO_ERROR);
      } catch { /* already closed */ }
    });
  }

  private sendHeaders(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  }

  private clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = undefined;
  }
}
