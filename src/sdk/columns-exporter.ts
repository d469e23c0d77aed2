// The export path of span and log record exporters: each export's items go into the
// exporter's column buffers, and the finished buffer is one batch the backend encodes onto
// a persistent Arrow stream (no OTLP on the way).
import { TelemetryBatch } from '../batch/telemetry-batch.js';
import type { Env, OtapSdkExporterOptions } from './exporter-config.js';
import { failed, OtapSdkExporter } from './otap-sdk-exporter.js';
import type { SdkExportResult } from './sdk-types.js';

export interface ItemColumns<T> {
  append(item: T): void;
  finish(): Uint8Array;
  reset(): void;
}

export abstract class ColumnsExporter<T> extends OtapSdkExporter {
  constructor(signal: 'traces' | 'logs', private readonly columns: ItemColumns<T>, options: OtapSdkExporterOptions, env?: Env) {
    super(signal, options, env);
  }

  export(items: readonly T[], resultCallback: (result: SdkExportResult) => void): void {
    let columns: Uint8Array;
    try {
      for (const item of items) this.columns.append(item);
      columns = this.columns.finish();
    } catch (err) {
      resultCallback(failed(err as Error));
      return;
    } finally {
      this.columns.reset();
    }
    this.report(this.exportColumns(columns, items.length), resultCallback);
  }

  /** Sends a finished columns buffer of `items` items (the Arrow processors' path). */
  exportColumns(columns: Uint8Array, items: number): Promise<SdkExportResult> {
    return this.send(TelemetryBatch.fromColumns(this.signal as 'traces' | 'logs', columns, items));
  }
}
