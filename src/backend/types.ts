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
  /**
   * wasm: keep the encoder in a worker thread with its own instance of the module, so that it
   * has encodeAsync/encodeColumnsAsync as the native encoder does (its synchronous calls then
   * wait for that thread; encodeTables and encodeEdited are absent, as the tables live in this
   * thread's instance). Native encoders always have their thread; js ignores it.
   */
  thread?: boolean;
}

/** One gRPC stream's sender state: keep one encoder per stream. */
export interface BackendEncoder {
  /** OTLP Export*ServiceRequest protobuf bytes -> BatchArrowRecords protobuf bytes. */
  encode(signal: Signal, otlpRequestBytes: Uint8Array): Uint8Array;
  /**
   * `encode` run on the encoder's own thread (native: a thread of the addon; wasm with
   * EncoderOptions.thread: a worker), so that the event loop serves I/O meanwhile; the same
   * bytes or the same error. Calls queue on that thread in call order; the input is copied.
   * Do not mix with synchronous calls while some are pending. Absent on js and on a wasm
   * encoder without `thread`.
   */
  encodeAsync?(signal: Signal, otlpRequestBytes: Uint8Array): Promise<Uint8Array>;
  /**
   * Received tables (BackendDecoder.decodeTables of this same backend) -> BatchArrowRecords
   * bytes, forwarded as they arrived without the OTLP conversion; undefined when the tables
   * belong to another backend (then encode their OTLP bytes). Absent on the js backend.
   */
  encodeTables?(tables: BackendTables): Uint8Array | undefined;
  /**
   * `encode` of the request `editor` (this same backend's createAttributeEditor) renames and
   * deletes in: the same bytes as encoding `editor.editOtlp`'s output, in one pass over the
   * request. Undefined when the editor belongs to another backend. Absent on the js backend.
   */
  encodeEdited?(signal: Signal, otlpRequestBytes: Uint8Array, editor: BackendAttributeEditor): Uint8Array | undefined;
  /**
   * SDK columns (src/sdk/columns/FORMAT.md: spans or log records as the OpenTelemetry JS SDK
   * produced them) -> BatchArrowRecords bytes of this stream, built without OTLP protobuf
   * (native, wasm); the js backend reads them into OTLP objects for its Producer.
   */
  encodeColumns(columns: Uint8Array): Uint8Array;
  /** `encodeColumns` off the JavaScript thread, queued in order with encodeAsync (same rules). */
  encodeColumnsAsync?(columns: Uint8Array): Promise<Uint8Array>;
  /**
   * encodeAsync (`input.signal`) or encodeColumnsAsync (`input.columns`) for a gRPC stream
   * with zstd message compression: the BatchArrowRecords compressed at `level` and framed as a
   * gRPC message on the encoder's thread too, so that the event loop neither encodes nor
   * compresses. Queued with the other async calls; present where they are.
   */
  encodeFramedAsync?(input: EncodeInput, level: number): Promise<FramedBatch>;
  /**
   * encodeAsync (`input.signal`) or encodeColumnsAsync (`input.columns`) answered with the
   * batch's items too, counted by the encoder, so that nobody walks the input to count them.
   * Queued with the other async calls; present where encodeFramedAsync is.
   */
  encodeCountedAsync?(input: EncodeInput): Promise<CountedBatch>;
  /**
   * encodeAsync (`input.signal`) or encodeColumnsAsync (`input.columns`) answered with the
   * batch kept in the backend's memory, for a caller that compresses it into a gRPC message
   * on the event loop itself (when the encoder's thread is the busier one): the bytes go from
   * there into the message and never become a JavaScript buffer of their own. Native only.
   */
  encodeHeldAsync?(input: EncodeInput): Promise<HeldBatch>;
  /** Releases the encoder's resources now (later calls throw). */
  close(): void;
}

/** What an async encode takes: OTLP request bytes of a signal, or SDK columns. */
export type EncodeInput = { signal: Signal; otlp: Uint8Array } | { columns: Uint8Array };

/** A BatchArrowRecords and its items. */
export interface CountedBatch {
  bar: Uint8Array;
  /** Its spans / log records / metric data points (rows of the item tables). */
  items: number;
}

/** What an encode that answers without the bytes in a JavaScript buffer reports of them. */
export interface BatchReport {
  readonly batchId: bigint;
  /** The BatchArrowRecords' size before compression. */
  readonly barBytes: number;
  /** Its spans / log records / metric data points (rows of the item tables). */
  readonly items: number;
}

/** A BatchArrowRecords kept in the backend's memory (BackendEncoder.encodeHeldAsync); used
 *  once, by zstdGrpcMessage or take. */
export interface HeldBatch extends BatchReport {
  /** As a FramedBatch's frame: flag 1, the u32 big-endian length, the zstd frame at `level`. */
  zstdGrpcMessage(level: number): Uint8Array;
  /** The BatchArrowRecords bytes. */
  take(): Uint8Array;
}

/** A BatchArrowRecords as the gRPC message a zstd-compressing client sends. */
export interface FramedBatch extends BatchReport {
  /** Compressed flag 1, the body's length (u32, big-endian), the zstd frame of the message. */
  readonly frame: Uint8Array;
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
  /** Frees the backend's memory now rather than when garbage collection finds the tables
   *  (intermediate tables a node made and dropped); every later call on them throws.
   *  Arrow views taken with toArrow stay valid. */
  release?(): void;
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

/** See Backend.createTablesBuilder. */
export interface BackendTablesBuilder {
  /** The request's tables, built in the Rust core (throws OtelArrowError on malformed protobuf). */
  build(signal: Signal, otlp: Uint8Array): BackendTables;
}

/** processor:filter's rules for one signal, compiled in the Rust core. */
export interface BackendFilter {
  /** The tables with only the records the rules keep (possibly none); undefined for tables
   *  of another backend. */
  apply(tables: BackendTables): BackendTables | undefined;
  /** The tables of an OTLP request's records the rules keep, decided on the parsed request
   *  so that dropped records are never built into tables; what apply(tablesFromOtlp(..)) gives,
   *  with dictionaries that continue from call to call (see createTablesBuilder). */
  applyOtlp(signal: Signal, otlp: Uint8Array): BackendTables;
  /** The OTLP request cut down to the records the rules keep, as OTLP protobuf (the kept
   *  records' bytes copied, no tables built): undefined when every record is kept, a request
   *  without records when none is. For a batch whose next consumer encodes OTLP bytes anyway. */
  keepOtlp?(signal: Signal, otlp: Uint8Array): Uint8Array | undefined;
}

/** processor:attribute's renames and deletions compiled in the Rust core, for OTLP bytes. */
export interface BackendAttributeEditor {
  /** The OTLP request with the renames and deletions applied to the attribute lists the
   *  actions' apply_to selects, as OTLP protobuf (other fields copied as they came); undefined
   *  when they change nothing. For a batch whose next consumer encodes OTLP bytes anyway. */
  editOtlp(signal: Signal, otlp: Uint8Array): Uint8Array | undefined;
}

export interface ParquetWriterOptions {
  /** zstd level of the column chunks (default 3). */
  zstdLevel?: number;
  /** Rows per row group (default 131072): a row group is written out when it has this many. */
  rowGroupRows?: number;
  /** Schema-level metadata of the root table's file (e.g. `_part_id` = a UUID), also in the
   *  Parquet footer's key/value metadata. */
  rootMetadata?: Record<string, string>;
}

/** Bytes of one OTAP payload type's Parquet file. */
export interface ParquetFileBytes {
  payloadType: number;
  bytes: Uint8Array;
}

/**
 * The error code of `BackendParquetWriter.write` when the file set's u32 ids are used up:
 * nothing was written; finish this set and write the batch to a new one (never happens for
 * the first batch of a set).
 */
export const PARQUET_ID_OVERFLOW = 'ID_OVERFLOW' as const;

/**
 * One Parquet "file set" of one signal (one file per OTAP payload type, the star schema
 * kept, ids unique across the set's batches), written incrementally in memory (native/core/
 * src/parquet). Concatenating a payload type's takeOutput() chunks and its finish() bytes,
 * in order, gives its file.
 */
export interface BackendParquetWriter {
  /** Appends held tables of this backend; throws OtelArrowError (INVALID_PAYLOAD naming table
   *  and column, ID_OVERFLOW = PARQUET_ID_OVERFLOW) and then leaves the set unchanged;
   *  UNSUPPORTED for tables of another backend (convert them with tablesFromOtlp(toOtlp())). */
  write(tables: BackendTables): void;
  /** Bytes produced since the last call, per payload type (row groups are written when full,
   *  so little appears between them). */
  takeOutput(): ParquetFileBytes[];
  /** Rows written so far per payload type. */
  rows(): Map<number, number>;
  /** Memory the set holds: unfinished row groups and output not yet taken. */
  bufferedBytes(): number;
  /** Closes every file (last row group, footer): the remaining bytes per payload type. The
   *  writer refuses every call afterwards. */
  finish(): ParquetFileBytes[];
}

/** What a Parquet file's footer says. */
export interface ParquetFileInfo {
  rows: number;
  rowGroups: number;
  /** Key/value metadata (e.g. `_part_id`, `otap.data_xxh64`), without ARROW:schema. */
  metadata: Map<string, string>;
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
   * A builder of OTLP requests' OTAP tables whose dictionaries continue from one request to
   * the next (tablesFromOtlp starts fresh ones each time): a processor that turns OTLP
   * batches into tables for an exporter keeps one per signal, so the exporter sends
   * dictionary deltas instead of every batch's dictionaries in full. Absent on js.
   */
  createTablesBuilder?(): BackendTablesBuilder;
  /**
   * Held tables with processor:attribute's actions applied to their attribute tables, in the
   * Rust core (`actions`: encodeAttributeActions); undefined for tables of another backend.
   * Absent on the js backend.
   */
  transformAttributes?(tables: BackendTables, actions: Uint8Array): BackendTables | undefined;
  /**
   * processor:attribute's actions (encodeAttributeActions) compiled for OTLP bytes; throws
   * INVALID_PAYLOAD for actions other than rename and delete (they need the tables). Absent on
   * the js backend and on cores built before it.
   */
  createAttributeEditor?(actions: Uint8Array): BackendAttributeEditor;
  /**
   * A Parquet file set writer for `signal` (native, wasm; absent on js: Parquet needs a Rust
   * backend). Throws OtelArrowError UNSUPPORTED for a zstd level zstd refuses or 0 rows per
   * row group.
   */
  createParquetWriter?(signal: Signal, options?: ParquetWriterOptions): BackendParquetWriter;
  /**
   * A file set (whole files, one per payload type, the root payload's included) read back as
   * held tables of at most `maxItems` items each (a metric is never cut), ids renumbered and
   * transport-encoded: toOtlp() and encodeTables() take them like received tables. Throws
   * OtelArrowError: MALFORMED_PARQUET (unreadable or damaged file), INVALID_PAYLOAD (a column
   * of another type, a missing required column, a row whose parent is not in the set, no
   * root file), UNKNOWN_PAYLOAD_TYPE. Absent on js.
   */
  readParquetSet?(signal: Signal, files: readonly ParquetFileBytes[], maxItems: number): BackendTables[];
  /** The rows, row groups and key/value metadata of one whole Parquet file (its footer only;
   *  throws MALFORMED_PARQUET). Absent on js. */
  parquetFileInfo?(bytes: Uint8Array): ParquetFileInfo;
  /** One zstd frame of `data` (level default 3). */
  zstdCompress(data: Uint8Array, level?: number): Uint8Array;
  /** `data` as a zstd-compressed gRPC message (flag 1, the frame's u32 big-endian length,
   *  one zstd frame at `level`) in one buffer. Native only: the gRPC clients' compression. */
  zstdGrpcMessage?(data: Uint8Array, level: number): Uint8Array;
  /** Decompresses zstd frames; refuses output beyond `maxSize` bytes (default 256 MiB). */
  zstdDecompress(data: Uint8Array, maxSize?: number): Uint8Array;
  /** Decompresses zstd frames into `out`: the decompressed length, or -1 when they do not
   *  fit (nothing else is meaningful in `out` then). Native only: the receivers' reusable
   *  message buffers (src/transport/grpc/message-buffers.ts). */
  zstdDecompressInto?(data: Uint8Array, out: Uint8Array): number;
  /** Returns free memory to the OS: the addon allocator's (mimalloc) and the C library's
   *  (glibc malloc_trim); false where the C library has no such call. Native only: `otap run`
   *  calls it once its engine is up. */
  releaseFreeMemory?(): boolean;
}

export const DEFAULT_ZSTD_LEVEL = 3;
export const DEFAULT_MAX_DECOMPRESSED = 256 * 1024 * 1024;

export const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];
