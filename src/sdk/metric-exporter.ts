// PushMetricExporter for the OpenTelemetry JS SDK (with PeriodicExportingMetricReader) that
// sends OTAP. Temporality follows OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE
// (cumulative, delta, lowmemory) as the OTLP metric exporters do.
import { TelemetryBatch } from '../batch/telemetry-batch.js';
import { OtelArrowError } from '../errors.js';
import type { Env, OtapSdkExporterOptions } from './exporter-config.js';
import { metricsRequest, type SdkResourceMetrics } from './metric-request.js';
import { failed, OtapSdkExporter } from './otap-sdk-exporter.js';
import type { SdkExportResult } from './sdk-types.js';

export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';

/** The SDK's AggregationTemporality values. */
const DELTA = 0;
const CUMULATIVE = 1;

export interface OtapMetricExporterOptions extends OtapSdkExporterOptions {
  temporalityPreference?: TemporalityPreference;
}

function preferenceOf(options: OtapMetricExporterOptions, env: Env): TemporalityPreference {
  if (options.temporalityPreference) return options.temporalityPreference;
  const v = env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE?.trim().toLowerCase();
  if (!v) return 'cumulative';
  if (v === 'cumulative' || v === 'delta' || v === 'lowmemory') return v;
  throw new OtelArrowError('UNSUPPORTED', `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=${JSON.stringify(v)}: expected cumulative, delta or lowmemory`);
}

export class OtapMetricExporter extends OtapSdkExporter {
  private readonly preference: TemporalityPreference;

  constructor(options: OtapMetricExporterOptions = {}, env: Env = process.env) {
    super('metrics', options, env);
    this.preference = preferenceOf(options, env);
  }

  export(metrics: SdkResourceMetrics, resultCallback: (result: SdkExportResult) => void): void {
    let batch: TelemetryBatch;
    try {
      batch = TelemetryBatch.fromRequest('metrics', metricsRequest(metrics));
    } catch (err) {
      resultCallback(failed(err as Error));
      return;
    }
    if (batch.itemCount === 0) {
      resultCallback({ code: 0 });
      return;
    }
    this.report(this.send(batch), resultCallback);
  }

  /** The SDK asks per instrument type (its InstrumentType string values). */
  selectAggregationTemporality(instrumentType: string): number {
    if (this.preference === 'cumulative') return CUMULATIVE;
    switch (instrumentType) {
      case 'COUNTER':
      case 'HISTOGRAM':
        return DELTA;
      case 'OBSERVABLE_COUNTER':
        return this.preference === 'delta' ? DELTA : CUMULATIVE;
      default:
        return CUMULATIVE; // up-down counters and gauges
    }
  }
}
