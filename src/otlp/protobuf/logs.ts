// ExportLogsServiceRequest <-> protobuf bytes (collector/logs/v1, logs/v1).

import { annotate, EMPTY_BYTES, messageInfo, WireReader } from '../../proto/wire-reader.js';
import { WireType, WireWriter } from '../../proto/wire-writer.js';
import type { ExportLogsServiceRequest, LogRecord, ResourceLogs, ScopeLogs } from '../model.js';
import {
  decodeTopLevel, emptyResource, emptyScope, readAnyValue, readKeyValue, readResource,
  readScope, writeAnyValue, writeKeyValues, writeResource, writeScope,
} from './common.js';

const LEN = WireType.LEN;

// ---------------------------------------------------------------------------------------
// Encoding

export function encodeLogsRequest(req: ExportLogsServiceRequest): Uint8Array {
  const w = new WireWriter(4096);
  const rls = req.resourceLogs;
  for (let i = 0; i < rls.length; i++) writeResourceLogs(w, rls[i]!);
  return w.finish();
}

function writeResourceLogs(w: WireWriter, rl: ResourceLogs): void {
  w.tag(1, LEN);
  const mark = w.beginMessage();
  writeResource(w, 1, rl.resource);
  const sls = rl.scopeLogs;
  for (let i = 0; i < sls.length; i++) writeScopeLogs(w, sls[i]!);
  w.stringField(3, rl.schemaUrl);
  w.endMessage(mark);
}

function writeScopeLogs(w: WireWriter, sl: ScopeLogs): void {
  w.tag(2, LEN);
  const mark = w.beginMessage();
  writeScope(w, 1, sl.scope);
  const records = sl.logRecords;
  for (let i = 0; i < records.length; i++) writeLogRecord(w, records[i]!);
  w.stringField(3, sl.schemaUrl);
  w.endMessage(mark);
}

function writeLogRecord(w: WireWriter, lr: LogRecord): void {
  w.tag(2, LEN);
  const mark = w.beginMessage();
  w.fixed64Field(1, lr.timeUnixNano);
  w.int32Field(2, lr.severityNumber);
  w.stringField(3, lr.severityText);
  // The model cannot tell "no body" from "empty body"; both decode to {type:'empty'}.
  if (lr.body.type !== 'empty') writeAnyValue(w, 5, lr.body);
  writeKeyValues(w, 6, lr.attributes);
  w.uint32Field(7, lr.droppedAttributesCount);
  w.fixed32Field(8, lr.flags);
  w.bytesField(9, lr.traceId);
  w.bytesField(10, lr.spanId);
  w.fixed64Field(11, lr.observedTimeUnixNano);
  w.stringField(12, lr.eventName);
  w.endMessage(mark);
}

// ---------------------------------------------------------------------------------------
// Decoding

const REQUEST = messageInfo('ExportLogsServiceRequest', { 1: 'resource_logs' });
const RESOURCE_LOGS = messageInfo('ResourceLogs', {
  1: 'resource', 2: 'scope_logs', 3: 'schema_url',
});
const SCOPE_LOGS = messageInfo('ScopeLogs', { 1: 'scope', 2: 'log_records', 3: 'schema_url' });
const LOG_RECORD = messageInfo('LogRecord', {
  1: 'time_unix_nano', 2: 'severity_number', 3: 'severity_text', 5: 'body', 6: 'attributes',
  7: 'dropped_attributes_count', 8: 'flags', 9: 'trace_id', 10: 'span_id',
  11: 'observed_time_unix_nano', 12: 'event_name',
});

export function decodeLogsRequest(bytes: Uint8Array): ExportLogsServiceRequest {
  return decodeTopLevel(bytes, REQUEST.name, readRequest);
}

function readRequest(r: WireReader): ExportLogsServiceRequest {
  const req: ExportLogsServiceRequest = { resourceLogs: [] };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      if (tag === 10) req.resourceLogs.push(readResourceLogs(r));
      else r.skip(tag, REQUEST);
    }
  } catch (err) {
    throw annotate(err, REQUEST, tag);
  }
  return req;
}

function readResourceLogs(r: WireReader): ResourceLogs {
  const outer = r.enter();
  const rl: ResourceLogs = { resource: emptyResource(), scopeLogs: [], schemaUrl: '' };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: rl.resource = readResource(r); break;
        case 18: rl.scopeLogs.push(readScopeLogs(r)); break;
        case 26: rl.schemaUrl = r.string(); break;
        default: r.skip(tag, RESOURCE_LOGS);
      }
    }
  } catch (err) {
    throw annotate(err, RESOURCE_LOGS, tag);
  }
  r.leave(outer);
  return rl;
}

function readScopeLogs(r: WireReader): ScopeLogs {
  const outer = r.enter();
  const sl: ScopeLogs = { scope: emptyScope(), logRecords: [], schemaUrl: '' };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: sl.scope = readScope(r); break;
        case 18: sl.logRecords.push(readLogRecord(r)); break;
        case 26: sl.schemaUrl = r.string(); break;
        default: r.skip(tag, SCOPE_LOGS);
      }
    }
  } catch (err) {
    throw annotate(err, SCOPE_LOGS, tag);
  }
  r.leave(outer);
  return sl;
}

function readLogRecord(r: WireReader): LogRecord {
  const outer = r.enter();
  const lr: LogRecord = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: { type: 'empty' },
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    eventName: '',
  };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 9: lr.timeUnixNano = r.fixed64(); break;
        case 16: lr.severityNumber = r.int32(); break;
        case 26: lr.severityText = r.string(); break;
        case 42: lr.body = readAnyValue(r); break;
        case 50: lr.attributes.push(readKeyValue(r)); break;
        case 56: lr.droppedAttributesCount = r.uint32(); break;
        case 69: lr.flags = r.fixed32(); break;
        case 74: lr.traceId = r.bytes(); break;
        case 82: lr.spanId = r.bytes(); break;
        case 89: lr.observedTimeUnixNano = r.fixed64(); break;
        case 98: lr.eventName = r.string(); break;
        default: r.skip(tag, LOG_RECORD);
      }
    }
  } catch (err) {
    throw annotate(err, LOG_RECORD, tag);
  }
  r.leave(outer);
  return lr;
}
