// exporter:otlp_grpc — OTLP/gRPC Export calls, up to max_in_flight at once over
// num_connections channels; a batch is acked when the server accepted it.
import { z } from 'zod';
import { OtlpGrpcClient } from '../../../transport/otlp-client.js';
import { nodeConfig, positiveInt } from '../../config/field-types.js';
import type { ExporterFactory } from '../../engine/node-api.js';
import { connectionOptions, grpcClientShape, unappliedClientSettings } from '../settings/grpc-client.js';
import { InFlight } from './in-flight.js';

const otlpGrpcConfig = nodeConfig(z.strictObject({
  ...grpcClientShape,
  max_in_flight: positiveInt.default(5),
  num_connections: positiveInt.default(1),
}));
type OtlpGrpcConfig = z.output<typeof otlpGrpcConfig>;

export const otlpGrpcExporter: ExporterFactory<OtlpGrpcConfig> = {
  type: 'exporter:otlp_grpc',
  usesArrowForm: false,
  doneWhenAnswered: true,
  reads: 'otlp',
  description: 'OTLP over gRPC',
  config: otlpGrpcConfig,
  create(config, ctx) {
    const conn = connectionOptions(config, 'none');
    for (const w of unappliedClientSettings(config)) ctx.logger.warn(`setting not applied: ${w}`);
    const clients = Array.from({ length: config.num_connections }, () => new OtlpGrpcClient({ ...conn, ...(config.timeout !== undefined ? { timeoutMs: config.timeout } : {}) }));
    // concurrency_limit caps the calls open on each connection.
    const inflight = new InFlight(Math.min(config.max_in_flight, config.concurrency_limit * config.num_connections));
    let next = 0;
    return {
      export: (pdata) => inflight.start(ctx, pdata, async () => {
        const client = clients[next++ % clients.length]!;
        await client.exportEncoded(pdata.signal, pdata.batch.otlpBytes());
      }),
      drain: () => inflight.idle(),
      async stop() {
        for (const c of clients) c.close();
      },
      status: () => ({ inflight: inflight.count, endpoint: conn.endpoint }),
    };
  },
};
