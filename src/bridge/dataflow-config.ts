// `otap bridge` as a built-in pipeline: the bridge's settings (BridgeConfig: flags, file,
// OTEL_ARROW_* variables) written as the otel_dataflow/v1 document the engine runs, so the
// bridge is one more config of `otap run` (print it with `otap bridge --print-config` and
// run or edit it as any other). receiver:otlp (gRPC + HTTP, answering each request once the
// downstream acked it) -> processor:retry (the bridge's backoff) -> exporter:otap.
import { stringify } from 'yaml';
import type { BridgeConfig } from './config.js';

const MiB = 1024 * 1024;

export function bridgeDataflowSpec(c: BridgeConfig): Record<string, unknown> {
  const server = (listen: string, extra: Record<string, unknown>) => ({
    listening_addr: listen,
    wait_for_result: true,
    ...(c.bearerToken ? { bearer_token: c.bearerToken } : {}),
    ...extra,
  });
  const ms = (n: number) => `${n}ms`;
  const limit = Math.max(MiB, Math.round((c.requestLimitMiB + c.waitingLimitMiB) * MiB));
  return {
    version: 'otel_dataflow/v1',
    policies: {
      // The engine's memory limit (soft_limit: batches in the pipeline) from the bridge's
      // admission limits: requests in flight plus waiting.
      resources: {
        core_allocation: { type: 'core_count', count: 1 },
        memory_limiter: { mode: 'enforce', soft_limit: limit, hard_limit: limit * 2 },
      },
    },
    groups: {
      default: {
        pipelines: {
          bridge: {
            nodes: {
              otlp: {
                type: 'receiver:otlp',
                config: {
                  protocols: {
                    grpc: server(c.listen, { max_decoding_message_size: c.maxMessageBytes }),
                    ...(c.http === false ? {} : { http: server(c.http, { max_request_body_size: c.maxMessageBytes }) }),
                  },
                },
              },
              retry: {
                type: 'processor:retry',
                config: {
                  initial_interval: ms(c.retry.initialIntervalMs),
                  max_interval: ms(Math.max(c.retry.initialIntervalMs, c.retry.maxIntervalMs)),
                  // 0 = forever in the bridge's settings; the engine wants a bound.
                  max_elapsed_time: ms(c.retry.maxElapsedMs > 0 ? c.retry.maxElapsedMs : 365 * 24 * 3600 * 1000),
                },
              },
              otap: {
                type: 'exporter:otap',
                config: {
                  grpc_endpoint: `${c.tls ? 'https' : 'http'}://${c.to}`,
                  compression: c.compression,
                  arrow: { payload_compression: c.payloadCompression },
                  streams_per_signal: c.numStreams,
                  stream_queue_capacity: c.maxUnackedBatches,
                  timeout: ms(c.timeoutMs),
                  max_stream_lifetime: ms(c.maxStreamLifetimeMs),
                  ...(Object.keys(c.headers).length ? { headers: c.headers } : {}),
                },
              },
            },
            connections: [{ from: 'otlp', to: 'retry' }, { from: 'retry', to: 'otap' }],
          },
        },
      },
    },
  };
}

/** The same document as YAML (what `otap bridge --print-config` prints). */
export function bridgeDataflowYaml(c: BridgeConfig): string {
  return `# otap bridge: built-in pipeline (OTLP in -> OTAP out); run it with otap run --config FILE\n${stringify(bridgeDataflowSpec(c))}`;
}
