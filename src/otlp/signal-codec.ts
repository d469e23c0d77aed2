// Signal-generic entry points over the per-signal OTLP codecs (protobuf and JSON).
import type { Signal, SignalRequest } from './model.js';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson, encodeLogsJson, encodeMetricsJson, encodeTracesJson } from './json/index.js';
import {
  decodeLogsRequest, decodeMetricsRequest, decodeTracesRequest, encodeLogsRequest, encodeMetricsRequest, encodeTracesRequest,
} from './protobuf/index.js';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from './model.js';

export type OtlpFormat = 'protobuf' | 'json';

export function encodeOtlp<S extends Signal>(signal: S, req: SignalRequest[S]): Uint8Array {
  switch (signal) {
    case 'traces': return encodeTracesRequest(req as ExportTraceServiceRequest);
    case 'logs': return encodeLogsRequest(req as ExportLogsServiceRequest);
    default: return encodeMetricsRequest(req as ExportMetricsServiceRequest);
  }
}

export function decodeOtlp<S extends Signal>(signal: S, bytes: Uint8Array): SignalRequest[S] {
  switch (signal) {
    case 'traces': return decodeTracesRequest(bytes) as SignalRequest[S];
    case 'logs': return decodeLogsRequest(bytes) as SignalRequest[S];
    default: return decodeMetricsRequest(bytes) as SignalRequest[S];
  }
}

export function encodeOtlpJson<S extends Signal>(signal: S, req: SignalRequest[S]): string {
  switch (signal) {
    case 'traces': return encodeTracesJson(req as ExportTraceServiceRequest);
    case 'logs': return encodeLogsJson(req as ExportLogsServiceRequest);
    default: return encodeMetricsJson(req as ExportMetricsServiceRequest);
  }
}

export function decodeOtlpJson<S extends Signal>(signal: S, text: string): SignalRequest[S] {
  switch (signal) {
    case 'traces': return decodeTracesJson(text) as SignalRequest[S];
    case 'logs': return decodeLogsJson(text) as SignalRequest[S];
    default: return decodeMetricsJson(text) as SignalRequest[S];
  }
}

/** The signal of an OTLP/JSON document, from its top-level key. */
export function signalOfOtlpJson(text: string): Signal | undefined {
  const m = /"(resourceSpans|resource_spans|resourceLogs|resource_logs|resourceMetrics|resource_metrics)"/.exec(text.slice(0, 4096));
  if (!m) return undefined;
  const key = m[1]!.toLowerCase();
  return key.includes('span') ? 'traces' : key.includes('log') ? 'logs' : 'metrics';
}

/** Concatenates the resource lists of several requests of one signal (lossless merge). */
export function mergeRequests<S extends Signal>(signal: S, reqs: readonly SignalRequest[S][]): SignalRequest[S] {
  switch (signal) {
    case 'traces': return { resourceSpans: (reqs as readonly unknown[] as ExportTraceServiceRequest[]).flatMap((r) => r.resourceSpans) } as SignalRequest[S];
    case 'logs': return { resourceLogs: (reqs as readonly unknown[] as ExportLogsServiceRequest[]).flatMap((r) => r.resourceLogs) } as SignalRequest[S];
    default: return { resourceMetrics: (reqs as readonly unknown[] as ExportMetricsServiceRequest[]).flatMap((r) => r.resourceMetrics) } as SignalRequest[S];
  }
}
