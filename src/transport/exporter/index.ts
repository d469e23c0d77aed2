// OTAP exporter (gRPC client): OtapExporter sends OTLP requests as OTAP BatchArrowRecords
// over the Arrow bidi streams, with retries and a plain-OTLP fallback. See exporter.ts for
// the delivery semantics (at-least-once, no ordering across batches).
//
//   const exporter = new OtapExporter({ endpoint: 'collector:4317', headers: { authorization: 'Bearer ...' } });
//   await exporter.export('traces', request); // resolves once acknowledged OK
//   await exporter.shutdown();                // drains, then closes (keeps the process alive until then)
export { OtapExporter, type ExporterOptions, type ExporterStats, type ShutdownOptions } from './exporter.js';
export { ExportError } from './errors.js';
export type { RetryOptions } from './backoff.js';
export type { GrpcCompression, TlsOptions, ConnectionOptions } from './channel.js';
