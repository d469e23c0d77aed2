// The codec backend interface: one contract, three implementations (native N-API addon,
// WebAssembly module, pure TypeScript). All of them speak bytes: OTLP protobuf requests in,
// BatchArrowRecords protobuf out, and back.
import type { RecordBatch as ArrowRecordBatch } from 'apache-arrow';
import type { Signal } from '../otlp/model.js';

export type { ArrowRecordBatch };

export type BackendName = 'native' | 'wasm' | 'js';
export type BackendOption = 'auto' | BackendName;

export interface EncoderOptions {
  /** zstd level for Arrow IPC body compression; no compression when absent. */
  zstdLevel?: number;
  /** Send Metric.metadata as METRIC_ATTRS (default true; see ProducerOptions.metricMetadata). */
  metricMetadata?: boolean;
}

/** One gRPC stream's sender state: keep one encoder per stream. */
export interface BackendEncoder {
  /** OTLP Export*ServiceRequest protobuf bytes -> BatchArrowRecords protobuf bytes. */
  encode(signal: Signal, otlpRequestBytes: Uint8Array): Uint8Array;
  /**
   * Received tables (BackendDecoder.decodeTables of this same backend) -> BatchArrowRecords
   * bytes, forwarded as they arrived without the OTLP conversion; undefined when the tables
   * belong to another backend (then encode their OTLP bytes). Absent on the js backend.
   */
  encodeTables?(tables: BackendTables): Uint8Array | undefined;
  /**
   * SDK columns (src/sdk/columns/FORMAT.md: spans or log records as the OpenTelemetry JS SDK
   * produced them) -> BatchArrowRecords bytes of this stream, built without OTLP protobuf
   * (native, wasm); the js backend reads them into OTLP objects for its Producer.
   */
  encodeColumns(columns: Uint8Array): Uint8Array;
  /** Releases the encoder's resources now (later calls throw). */
  close(): void;
}

export interface DecodeResult {
  /** The batch's signal, or undefined for a batch without payloads. */
  signal: Signal | undefined;
  /** OTLP Export*ServiceRequest protobuf bytes (empty when signal is undefined). */
  otlp: Uint8Array;
}

export interface DecodeArrowOptions {
  /** Copy the Arrow buffers into JS memory (then release() is a no-op). Default false. */
  copy?: boolean;
}

/** A decoded batch with its payloads' Arrow record batches (see src/backend/README.md). */
export interface ArrowDecodeResult extends DecodeResult {
  /** One apache-arrow RecordBatch per payload, in payload order. */
  batches: { payloadType: number; batch: ArrowRecordBatch }[];
  /**
   * Frees the Rust-owned memory the batches view (zero-copy results). Call it once the
   * batches and every vector taken from them are no longer used; idempotent.
   */
  release(): void;
}

export interface DecoderOptions {
  /** Largest Arrow IPC message (metadata + decompressed body) of one payload; larger ones
   *  are refused with LIMIT_EXCEEDED. Default 256 MiB. */
  maxMessageBytes?: number;
}

/**
 * One received batch held as backend-owned OTAP tables (dictionaries resolved), not yet
 * converted: counted and sized as it is, turned into OTLP bytes or Arrow views on request.
 * Conversion is where the tables' integrity (parent ids, columns) is checked.
 */
export interface BackendTables {
  readonly signal: Signal;
  /** Spans / log records / metric data points (rows of the item tables). */
  itemCount(): number;
  /** Bytes the tables' buffers hold. */
  byteSize(): number;
  /** OTLP Export*ServiceRequest protobuf bytes; throws OtelArrowError when the tables are inconsistent. */
  toOtlp(): Uint8Array;
  /** One apache-arrow RecordBatch per payload, in payload order, over the backend's memory. */
  toArrow(): { payloadType: number; batch: ArrowRecordBatch }[];
  /** Per resource (as decoded): its first attribute `key`'s string value, null when it has
   *  none, false when the value is not a string. Read from the tables (native, wasm). */
  resourceAttributeValues?(key: string): Array<string | null | false>;
}

/** One gRPC stream's receiver state: keep one decoder per stream. */
export interface BackendDecoder {
  decode(barBytes: Uint8Array): DecodeResult;
  /** Bytes of schemas and dictionaries kept between batches (to bound a stream's memory). */
  stateBytes(): number;
  /** Also returns the payloads as Arrow record batches, without serialising (native, wasm). */
  decodeArrow?(barBytes: Uint8Array, options?: DecodeArrowOptions): ArrowDecodeResult;
  /** Reads the batch into backend-owned tables without the OTLP conversion (native, wasm);
   *  undefined for a batch without payloads. Advances the stream state like decode(). */
  decodeTables?(barBytes: Uint8Array): BackendTables | undefined;
  close(): void;
}

/** processor:filter's rules for one signal, compiled in the Rust core. */
export interface BackendFilter {
  /** The tables with only the records the rules keep (possibly none); undefined for tables
   *  of another backend. */
  apply(tables: BackendTables): BackendTables | undefined;
}

export interface Backend {
  readonly name: BackendName;
  createEncoder(options?: EncoderOptions): BackendEncoder;
  createDecoder(options?: DecoderOptions): BackendDecoder;
  /**
   * Joins held tables of one signal (decodeTables of this backend) into as few batches as
   * their u16 ids allow, in order, without the OTLP conversion; undefined when one of them
   * belongs to another backend. Absent on the js backend.
   */
  concatTables?(tables: readonly BackendTables[]): BackendTables[] | undefined;
  /**
   * Cuts held tables into pieces of at most `max` items, the first at most `firstMax` (a
   * metric is never cut: a piece exceeds the limit only with a single metric); undefined
   * for tables of another backend. Absent on the js backend.
   */
  splitTables?(tables: BackendTables, firstMax: number, max: number): BackendTables[] | undefined;
  /** The first `n` records (root rows) of held tables with their children; undefined for
   *  tables of another backend. Absent on js. */
  headTables?(tables: BackendTables, n: number): BackendTables | undefined;
  /** Compiles filter rules (encodeFilterRules); throws OtelArrowError on an invalid rule
   *  (e.g. a regular expression the Rust regex syntax refuses). Absent on js. */
  createFilter?(rules: Uint8Array): BackendFilter;
  /**
   * An OTLP request's OTAP tables, built in the Rust core as its encoder builds them and held
   * without IPC (how an OTLP batch enters a processor that works on tables). Absent on js.
   */
  tablesFromOtlp?(signal: Signal, otlp: Uint8Array): BackendTables;
  /**
   * Held tables with processor:attribute's actions applied to their attribute tables, in the
   * Rust core (`actions`: encodeAttributeActions); undefined for tables of another backend.
   * Absent on the js backend.
   */
  transformAttributes?(tables: BackendTables, actions: Uint8Array): BackendTables | undefined;
  /** One zstd frame of `data` (level default 3). */
  zstdCompress(data: Uint8Array, level?: number): Uint8Array;
  /** Decompresses zstd frames; refuses output beyond `maxSize` bytes (default 256 MiB). */
  zstdDecompress(data: Uint8Array, maxSize?: number): Uint8Array;
}

export const DEFAULT_ZSTD_LEVEL = 3;
export const DEFAULT_MAX_DECOMPRESSED = 256 * 1024 * 1024;

export const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];
