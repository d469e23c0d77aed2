// The pure TypeScript backend: Producer/Consumer over the OTLP protobuf codec. Always
// available. zstd: decompression through fzstd; compression only through the optional
// @bokuweb/zstd-wasm package (the native and wasm backends have their own zstd).
import { decompress as fzstdDecompress } from 'fzstd';
import { OtelArrowError, asOtelArrowError } from '../errors.js';
import type { BodyCompressor } from '../ipc/index.js';
import { decodeBatchArrowRecords, encodeBatchArrowRecords } from '../otap/batch-arrow-records.js';
import { Consumer } from '../otap/consumer.js';
import { Producer } from '../otap/producer.js';
import type { Signal } from '../otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../otlp/signal-codec.js';
import {
  DEFAULT_MAX_DECOMPRESSED, DEFAULT_ZSTD_LEVEL,
  type Backend, type BackendDecoder, type BackendEncoder, type DecodeResult, type EncoderOptions,
} from './types.js';

type ZstdCompressFn = (data: Uint8Array, level: number) => Uint8Array;

const EMPTY = new Uint8Array(0);

/** Loads @bokuweb/zstd-wasm when installed; the reason it is not, otherwise. */
async function loadZstdCompressor(): Promise<ZstdCompressFn | string> {
  const name = '@bokuweb/zstd-wasm';
  try {
    const mod = (await import(/* @vite-ignore */ name)) as { init(): Promise<void>; compress: ZstdCompressFn };
    await mod.init();
    return (data, level) => mod.compress(data, level);
  } catch (err) {
    return `${name} is not available (${err instanceof Error ? err.message : String(err)})`;
  }
}

/** Frame_Content_Size of the first zstd frame, or undefined (absent or not a zstd frame). */
function declaredSize(d: Uint8Array): number | undefined {
  if (d.length < 6 || d[0] !== 0x28 || d[1] !== 0xb5 || d[2] !== 0x2f || d[3] !== 0xfd) return undefined;
  const fhd = d[4]!;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const didFlag = fhd & 3;
  const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (fcsBytes === 0) return undefined;
  let at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][didFlag]!;
  if (at + fcsBytes > d.length) return undefined;
  let v = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) v = v * 256 + d[at + i]!;
  return fcsBytes === 2 ? v + 256 : v;
}

class JsEncoder implements BackendEncoder {
  private producer: Producer | undefined;

  constructor(options: EncoderOptions, compress: ZstdCompressFn | string) {
    let compression: BodyCompressor | undefined;
    if (options.zstdLevel !== undefined) {
      if (typeof compress === 'string') {
        throw new OtelArrowError('UNSUPPORTED', `the js backend cannot compress with zstd: ${compress}; use the native or wasm backend, or install ${'@bokuweb/zstd-wasm'}`);
      }
      const level = options.zstdLevel;
      compression = { codec: 'zstd', compress: (data) => compress(data, level) };
    }
    this.producer = new Producer({ ...(compression ? { compression } : {}), metricMetadata: options.metricMetadata ?? false });
  }

  encode(signal: Signal, otlpRequestBytes: Uint8Array): Uint8Array {
    if (!this.producer) throw new Error('Encoder is closed');
    const req = decodeOtlp(signal, otlpRequestBytes);
    return encodeBatchArrowRecords(this.producer.encode(signal, req));
  }

  close(): void {
    this.producer = undefined;
  }
}

class JsDecoder implements BackendDecoder {
  private consumer: Consumer | undefined = new Consumer();

  decode(barBytes: Uint8Array): DecodeResult {
    if (!this.consumer) throw new Error('Decoder is closed');
    const decoded = this.consumer.decode(decodeBatchArrowRecords(barBytes));
    if (!decoded) return { signal: undefined, otlp: EMPTY };
    return { signal: decoded.signal, otlp: encodeOtlp(decoded.signal, decoded.request) };
  }

  close(): void {
    this.consumer = undefined;
  }
}

export class JsBackend implements Backend {
  readonly name = 'js' as const;

  private constructor(private readonly compressFn: ZstdCompressFn | string) {}

  static async load(): Promise<JsBackend> {
    return new JsBackend(await loadZstdCompressor());
  }

  /** Whether zstdCompress and zstd-compressed encoders work (the optional package is there). */
  get canCompress(): boolean {
    return typeof this.compressFn !== 'string';
  }

  createEncoder(options: EncoderOptions = {}): BackendEncoder {
    return new JsEncoder(options, this.compressFn);
  }

  createDecoder(): BackendDecoder {
    return new JsDecoder();
  }

  zstdCompress(data: Uint8Array, level = DEFAULT_ZSTD_LEVEL): Uint8Array {
    if (typeof this.compressFn === 'string') {
      throw new OtelArrowError('UNSUPPORTED', `the js backend cannot compress with zstd: ${this.compressFn}`);
    }
    return this.compressFn(data, level);
  }

  zstdDecompress(data: Uint8Array, maxSize = DEFAULT_MAX_DECOMPRESSED): Uint8Array {
    const declared = declaredSize(data);
    if (declared !== undefined && declared > maxSize) {
      throw new OtelArrowError('LIMIT_EXCEEDED', `zstd: decompressed size exceeds ${maxSize} bytes`);
    }
    let out: Uint8Array;
    try {
      out = fzstdDecompress(data);
    } catch (err) {
      throw asOtelArrowError(err, 'DECOMPRESSION_FAILED');
    }
    if (out.length > maxSize) throw new OtelArrowError('LIMIT_EXCEEDED', `zstd: decompressed size exceeds ${maxSize} bytes`);
    return out;
  }
}
