// The node types this package ships, under the Rust engine's URNs.
import { NodeRegistry } from '../engine/registry.js';
import { consoleExporter } from './exporters/console.js';
import { fileExporter } from './exporters/file.js';
import { parquetExporter } from './exporters/parquet.js';
import { otapExporter } from './exporters/otap.js';
import { otlpGrpcExporter } from './exporters/otlp-grpc.js';
import { otlpHttpExporter } from './exporters/otlp-http.js';
import { noopExporter } from './exporters/noop.js';
import { perfExporter } from './exporters/perf.js';
import { batchProcessor } from './processors/batch.js';
import { contentRouterProcessor } from './processors/content-router.js';
import { debugProcessor } from './processors/debug.js';
import { attributeProcessor } from './processors/attribute.js';
import { filterProcessor } from './processors/filter.js';
import { temporalReaggregationProcessor } from './processors/temporal-reaggregation.js';
import { transformProcessor } from './processors/transform.js';
import { logSamplingProcessor } from './processors/log-sampling.js';
import { fanoutProcessor } from './processors/fanout.js';
import { retryProcessor } from './processors/retry.js';
import { typeRouterProcessor } from './processors/type-router.js';
import { otapReceiver } from './receivers/otap.js';
import { otlpReceiver } from './receivers/otlp.js';
import { parquetReceiver } from './receivers/parquet.js';
import { trafficGeneratorReceiver } from './receivers/traffic-generator.js';

/** A new registry with every built-in node type (register your own on it). */
export function builtinRegistry(): NodeRegistry {
  return new NodeRegistry()
    .register(otlpReceiver)
    .register(otapReceiver)
    .register(trafficGeneratorReceiver)
    .register(parquetReceiver)
    .register(batchProcessor)
    .register(typeRouterProcessor)
    .register(contentRouterProcessor)
    .register(logSamplingProcessor)
    .register(attributeProcessor)
    .register(filterProcessor)
    .register(transformProcessor)
    .register(temporalReaggregationProcessor)
    .register(fanoutProcessor)
    .register(retryProcessor)
    .register(debugProcessor)
    .register(otapExporter)
    .register(otlpGrpcExporter)
    .register(otlpHttpExporter)
    .register(consoleExporter)
    .register(fileExporter)
    .register(parquetExporter)
    .register(noopExporter)
    .register(perfExporter);
}
