import { RESOURCE_COLUMN, SCOPE_COLUMN } from './common-columns.js';
import { opt, struct, type TableSpec } from './column-spec.js';

export const LOGS_TABLE: TableSpec = {
  name: 'LOGS',
  columns: [
    opt('id', 'u16'),
    RESOURCE_COLUMN,
    SCOPE_COLUMN,
    opt('schema_url', 'utf8', 'd8'),
    opt('time_unix_nano', 'timestamp', undefined, 'nonZero'),
    opt('observed_time_unix_nano', 'timestamp', undefined, 'nonZero'),
    opt('trace_id', 'fsb16', 'd8'),
    opt('span_id', 'fsb8', 'd8'),
    opt('severity_number', 'i32', 'd8'),
    opt('severity_text', 'utf8', 'd8'),
    struct('body', [
      opt('type', 'u8'),
      opt('str', 'utf8', 'd16'),
      opt('int', 'i64', 'd16'),
      opt('double', 'f64'),
      opt('bool', 'bool'),
      opt('bytes', 'binary', 'd16'),
      opt('ser', 'binary', 'd16'),
    ]),
    opt('dropped_attributes_count', 'u32', undefined, 'nonZero'),
    opt('flags', 'u32', undefined, 'nonZero'),
    opt('event_name', 'utf8', 'd8'),
  ],
};
