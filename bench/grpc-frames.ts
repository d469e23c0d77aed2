// Splits a gRPC byte stream (5-byte headers: compressed flag, u32 length; then the message)
// into messages, across whatever chunks HTTP/2 delivers. Shared by the benchmarks' raw HTTP/2
// load and downstream, which skip grpc-js to cost next to nothing per message.

/** A consumer of stream chunks that calls `onMessage` per complete message: with its bytes
 *  when `keepBodies`, else with `undefined` (the bytes are skipped, never copied). */
export function grpcMessageSplitter(onMessage: (body: Buffer | undefined) => void, keepBodies: boolean): (chunk: Buffer) => void {
  let header = Buffer.alloc(0);
  let remaining = -1; // bytes of the current message still due; -1 = reading a header
  let parts: Buffer[] = [];
  const finish = (): void => {
    onMessage(keepBodies ? Buffer.concat(parts) : undefined);
    parts = [];
    remaining = -1;
  };
  return (chunk) => {
    let at = 0;
    while (at < chunk.length) {
      if (remaining < 0) {
        const take = Math.min(5 - header.length, chunk.length - at);
        header = Buffer.concat([header, chunk.subarray(at, at + take)]);
        at += take;
        if (header.length < 5) return;
        remaining = header.readUInt32BE(1);
        header = Buffer.alloc(0);
        if (remaining === 0) finish();
        continue;
      }
      const take = Math.min(remaining, chunk.length - at);
      if (keepBodies) parts.push(chunk.subarray(at, at + take));
      remaining -= take;
      at += take;
      if (remaining === 0) finish();
    }
  };
}
