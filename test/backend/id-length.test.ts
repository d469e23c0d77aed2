// Trace and span ids of the wrong length: every backend refuses them with INVALID_PAYLOAD, as
// the Go reference does (its pdata refuses them when reading OTLP); empty ids stay allowed
// (written as zeros, read back as empty). The encoder keeps working after the refusal.
import { describe, expect, it } from 'vitest';
import { OtelArrowError } from '../../src/errors.js';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, Span } from '../../src/otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../../src/otlp/signal-codec.js';
import { backendRows, requireBackend } from '../support/backends.js';

const scope = { name: 's', version: '', attributes: [], droppedAttributesCount: 0 };
const resource = { attributes: [], droppedAttributesCount: 0 };

function span(traceId: Uint8Array, spanId: Uint8Array, linkTraceId: Uint8Array = new Uint8Array(16).fill(3)): Span {
  return {
    traceId, spanId, traceState: '', parentSpanId: new Uint8Array(0), flags: 0, name: 'x', kind: 1,
    startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0,
    links: [{ traceId: linkTraceId, spanId: new Uint8Array(8).fill(4), traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 }],
    droppedLinksCount: 0, status: { message: '', code: 0 },
  };
}
const traces = (s: Span): ExportTraceServiceRequest => ({ resourceSpans: [{ resource, schemaUrl: '', scopeSpans: [{ scope, schemaUrl: '', spans: [s] }] }] });

function logs(traceId: Uint8Array, spanId: Uint8Array): ExportLogsServiceRequest {
  return {
    resourceLogs: [{
      resource, schemaUrl: '',
      scopeLogs: [{
        scope, schemaUrl: '',
        logRecords: [{
          timeUnixNano: 1n, observedTimeUnixNano: 1n, severityNumber: 9, severityText: '', body: { type: 'string', value: 'b' },
          attributes: [], droppedAttributesCount: 0, flags: 0, traceId, spanId, eventName: '',
        }],
      }],
    }],
  };
}

function metrics(traceId: Uint8Array, spanId: Uint8Array): ExportMetricsServiceRequest {
  return {
    resourceMetrics: [{
      resource, schemaUrl: '',
      scopeMetrics: [{
        scope, schemaUrl: '',
        metrics: [{
          name: 'g', description: '', unit: '', metadata: [],
          data: {
            type: 'gauge',
            dataPoints: [{
              attributes: [], startTimeUnixNano: 0n, timeUnixNano: 1n, value: { type: 'int', value: 1n }, flags: 0,
              exemplars: [{ filteredAttributes: [], timeUnixNano: 1n, value: { type: 'int', value: 1n }, traceId, spanId }],
            }],
          },
        }],
      }],
    }],
  };
}

const id = (n: number): Uint8Array => new Uint8Array(n).fill(7);

const BAD: { what: string; signal: 'traces' | 'logs' | 'metrics'; req: () => unknown; message: string }[] = [
  { what: 'span trace id of 5 bytes', signal: 'traces', req: () => traces(span(id(5), id(8))), message: 'id must be 16 bytes (or empty), got 5' },
  { what: 'span trace id of 17 bytes', signal: 'traces', req: () => traces(span(id(17), id(8))), message: 'id must be 16 bytes (or empty), got 17' },
  { what: 'span id of 9 bytes', signal: 'traces', req: () => traces(span(id(16), id(9))), message: 'id must be 8 bytes (or empty), got 9' },
  { what: 'link trace id of 4 bytes', signal: 'traces', req: () => traces(span(id(16), id(8), id(4))), message: 'id must be 16 bytes (or empty), got 4' },
  { what: 'log span id of 3 bytes', signal: 'logs', req: () => logs(id(16), id(3)), message: 'id must be 8 bytes (or empty), got 3' },
  { what: 'exemplar trace id of 15 bytes', signal: 'metrics', req: () => metrics(id(15), id(8)), message: 'id must be 16 bytes (or empty), got 15' },
];

describe.each(backendRows())('%s backend: ids of the wrong length', (name) => {
  it.each(BAD)('refuses a $what with INVALID_PAYLOAD, then encodes the next batch', ({ signal, req, message }) => {
    const encoder = requireBackend(name).createEncoder();
    let thrown: unknown;
    try {
      encoder.encode(signal, encodeOtlp(signal, req() as never));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OtelArrowError);
    expect((thrown as OtelArrowError).code).toBe('INVALID_PAYLOAD');
    expect((thrown as OtelArrowError).message).toContain(message);
    // Still usable: a valid batch encodes and decodes.
    const good = traces(span(id(16), id(8)));
    const bar = encoder.encode('traces', encodeOtlp('traces', good));
    const decoder = requireBackend(name).createDecoder();
    expect(canonicalDiff('traces', good, decodeOtlp('traces', decoder.decode(bar).otlp))).toBeUndefined();
    decoder.close();
    encoder.close();
  });

  it('accepts empty ids and reads them back as empty', () => {
    const encoder = requireBackend(name).createEncoder();
    const decoder = requireBackend(name).createDecoder();
    const empty = new Uint8Array(0);
    for (const [signal, req] of [
      ['traces', traces(span(empty, empty, empty))],
      ['logs', logs(empty, empty)],
      ['metrics', metrics(empty, empty)],
    ] as const) {
      const got = decodeOtlp(signal, decoder.decode(encoder.encode(signal, encodeOtlp(signal, req as never))).otlp);
      expect(canonicalDiff(signal, req as never, got as never), signal).toBeUndefined();
    }
    decoder.close();
    encoder.close();
  });
});
