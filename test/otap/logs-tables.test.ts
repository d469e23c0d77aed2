import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExportLogsServiceRequest } from '../../src/otlp/model.js';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { logsToTables } from '../../src/otap/encode/logs.js';
import { TableEncoder } from '../../src/otap/encode/table-encoder.js';
import { tablesToLogs } from '../../src/otap/decode/logs.js';
import { TableView } from '../../src/otap/decode/table-view.js';
import { TABLE_SPECS } from '../../src/otap/schema/tables.js';
import { ArrowPayloadType as T } from '../../src/otap/payload-type.js';
import { OtelArrowError } from '../../src/errors.js';
import { logsRequestArb } from '../support/arbitraries.js';
import { attempt } from '../support/outcome.js';

/** Encodes to record batches and decodes them again, without IPC in between. */
function viaTables(req: ExportLogsServiceRequest, mutate?: (views: Map<number, TableView>) => void): ExportLogsServiceRequest {
  const views = new Map<number, TableView>();
  for (const { type, input } of logsToTables(req)) {
    const spec = TABLE_SPECS.get(type)!;
    views.set(type, new TableView(spec.name, new TableEncoder(spec).encode(input).batch));
  }
  mutate?.(views);
  return tablesToLogs(views);
}

const log = (over: Partial<ExportLogsServiceRequest['resourceLogs'][0]['scopeLogs'][0]['logRecords'][0]> = {}) => ({
  timeUnixNano: 1n, observedTimeUnixNano: 2n, severityNumber: 9, severityText: 'INFO',
  body: { type: 'string' as const, value: 'hello' }, attributes: [], droppedAttributesCount: 0, flags: 0,
  traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '', ...over,
});

const request = (logs: ReturnType<typeof log>[]): ExportLogsServiceRequest => ({
  resourceLogs: [{
    resource: { attributes: [{ key: 'service.name', value: { type: 'string', value: 'svc' } }], droppedAttributesCount: 0 },
    schemaUrl: '',
    scopeLogs: [{ scope: { name: 'lib', version: '1', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', logRecords: logs }],
  }],
});

describe('logs <-> OTAP tables', () => {
  it('round trips arbitrary requests (canonical form)', () => {
    fc.assert(
      fc.property(logsRequestArb, (req) => {
        const diff = canonicalDiff('logs', req, viaTables(req));
        expect(diff).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  it('writes delta ids only for logs with attributes and quasi-delta attribute parents', () => {
    const a = [{ key: 'k', value: { type: 'string' as const, value: 'v' } }];
    const tables = logsToTables(request([log({ attributes: a }), log(), log({ attributes: a }), log({ attributes: a })]));
    const root = tables.find((t) => t.type === T.LOGS)!.input;
    expect(root.values.get('id')).toEqual([0, null, 1, 1]);
    const attrs = tables.find((t) => t.type === T.LOG_ATTRS)!.input;
    // Same key and value on every row: first parent absolute, then deltas.
    expect(attrs.values.get('parent_id')).toEqual([0, 1, 1]);
  });

  it('rejects attributes whose parent id points at no log', () => {
    const a = [{ key: 'k', value: { type: 'int' as const, value: 1n } }];
    const req = request([log({ attributes: a })]);
    const views = new Map<number, TableView>();
    for (const { type, input } of logsToTables(req)) {
      const spec = TABLE_SPECS.get(type)!;
      if (type === T.LOG_ATTRS) (input.values as Map<string, unknown[]>).set('parent_id', [7]);
      views.set(type, new TableView(spec.name, new TableEncoder(spec).encode(input).batch));
    }
    const out = attempt(() => tablesToLogs(views));
    expect(out.ok).toBe(false);
    const error = (out as { error: unknown }).error;
    expect(error).toBeInstanceOf(OtelArrowError);
    expect(error).toMatchObject({ code: 'INVALID_PAYLOAD', table: 'LOG_ATTRS' });
  });
});
