// The pure TypeScript backend: Producer/Consumer over the OTLP protobuf codec. Always
// available. zstd (IPC bodies, zstdCompress/zstdDecompress) comes from node:zlib.
import { readColumns } from '../sdk/columns/read-columns.js';
import type { BodyCompressor } from '../ipc/index.js';
import { decodeBatchArrowRecords, encodeBatchArrowRecords } from '../otap/batch-arrow-records.js';
import { Consumer } from '../otap/consumer.js';
import { Producer } from '../otap/producer.js';
import type { Signal } from '../otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../otlp/signal-codec.js';
import { zstdCompress, zstdDecompress } from '../zstd/zlib-zstd.js';
import { estimateBytes } from '../memory/object-size.js';
import {
  DEFAULT_MAX_DECOMPRESSED, DEFAULT_ZSTD_LEVEL,
  type Backend, type BackendDecoder, type BackendEncoder, type DecodeResult, type DecoderOptions, type EncoderOptions,
} from './types.js';

const EMPTY = new Uint8Array(0);

class JsEncoder implements BackendEncoder {
  private producer: Producer | undefined;

  constructor(options: EncoderOptions) {
    let compression: BodyCompressor | undefined;
    if (options.zstdLevel !== undefined) {
      const level = options.zstdLevel;
      compression = { codec: 'zstd', compress: (data) => zstdCompress(data, level) };
    }
    this.producer = new Producer({ ...(compression ? { compression } : {}), metricMetadata: options.metricMetadata ?? true });
  }

  encode(signal: Signal, otlpRequestBytes: Uint8Array): Uint8Array {
    if (!this.producer) throw new Error('Encoder is closed');
    const req = decodeOtlp(signal, otlpRequestBytes);
    return encodeBatchArrowRecords(this.producer.encode(signal, req));
  }

  encodeColumns(columns: Uint8Array): Uint8Array {
    if (!this.producer) throw new Error('Encoder is closed');
    const { signal, request } = readColumns(columns);
    return encodeBatchArrowRecords(this.producer.encode(signal, request));
  }

  close(): void {
    this.producer = undefined;
  }
}

class JsDecoder implements BackendDecoder {
  private consumer: Consumer | undefined;

  constructor(options: DecoderOptions) {
    this.consumer = new Consumer(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {});
  }

  stateBytes(): number {
    // The Consumer's readers hold the schemas and dictionaries.
    return this.consumer ? estimateBytes((this.consumer as unknown as { streams: unknown }).streams) : 0;
  }

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

  static load(): Promise<JsBackend> {
    return Promise.resolve(new JsBackend());
  }

  createEncoder(options: EncoderOptions = {}): BackendEncoder {
    return new JsEncoder(options);
  }

  createDecoder(options: DecoderOptions = {}): BackendDecoder {
    return new JsDecoder(options);
  }

  zstdCompress(data: Uint8Array, level = DEFAULT_ZSTD_LEVEL): Uint8Array {
    return zstdCompress(data, level);
  }

  zstdDecompress(data: Uint8Array, maxSize = DEFAULT_MAX_DECOMPRESSED): Uint8Array {
    return zstdDecompress(data, maxSize);
  }
}
