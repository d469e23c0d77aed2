// The pipeline `npm start` / `otap run` (without --config) runs: everything in one engine, no
// setup. A traffic generator sends logs, traces and metrics through a batch processor to an
// OTAP exporter, which streams them to an OTAP receiver of the same engine (on a free port
// chosen at start, passed in as OTAP_RUN_PORT) that ends in a perf exporter. The receiver
// waits for the perf exporter's ack, so every batch is accounted for end to end. One core by
// default; `otap run --num-cores N` runs N shared-nothing copies.
export const DEFAULT_CONFIG = `version: otel_dataflow/v1
policies:
  channel_capacity:
    pdata: 128
  resources:
    core_allocation: { type: core_count, count: 1 }
groups:
  default:
    pipelines:
      load:
        nodes:
          generator:
            type: receiver:traffic_generator
            config:
              generation_strategy: pre_generated
              traffic_config:
                signals_per_second: \${env:OTAP_RUN_RATE:-60000}
                max_batch_size: 500
                log_weight: 2
                trace_weight: 1
                metric_weight: 1
          batch:
            type: processor:batch
            config:
              otlp: { min_size: 262144, max_size: 1048576, sizer: bytes }
              max_batch_duration: 100ms
          otap_out:
            type: exporter:otap
            config:
              grpc_endpoint: http://127.0.0.1:\${env:OTAP_RUN_PORT}
        connections:
          - { from: generator, to: batch }
          - { from: batch, to: otap_out }
      receive:
        nodes:
          otap_in:
            type: receiver:otap
            config:
              listening_addr: 127.0.0.1:\${env:OTAP_RUN_PORT}
              response_stream_channel_size: 256
              wait_for_result: true
          perf:
            type: exporter:perf
        connections:
          - { from: otap_in, to: perf }
`;
