// The table prototype of every payload type.
import { ArrowPayloadType as T } from '../payload-type.js';
import { attributes16Table, attributes32Table } from './attributes-table.js';
import type { TableSpec } from './column-spec.js';
import { LOGS_TABLE } from './logs-table.js';
import {
  EXP_HISTOGRAM_DATA_POINTS_TABLE, HISTOGRAM_DATA_POINTS_TABLE, METRICS_TABLE,
  NUMBER_DATA_POINTS_TABLE, SUMMARY_DATA_POINTS_TABLE, exemplarsTable,
} from './metrics-tables.js';
import { SPANS_TABLE, SPAN_EVENTS_TABLE, SPAN_LINKS_TABLE } from './traces-tables.js';

export const TABLE_SPECS: ReadonlyMap<number, TableSpec> = new Map<number, TableSpec>([
  [T.RESOURCE_ATTRS, attributes16Table('RESOURCE_ATTRS')],
  [T.SCOPE_ATTRS, attributes16Table('SCOPE_ATTRS')],
  [T.LOGS, LOGS_TABLE],
  [T.LOG_ATTRS, attributes16Table('LOG_ATTRS')],
  [T.SPANS, SPANS_TABLE],
  [T.SPAN_ATTRS, attributes16Table('SPAN_ATTRS')],
  [T.SPAN_EVENTS, SPAN_EVENTS_TABLE],
  [T.SPAN_LINKS, SPAN_LINKS_TABLE],
  [T.SPAN_EVENT_ATTRS, attributes32Table('SPAN_EVENT_ATTRS')],
  [T.SPAN_LINK_ATTRS, attributes32Table('SPAN_LINK_ATTRS')],
  [T.UNIVARIATE_METRICS, METRICS_TABLE],
  [T.METRIC_ATTRS, attributes16Table('METRIC_ATTRS')],
  [T.NUMBER_DATA_POINTS, NUMBER_DATA_POINTS_TABLE],
  [T.SUMMARY_DATA_POINTS, SUMMARY_DATA_POINTS_TABLE],
  [T.HISTOGRAM_DATA_POINTS, HISTOGRAM_DATA_POINTS_TABLE],
  [T.EXP_HISTOGRAM_DATA_POINTS, EXP_HISTOGRAM_DATA_POINTS_TABLE],
  [T.NUMBER_DP_ATTRS, attributes32Table('NUMBER_DP_ATTRS')],
  [T.SUMMARY_DP_ATTRS, attributes32Table('SUMMARY_DP_ATTRS')],
  [T.HISTOGRAM_DP_ATTRS, attributes32Table('HISTOGRAM_DP_ATTRS')],
  [T.EXP_HISTOGRAM_DP_ATTRS, attributes32Table('EXP_HISTOGRAM_DP_ATTRS')],
  [T.NUMBER_DP_EXEMPLARS, exemplarsTable('NUMBER_DP_EXEMPLARS')],
  [T.HISTOGRAM_DP_EXEMPLARS, exemplarsTable('HISTOGRAM_DP_EXEMPLARS')],
  [T.EXP_HISTOGRAM_DP_EXEMPLARS, exemplarsTable('EXP_HISTOGRAM_DP_EXEMPLARS')],
  [T.NUMBER_DP_EXEMPLAR_ATTRS, attributes32Table('NUMBER_DP_EXEMPLAR_ATTRS')],
  [T.HISTOGRAM_DP_EXEMPLAR_ATTRS, attributes32Table('HISTOGRAM_DP_EXEMPLAR_ATTRS')],
  [T.EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS, attributes32Table('EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS')],
]);
