// Compile-time check (`npx tsc --noEmit -p .`, run by .ci/run): the package's exporters and
// processors are assignable to the SDK's own interfaces, with no cast.
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { ArrowLogRecordProcessor, ArrowSpanProcessor, OtapLogRecordExporter, OtapMetricExporter, OtapTraceExporter } from '../../src/sdk/index.js';
export const a: SpanExporter = new OtapTraceExporter();
export const b: LogRecordExporter = new OtapLogRecordExporter();
export const c: PushMetricExporter = new OtapMetricExporter();
export const d: SpanProcessor = new ArrowSpanProcessor(new OtapTraceExporter());
export const e: LogRecordProcessor = new ArrowLogRecordProcessor(new OtapLogRecordExporter());
