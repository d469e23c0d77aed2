// OTAP stream files: the BatchArrowRecords of one gRPC stream, in order, each framed as a
// uint32 little-endian byte length followed by the protobuf bytes. The Go interop peer
// writes and reads the same framing.
import { OtelArrowError } from '../errors.js';

export function frameMessages(messages: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const m of messages) total += 4 + m.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let pos = 0;
  for (const m of messages) {
    view.setUint32(pos, m.length, true);
    out.set(m, pos + 4);
    pos += 4 + m.length;
  }
  return out;
}

export function unframeMessages(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 4 > bytes.length) {
      throw new OtelArrowError('MALFORMED_PROTOBUF', `OTAP stream file: truncated frame header at byte ${pos}`);
    }
    const len = view.getUint32(pos, true);
    if (pos + 4 + len > bytes.length) {
      throw new OtelArrowError('MALFORMED_PROTOBUF', `OTAP stream file: frame at byte ${pos} claims ${len} bytes, only ${bytes.length - pos - 4} left`);
    }
    out.push(bytes.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return out;
}
