// OTAP tables -> OTLP logs.
import type { ExportLogsServiceRequest, LogRecord } from '../../otlp/model.js';
import { ArrowPayloadType as T } from '../payload-type.js';
import { AnyValueColumns } from './any-value-columns.js';
import { attributesOf, assertAllUsed, decodeAttributes } from './attributes.js';
import { deltaDecode } from './id-decoding.js';
import { emptyIfZero } from './ids.js';
import { groupRoots } from './root-groups.js';
import type { TableView } from './table-view.js';

export function tablesToLogs(tables: ReadonlyMap<number, TableView>): ExportLogsServiceRequest {
  const root = tables.get(T.LOGS);
  if (!root || root.length === 0) return { resourceLogs: [] };
  const n = root.length;
  const ids = deltaDecode(root.numbers('id') ?? new Array(n).fill(null), root.field('id'), 16);
  const time = root.bigints('time_unix_nano');
  const observed = root.bigints('observed_time_unix_nano');
  const traceId = root.bytes('trace_id');
  const spanId = root.bytes('span_id');
  const sevNum = root.numbers('severity_number');
  const sevText = root.strings('severity_text');
  const dropped = root.numbers('dropped_attributes_count');
  const flags = root.numbers('flags');
  const eventName = root.strings('event_name');
  const bodyValid = root.structValidity('body');
  const body = bodyValid ? new AnyValueColumns(root, 'body.', false) : undefined;
  const attrsView = tables.get(T.LOG_ATTRS);
  const attrs = decodeAttributes(attrsView, 16);
  const used = new Set<number>();

  const record = (i: number): LogRecord => ({
    timeUnixNano: time?.[i] ?? 0n,
    observedTimeUnixNano: observed?.[i] ?? 0n,
    severityNumber: sevNum?.[i] ?? 0,
    severityText: sevText?.[i] ?? '',
    body: body && bodyValid![i] ? body.valueAt(i) : { type: 'empty' },
    attributes: attributesOf(attrs, used, ids[i]),
    droppedAttributesCount: dropped?.[i] ?? 0,
    flags: flags?.[i] ?? 0,
    traceId: emptyIfZero(traceId?.[i]),
    spanId: emptyIfZero(spanId?.[i]),
    eventName: eventName?.[i] ?? '',
  });

  const groups = groupRoots(root, tables.get(T.RESOURCE_ATTRS), tables.get(T.SCOPE_ATTRS));
  const out: ExportLogsServiceRequest = {
    resourceLogs: groups.map((g) => ({
      resource: g.resource,
      schemaUrl: g.schemaUrl,
      scopeLogs: g.scopes.map((s) => ({ scope: s.scope, schemaUrl: s.schemaUrl, logRecords: s.rows.map(record) })),
    })),
  };
  assertAllUsed(attrs, used, attrsView, 'LOGS');
  return out;
}
