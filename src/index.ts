// otel-arrow: OTLP <-> OTAP (OpenTelemetry Protocol with Apache Arrow) for Node.js.

export type * from './otlp/model.js';
export { SpanKind, StatusCode as SpanStatusCode, AggregationTemporality } from './otlp/model.js';
export {
  encodeOtlp, decodeOtlp, encodeOtlpJson, decodeOtlpJson, mergeRequests, type OtlpFormat,
} from './otlp/signal-codec.js';
export * from './otlp/protobuf/index.js';
export * from './otlp/json/index.js';
export { canonicalize, canonicalEqual, canonicalDiff, canonicalJson, countItems } from './otlp/canonical.js';
export { generateTraces, generateLogs, generateMetrics, type GenerateOptions } from './otlp/generate.js';

export { Producer, type ProducerOptions } from './otap/producer.js';
export { Consumer, type ConsumerOptions, type DecodedBatch } from './otap/consumer.js';
export {
  encodeBatchArrowRecords, decodeBatchArrowRecords, encodeBatchStatus, decodeBatchStatus, StatusCode,
  type ArrowPayload, type BatchArrowRecords, type BatchStatus,
} from './otap/batch-arrow-records.js';
export { ArrowPayloadType, payloadTypeName, type ArrowPayloadTypeName } from './otap/payload-type.js';
export { frameMessages, unframeMessages } from './otap/stream-file.js';
export { TableView } from './otap/decode/table-view.js';

export { IpcStreamWriter, IpcStreamReader, listMessages, type BodyCompressor, type BodyDecompressor } from './ipc/index.js';
export type * from './arrow/types.js';

export { OtelArrowError, type OtelArrowErrorCode } from './errors.js';

// Logging: OpenTelemetry diag when @opentelemetry/api is installed, else stderr (OTEL_LOG_LEVEL).
export { setLogSink, pinoSink, type LogSink, type LogRecord, type LogLevel, type LogAttributes, type LogFormat, type PinoSinkOptions } from './log/index.js';

// Backends: the Rust core as a native addon or WebAssembly, or the TypeScript codec.
export * from './backend/index.js';

// Transport: OTAP and OTLP over gRPC and HTTP, and the OTLP -> OTAP bridge.
export * from './transport/index.js';
export * from './bridge/index.js';

// Pipelines: the engine on the Rust OTAP Dataflow Engine's config format, and the node API.
export * from './pipeline/index.js';

// Data lake: Parquet files per OTAP payload type, replay, SQL over them with DuckDB.
export * from './datalake/index.js';
