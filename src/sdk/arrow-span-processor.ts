// A SpanProcessor that appends each ended, sampled span to column buffers at once and exports
// full batches through an OtapTraceExporter (see ColumnsBatchProcessor for the semantics).
import {
  ColumnsBatchProcessor, processorArgs, type ColumnsBatchOptions, type ColumnsSink, type ProcessorOptions,
} from './columns-batch-processor.js';
import { SpanColumns } from './columns/span-columns.js';
import type { SdkSpan } from './sdk-types.js';

const SAMPLED = 1;

export class ArrowSpanProcessor {
  private readonly batcher: ColumnsBatchProcessor<SdkSpan>;

  /** `new ArrowSpanProcessor({ exporter, ...options })` (SDK 3.x style) or `(exporter, options)` (2.x). */
  constructor(exporterOrOptions: ColumnsSink | ProcessorOptions, options: ColumnsBatchOptions = {}) {
    const [exporter, opts] = processorArgs(exporterOrOptions, options);
    this.batcher = new ColumnsBatchProcessor(new SpanColumns(), exporter, 'spans', opts, 'OTEL_BSP');
  }

  /** Spans dropped because the queue was full. */
  get droppedSpans(): number {
    return this.batcher.droppedCount;
  }

  onStart(): void {}

  onEnd(span: SdkSpan): void {
    if ((span.spanContext().traceFlags & SAMPLED) === 0) return;
    this.batcher.add(span);
  }

  forceFlush(): Promise<void> {
    return this.batcher.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.batcher.shutdown();
  }
}
