// Byte input as a plain Uint8Array. Readers return views and copies of their input, and on a
// Node Buffer (a Uint8Array subclass) `slice` is a view, not the copy the code means: a
// "copy" would then alias the input, whose memory a receiver reuses once the message is read
// (src/transport/grpc/message-buffers.ts).

/** `bytes` itself when it is a plain Uint8Array, else a plain view of the same memory. */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
