// exporter:otap — OTAP Arrow streams to an OTAP receiver (our own, the Rust engine's or a Go
// Collector's otelarrow receiver), encoding with the engine's backend. Each batch is acked
// when its BatchStatus OK arrives, nacked with the status code otherwise.
import { z } from 'zod';
import { OtapExporter } from '../../../transport/exporter/exporter.js';
import { durationMs, nodeConfig, positiveInt } from '../../config/field-types.js';
import type { ExporterFactory } from '../../engine/node-api.js';
import { connectionOptions, grpcClientShape, unappliedClientSettings } from '../settings/grpc-client.js';
import { InFlight } from './in-flight.js';

const otapExporterConfig = nodeConfig(z.strictObject({
  ...grpcClientShape,
  arrow: z.strictObject({
    payload_compression: z.enum(['zstd', 'none']).default('zstd'),
  }).prefault({}),
  stream_queue_capacity: positiveInt.default(64),
  streams_per_signal: positiveInt.default(1),
  /** This implementation's addition: rotate each Arrow stream after this long (default 30 s). */
  max_stream_lifetime: durationMs.optional(),
}));
type OtapExporterConfig = z.output<typeof otapExporterConfig>;

export const otapExporter: ExporterFactory<OtapExporterConfig> = {
  type: 'exporter:otap',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'OTAP (OTLP with Apache Arrow) gRPC streams',
  config: otapExporterConfig,
  create(config, ctx) {
    const conn = connectionOptions(config, 'zstd');
    for (const w of unappliedClientSettings(config, true)) ctx.logger.warn(`setting not applied: ${w}`);
    // Batches awaiting their BatchStatus: the stream's queue, capped by concurrency_limit.
    const unacked = Math.min(config.stream_queue_capacity, config.concurrency_limit);
    const exporter = new OtapExporter({
      ...conn,
      numStreams: config.streams_per_signal,
      maxUnackedBatches: unacked,
      payloadCompression: config.arrow.payload_compression,
      backend: ctx.backend,
      // Transport-level resends smooth over a stream ending; longer retries are processor:retry's.
      retry: { maxElapsedMs: 2000 },
      ...(config.timeout !== undefined ? { timeoutMs: config.timeout } : {}),
      ...(config.max_stream_lifetime !== undefined ? { maxStreamLifetimeMs: config.max_stream_lifetime } : {}),
    });
    const inflight = new InFlight(unacked);
    return {
      export: (pdata) => inflight.start(ctx, pdata, () => exporter.export(pdata.batch)),
      drain: () => inflight.idle(),
      stop: () => exporter.shutdown({ timeoutMs: 5000 }),
      status: () => ({ inflight: inflight.count, endpoint: conn.endpoint, ...exporter.stats }),
    };
  },
};
