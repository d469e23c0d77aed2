// The pipeline engine: otel_dataflow/v1 configs, the engine, the node API and built-in nodes.
export { Engine, validateFile, validateText, validateSpec, type EngineOptions, type EngineSummary, type ValidatedSpec } from './engine/engine.js';
export { NodeRegistry } from './engine/registry.js';
export { builtinRegistry } from './nodes/builtin.js';
export { PData, Interest, type Ack, type Nack } from './engine/pdata.js';
export { MemoryBudget } from './engine/memory-budget.js';
export type { NodeMetrics } from './engine/node-metrics.js';
export type { PipelineSummary, NodeStatus } from './engine/pipeline-instance.js';
export type {
  NodeContext, ReceiverContext, ReceiverNode, ProcessorNode, ExporterNode, ReceiverFactory, ProcessorFactory, ExporterFactory,
  NodeFactory, NackOptions, Outcome, Admitted,
} from './engine/node-api.js';
export { ConfigError as PipelineConfigError, type ConfigIssue } from './config/config-error.js';
export { parseSpec, loadSpecFile } from './config/load.js';
export { DEFAULT_CONFIG as DEFAULT_PIPELINE_CONFIG } from './default-config.js';
export { OtlpHttpClient, OtlpHttpError, type OtlpHttpClientOptions } from '../transport/http/otlp-http-client.js';
