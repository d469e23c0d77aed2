// Telemetry with known answers for the data lake's SQL examples (test/datalake/query.test.ts,
// bench/datalake.ts): record g of the stream belongs to service SERVICES[g % 3], happens at
// BASE + g * STEP, is an error (severity 17) when g % 7 === 0, carries http.route ROUTES[g % 4]
// and http.response.status_code 500 for errors, else 200. Span g lasts durationMs(g).
import type { ExportLogsServiceRequest, ExportTraceServiceRequest, KeyValue, LogRecord, Span } from '../../src/otlp/model.js';

export const SERVICES = ['checkout', 'cart', 'payment'] as const;
export const ROUTES = ['/api/cart', '/api/checkout', '/api/items/{id}', '/health'] as const;
/** 2026-01-01T00:00:00Z */
export const BASE_NS = 1_767_225_600_000_000_000n;
/** 6 ms between records: 10,000 records per minute. */
export const STEP_NS = 6_000_000n;
export const RECORDS_PER_MINUTE = 10_000;

const str = (key: string, value: string): KeyValue => ({ key, value: { type: 'string', value } });
const int = (key: string, value: number): KeyValue => ({ key, value: { type: 'int', value: BigInt(value) } });
const resource = (service: string) => ({ attributes: [str('service.name', service), str('deployment.environment.name', 'prod')], droppedAttributesCount: 0 });
const scope = { name: 'shop', version: '1.2.0', attributes: [], droppedAttributesCount: 0 };

export const isError = (g: number): boolean => g % 7 === 0;
export const durationMs = (g: number): number => 1 + (g % 997) * (1 + (g % 4));

function logRecord(g: number): LogRecord {
  const error = isError(g);
  return {
    timeUnixNano: BASE_NS + BigInt(g) * STEP_NS, observedTimeUnixNano: BASE_NS + BigInt(g) * STEP_NS + 1000n,
    severityNumber: error ? 17 : 9, severityText: error ? 'ERROR' : 'INFO',
    body: { type: 'string', value: error ? `request ${g} failed` : `request ${g} served` },
    attributes: [str('http.route', ROUTES[g % 4]!), int('http.response.status_code', error ? 500 : 200)],
    droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '',
  };
}

function span(g: number): Span {
  const start = BASE_NS + BigInt(g) * STEP_NS;
  const id = new Uint8Array(8);
  new DataView(id.buffer).setUint32(4, g + 1);
  const trace = new Uint8Array(16);
  new DataView(trace.buffer).setUint32(12, g + 1);
  return {
    traceId: trace, spanId: id, traceState: '', parentSpanId: new Uint8Array(0), flags: 0, name: `GET ${ROUTES[g % 4]!}`, kind: 2,
    startTimeUnixNano: start, endTimeUnixNano: start + BigInt(durationMs(g)) * 1_000_000n,
    attributes: [str('http.route', ROUTES[g % 4]!), int('http.response.status_code', isError(g) ? 500 : 200)],
    droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0,
    status: { code: isError(g) ? 2 : 0, message: '' },
  };
}

/** Records [first, first + count) of the stream as one request, grouped by service. */
export function lakeLogs(first: number, count: number): ExportLogsServiceRequest {
  return {
    resourceLogs: SERVICES.map((service, s) => {
      const logRecords: LogRecord[] = [];
      for (let g = first; g < first + count; g++) if (g % 3 === s) logRecords.push(logRecord(g));
      return { resource: resource(service), schemaUrl: '', scopeLogs: [{ scope, logRecords, schemaUrl: '' }] };
    }).filter((r) => r.scopeLogs[0]!.logRecords.length > 0),
  };
}

export function lakeSpans(first: number, count: number): ExportTraceServiceRequest {
  return {
    resourceSpans: SERVICES.map((service, s) => {
      const spans: Span[] = [];
      for (let g = first; g < first + count; g++) if (g % 3 === s) spans.push(span(g));
      return { resource: resource(service), schemaUrl: '', scopeSpans: [{ scope, spans, schemaUrl: '' }] };
    }).filter((r) => r.scopeSpans[0]!.spans.length > 0),
  };
}

/** Expected answer of the "errors by service per minute" example over records [0, n). */
export function errorsByServiceMinute(n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let g = 0; g < n; g += 7) {
    const key = `${SERVICES[g % 3]!} ${Math.floor(g / RECORDS_PER_MINUTE)}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** Expected per route over spans [0, n): count and slowest duration. */
export function slowestByRoute(n: number): Map<string, { spans: number; maxMs: number }> {
  const out = new Map<string, { spans: number; maxMs: number }>();
  for (let g = 0; g < n; g++) {
    const r = out.get(ROUTES[g % 4]!) ?? { spans: 0, maxMs: 0 };
    r.spans++;
    r.maxMs = Math.max(r.maxMs, durationMs(g));
    out.set(ROUTES[g % 4]!, r);
  }
  return out;
}
