import type { Backend, BackendOption } from '../../backend/types.js';
import type { TelemetryBatch } from '../../batch/telemetry-batch.js';
import type { Signal, SignalRequest } from '../../otlp/model.js';
import type { Http2ServerTuning } from '../grpc/http2-settings.js';
import type { StatusError } from './status.js';

export interface ReceiverOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** gRPC port; 0 (default) = ephemeral. */
  grpcPort?: number;
  /** OTLP/HTTP port; default off. Needs an `otlpHttp` plugin (not part of this module yet). */
  httpPort?: number | false;
  /** Server TLS; with `ca` and `requireClientCert` it is mTLS. */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer; requireClientCert?: boolean };
  /** When set, every stream and unary call must carry `authorization: Bearer <token>`. */
  bearerToken?: string;
  /** Bytes of decoded requests being processed (handed to consume()); default 128 MiB. */
  requestLimitMiB?: number;
  /** Bytes of decoded requests waiting for admission; beyond it RESOURCE_EXHAUSTED; default 32 MiB. */
  waitingLimitMiB?: number;
  /** Per-stream Arrow IPC / dictionary state; beyond it the stream ends RESOURCE_EXHAUSTED; default 64 MiB. */
  streamMemoryLimitMiB?: number;
  /** Largest gRPC message (after decompression); default 64 MiB. */
  maxMessageBytes?: number;
  /** How long shutdown() lets running consume() calls finish before answering UNAVAILABLE; default 5000 ms. */
  shutdownGraceMs?: number;
  /** HTTP/2 flow-control windows and frame size of the gRPC server; default 8 MiB per stream,
   *  24 MiB per connection (the Rust engine's defaults; see grpc/http2-settings.ts). */
  http2?: Partial<Http2ServerTuning>;
  /** SETTINGS_MAX_CONCURRENT_STREAMS of the gRPC server; default unlimited. */
  maxConcurrentStreams?: number;
  /** Serve OTLP Export calls straight from HTTP/2 rather than through grpc-js (same answers,
   *  less CPU per request; see receiver/otlp-export-direct.ts). Default true. */
  grpcExportDirect?: boolean;
  /** Serve the OTAP Arrow streams straight from HTTP/2 rather than through grpc-js (same
   *  answers, less CPU per batch; see receiver/arrow-call-direct.ts). Default true. With
   *  false, grpc-js decompresses every message of an HTTP/2 DATA frame before the stream can
   *  pause (a frame of small zstd bombs is held decompressed all at once, each up to
   *  maxMessageBytes; gzip and deflate are bounded process-wide, see INFLATE_CONCURRENCY);
   *  the direct path decompresses one message at a time: keep it for
   *  receivers open to untrusted clients. */
  grpcArrowDirect?: boolean;
  /** A refusal decided before a request's body is read, from a lower bound of its decoded
   *  size in bytes (e.g. a pipeline whose memory limit it cannot fit now): the StatusError is
   *  the answer and the rest of the request is never buffered. Asked by the OTLP Export calls
   *  served directly (after the 5-byte message prefix) and by OTLP/HTTP (from Content-Length);
   *  everything else is refused by consume() once read, which stays the authority (this only
   *  answers earlier what consume() would refuse anyway). */
  refuseEarly?: (bytes: number) => StatusError | undefined;
  /** What an OTAP batch is handed over as: 'tables' (default) keeps the backend's Arrow
   *  tables, converted only on request; 'otlp' decodes it straight to OTLP protobuf bytes,
   *  cheaper when the consumer only ever wants OTLP (a pipeline whose exporters send OTLP). */
  decodeTo?: 'tables' | 'otlp';
  /** Free a batch's native memory (the backend's Arrow tables of an OTAP batch received with
   *  the native or wasm backend) as soon as its consume() settles, rather than when V8
   *  collects the batch: for a consume() that is done with the batch when it settles (it
   *  copied whatever it keeps). Those tables are then held exactly as long as admission
   *  counts them, and a busy receiver saves the major GCs that V8 runs for memory it is told
   *  garbage holds. A batch used after its consume() settled throws (its itemCount and
   *  byteSize excepted; OTLP bytes and Arrow views taken from it stay valid). Default false. */
  releaseAfterConsume?: boolean;
  /** OTLP/HTTP server hook (see OtlpHttpPlugin). */
  otlpHttp?: OtlpHttpPlugin;
  /** The codec that decodes OTAP streams: a loaded Backend, or which one to load
   *  (default loadBackend(): OTEL_ARROW_BACKEND, else native, then wasm, then js). */
  backend?: Backend | BackendOption;
}

export type Protocol = 'otap' | 'otlp-grpc' | 'otlp-http';

export interface ReceivedBatch<S extends Signal = Signal> {
  signal: S;
  /** The batch as received: OTLP protobuf bytes (OTLP/gRPC, OTLP/HTTP protobuf; OTAP on the
   *  js backend), Rust-owned OTAP tables (OTAP on the native and wasm backends) or OTLP
   *  objects (OTLP/JSON). Converts lazily; a conversion failure of received tables rejects
   *  consume() as permanent (INVALID_ARGUMENT to the sender). */
  payload: TelemetryBatch<S>;
  /** The OTLP request as objects: `payload.request`, decoded on first access. */
  readonly request: SignalRequest[S];
  /** gRPC metadata of the call merged with the batch's HPACK headers (lower-case names;
   *  batch headers win; `authorization` is never included). */
  metadata: Record<string, string>;
  /** Size of the message as received (after gRPC / HTTP decompression). */
  bytes: number;
  protocol: Protocol;
  /** How `bytes` were encoded: OTLP/HTTP may carry OTLP/JSON text; everything else is
   *  protobuf (absent = protobuf). */
  format?: 'protobuf' | 'json';
}

/**
 * Called once per received batch. Resolve = accepted (OK). Reject with an error carrying a
 * numeric gRPC `code` -> that status; with an error marked `permanent` (see `permanent()`)
 * -> INVALID_ARGUMENT; anything else -> UNAVAILABLE (the sender retries).
 */
export type ConsumeFn = (batch: ReceivedBatch) => Promise<void>;

/** What an OTLP/HTTP front end gets from the receiver: the same admission, stats and consume(). */
export interface IngestContext {
  readonly host: string;
  readonly bearerToken: string | undefined;
  readonly maxMessageBytes: number;
  /** The receiver's codec backend (for the batches' Arrow form). */
  readonly backend?: Backend;
  /** Admits, consumes and accounts one request; resolves or rejects like consume()
   *  (rejections carry a gRPC `code`: RESOURCE_EXHAUSTED when admission refuses,
   *  INVALID_ARGUMENT when the payload's framing is malformed). */
  ingest<S extends Signal>(payload: TelemetryBatch<S>, metadata: Record<string, string>, bytes: number, protocol: Protocol, format?: 'protobuf' | 'json'): Promise<void>;
  /** The refusal a request of at least `minBytes` decoded bytes gets before its body is read
   *  (bad credentials, shutting down, ReceiverOptions.refuseEarly), counted; undefined: read it. */
  refusalBeforeBody?(authorization: string | undefined, minBytes: number): { code: number; message: string } | undefined;
}

export interface OtlpHttpPlugin {
  start(ctx: IngestContext, port: number, tls: ReceiverOptions['tls']): Promise<{ port: number; close(): Promise<void> }>;
}

export interface ReceiverStats {
  /** Batches accepted (consume() resolved). */
  batches: number;
  /** Items (spans, log records, data points) in accepted batches. */
  items: number;
  /** Message bytes received (after gRPC decompression). */
  bytesIn: number;
  /** Refused batches / calls by status name, e.g. { RESOURCE_EXHAUSTED: 3 }. */
  rejected: Record<string, number>;
  /** Open Arrow streams. */
  streams: number;
}
