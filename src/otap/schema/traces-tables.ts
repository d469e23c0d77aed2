import { RESOURCE_COLUMN, SCOPE_COLUMN } from './common-columns.js';
import { opt, req, struct, type TableSpec } from './column-spec.js';

export const SPANS_TABLE: TableSpec = {
  name: 'SPANS',
  columns: [
    opt('id', 'u16'),
    RESOURCE_COLUMN,
    SCOPE_COLUMN,
    opt('schema_url', 'utf8', 'd8'),
    req('start_time_unix_nano', 'timestamp'),
    req('duration_time_unix_nano', 'duration', 'd8'),
    req('trace_id', 'fsb16'),
    req('span_id', 'fsb8'),
    opt('trace_state', 'utf8', 'd8'),
    opt('parent_span_id', 'fsb8'),
    opt('flags', 'u32', undefined, 'nonZero'),
    req('name', 'utf8', 'd8'),
    opt('kind', 'i32', 'd8'),
    opt('dropped_attributes_count', 'u32'),
    opt('dropped_events_count', 'u32'),
    opt('dropped_links_count', 'u32'),
    struct('status', [opt('code', 'i32', 'd8'), opt('status_message', 'utf8', 'd8')]),
  ],
};

export const SPAN_EVENTS_TABLE: TableSpec = {
  name: 'SPAN_EVENTS',
  columns: [
    opt('id', 'u32'),
    req('parent_id', 'u16'),
    opt('time_unix_nano', 'timestamp', undefined, 'nonZero'),
    req('name', 'utf8', 'd8'),
    opt('dropped_attributes_count', 'u32'),
  ],
  metadata: new Map([['sorting_columns', 'name,parent_id']]),
};

export const SPAN_LINKS_TABLE: TableSpec = {
  name: 'SPAN_LINKS',
  columns: [
    opt('id', 'u32'),
    req('parent_id', 'u16'),
    req('trace_id', 'fsb16', 'd8'),
    req('span_id', 'fsb8', 'd8'),
    opt('trace_state', 'utf8', 'd8'),
    opt('dropped_attributes_count', 'u32'),
    opt('flags', 'u32', undefined, 'nonZero'),
  ],
  metadata: new Map([['sorting_columns', 'trace_id,parent_id']]),
};
