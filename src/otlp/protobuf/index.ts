// OTLP protobuf codecs for the three collector export requests.
export { decodeLogsRequest, encodeLogsRequest } from './logs.js';
export { decodeMetricsRequest, encodeMetricsRequest } from './metrics.js';
export { decodeTracesRequest, encodeTracesRequest } from './traces.js';
