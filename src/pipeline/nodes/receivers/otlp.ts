// receiver:otlp — OTLP over gRPC (TraceService/LogsService/MetricsService Export) and/or
// OTLP/HTTP (/v1/traces|logs|metrics, protobuf or JSON), each on its own listening_addr.
// Protobuf stays bytes into the pipeline; only OTLP/JSON builds objects.
import { z } from 'zod';
import { OtapReceiver } from '../../../transport/receiver/receiver.js';
import { startOtlpHttpServer } from '../../../transport/http/otlp-http.js';
import { nodeConfig } from '../../config/field-types.js';
import type { ReceiverFactory } from '../../engine/node-api.js';
import { grpcHttp2Tuning, grpcServerSchema, httpServerSchema } from '../settings/grpc-server.js';
import { serverTls } from '../settings/tls.js';
import { pipelineConsume, pipelineRefuseEarly } from './pipeline-consume.js';

const MiB = 1024 * 1024;

const otlpConfig = nodeConfig(z.strictObject({
  protocols: z.strictObject({
    grpc: grpcServerSchema.optional(),
    http: httpServerSchema.optional(),
  }).refine((p) => p.grpc !== undefined || p.http !== undefined, { message: 'enable at least one of protocols.grpc, protocols.http' }),
}));
type OtlpConfig = z.output<typeof otlpConfig>;

export const otlpReceiver: ReceiverFactory<OtlpConfig> = {
  type: 'receiver:otlp',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'OTLP over gRPC and HTTP',
  config: otlpConfig,
  create(config, ctx) {
    const { grpc, http } = config.protocols;
    const limitMiB = Math.max(1, ctx.memory.limit / MiB);
    let grpcReceiver: OtapReceiver | undefined;
    let httpReceiver: OtapReceiver | undefined;
    let httpServer: { port: number; close(): Promise<void> } | undefined;
    const bound: Record<string, number> = {};
    return {
      async start() {
        if (grpc) {
          grpcReceiver = new OtapReceiver({
            host: grpc.listening_addr.host, grpcPort: grpc.listening_addr.port, tls: serverTls(grpc.tls),
            maxMessageBytes: grpc.max_decoding_message_size, requestLimitMiB: limitMiB, waitingLimitMiB: limitMiB / 4, backend: ctx.backend, refuseEarly: pipelineRefuseEarly(ctx),
            http2: grpcHttp2Tuning(grpc),
            ...(grpc.max_concurrent_streams ? { maxConcurrentStreams: grpc.max_concurrent_streams } : {}),
            ...(grpc.bearer_token ? { bearerToken: grpc.bearer_token } : {}),
          }, pipelineConsume(ctx, { waitForResult: grpc.wait_for_result, ...(grpc.timeout !== undefined ? { timeoutMs: grpc.timeout } : {}) }));
          bound.grpc = (await grpcReceiver.start()).grpcPort;
        }
        if (http) {
          httpReceiver = new OtapReceiver({
            host: http.listening_addr.host, maxMessageBytes: http.max_request_body_size, requestLimitMiB: limitMiB, waitingLimitMiB: limitMiB / 4, backend: ctx.backend, refuseEarly: pipelineRefuseEarly(ctx),
            ...(http.bearer_token ? { bearerToken: http.bearer_token } : {}),
          }, pipelineConsume(ctx, { waitForResult: http.wait_for_result, timeoutMs: http.timeout }));
          await httpReceiver.loadBackend();
          httpServer = await startOtlpHttpServer(httpReceiver, http.listening_addr.port, serverTls(http.tls), { maxMessageBytes: http.max_request_body_size });
          bound.http = httpServer.port;
        }
        ctx.logger.info(`otlp receiver listening: ${Object.entries(bound).map(([p, port]) => `${p} :${port}`).join(', ')}`, { node: ctx.nodeId });
      },
      async stop() {
        await Promise.all([grpcReceiver?.shutdown(), httpServer?.close(), httpReceiver?.shutdown()]);
      },
      status: () => ({ ports: bound, grpc: grpcReceiver?.stats, http: httpReceiver?.stats }),
    };
  },
};
