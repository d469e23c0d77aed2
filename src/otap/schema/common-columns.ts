// Columns shared by the three root tables (LOGS, SPANS, UNIVARIATE_METRICS).
import { opt, struct, type StructSpec } from './column-spec.js';

export const RESOURCE_COLUMN: StructSpec = struct('resource', [
  opt('id', 'u16'),
  opt('schema_url', 'utf8', 'd8'),
  opt('dropped_attributes_count', 'u32'),
]);

export const SCOPE_COLUMN: StructSpec = struct('scope', [
  opt('id', 'u16'),
  opt('name', 'utf8', 'd8'),
  opt('version', 'utf8', 'd8'),
  opt('dropped_attributes_count', 'u32'),
]);
