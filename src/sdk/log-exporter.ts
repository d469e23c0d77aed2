// LogRecordExporter for the OpenTelemetry JS SDK that sends OTAP (log records -> LogColumns
// -> backend).
import { ColumnsExporter } from './columns-exporter.js';
import { LogColumns } from './columns/log-columns.js';
import type { Env, OtapSdkExporterOptions } from './exporter-config.js';
import type { SdkLogRecord } from './sdk-types.js';

export class OtapLogRecordExporter extends ColumnsExporter<SdkLogRecord> {
  constructor(options: OtapSdkExporterOptions = {}, env?: Env) {
    super('logs', new LogColumns(), options, env);
  }
}
