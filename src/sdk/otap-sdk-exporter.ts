// What the three SDK exporters share: one transport OtapExporter (persistent Arrow streams,
// retries, OTLP downgrade on UNIMPLEMENTED) per SDK exporter, the SDK's callback-style
// export contract, forceFlush and shutdown.
import { TelemetryBatch } from '../batch/telemetry-batch.js';
import { getLogger } from '../log/index.js';
import { OtapExporter } from '../transport/exporter/exporter.js';
import { resolveExporterOptions, type Env, type OtapSdkExporterOptions, type SdkSignal } from './exporter-config.js';
import type { SdkExportResult } from './sdk-types.js';

const log = getLogger('sdk-exporter');

export const SUCCESS: SdkExportResult = { code: 0 };
export const failed = (error: Error): SdkExportResult => ({ code: 1, error });

export class OtapSdkExporter {
  /** The transport exporter (stats, mode: 'otap' or 'otlp' after a downgrade). */
  readonly transport: OtapExporter;
  /** The endpoint URL the exporter sends to. */
  readonly url: string;
  private readonly pending = new Set<Promise<unknown>>();
  private shutdownPromise: Promise<void> | undefined;

  constructor(readonly signal: SdkSignal, options: OtapSdkExporterOptions = {}, env: Env = process.env) {
    const resolved = resolveExporterOptions(signal, options, env);
    this.url = resolved.url;
    this.transport = new OtapExporter(resolved);
  }

  get isShutdown(): boolean {
    return this.shutdownPromise !== undefined;
  }

  /** Sends one batch; resolves to the SDK's ExportResult (never rejects). */
  send(batch: TelemetryBatch): Promise<SdkExportResult> {
    if (this.shutdownPromise) return Promise.resolve(failed(new Error(`the OTAP ${this.signal} exporter is shut down`)));
    const done = this.transport.export(batch).then(
      () => SUCCESS,
      (err: Error) => {
        log.warn(`export of ${batch.itemCount} ${this.signal} items failed: ${err.message}`, { url: this.url });
        return failed(err);
      },
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
    return done;
  }

  /** Calls the SDK's result callback once `result` settles. */
  report(result: Promise<SdkExportResult>, callback: (r: SdkExportResult) => void): void {
    void result.then(callback);
  }

  /** Resolves once every export started so far has settled. */
  async forceFlush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.forceFlush().then(() => this.transport.shutdown());
    return this.shutdownPromise;
  }
}
