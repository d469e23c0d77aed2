// OTLP logs -> OTAP tables (LOGS root, RESOURCE_ATTRS, SCOPE_ATTRS, LOG_ATTRS).
import type { ExportLogsServiceRequest, LogRecord } from '../../otlp/model.js';
import { compareBytes } from '../common/value-compare.js';
import { ArrowPayloadType as T } from '../payload-type.js';
import { attrTypeOf } from '../common/value-compare.js';
import { AttributeRows, writeAnyValueColumns } from './attributes.js';
import { idOrZeros, type EncodedTables } from './encoded-tables.js';
import { deltaEncode } from './id-encoding.js';
import { assignIds, flattenRoots, writeResourceScopeColumns } from './root-rows.js';
import { TableColumns } from './table-input.js';

export function logsToTables(req: ExportLogsServiceRequest): EncodedTables {
  const flat = flattenRoots(
    req.resourceLogs,
    (r) => ({ resource: r.resource, schemaUrl: r.schemaUrl, scopes: r.scopeLogs }),
    (s) => ({ scope: s.scope, schemaUrl: s.schemaUrl, items: s.logRecords }),
  );
  // Go order: resource group, scope group (first appearance), then trace id.
  const rows = flat.rows.slice().sort(
    (a, b) => a.res - b.res || a.scope - b.scope || compareBytes(idOrZeros(a.item.traceId, 16), idOrZeros(b.item.traceId, 16)),
  );
  const n = rows.length;
  const cols = new TableColumns();
  cols.length = n;
  const resourceAttrs = new AttributeRows();
  const scopeAttrs = new AttributeRows();
  const logAttrs = new AttributeRows();
  writeResourceScopeColumns('LOGS', flat, rows, cols, resourceAttrs, scopeAttrs);

  const logs: LogRecord[] = rows.map((r) => r.item);
  const ids = assignIds(logs.map((l) => l.attributes.length > 0), 0xffff, 'LOGS');
  logs.forEach((l, i) => {
    if (ids[i] != null) logAttrs.add(ids[i]!, l.attributes);
  });
  cols.values.set('id', deltaEncode(ids));
  cols.values.set('time_unix_nano', logs.map((l) => l.timeUnixNano));
  cols.values.set('observed_time_unix_nano', logs.map((l) => l.observedTimeUnixNano));
  cols.values.set('trace_id', logs.map((l) => idOrZeros(l.traceId, 16)));
  cols.values.set('span_id', logs.map((l) => idOrZeros(l.spanId, 8)));
  cols.values.set('severity_number', logs.map((l) => l.severityNumber || null));
  cols.values.set('severity_text', logs.map((l) => l.severityText || null));
  cols.values.set('dropped_attributes_count', logs.map((l) => l.droppedAttributesCount));
  cols.values.set('flags', logs.map((l) => l.flags));
  cols.values.set('event_name', logs.map((l) => l.eventName || null));

  // An empty body is a null struct, but its `type` is 0, never null: the Rust engine requires
  // a null-free body.type (it writes 0 itself) and Go reads the null struct as no body.
  cols.structValidity.set('body', logs.map((l) => l.body.type !== 'empty'));
  cols.values.set('body.type', logs.map((l) => attrTypeOf(l.body)));
  writeAnyValueColumns(logs.map((l) => l.body), cols, 'body.');

  const tables: EncodedTables = [{ type: T.LOGS, input: cols }];
  if (resourceAttrs.length) tables.push({ type: T.RESOURCE_ATTRS, input: resourceAttrs.toColumns() });
  if (scopeAttrs.length) tables.push({ type: T.SCOPE_ATTRS, input: scopeAttrs.toColumns() });
  if (logAttrs.length) tables.push({ type: T.LOG_ATTRS, input: logAttrs.toColumns() });
  return tables;
}
