// SpanExporter for the OpenTelemetry JS SDK that sends OTAP (spans -> SpanColumns -> backend).
import { ColumnsExporter } from './columns-exporter.js';
import { SpanColumns } from './columns/span-columns.js';
import type { Env, OtapSdkExporterOptions } from './exporter-config.js';
import type { SdkSpan } from './sdk-types.js';

export class OtapTraceExporter extends ColumnsExporter<SdkSpan> {
  constructor(options: OtapSdkExporterOptions = {}, env?: Env) {
    super('traces', new SpanColumns(), options, env);
  }
}
