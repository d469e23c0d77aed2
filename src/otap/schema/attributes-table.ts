// Attribute tables: one row per (parent, key, value). u16 parents for resource, scope,
// log, span and metric attributes; u32 parents (dictionary candidates) for the rest.
import { opt, req, type TableSpec } from './column-spec.js';

const SORTING = new Map([['sorting_columns', 'type,key,value,parent_id']]);

const valueColumns = [
  req('key', 'utf8', 'd8'),
  req('type', 'u8'),
  opt('str', 'utf8', 'd16'),
  opt('int', 'i64', 'd16'),
  opt('double', 'f64'),
  opt('bool', 'bool'),
  opt('bytes', 'binary', 'd16'),
  opt('ser', 'binary', 'd16'),
];

export function attributes16Table(name: string): TableSpec {
  return { name, columns: [req('parent_id', 'u16'), ...valueColumns], metadata: SORTING };
}

export function attributes32Table(name: string): TableSpec {
  return { name, columns: [req('parent_id', 'u32', 'd8'), ...valueColumns], metadata: SORTING };
}

/** AnyValue type codes of the `type` column (pdata ValueType numbering). */
export const AttrType = {
  EMPTY: 0,
  STR: 1,
  INT: 2,
  DOUBLE: 3,
  BOOL: 4,
  MAP: 5,
  SLICE: 6,
  BYTES: 7,
} as const;
