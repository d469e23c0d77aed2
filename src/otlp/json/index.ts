// OTLP/JSON codecs for the three collector export requests.
export { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './decode.js';
export { encodeLogsJson, encodeMetricsJson, encodeTracesJson } from './encode.js';
