// The batching of ArrowSpanProcessor and ArrowLogRecordProcessor. Where the SDK's batch
// processors keep every ended span (log record) object in a queue until export, these append
// it to column buffers at once, so the objects are garbage right away; a full buffer (or the
// scheduled delay) turns into one finished columns buffer waiting for export. Options and
// semantics are BatchSpanProcessor's: maxQueueSize counts items buffered or waiting; beyond it
// new items are dropped and counted; one export at a time, each bounded by
// exportTimeoutMillis; forceFlush exports everything; shutdown flushes, then shuts the
// exporter down.
import { getLogger } from '../log/index.js';
import type { ItemColumns } from './columns-exporter.js';
import type { Env } from './exporter-config.js';
import type { SdkExportResult } from './sdk-types.js';

const log = getLogger('sdk-processor');

export interface ColumnsBatchOptions {
  /** Items buffered or waiting for export before new ones are dropped. Default 2048. */
  maxQueueSize?: number;
  /** Items per export. Default 512. */
  maxExportBatchSize?: number;
  /** Longest wait before buffered items are exported (ms). Default 5000. */
  scheduledDelayMillis?: number;
  /** How long one export may take before it counts as failed (ms). Default 30000. */
  exportTimeoutMillis?: number;
}

/** An exporter that takes finished column buffers (OtapTraceExporter, OtapLogRecordExporter). */
export interface ColumnsSink {
  exportColumns(columns: Uint8Array, items: number): Promise<SdkExportResult>;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export type ProcessorOptions = ColumnsBatchOptions & { exporter: ColumnsSink };

/** The SDK 3.x constructor form (one options object with `exporter`) or the 2.x one. */
export function processorArgs(first: ColumnsSink | ProcessorOptions, options: ColumnsBatchOptions): [ColumnsSink, ColumnsBatchOptions] {
  if ('exportColumns' in first) return [first, options];
  const { exporter, ...rest } = first;
  return [exporter, rest];
}

/** The SDK's Resource while async detectors run. */
interface AsyncResource {
  asyncAttributesPending?: boolean;
  waitForAsyncAttributes?(): Promise<void>;
}

interface Resolved {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

/** Options over the variables (OTEL_BSP_* or OTEL_BLRP_*) over the SDK's defaults. */
export function resolveBatchOptions(options: ColumnsBatchOptions, prefix: 'OTEL_BSP' | 'OTEL_BLRP', env: Env = process.env): Resolved {
  const num = (name: string, fallback: number): number => {
    const v = env[`${prefix}_${name}`]?.trim();
    const n = v ? Number(v) : NaN;
    return Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  const r: Resolved = {
    maxQueueSize: options.maxQueueSize ?? num('MAX_QUEUE_SIZE', 2048),
    maxExportBatchSize: options.maxExportBatchSize ?? num('MAX_EXPORT_BATCH_SIZE', 512),
    scheduledDelayMillis: options.scheduledDelayMillis ?? num('SCHEDULE_DELAY', 5000),
    exportTimeoutMillis: options.exportTimeoutMillis ?? num('EXPORT_TIMEOUT', 30000),
  };
  if (r.maxExportBatchSize > r.maxQueueSize) {
    log.warn('maxExportBatchSize is larger than maxQueueSize: using maxQueueSize as the batch size', { ...r });
    r.maxExportBatchSize = r.maxQueueSize;
  }
  return r;
}

export class ColumnsBatchProcessor<T> {
  private readonly cfg: Resolved;
  private readonly ready: Array<{ columns: Uint8Array; items: number }> = [];
  private readyItems = 0;
  private timer: NodeJS.Timeout | undefined;
  private exporting: Promise<void> | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private dropped = 0;
  private droppedSinceWarning = 0;
  /** Items whose resource still waits for async detectors (start-up only): appended once
   *  the attributes settle, as the SDK's batch processors wait before exporting. */
  private readonly unsettled: T[] = [];
  private settling: Promise<void> | undefined;

  constructor(
    private readonly columns: ItemColumns<T> & { readonly length: number },
    private readonly exporter: ColumnsSink,
    private readonly what: string,
    options: ColumnsBatchOptions,
    prefix: 'OTEL_BSP' | 'OTEL_BLRP',
  ) {
    this.cfg = resolveBatchOptions(options, prefix);
  }

  /** Items dropped because the queue was full, since the processor started. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Items buffered or waiting for export. */
  get queued(): number {
    return this.columns.length + this.readyItems + this.unsettled.length;
  }

  add(item: T): void {
    if (this.shutdownPromise) return;
    const resource = (item as { resource?: AsyncResource }).resource;
    if (resource?.asyncAttributesPending && typeof resource.waitForAsyncAttributes === 'function') {
      if (this.queued >= this.cfg.maxQueueSize) return this.drop();
      this.unsettled.push(item);
      this.settling ??= resource.waitForAsyncAttributes().catch(() => {}).then(() => {
        this.settling = undefined;
        for (const waiting of this.unsettled.splice(0)) this.append(waiting);
      });
      return;
    }
    if (this.queued >= this.cfg.maxQueueSize) return this.drop();
    this.append(item);
  }

  private drop(): void {
    this.dropped++;
    if (this.droppedSinceWarning++ === 0) log.warn(`queue full (maxQueueSize ${this.cfg.maxQueueSize}): dropping ${this.what}; raise maxQueueSize or export faster`);
  }

  private append(item: T): void {
    try {
      this.columns.append(item);
    } catch (err) {
      // A malformed item must not break the application: it is dropped and said once.
      this.dropped++;
      log.warn(`could not buffer a ${this.what} item: ${(err as Error).message}`);
      return;
    }
    if (this.columns.length >= this.cfg.maxExportBatchSize) {
      this.seal();
      this.pump();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.seal();
        this.pump();
      }, this.cfg.scheduledDelayMillis);
      this.timer.unref();
    }
  }

  forceFlush(): Promise<void> {
    return this.flushAll().then(() => this.exporter.forceFlush());
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.flushAll().then(() => this.exporter.shutdown());
    return this.shutdownPromise;
  }

  private async flushAll(): Promise<void> {
    await this.settling;
    this.seal();
    while (this.ready.length || this.exporting) {
      this.pump();
      await this.exporting;
    }
  }

  /** The buffered items become one finished buffer waiting for export. */
  private seal(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const items = this.columns.length;
    if (items === 0) return;
    const columns = this.columns.finish();
    this.columns.reset();
    this.ready.push({ columns, items });
    this.readyItems += items;
  }

  /** Starts the next export unless one is running. */
  private pump(): void {
    if (this.exporting || !this.ready.length) return;
    const next = this.ready.shift()!;
    this.exporting = this.exportOne(next.columns, next.items).finally(() => {
      this.readyItems -= next.items;
      this.exporting = undefined;
      if (this.droppedSinceWarning > 1) log.warn(`dropped ${this.droppedSinceWarning} ${this.what} since the last export (queue full)`);
      this.droppedSinceWarning = 0;
      this.pump();
    });
  }

  private async exportOne(columns: Uint8Array, items: number): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    const timedOut = new Promise<SdkExportResult>((resolve) => {
      timeout = setTimeout(() => resolve({ code: 1, error: new Error(`export timed out after ${this.cfg.exportTimeoutMillis} ms`) }), this.cfg.exportTimeoutMillis);
    });
    const result = await Promise.race([this.exporter.exportColumns(columns, items), timedOut]);
    clearTimeout(timeout);
    if (result.code !== 0) log.warn(`export of ${items} ${this.what} failed: ${result.error?.message ?? 'unknown error'}`);
  }
}
