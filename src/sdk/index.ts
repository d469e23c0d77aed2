// otel-arrow/sdk: OpenTelemetry JS SDK exporters and processors that send OTAP.
export { OtapTraceExporter } from './trace-exporter.js';
export { OtapLogRecordExporter } from './log-exporter.js';
export { OtapMetricExporter, type OtapMetricExporterOptions, type TemporalityPreference } from './metric-exporter.js';
export type { OtapSdkExporterOptions } from './exporter-config.js';
export { resolveExporterOptions } from './exporter-config.js';
export { SpanColumns } from './columns/span-columns.js';
export { LogColumns } from './columns/log-columns.js';
export { readColumns, readSpanColumns, readLogColumns } from './columns/read-columns.js';
export { ArrowSpanProcessor } from './arrow-span-processor.js';
export { ArrowLogRecordProcessor } from './arrow-log-record-processor.js';
export type { ColumnsBatchOptions, ColumnsSink } from './columns-batch-processor.js';
