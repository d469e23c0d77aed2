export { OtapExporter, type ExporterOptions, type ExporterStats, type ShutdownOptions } from './exporter.js';
export { ExportError } from './errors.js';
export type { RetryOptions } from './backoff.js';
export type { GrpcCompression, TlsOptions, ConnectionOptions } from './channel.js';
