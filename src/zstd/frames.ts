// The frame and block structure of zstd input (RFC 8878 section 3.1), walked without
// decompressing. node:zlib returns whatever it decoded when the input ends inside a frame,
// without an error, so a truncated message would pass as a shorter one; walking the headers
// first catches truncation and trailing bytes, and yields the declared content sizes.
import { OtelArrowError } from '../errors.js';

const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames: magic 0x184D2A50 .. 0x184D2A5F, a u32 size, then that many bytes. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

export interface FrameSummary {
  /** [start, end) byte ranges of the zstd frames (skippable frames left out). */
  frames: [number, number][];
  /** Sum of Frame_Content_Size over the frames, or undefined when a frame omits it. */
  declaredSize: number | undefined;
}

function fail(message: string): never {
  throw new OtelArrowError('DECOMPRESSION_FAILED', `zstd: ${message}`);
}

/** Checks that `data` is a whole number of complete zstd frames; DECOMPRESSION_FAILED otherwise. */
export function walkZstdFrames(data: Uint8Array): FrameSummary {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  const frames: [number, number][] = [];
  let declared: number | undefined = 0;
  if (data.length === 0) fail('empty input is not a zstd frame');
  while (at < data.length) {
    if (at + 4 > data.length) fail(`truncated frame magic at byte ${at}`);
    const magic = view.getUint32(at, true);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (at + 8 > data.length) fail(`truncated skippable frame at byte ${at}`);
      const size = view.getUint32(at + 4, true);
      at += 8 + size;
      if (at > data.length) fail('truncated skippable frame');
      continue;
    }
    if (magic !== FRAME_MAGIC) fail(`no zstd frame at byte ${at} (magic 0x${magic.toString(16)})`);
    const start = at;
    at += 4;
    if (at >= data.length) fail('truncated frame header');
    const fhd = data[at]!;
    if (fhd & 0x08) fail('reserved bit set in the frame header');
    const fcsFlag = fhd >> 6;
    const singleSegment = (fhd >> 5) & 1;
    const checksum = (fhd >> 2) & 1;
    const didBytes = [0, 1, 2, 4][fhd & 3]!;
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    const fcsAt = at + 1 + (singleSegment ? 0 : 1) + didBytes;
    at = fcsAt + fcsBytes;
    if (at > data.length) fail('truncated frame header');
    if (fcsBytes === 0) declared = undefined;
    else if (declared !== undefined) {
      let size = 0;
      for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + data[fcsAt + i]!;
      declared += fcsBytes === 2 ? size + 256 : size;
    }
    for (;;) {
      if (at + 3 > data.length) fail('truncated block header');
      const header = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16);
      const last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) fail('reserved block type');
      at += 3 + (type === 1 ? 1 : size); // RLE blocks carry one byte
      if (at > data.length) fail('truncated block');
      if (last) break;
    }
    if (checksum) {
      at += 4;
      if (at > data.length) fail('truncated frame checksum');
    }
    frames.push([start, at]);
  }
  if (frames.length === 0) fail('no zstd frame (only skippable frames)');
  return { frames, declaredSize: declared };
}
