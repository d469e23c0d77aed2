// What an OTAP Arrow stream (arrow-stream.ts) needs from its gRPC call, so that the same
// stream logic runs on a grpc-js call or on a call served straight from HTTP/2
// (arrow-call-direct.ts).
import type { Metadata, ServerDuplexStream } from '@grpc/grpc-js';
import type { BatchStatus } from '../../otap/batch-arrow-records.js';

export interface ArrowCallEvents {
  /** One BatchArrowRecords message (decompressed), in arrival order. */
  message(raw: Buffer): void;
  /** The client half-closed (after its last message). */
  halfClose(): void;
  /** The call is gone (cancelled, reset, connection lost, or ended with an error by the
   *  call itself, e.g. a message over the size limit): nothing more can be written. */
  gone(): void;
  /** Acks can be written again after write() returned false. */
  drain(): void;
}

export interface ArrowCall {
  /** The caller's metadata: lower-case names, first value, `-bin` as base64, without
   *  `authorization`. */
  readonly metadata: Record<string, string>;
  readonly authorization: string | undefined;
  /** host:port of the client, as logs name it. */
  peer(): string;
  /** Starts delivering events (after the call was accepted). */
  listen(events: ArrowCallEvents): void;
  /** Writes one BatchStatus; false: the ack buffer is full, wait for drain(). */
  write(status: BatchStatus): boolean;
  /** Stops / restarts reading messages (HTTP/2 flow control holds the sender meanwhile). */
  setPaused(paused: boolean): void;
  /** Ends the call with status OK (after the acks written). */
  end(): void;
  /** Ends the call with an error status (after the acks written). */
  fail(code: number, message: string): void;
}

/** The gRPC metadata as a flat record: lower-case names, first value, binary as base64,
 *  without `authorization`. */
export function metadataRecord(md: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.getMap())) {
    if (k === 'authorization') continue;
    out[k.toLowerCase()] = typeof v === 'string' ? v : Buffer.from(v).toString('base64');
  }
  return out;
}

/** An ArrowCall over a grpc-js server call. */
export function grpcJsArrowCall(call: ServerDuplexStream<Buffer, BatchStatus>): ArrowCall {
  const authorization = call.metadata.get('authorization')[0];
  return {
    metadata: metadataRecord(call.metadata),
    authorization: typeof authorization === 'string' ? authorization : undefined,
    peer: () => call.getPeer(),
    listen(events) {
      call.on('data', (raw: Buffer) => events.message(raw));
      call.on('end', () => events.halfClose());
      call.on('cancelled', () => events.gone());
      call.on('close', () => events.gone());
      call.on('error', () => events.gone());
      call.on('drain', () => events.drain());
    },
    write: (s) => call.write(s),
    setPaused(paused) {
      if (paused && !call.isPaused()) call.pause();
      else if (!paused && call.isPaused()) call.resume();
    },
    end: () => call.end(),
    fail: (code, message) => void call.emit('error', Object.assign(new Error(message), { code, details: message })),
  };
}
