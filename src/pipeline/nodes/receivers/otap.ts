// receiver:otap — the OTAP Arrow streaming services (ArrowTracesService / ArrowLogsService /
// ArrowMetricsService; the OTLP gRPC services are served on the same port too). Each stream
// decodes with its own backend decoder; batches enter the pipeline as Rust-owned tables.
import { z } from 'zod';
import { OtapReceiver } from '../../../transport/receiver/receiver.js';
import { byteSize, durationMs, nodeConfig, positiveInt, socketAddress } from '../../config/field-types.js';
import type { ReceiverFactory } from '../../engine/node-api.js';
import { serverTls, tlsServerSchema } from '../settings/tls.js';
import { pipelineConsume, pipelineRefuseEarly } from './pipeline-consume.js';

const MiB = 1024 * 1024;

const otapConfig = nodeConfig(z.strictObject({
  listening_addr: socketAddress,
  compression_method: z.enum(['zstd', 'gzip', 'deflate']).optional(),
  response_stream_channel_size: positiveInt,
  max_concurrent_requests: positiveInt.default(1000),
  max_concurrent_requests_per_stream: positiveInt.default(16),
  max_decoding_message_size: byteSize.optional(),
  timeout: durationMs.optional(),
  tls: tlsServerSchema.optional(),
  wait_for_result: z.boolean().default(false),
  /** This implementation's addition (see settings/grpc-server.ts). */
  bearer_token: z.string().min(1).optional(),
}));
type OtapConfig = z.output<typeof otapConfig>;

export const otapReceiver: ReceiverFactory<OtapConfig> = {
  type: 'receiver:otap',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'OTAP (OTLP with Apache Arrow) gRPC streams',
  config: otapConfig,
  create(config, ctx) {
    const limitMiB = Math.max(1, ctx.memory.limit / MiB);
    const receiver = new OtapReceiver({
      host: config.listening_addr.host, grpcPort: config.listening_addr.port, tls: serverTls(config.tls),
      requestLimitMiB: limitMiB, waitingLimitMiB: limitMiB / 4, streamMemoryLimitMiB: Math.min(64, limitMiB), backend: ctx.backend, refuseEarly: pipelineRefuseEarly(ctx),
      decodeTo: ctx.downstreamReadsOnlyOtlp ? 'otlp' : 'tables',
      ...(config.max_decoding_message_size !== undefined ? { maxMessageBytes: config.max_decoding_message_size } : {}),
      ...(config.bearer_token ? { bearerToken: config.bearer_token } : {}),
    }, pipelineConsume(ctx, { waitForResult: config.wait_for_result, ...(config.timeout !== undefined ? { timeoutMs: config.timeout } : {}) }));
    let port: number | undefined;
    return {
      async start() {
        port = (await receiver.start()).grpcPort;
        ctx.logger.info(`otap receiver listening on ${config.listening_addr.host}:${port}`, { node: ctx.nodeId });
      },
      stop: () => receiver.shutdown(),
      status: () => ({ port, ...receiver.stats }),
    };
  },
};
