// Transport: OTAP/OTLP over gRPC (grpc-js). Receiver (server), exporter (client), the hand-built
// service definitions, message compression (zstd incl. Go's zstdarrowN names, gzip) and HPACK.
export * from './receiver/index.js';
export * from './exporter/index.js';
export {
  ARROW_LOGS_SERVICE, ARROW_METRICS_SERVICE, ARROW_TRACES_SERVICE, LOGS_SERVICE, METRICS_SERVICE, TRACE_SERVICE,
  ARROW_METHOD_NAME, arrowPath, arrowServiceFor, otlpPath, otlpServiceFor, rawArrowServiceFor, rawOtlpServiceFor,
  type ArrowMethod, type OtlpMethod, type RawArrowMethod, type RawOtlpMethod,
} from './grpc/services.js';
export {
  decodeExportResponse, encodeExportResponse, type ExportServiceResponse, type PartialSuccess,
} from './grpc/otlp-responses.js';
export {
  ACCEPTED_ENCODINGS, backendZstdCodec, compressionChannelOptions, installGrpcCompression, isZstdEncoding, loadDefaultZstdCodec, zlibZstdCodec,
  GZIP_ALGORITHM, ZSTD_ALGORITHM, type GrpcCompressionOptions, type ZstdCodec,
} from './grpc/compression.js';
export { HpackDecoder, HpackEncoder, HpackError, type HeaderField } from './hpack/index.js';
export { OtlpGrpcClient, type OtlpGrpcClientOptions } from './otlp-client.js';
