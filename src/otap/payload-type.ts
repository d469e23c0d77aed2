// ArrowPayloadType values (arrow_service.proto) and the tables each signal may carry.

export const ArrowPayloadType = {
  UNKNOWN: 0,
  RESOURCE_ATTRS: 1,
  SCOPE_ATTRS: 2,
  UNIVARIATE_METRICS: 10,
  NUMBER_DATA_POINTS: 11,
  SUMMARY_DATA_POINTS: 12,
  HISTOGRAM_DATA_POINTS: 13,
  EXP_HISTOGRAM_DATA_POINTS: 14,
  NUMBER_DP_ATTRS: 15,
  SUMMARY_DP_ATTRS: 16,
  HISTOGRAM_DP_ATTRS: 17,
  EXP_HISTOGRAM_DP_ATTRS: 18,
  NUMBER_DP_EXEMPLARS: 19,
  HISTOGRAM_DP_EXEMPLARS: 20,
  EXP_HISTOGRAM_DP_EXEMPLARS: 21,
  NUMBER_DP_EXEMPLAR_ATTRS: 22,
  HISTOGRAM_DP_EXEMPLAR_ATTRS: 23,
  EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS: 24,
  MULTIVARIATE_METRICS: 25,
  METRIC_ATTRS: 26,
  LOGS: 30,
  LOG_ATTRS: 31,
  SPANS: 40,
  SPAN_ATTRS: 41,
  SPAN_EVENTS: 42,
  SPAN_LINKS: 43,
  SPAN_EVENT_ATTRS: 44,
  SPAN_LINK_ATTRS: 45,
} as const;

export type ArrowPayloadTypeName = keyof typeof ArrowPayloadType;
export type ArrowPayloadTypeValue = (typeof ArrowPayloadType)[ArrowPayloadTypeName];

const NAMES = new Map<number, ArrowPayloadTypeName>(
  (Object.entries(ArrowPayloadType) as [ArrowPayloadTypeName, number][]).map(([k, v]) => [v, k]),
);

/** "LOG_ATTRS" for 31; "PAYLOAD_TYPE_<n>" for a number the enum does not define. */
export function payloadTypeName(type: number): string {
  return NAMES.get(type) ?? `PAYLOAD_TYPE_${type}`;
}

const T = ArrowPayloadType;

/** Payload order inside a BatchArrowRecords, as the Go producer writes it (root first). */
export const PAYLOAD_ORDER = {
  logs: [T.LOGS, T.RESOURCE_ATTRS, T.SCOPE_ATTRS, T.LOG_ATTRS],
  traces: [
    T.SPANS, T.RESOURCE_ATTRS, T.SCOPE_ATTRS, T.SPAN_ATTRS, T.SPAN_EVENTS, T.SPAN_LINKS,
    T.SPAN_EVENT_ATTRS, T.SPAN_LINK_ATTRS,
  ],
  metrics: [
    T.UNIVARIATE_METRICS, T.RESOURCE_ATTRS, T.SCOPE_ATTRS, T.METRIC_ATTRS,
    T.NUMBER_DATA_POINTS, T.NUMBER_DP_ATTRS, T.NUMBER_DP_EXEMPLARS, T.NUMBER_DP_EXEMPLAR_ATTRS,
    T.SUMMARY_DATA_POINTS, T.SUMMARY_DP_ATTRS,
    T.HISTOGRAM_DATA_POINTS, T.HISTOGRAM_DP_ATTRS, T.HISTOGRAM_DP_EXEMPLARS,
    T.HISTOGRAM_DP_EXEMPLAR_ATTRS,
    T.EXP_HISTOGRAM_DATA_POINTS, T.EXP_HISTOGRAM_DP_ATTRS, T.EXP_HISTOGRAM_DP_EXEMPLARS,
    T.EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS,
  ],
} as const satisfies Record<'logs' | 'traces' | 'metrics', readonly number[]>;

export const ROOT_PAYLOAD = {
  logs: T.LOGS,
  traces: T.SPANS,
  metrics: T.UNIVARIATE_METRICS,
} as const;
