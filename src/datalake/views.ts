// The SQL views `otap query` and `query()` create over a data lake: one view per payload
// type present (the Parquet files as written, plus `_set`, the file set a row belongs to,
// and for attribute tables `value`, the value as text), and the joined views people query:
// `resources` / `scopes` (attributes as a MAP, `service_name`), `logs_flat` and `spans_flat`
// (one row per record with its resource, scope and own attributes as MAP(VARCHAR, VARCHAR)).
// Ids are unique within a file set, so every join is on (_set, id).
import { ArrowPayloadType } from '../otap/payload-type.js';
import { payloadDir } from './layout.js';

const T = ArrowPayloadType;

/** Every payload type a data lake may hold, in a stable order. */
export const LAKE_PAYLOADS: readonly number[] = [
  T.RESOURCE_ATTRS, T.SCOPE_ATTRS,
  T.LOGS, T.LOG_ATTRS,
  T.SPANS, T.SPAN_ATTRS, T.SPAN_EVENTS, T.SPAN_EVENT_ATTRS, T.SPAN_LINKS, T.SPAN_LINK_ATTRS,
  T.UNIVARIATE_METRICS, T.METRIC_ATTRS,
  T.NUMBER_DATA_POINTS, T.NUMBER_DP_ATTRS, T.NUMBER_DP_EXEMPLARS, T.NUMBER_DP_EXEMPLAR_ATTRS,
  T.SUMMARY_DATA_POINTS, T.SUMMARY_DP_ATTRS,
  T.HISTOGRAM_DATA_POINTS, T.HISTOGRAM_DP_ATTRS, T.HISTOGRAM_DP_EXEMPLARS, T.HISTOGRAM_DP_EXEMPLAR_ATTRS,
  T.EXP_HISTOGRAM_DATA_POINTS, T.EXP_HISTOGRAM_DP_ATTRS, T.EXP_HISTOGRAM_DP_EXEMPLARS, T.EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS,
];

const ATTRIBUTE_TABLES: ReadonlySet<number> = new Set([
  T.RESOURCE_ATTRS, T.SCOPE_ATTRS, T.LOG_ATTRS, T.SPAN_ATTRS, T.SPAN_EVENT_ATTRS, T.SPAN_LINK_ATTRS, T.METRIC_ATTRS,
  T.NUMBER_DP_ATTRS, T.SUMMARY_DP_ATTRS, T.HISTOGRAM_DP_ATTRS, T.EXP_HISTOGRAM_DP_ATTRS,
  T.NUMBER_DP_EXEMPLAR_ATTRS, T.HISTOGRAM_DP_EXEMPLAR_ATTRS, T.EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS,
]);

/** SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** An attribute row's value as text (AttributeValueType: 1 str, 2 int, 3 double, 4 bool,
 *  7 bytes as hex; maps and arrays (5, 6) are CBOR, shown as hex). */
const VALUE_TEXT = `CASE "type" WHEN 1 THEN "str" WHEN 2 THEN CAST("int" AS VARCHAR) WHEN 3 THEN CAST("double" AS VARCHAR)
  WHEN 4 THEN CAST("bool" AS VARCHAR) WHEN 7 THEN '0x' || hex("bytes") WHEN 5 THEN '0x' || hex("ser") WHEN 6 THEN '0x' || hex("ser") END`;

function tableView(base: string, payloadType: number): string {
  const glob = `${base.replace(/\/+$/, '')}/${payloadDir(payloadType)}/**/*.parquet`;
  const extra = ATTRIBUTE_TABLES.has(payloadType) ? `, ${VALUE_TEXT} AS value` : '';
  return `CREATE OR REPLACE VIEW ${payloadDir(payloadType)} AS
SELECT * EXCLUDE (filename), regexp_extract(filename, '([^/\\\\]+)\\.parquet$', 1) AS _set${extra}
FROM read_parquet(${sqlString(glob)}, filename = true, hive_partitioning = true, union_by_name = true)`;
}

const EMPTY_MAP = 'MAP {}::MAP(VARCHAR, VARCHAR)';

/** `view` grouped per (_set, parent_id) into a MAP, or undefined when the table is absent. */
function attributeMaps(present: ReadonlySet<number>, payloadType: number): string | undefined {
  if (!present.has(payloadType)) return undefined;
  return `SELECT _set, parent_id, map_from_entries(list({'k': "key", 'v': value})) AS attributes FROM ${payloadDir(payloadType)} GROUP BY _set, parent_id`;
}

function groupView(name: string, present: ReadonlySet<number>, attrs: number): string {
  const maps = attributeMaps(present, attrs);
  const body = maps
    ? `SELECT _set, parent_id AS id, attributes, attributes['service.name'] AS service_name FROM (${maps})`
    : `SELECT NULL::VARCHAR AS _set, NULL::UINTEGER AS id, ${EMPTY_MAP} AS attributes, NULL::VARCHAR AS service_name WHERE false`;
  return `CREATE OR REPLACE VIEW ${name} AS ${body}`;
}

/** A flat view: root rows with their resource, scope and own attributes. */
function flatView(name: string, root: number, attrs: number, present: ReadonlySet<number>, columns: string): string {
  const own = attributeMaps(present, attrs);
  return `CREATE OR REPLACE VIEW ${name} AS
SELECT ${columns},
  r.service_name, r.attributes AS resource_attributes, coalesce(s.attributes, ${EMPTY_MAP}) AS scope_attributes,
  ${own ? `coalesce(a.attributes, ${EMPTY_MAP})` : EMPTY_MAP} AS attributes,
  t.resource.schema_url AS resource_schema_url, t.schema_url AS scope_schema_url, t._set
FROM ${payloadDir(root)} t
LEFT JOIN resources r ON r._set = t._set AND r.id = t.resource.id
LEFT JOIN scopes s ON s._set = t._set AND s.id = t.scope.id
${own ? `LEFT JOIN (${own}) a ON a._set = t._set AND a.parent_id = t.id` : ''}`;
}

/** The statements that create every view for the payload types present under `base`. */
export function viewStatements(base: string, present: ReadonlySet<number>): string[] {
  const out = LAKE_PAYLOADS.filter((t) => present.has(t)).map((t) => tableView(base, t));
  out.push(groupView('resources', present, T.RESOURCE_ATTRS), groupView('scopes', present, T.SCOPE_ATTRS));
  if (present.has(T.LOGS)) {
    out.push(flatView('logs_flat', T.LOGS, T.LOG_ATTRS, present, `t.time_unix_nano AS "time", t.observed_time_unix_nano AS observed_time,
  t.severity_number, t.severity_text, coalesce(t.body.str, CAST(t.body.int AS VARCHAR), CAST(t.body.double AS VARCHAR), CAST(t.body.bool AS VARCHAR)) AS body,
  t.event_name, lower(hex(t.trace_id)) AS trace_id, lower(hex(t.span_id)) AS span_id, t.flags, t.scope.name AS scope_name, t.scope.version AS scope_version`));
  }
  if (present.has(T.SPANS)) {
    out.push(flatView('spans_flat', T.SPANS, T.SPAN_ATTRS, present, `t.start_time_unix_nano AS start_time, t.start_time_unix_nano + to_microseconds(t.duration_time_unix_nano // 1000) AS end_time,
  t.duration_time_unix_nano / 1e6 AS duration_ms, t.name, t.kind, lower(hex(t.trace_id)) AS trace_id, lower(hex(t.span_id)) AS span_id, lower(hex(t.parent_span_id)) AS parent_span_id, t.trace_state,
  t.status.code AS status_code, t.status.status_message AS status_message, t.scope.name AS scope_name, t.scope.version AS scope_version`));
  }
  return out;
}
