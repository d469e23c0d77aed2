// gRPC length-prefixed messages out of an HTTP/2 DATA byte stream (for the calls the receiver
// serves straight from node:http2): a 1-byte compressed flag, a 4-byte big-endian length, the
// body. Chunks may end anywhere; a message inside one chunk is a view of it (no copy).
import { status } from '@grpc/grpc-js';

export interface GrpcMessage {
  /** The compressed flag: the body is in the call's grpc-encoding. */
  compressed: boolean;
  body: Buffer;
}

/** A framing or size violation, as a gRPC status (grpc-js's codes for the same cases). */
export class GrpcFramingError extends Error {
  constructor(readonly code: number, readonly details: string) {
    super(details);
  }
}

export class GrpcMessageReader {
  private readonly prefix = Buffer.alloc(5);
  private prefixBytes = 0;
  /** Body bytes still expected for the message being read (after a complete prefix). */
  private remaining = -1;
  private compressed = false;
  private parts: Buffer[] = [];
  private partBytes = 0;

  /** `maxBytes`: the largest message body accepted (its wire size). */
  constructor(private readonly maxBytes: number) {}

  /** True while a message has started and not ended (the call must not end here). */
  get partial(): boolean {
    return this.prefixBytes > 0 || this.remaining >= 0;
  }

  /** The messages `chunk` completes, in order; throws GrpcFramingError on a bad flag or a
   *  message longer than maxBytes (the call cannot go on). */
  push(chunk: Buffer): GrpcMessage[] {
    const out: GrpcMessage[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.remaining < 0) {
        // A whole prefix and body in this chunk: a view, nothing copied.
        if (this.prefixBytes === 0 && chunk.length - pos >= 5) {
          const length = this.start(chunk[pos]!, chunk.readUInt32BE(pos + 1));
          if (chunk.length - pos - 5 >= length) {
            out.push({ compressed: this.compressed, body: chunk.subarray(pos + 5, pos + 5 + length) });
            this.remaining = -1;
            pos += 5 + length;
            continue;
          }
          pos += 5;
        } else {
          const n = Math.min(5 - this.prefixBytes, chunk.length - pos);
          chunk.copy(this.prefix, this.prefixBytes, pos, pos + n);
          this.prefixBytes += n;
          pos += n;
          if (this.prefixBytes < 5) break;
          this.prefixBytes = 0;
          this.start(this.prefix[0]!, this.prefix.readUInt32BE(1));
        }
      }
      const n = Math.min(this.remaining, chunk.length - pos);
      if (n > 0) {
        this.parts.push(chunk.subarray(pos, pos + n));
        this.partBytes += n;
        this.remaining -= n;
        pos += n;
      }
      if (this.remaining === 0) {
        const body = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partBytes);
        out.push({ compressed: this.compressed, body });
        this.parts = [];
        this.partBytes = 0;
        this.remaining = -1;
      }
    }
    return out;
  }

  /** A message's prefix: checks it, returns its body length. */
  private start(flag: number, length: number): number {
    if (flag !== 0 && flag !== 1) throw new GrpcFramingError(status.INTERNAL, `gRPC message with an invalid compressed flag ${flag}`);
    if (length > this.maxBytes) {
      throw new GrpcFramingError(status.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.maxBytes})`);
    }
    this.compressed = flag === 1;
    this.remaining = length;
    return length;
  }
}
