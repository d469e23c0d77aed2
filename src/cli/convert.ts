// `otap convert`: OTLP (protobuf or JSON) files -> one OTAP stream file, and back, through
// the codec backend: protobuf stays bytes end to end; only OTLP/JSON needs objects.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../backend/types.js';
import { OtelArrowError } from '../errors.js';
import type { Signal } from '../otlp/model.js';
import { decodeOtlp, decodeOtlpJson, encodeOtlp, encodeOtlpJson, signalOfOtlpJson } from '../otlp/signal-codec.js';
import { frameMessages } from '../otap/stream-file.js';
import { fileKind, readOtapFile, signalFrom } from './files.js';
import { formatBytes, Progress } from './progress.js';

export interface ConvertOptions {
  inputs: string[];
  output: string;
  signal?: string;
  /** OTAP -> OTLP: write one file per batch into the output directory. */
  split?: boolean;
}

export function convert(opts: ConvertOptions, backend: Backend): void {
  const kinds = new Set(opts.inputs.map(fileKind));
  if (kinds.size !== 1) throw new OtelArrowError('UNSUPPORTED', 'all inputs must be of one kind (OTLP files, or one OTAP stream file)');
  const toOtap = fileKind(opts.output) === 'otap';
  if (kinds.has('otap')) {
    if (toOtap && !opts.split) throw new OtelArrowError('UNSUPPORTED', `${opts.output}: an OTAP stream file converts to OTLP (.json or .pb), not to OTAP`);
    otapToOtlp(opts, backend);
  } else {
    if (!toOtap) throw new OtelArrowError('UNSUPPORTED', `${opts.output}: OTLP inputs convert to an OTAP stream file (.otap)`);
    if (opts.split) throw new OtelArrowError('UNSUPPORTED', '--split applies to OTAP -> OTLP only');
    otlpToOtap(opts, backend);
  }
}

function otlpToOtap(opts: ConvertOptions, backend: Backend): void {
  const encoder = backend.createEncoder();
  const frames: Uint8Array[] = [];
  const progress = new Progress('encoding', opts.inputs.length);
  let signal: Signal | undefined;
  let inBytes = 0;
  opts.inputs.forEach((file, i) => {
    const bytes = fs.readFileSync(file);
    inBytes += bytes.length;
    const kind = fileKind(file);
    const text = kind === 'otlp-json' ? bytes.toString('utf8') : '';
    const s = kind === 'otlp-json' ? jsonSignal(opts.signal, file, text) : signalFrom(opts.signal, file);
    if (!s) throw new OtelArrowError('UNSUPPORTED', `cannot tell the signal of ${file}: pass --signal traces|logs|metrics`);
    if (signal && s !== signal) throw new OtelArrowError('UNSUPPORTED', `${file} holds ${s}, earlier inputs hold ${signal}: one stream carries one signal`);
    signal = s;
    const otlp = kind === 'otlp-json' ? encodeOtlp(s, decodeOtlpJson(s, text)) : bytes;
    try {
      frames.push(encoder.encode(s, otlp));
    } catch (err) {
      throw new OtelArrowError((err as OtelArrowError).code ?? 'INVALID_PAYLOAD', `${file}: ${(err as Error).message}`, { cause: err });
    }
    progress.tick(i + 1);
  });
  encoder.close();
  const out = frameMessages(frames);
  fs.writeFileSync(opts.output, out);
  console.log(`${opts.output}: ${frames.length} ${signal} batches, ${formatBytes(inBytes)} OTLP -> ${formatBytes(out.length)} OTAP`);
}

/** OTLP/JSON names its signal (resourceSpans, resourceLogs, resourceMetrics): the content
 *  wins over the file name, and contradicting --signal is an error, not an empty result. */
function jsonSignal(flag: string | undefined, file: string, text: string): Signal | undefined {
  const detected = signalOfOtlpJson(text);
  const named = flag ? signalFrom(flag, file) : undefined;
  if (detected && named && detected !== named) {
    throw new OtelArrowError('UNSUPPORTED', `${file} holds ${detected}, not ${named} (--signal)`);
  }
  return detected ?? named ?? signalFrom(undefined, file);
}

function otapToOtlp(opts: ConvertOptions, backend: Backend): void {
  if (opts.inputs.length !== 1) throw new OtelArrowError('UNSUPPORTED', 'convert reads one OTAP stream file at a time');
  const input = opts.inputs[0]!;
  const frames = readOtapFile(input);
  const decoder = backend.createDecoder();
  const progress = new Progress('decoding', frames.length);
  const decoded: { signal: Signal; otlp: Uint8Array }[] = [];
  frames.forEach((frame, i) => {
    try {
      const r = decoder.decode(frame);
      if (r.signal) decoded.push({ signal: r.signal, otlp: r.otlp });
    } catch (err) {
      throw new OtelArrowError((err as OtelArrowError).code ?? 'INVALID_PAYLOAD', `batch ${i} of ${input}: ${(err as Error).message}`, { cause: err });
    }
    progress.tick(i + 1);
  });
  decoder.close();
  const signals = new Set(decoded.map((d) => d.signal));
  if (signals.size > 1) throw new OtelArrowError('INVALID_PAYLOAD', `${input} mixes signals (${[...signals].join(', ')})`);
  const signal = decoded[0]?.signal ?? (signalFrom(opts.signal, input) || 'traces');
  const json = fileKind(opts.output) === 'otlp-json' || (opts.split && /json/.test(opts.output));
  // Protobuf is written as the decoder produced it; JSON needs the objects.
  const write = (file: string, otlp: Uint8Array): void => {
    fs.writeFileSync(file, json ? encodeOtlpJson(signal, decodeOtlp(signal, otlp)) : otlp);
  };
  if (opts.split) {
    fs.mkdirSync(opts.output, { recursive: true });
    decoded.forEach((d, i) => write(path.join(opts.output, `${signal}-${String(i).padStart(4, '0')}.${json ? 'json' : 'pb'}`), d.otlp));
    console.log(`${path.join(opts.output, path.sep)}: ${decoded.length} ${signal} files`);
  } else {
    // Concatenated protobuf messages parse as one message whose repeated fields (here the
    // resource_* lists) are appended: the merged request, without decoding anything.
    write(opts.output, Buffer.concat(decoded.map((d) => d.otlp)));
    console.log(`${opts.output}: ${decoded.length} ${signal} batches merged into one request`);
  }
}
