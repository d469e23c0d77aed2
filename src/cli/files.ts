// File kinds the CLI reads and writes, told apart by extension.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OtelArrowError } from '../errors.js';
import type { Signal } from '../otlp/model.js';
import { unframeMessages } from '../otap/stream-file.js';

export type FileKind = 'otap' | 'otlp-json' | 'otlp-protobuf';

export function fileKind(file: string): FileKind {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.otap' || ext === '.bars' || ext === '.arrow') return 'otap';
  if (ext === '.json' || ext === '.jsonl') return 'otlp-json';
  return 'otlp-protobuf';
}

/** A signal named by --signal, or guessed from a file name such as "traces.pb". */
export function signalFrom(flag: string | undefined, file: string): Signal | undefined {
  if (flag) {
    if (flag === 'traces' || flag === 'logs' || flag === 'metrics') return flag;
    throw new OtelArrowError('UNSUPPORTED', `--signal must be traces, logs or metrics, not "${flag}"`);
  }
  // Whole words only: "catalog.pb" says nothing about logs, "traces-0.pb" is traces.
  const words = new Set(path.basename(file).toLowerCase().split(/[^a-z]+/));
  const found = new Set<Signal>();
  for (const w of ['trace', 'traces', 'span', 'spans']) if (words.has(w)) found.add('traces');
  for (const w of ['log', 'logs']) if (words.has(w)) found.add('logs');
  for (const w of ['metric', 'metrics']) if (words.has(w)) found.add('metrics');
  return found.size === 1 ? [...found][0] : undefined;
}

/** The BatchArrowRecords frames of an OTAP stream file; a broken frame is reported with
 *  the number of the batch it would have been. */
export function readOtapFile(file: string): Uint8Array[] {
  const bytes = fs.readFileSync(file);
  try {
    return unframeMessages(bytes);
  } catch (err) {
    if (!(err instanceof OtelArrowError)) throw err;
    throw new OtelArrowError(err.code, `batch ${completeFrames(bytes)} of ${file}: ${err.message}`, { cause: err });
  }
}

function completeFrames(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let pos = 0; pos + 4 <= bytes.length; n++) {
    pos += 4 + view.getUint32(pos, true);
    if (pos > bytes.length) break;
  }
  return n;
}
