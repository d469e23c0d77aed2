// A LogRecordProcessor that appends each emitted log record to column buffers at once and
// exports full batches through an OtapLogRecordExporter (ColumnsBatchProcessor semantics;
// BatchLogRecordProcessor's options and OTEL_BLRP_* variables).
import {
  ColumnsBatchProcessor, processorArgs, type ColumnsBatchOptions, type ColumnsSink, type ProcessorOptions,
} from './columns-batch-processor.js';
import { LogColumns } from './columns/log-columns.js';
import type { SdkLogRecord } from './sdk-types.js';

export class ArrowLogRecordProcessor {
  private readonly batcher: ColumnsBatchProcessor<SdkLogRecord>;

  /** `new ArrowLogRecordProcessor({ exporter, ...options })` (SDK 3.x style) or `(exporter, options)` (2.x). */
  constructor(exporterOrOptions: ColumnsSink | ProcessorOptions, options: ColumnsBatchOptions = {}) {
    const [exporter, opts] = processorArgs(exporterOrOptions, options);
    this.batcher = new ColumnsBatchProcessor(new LogColumns(), exporter, 'log records', opts, 'OTEL_BLRP');
  }

  /** Log records dropped because the queue was full. */
  get droppedLogRecords(): number {
    return this.batcher.droppedCount;
  }

  onEmit(logRecord: SdkLogRecord): void {
    this.batcher.add(logRecord);
  }

  forceFlush(): Promise<void> {
    return this.batcher.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.batcher.shutdown();
  }
}
