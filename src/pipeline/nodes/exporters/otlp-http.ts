// exporter:otlp_http — OTLP/HTTP protobuf POSTs, up to max_in_flight at once; acked on 2xx,
// nacked on failure (retryable for 429/502/503/504 and network errors, permanent otherwise).
import { status as GrpcStatus } from '@grpc/grpc-js';
import { z } from 'zod';
import { OtlpHttpClient, OtlpHttpError } from '../../../transport/http/otlp-http-client.js';
import { byteSize, durationMs, nodeConfig, positiveInt } from '../../config/field-types.js';
import type { ExporterFactory } from '../../engine/node-api.js';
import { clientTls, tlsClientSchema } from '../settings/tls.js';
import { InFlight } from './in-flight.js';

const httpClientSettings = z.strictObject({
  concurrency_limit: positiveInt.default(256),
  connect_timeout: durationMs.default(3000),
  tcp_nodelay: z.boolean().default(true),
  tcp_keepalive: durationMs.optional(),
  tcp_keepalive_interval: durationMs.optional(),
  timeout: durationMs.optional(),
  tls: tlsClientSchema.optional(),
  compression: z.enum(['gzip', 'none']).optional(),
  compression_method: z.enum(['gzip', 'none']).optional(),
  user_agent: z.string().optional(),
  headers: z.record(z.string(), z.string()).default({}),
});

const otlpHttpConfig = nodeConfig(z.object({
  endpoint: z.string().min(1),
  traces_endpoint: z.string().optional(),
  metrics_endpoint: z.string().optional(),
  logs_endpoint: z.string().optional(),
  max_response_body_length: byteSize.default(10 * 1024 * 1024),
  client_pool_size: positiveInt,
  max_in_flight: positiveInt.default(5),
  http: httpClientSettings,
}));
type OtlpHttpConfig = z.output<typeof otlpHttpConfig>;

export const otlpHttpExporter: ExporterFactory<OtlpHttpConfig> = {
  type: 'exporter:otlp_http',
  usesArrowForm: false,
  reads: 'otlp',
  description: 'OTLP over HTTP (protobuf)',
  config: otlpHttpConfig,
  create(config, ctx) {
    const h = config.http;
    const tls = clientTls(h.tls, config.endpoint.startsWith('https:'));
    const client = new OtlpHttpClient({
      endpoint: config.endpoint,
      signalEndpoints: {
        ...(config.traces_endpoint ? { traces: config.traces_endpoint } : {}),
        ...(config.metrics_endpoint ? { metrics: config.metrics_endpoint } : {}),
        ...(config.logs_endpoint ? { logs: config.logs_endpoint } : {}),
      },
      compression: h.compression ?? h.compression_method ?? 'none',
      headers: { ...h.headers, ...(h.user_agent ? { 'user-agent': h.user_agent } : {}) },
      poolSize: config.client_pool_size,
      maxResponseBytes: config.max_response_body_length,
      connectTimeoutMs: h.connect_timeout,
      ...(h.timeout !== undefined ? { timeoutMs: h.timeout } : {}),
      ...(typeof tls === 'object' ? { tls } : {}),
    });
    const inflight = new InFlight(config.max_in_flight);
    return {
      export: (pdata) => inflight.start(ctx, pdata, async () => {
        try {
          await client.export(pdata.signal, pdata.batch.otlpBytes());
        } catch (e) {
          if (e instanceof OtlpHttpError) {
            throw Object.assign(new Error(e.message), {
              code: e.status === 429 ? GrpcStatus.RESOURCE_EXHAUSTED : e.retryable ? GrpcStatus.UNAVAILABLE : GrpcStatus.INVALID_ARGUMENT,
              permanent: e.permanent,
            });
          }
          throw e;
        }
      }),
      drain: () => inflight.idle(),
      async stop() {
        client.close();
      },
      status: () => ({ inflight: inflight.count, endpoint: config.endpoint }),
    };
  },
};
