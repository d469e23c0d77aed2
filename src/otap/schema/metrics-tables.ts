import { RESOURCE_COLUMN, SCOPE_COLUMN } from './common-columns.js';
import { list, opt, req, struct, type ColumnSpec, type TableSpec } from './column-spec.js';

export const METRICS_TABLE: TableSpec = {
  name: 'UNIVARIATE_METRICS',
  columns: [
    req('id', 'u16'),
    RESOURCE_COLUMN,
    SCOPE_COLUMN,
    opt('schema_url', 'utf8', 'd8'),
    req('metric_type', 'u8'),
    req('name', 'utf8', 'd8'),
    opt('description', 'utf8', 'd8'),
    opt('unit', 'utf8', 'd8'),
    opt('aggregation_temporality', 'i32', 'd8'),
    opt('is_monotonic', 'bool'),
  ],
};

/** metric_type column values (pdata MetricType numbering). */
export const MetricTypeCode = {
  empty: 0,
  gauge: 1,
  sum: 2,
  histogram: 3,
  exponentialHistogram: 4,
  summary: 5,
} as const;

const pointHead = (): ColumnSpec[] => [
  opt('id', 'u32'),
  req('parent_id', 'u16'),
  opt('start_time_unix_nano', 'timestamp', undefined, 'nonZero'),
  req('time_unix_nano', 'timestamp'),
];

export const NUMBER_DATA_POINTS_TABLE: TableSpec = {
  name: 'NUMBER_DATA_POINTS',
  columns: [...pointHead(), opt('int_value', 'i64'), opt('double_value', 'f64'), opt('flags', 'u32', undefined, 'nonZero')],
};

export const SUMMARY_DATA_POINTS_TABLE: TableSpec = {
  name: 'SUMMARY_DATA_POINTS',
  columns: [
    ...pointHead(),
    opt('count', 'u64', undefined, 'nonZero'),
    opt('sum', 'f64'),
    list('quantile', struct('item', [opt('quantile', 'f64'), opt('value', 'f64')])),
    opt('flags', 'u32', undefined, 'nonZero'),
  ],
};

export const HISTOGRAM_DATA_POINTS_TABLE: TableSpec = {
  name: 'HISTOGRAM_DATA_POINTS',
  columns: [
    ...pointHead(),
    opt('count', 'u64', undefined, 'nonZero'),
    opt('sum', 'f64'),
    list('bucket_counts', opt('item', 'u64')),
    list('explicit_bounds', opt('item', 'f64')),
    opt('flags', 'u32', undefined, 'nonZero'),
    opt('min', 'f64'),
    opt('max', 'f64'),
  ],
};

const buckets = (name: string) =>
  struct(name, [opt('offset', 'i32', undefined, 'nonZero'), list('bucket_counts', opt('item', 'u64'))]);

export const EXP_HISTOGRAM_DATA_POINTS_TABLE: TableSpec = {
  name: 'EXP_HISTOGRAM_DATA_POINTS',
  columns: [
    ...pointHead(),
    opt('count', 'u64', undefined, 'nonZero'),
    opt('sum', 'f64'),
    opt('scale', 'i32'),
    opt('zero_count', 'u64', undefined, 'nonZero'),
    buckets('positive'),
    buckets('negative'),
    opt('flags', 'u32', undefined, 'nonZero'),
    opt('min', 'f64'),
    opt('max', 'f64'),
    opt('zero_threshold', 'f64'),
  ],
};

export function exemplarsTable(name: string): TableSpec {
  return {
    name,
    columns: [
      opt('id', 'u32'),
      req('parent_id', 'u32'),
      req('time_unix_nano', 'timestamp'),
      opt('int_value', 'i64'),
      opt('double_value', 'f64'),
      opt('span_id', 'fsb8', 'd8'),
      opt('trace_id', 'fsb16', 'd8'),
    ],
  };
}
