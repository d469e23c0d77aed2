// Spans appended as the SDK ends them into FORMAT.md's SPANS, EVENTS and LINKS columns. The
// field mapping is the OTLP JS transformer's: span flags are the trace flags plus the
// has-is-remote bit and the parent's is-remote bit; kind is the API kind + 1.
import type { SdkSpan, SdkSpanContext } from '../sdk-types.js';
import { HexColumn, U32Column, U8Column, type Column, type ColumnSink } from './growable-columns.js';
import { pushTime, RecordColumns, SIGNAL_CODE } from './record-columns.js';
import type { StringTable } from './string-table.js';

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

export function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

export class SpanColumns extends RecordColumns<SdkSpan> {
  protected readonly signalCode = SIGNAL_CODE.traces;
  private readonly spanAttrs = this.arena();
  private readonly eventAttrs = this.arena();
  private readonly linkAttrs = this.arena();

  private readonly scope = new U32Column();
  private readonly traceId = new HexColumn(32);
  private readonly spanId = new HexColumn(16);
  private readonly parentSpanId = new HexColumn(16);
  private readonly traceState = new U32Column();
  private readonly flags = new U32Column();
  private readonly name = new U32Column();
  private readonly kind = new U8Column();
  private readonly startSec = new U32Column();
  private readonly startNs = new U32Column();
  private readonly endSec = new U32Column();
  private readonly endNs = new U32Column();
  private readonly attrEnd = new U32Column();
  private readonly droppedAttrs = new U32Column();
  private readonly eventEnd = new U32Column();
  private readonly droppedEvents = new U32Column();
  private readonly linkEnd = new U32Column();
  private readonly droppedLinks = new U32Column();
  private readonly statusCode = new U8Column();
  private readonly statusMessage = new U32Column();

  private readonly eventSec = new U32Column();
  private readonly eventNs = new U32Column();
  private readonly eventName = new U32Column();
  private readonly eventAttrEnd = new U32Column();
  private readonly eventDropped = new U32Column();

  private readonly linkTraceId = new HexColumn(32);
  private readonly linkSpanId = new HexColumn(16);
  private readonly linkTraceState = new U32Column();
  private readonly linkFlags = new U32Column();
  private readonly linkAttrEnd = new U32Column();
  private readonly linkDropped = new U32Column();

  get length(): number {
    return this.scope.length;
  }

  protected appendRow(span: SdkSpan): void {
    const s = this.strings;
    const ctx = span.spanContext();
    const parent = span.parentSpanContext;
    this.scope.push(this.roots.scopeRow(span.resource, span.instrumentationScope));
    this.traceId.push(ctx.traceId);
    this.spanId.push(ctx.spanId);
    this.parentSpanId.push(parent?.spanId || undefined);
    this.traceState.push(traceStateRef(s, ctx));
    this.flags.push(spanFlags(ctx.traceFlags, parent?.isRemote));
    this.name.push(s.ref(span.name));
    this.kind.push(span.kind == null ? 0 : span.kind + 1);
    pushTime(this.startSec, this.startNs, span.startTime);
    pushTime(this.endSec, this.endNs, span.endTime);
    this.attrEnd.push(this.spanAttrs.append(span.attributes));
    this.droppedAttrs.push(span.droppedAttributesCount ?? 0);
    for (const e of span.events) {
      pushTime(this.eventSec, this.eventNs, e.time);
      this.eventName.push(s.ref(e.name));
      this.eventAttrEnd.push(this.eventAttrs.append(e.attributes));
      this.eventDropped.push(e.droppedAttributesCount || 0);
    }
    this.eventEnd.push(this.eventSec.length);
    this.droppedEvents.push(span.droppedEventsCount ?? 0);
    for (const l of span.links) {
      this.linkTraceId.push(l.context.traceId);
      this.linkSpanId.push(l.context.spanId);
      this.linkTraceState.push(traceStateRef(s, l.context));
      this.linkFlags.push(spanFlags(l.context.traceFlags, l.context.isRemote));
      this.linkAttrEnd.push(this.linkAttrs.append(l.attributes));
      this.linkDropped.push(l.droppedAttributesCount || 0);
    }
    this.linkEnd.push(this.linkTraceId.length);
    this.droppedLinks.push(span.droppedLinksCount ?? 0);
    this.statusCode.push(span.status.code);
    this.statusMessage.push(s.ref(span.status.message ?? ''));
  }

  // Column order within each table is FORMAT.md's.
  private readonly spanTable = [
    this.scope, this.traceId, this.spanId, this.parentSpanId, this.traceState, this.flags, this.name, this.kind,
    this.startSec, this.startNs, this.endSec, this.endNs, this.attrEnd, this.droppedAttrs, this.eventEnd,
    this.droppedEvents, this.linkEnd, this.droppedLinks, this.statusCode, this.statusMessage,
  ];
  private readonly eventTable = [this.eventSec, this.eventNs, this.eventName, this.eventAttrEnd, this.eventDropped];
  private readonly linkTable = [this.linkTraceId, this.linkSpanId, this.linkTraceState, this.linkFlags, this.linkAttrEnd, this.linkDropped];

  protected itemColumns(): Column[] {
    return [
      ...this.spanAttrs.columns, ...this.eventAttrs.columns, ...this.linkAttrs.columns,
      ...this.spanTable, ...this.eventTable, ...this.linkTable,
    ];
  }

  protected writeTables(sink: ColumnSink): void {
    this.spanAttrs.write(sink);
    for (const c of this.spanTable) sink.add(c);
    this.eventAttrs.write(sink);
    for (const c of this.eventTable) sink.add(c);
    this.linkAttrs.write(sink);
    for (const c of this.linkTable) sink.add(c);
  }

  protected resetTables(): void {
    for (const a of [this.spanAttrs, this.eventAttrs, this.linkAttrs]) a.reset();
    for (const c of [...this.spanTable, ...this.eventTable, ...this.linkTable]) c.reset();
  }
}

function traceStateRef(strings: StringTable, ctx: SdkSpanContext): number {
  const ts = ctx.traceState?.serialize();
  return ts ? strings.ref(ts) : 0;
}
