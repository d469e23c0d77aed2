// Arrow IPC stream writer/reader with delta dictionaries (OTAP's per-payload streams).

export { IpcStreamWriter, type IpcStreamWriterOptions } from './stream-writer.js';
export { IpcStreamReader, type IpcStreamReaderOptions } from './stream-reader.js';
export type { BodyCompressor, BodyDecompressor } from './compression.js';
export { listMessages, type MessageSummary } from './list-messages.js';
export { DEFAULT_MAX_MESSAGE_BYTES } from './message-reader.js';

/** A fresh 8-byte end-of-stream marker (continuation + zero length); OTAP chunks never
 *  carry it, but files and other Arrow readers expect it after the last chunk. */
export function endOfStreamMarker(): Uint8Array {
  return new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
}
