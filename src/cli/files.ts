// File kinds the CLI reads and writes, told apart by extension.
import * as path from 'node:path';
import { OtelArrowError } from '../errors.js';
import type { Signal } from '../otlp/model.js';

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
  const name = path.basename(file).toLowerCase();
  if (/trace|span/.test(name)) return 'traces';
  if (/log/.test(name)) return 'logs';
  if (/metric/.test(name)) return 'metrics';
  return undefined;
}
