// Log records appended as the SDK emits them into FORMAT.md's LOGS columns, mapped as the
// OTLP JS transformer maps them (flags are the span context's trace flags).
import type { SdkLogRecord } from '../sdk-types.js';
import { HexColumn, SlotColumn, U32Column, U8Column, type Column, type ColumnSink } from './growable-columns.js';
import { pushTime, RecordColumns, SIGNAL_CODE } from './record-columns.js';

export class LogColumns extends RecordColumns<SdkLogRecord> {
  protected readonly signalCode = SIGNAL_CODE.logs;
  private readonly logAttrs = this.arena();

  private readonly scope = new U32Column();
  private readonly timeSec = new U32Column();
  private readonly timeNs = new U32Column();
  private readonly observedSec = new U32Column();
  private readonly observedNs = new U32Column();
  private readonly severityNumber = new U32Column();
  private readonly severityText = new U32Column();
  private readonly bodyType = new U8Column();
  private readonly bodyValue = new SlotColumn();
  private readonly attrEnd = new U32Column();
  private readonly dropped = new U32Column();
  private readonly flags = new U32Column();
  private readonly traceId = new HexColumn(32);
  private readonly spanId = new HexColumn(16);
  private readonly eventName = new U32Column();

  // Column order is FORMAT.md's.
  private readonly logTable = [
    this.scope, this.timeSec, this.timeNs, this.observedSec, this.observedNs, this.severityNumber, this.severityText,
    this.bodyType, this.bodyValue, this.attrEnd, this.dropped, this.flags, this.traceId, this.spanId, this.eventName,
  ];

  get length(): number {
    return this.scope.length;
  }

  protected appendRow(log: SdkLogRecord): void {
    const s = this.strings;
    this.scope.push(this.roots.scopeRow(log.resource, log.instrumentationScope));
    pushTime(this.timeSec, this.timeNs, log.hrTime);
    pushTime(this.observedSec, this.observedNs, log.hrTimeObserved);
    this.severityNumber.push(log.severityNumber ?? 0);
    this.severityText.push(s.ref(log.severityText ?? ''));
    this.values.write(log.body, this.bodyType, this.bodyValue);
    this.attrEnd.push(this.logAttrs.append(log.attributes));
    this.dropped.push(log.droppedAttributesCount ?? 0);
    const ctx = log.spanContext;
    this.flags.push(ctx?.traceFlags ?? 0);
    this.traceId.push(ctx?.traceId);
    this.spanId.push(ctx?.spanId);
    this.eventName.push(s.ref(log.eventName ?? ''));
  }

  protected itemColumns(): Column[] {
    return [...this.logAttrs.columns, ...this.logTable];
  }

  protected writeTables(sink: ColumnSink): void {
    this.logAttrs.write(sink);
    for (const c of this.logTable) sink.add(c);
  }

  protected resetTables(): void {
    this.logAttrs.reset();
    for (const c of this.logTable) c.reset();
  }
}
