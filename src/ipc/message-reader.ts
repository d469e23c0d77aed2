// Splits a chunk into encapsulated IPC messages. Accepts the continuation-marker framing
// (0xFFFFFFFF + int32 length), the legacy pre-1.0 framing (int32 length only), and both
// end-of-stream markers. Every length is checked against the bytes present.

import { OtelArrowError } from '../errors.js';
import { parseMessage, type MessageHeader } from './flatbuf/message-parser.js';
import { malformed } from './flatbuf/table-reader.js';

export interface RawMessage {
  readonly header: MessageHeader;
  /** The message body (a view into the chunk). */
  readonly body: Uint8Array;
}

export type FramedItem = RawMessage | 'eos';

export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

export function* readMessages(chunk: Uint8Array, maxMessageBytes: number): Generator<FramedItem> {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let pos = 0;
  while (pos < chunk.length) {
    if (chunk.length - pos < 4) malformed('truncated message length');
    let metaLength = view.getInt32(pos, true);
    pos += 4;
    if (metaLength === -1) {
      if (chunk.length - pos < 4) malformed('truncated message length');
      metaLength = view.getInt32(pos, true);
      pos += 4;
    }
    if (metaLength === 0) {
      yield 'eos';
      return;
    }
    if (metaLength < 0) malformed(`negative metadata length ${metaLength}`);
    if (metaLength > chunk.length - pos) malformed(`metadata length ${metaLength} exceeds the ${chunk.length - pos} bytes left`);
    if (metaLength > maxMessageBytes) tooBig(metaLength, maxMessageBytes);
    const { header, bodyLength } = parseMessage(chunk.subarray(pos, pos + metaLength));
    pos += metaLength;
    if (bodyLength > chunk.length - pos) malformed(`body length ${bodyLength} exceeds the ${chunk.length - pos} bytes left`);
    if (metaLength + bodyLength > maxMessageBytes) tooBig(metaLength + bodyLength, maxMessageBytes);
    const body = chunk.subarray(pos, pos + bodyLength);
    pos += bodyLength;
    yield { header, body };
  }
}

function tooBig(size: number, max: number): never {
  throw new OtelArrowError('LIMIT_EXCEEDED', `IPC message of ${size} bytes exceeds maxMessageBytes (${max})`);
}
