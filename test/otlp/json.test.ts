import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtelArrowError } from '../../src/errors.js';
import {
  decodeLogsJson, decodeMetricsJson, decodeTracesJson, encodeLogsJson, encodeMetricsJson,
  encodeTracesJson,
} from '../../src/otlp/json/index.js';
import { logsRequestArb, metricsRequestArb, tracesRequestArb } from '../support/arbitraries.js';
import { attempt } from '../support/outcome.js';
import {
  I64_MAX, I64_MIN, SPAN_ID, TRACE_ID, U64_MAX, logsFixture, metricsFixture, tracesFixture,
} from './codec-fixtures.js';

function expectMalformed(fn: () => unknown, pattern?: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OtelArrowError);
    expect((err as OtelArrowError).code).toBe('MALFORMED_JSON');
    if (pattern) expect((err as OtelArrowError).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a MALFORMED_JSON error');
}

const wrapSpan = (span: object) =>
  JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
const firstSpan = (text: string) => decodeTracesJson(text).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
const wrapMetric = (metric: object) =>
  JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [metric] }] }] });
const firstMetric = (text: string) =>
  decodeMetricsJson(text).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!;

describe('OTLP/JSON round trips', () => {
  it('traces fixture', () => {
    const req = tracesFixture();
    expect(decodeTracesJson(encodeTracesJson(req))).toStrictEqual(req);
  });

  it('logs fixture (incl. 1 MB string)', () => {
    const req = logsFixture();
    expect(decodeLogsJson(encodeLogsJson(req))).toStrictEqual(req);
  });

  it('metrics fixture', () => {
    const req = metricsFixture();
    expect(decodeMetricsJson(encodeMetricsJson(req))).toStrictEqual(req);
  });

  it('keeps a lone surrogate (JSON can, protobuf UTF-8 cannot)', () => {
    const req = tracesFixture();
    req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name = 'a\ud800b';
    expect(firstSpan(encodeTracesJson(req)).name).toBe('a\ud800b');
  });

  it('property: traces', () => {
    fc.assert(fc.property(tracesRequestArb, (req) => {
      expect(decodeTracesJson(encodeTracesJson(req))).toEqual(req);
    }), { numRuns: 60 });
  });

  it('property: logs', () => {
    fc.assert(fc.property(logsRequestArb, (req) => {
      expect(decodeLogsJson(encodeLogsJson(req))).toEqual(req);
    }), { numRuns: 60 });
  });

  it('property: metrics', () => {
    fc.assert(fc.property(metricsRequestArb, (req) => {
      expect(decodeMetricsJson(encodeMetricsJson(req))).toEqual(req);
    }), { numRuns: 60 });
  });
});

/** The parts of the OTLP/JSON text the format tests read (JSON.parse gives `any`). */
interface JsonKeyValue { key: string; value: Record<string, unknown> }
type JsonSpan = Record<string, unknown> & { attributes: JsonKeyValue[]; links: { flags: number }[] };
interface JsonTraces { resourceSpans: { scopeSpans: { spans: JsonSpan[] }[] }[] }
interface JsonMetrics { resourceMetrics: { scopeMetrics: { metrics: { name: string; histogram: { dataPoints: Record<string, unknown>[] } }[] }[] }[] }

describe('OTLP/JSON encoding format', () => {
  const traces = JSON.parse(encodeTracesJson(tracesFixture())) as JsonTraces;
  const span = traces.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  const attr = (key: string): Record<string, unknown> | undefined => span.attributes.find((a) => a.key === key)?.value;

  it('uses lowerCamelCase keys, hex ids and decimal-string 64-bit integers', () => {
    expect(span.traceId).toBe('0102030405060708090a0b0c0d0e0f10');
    expect(span.spanId).toBe('deadbeef00010203');
    expect(span.parentSpanId).toBe('ffeeddccbbaa9988');
    expect(span.startTimeUnixNano).toBe('1700000000123456789');
    expect(span.endTimeUnixNano).toBe('18446744073709551615');
    expect(span.kind).toBe(2);
    expect(span.status).toEqual({ message: 'not found', code: 2 });
    expect(span.droppedAttributesCount).toBe(3);
    expect(span.links[0]!.flags).toBe(0xffffffff);
  });

  it('encodes AnyValue kinds per the JSON mapping', () => {
    expect(attr('int-min')).toEqual({ intValue: '-9223372036854775808' });
    expect(attr('bytes')).toEqual({ bytesValue: 'AAEC/v8=' });
    expect(attr('nan')).toEqual({ doubleValue: 'NaN' });
    expect(attr('inf')).toEqual({ doubleValue: 'Infinity' });
    expect(attr('ninf')).toEqual({ doubleValue: '-Infinity' });
    expect(Object.is(attr('double-neg-zero')?.doubleValue, -0)).toBe(true);
    expect(attr('empty')).toEqual({});
    expect(attr('bool-false')).toEqual({ boolValue: false });
    expect(attr('array-empty')).toEqual({ arrayValue: {} });
  });

  it('omits proto3 defaults but keeps optional doubles that are 0', () => {
    expect(traces.resourceSpans[0]!.scopeSpans[0]!.spans[1]).toEqual({ status: {} });
    const metrics = JSON.parse(encodeMetricsJson(metricsFixture())) as JsonMetrics;
    const hist = metrics.resourceMetrics[0]!.scopeMetrics[0]!.metrics.find((m) => m.name === 'histogram')!.histogram;
    expect(hist.dataPoints[0]).toMatchObject({ sum: 0, min: 0, max: 0, count: '18446744073709551615' });
    expect(hist.dataPoints[0]!.bucketCounts).toEqual(['0', '1', '18446744073709551615', '5']);
    expect(hist.dataPoints[1]).toEqual({});
  });
});

describe('OTLP/JSON decoding leniency', () => {
  it('accepts snake_case keys, enum names, numeric int64 and string doubles', () => {
    const s = firstSpan(wrapSpan({
      trace_id: '0102030405060708090A0B0C0D0E0F10',
      span_id: 'deadbeef00010203',
      parent_span_id: '',
      kind: 'SPAN_KIND_CLIENT',
      start_time_unix_nano: 1700000000000000000,
      end_time_unix_nano: '18446744073709551615',
      dropped_attributes_count: '4',
      attributes: [
        { key: 'i', value: { int_value: 12 } },
        { key: 'd', value: { double_value: '2.5' } },
        { key: 'n', value: { doubleValue: '-Infinity' } },
        { key: 'b', value: { bytes_value: '_-8=' } },
        { key: 'kv', value: { kvlist_value: { values: [{ key: 'x', value: { string_value: 'y' } }] } } },
        { key: 'a', value: { array_value: { values: [{ bool_value: true }] } } },
        { key: 'null', value: null },
      ],
      status: { code: 'STATUS_CODE_ERROR', message: null },
    }));
    expect(s.traceId).toStrictEqual(TRACE_ID);
    expect(s.spanId).toStrictEqual(SPAN_ID);
    expect(s.kind).toBe(3);
    expect(s.startTimeUnixNano).toBe(1700000000000000000n);
    expect(s.endTimeUnixNano).toBe(U64_MAX);
    expect(s.droppedAttributesCount).toBe(4);
    expect(s.status).toStrictEqual({ message: '', code: 2 });
    expect(s.attributes.map((a) => a.value)).toStrictEqual([
      { type: 'int', value: 12n },
      { type: 'double', value: 2.5 },
      { type: 'double', value: -Infinity },
      { type: 'bytes', value: new Uint8Array([0xff, 0xef]) },
      { type: 'kvlist', values: [{ key: 'x', value: { type: 'string', value: 'y' } }] },
      { type: 'array', values: [{ type: 'bool', value: true }] },
      { type: 'empty' },
    ]);
  });

  it('accepts severity and temporality names', () => {
    const logs = decodeLogsJson(JSON.stringify({
      resource_logs: [{ scope_logs: [{ log_records: [
        { severity_number: 'SEVERITY_NUMBER_WARN3', observed_time_unix_nano: '5', event_name: 'e' },
        { severityNumber: 'SEVERITY_NUMBER_FATAL4' },
      ] }] }],
    }));
    const records = logs.resourceLogs[0]!.scopeLogs[0]!.logRecords;
    expect(records[0]!.severityNumber).toBe(15);
    expect(records[0]!.observedTimeUnixNano).toBe(5n);
    expect(records[0]!.eventName).toBe('e');
    expect(records[1]!.severityNumber).toBe(24);
    const m = firstMetric(wrapMetric({
      exponential_histogram: {
        aggregation_temporality: 'AGGREGATION_TEMPORALITY_DELTA',
        data_points: [{ scale: -3, zero_count: 2, positive: { offset: -4, bucket_counts: [1, '2'] }, zero_threshold: 'NaN' }],
      },
    }));
    expect(m.data.type).toBe('exponentialHistogram');
    if (m.data.type !== 'exponentialHistogram') return;
    expect(m.data.aggregationTemporality).toBe(1);
    const dp = m.data.dataPoints[0]!;
    expect(dp.scale).toBe(-3);
    expect(dp.zeroCount).toBe(2n);
    expect(dp.positive).toStrictEqual({ offset: -4, bucketCounts: [1n, 2n] });
    expect(dp.negative).toStrictEqual({ offset: 0, bucketCounts: [] });
    expect(dp.zeroThreshold).toBeNaN();
    expect(dp.sum).toBeUndefined();
  });

  it('decodes data point values as_int / as_double and a metric without data', () => {
    const m = firstMetric(wrapMetric({
      name: 'g',
      gauge: { dataPoints: [{ asInt: '-9223372036854775808' }, { as_double: 1 }, {}] },
    }));
    expect(m.data).toStrictEqual({
      type: 'gauge',
      dataPoints: [
        { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 0n, value: { type: 'int', value: I64_MIN }, exemplars: [], flags: 0 },
        { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 0n, value: { type: 'double', value: 1 }, exemplars: [], flags: 0 },
        { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 0n, value: { type: 'none' }, exemplars: [], flags: 0 },
      ],
    });
    expect(firstMetric(wrapMetric({ name: 'x' })).data).toStrictEqual({ type: 'empty' });
    expect(firstMetric(wrapMetric({ sum: { data_points: [{ as_int: I64_MAX.toString() }], is_monotonic: true } })).data)
      .toMatchObject({ type: 'sum', isMonotonic: true });
  });
});

describe('OTLP/JSON malformed input', () => {
  it('rejects text that is not JSON or not an object', () => {
    expectMalformed(() => decodeTracesJson('{'));
    expectMalformed(() => decodeTracesJson(''));
    expectMalformed(() => decodeTracesJson('[]'));
    expectMalformed(() => decodeLogsJson('null'));
    expectMalformed(() => decodeMetricsJson('42'));
    expectMalformed(() => decodeMetricsJson(undefined as unknown as string));
  });

  it('rejects wrong field types and bad values, naming the field', () => {
    expectMalformed(() => decodeTracesJson('{"resourceSpans":{}}'), /resourceSpans/);
    expectMalformed(() => firstSpan(wrapSpan({ traceId: 'xyz' })), /Span\.traceId/);
    expectMalformed(() => firstSpan(wrapSpan({ traceId: 'abc' })), /Span\.traceId/);
    expectMalformed(() => firstSpan(wrapSpan({ name: 5 })), /Span\.name/);
    expectMalformed(() => firstSpan(wrapSpan({ kind: 'SPAN_KIND_NOPE' })), /Span\.kind/);
    expectMalformed(() => firstSpan(wrapSpan({ kind: 1.5 })), /Span\.kind/);
    expectMalformed(() => firstSpan(wrapSpan({ startTimeUnixNano: '-1' })), /uint64/);
    expectMalformed(() => firstSpan(wrapSpan({ startTimeUnixNano: '18446744073709551616' })), /uint64/);
    expectMalformed(() => firstSpan(wrapSpan({ startTimeUnixNano: '1e3' })), /startTimeUnixNano/);
    expectMalformed(() => firstSpan(wrapSpan({ droppedAttributesCount: 4294967296 })), /uint32/);
    expectMalformed(() => firstSpan(wrapSpan({ attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }] })), /int64/);
    expectMalformed(() => firstSpan(wrapSpan({ attributes: [{ key: 'k', value: { bytesValue: '!!' } }] })), /bytesValue/);
    expectMalformed(() => firstSpan(wrapSpan({ attributes: [{ key: 'k', value: { doubleValue: 'abc' } }] })), /doubleValue/);
    expectMalformed(() => firstSpan(wrapSpan({ attributes: [null] })), /attributes/);
    expectMalformed(() => firstMetric(wrapMetric({ histogram: { dataPoints: [{ bucketCounts: 'x' }] } })), /bucketCounts/);
    expectMalformed(() => firstMetric(wrapMetric({ gauge: [] })), /gauge/);
  });

  it('random JSON values never throw anything but MALFORMED_JSON', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [value] }] }], resourceMetrics: [value], resourceLogs: value });
        for (const decode of [decodeTracesJson, decodeLogsJson, decodeMetricsJson]) {
          const out = attempt(() => decode(text));
          if (!out.ok) refused++;
          expect(out.ok || (out.error instanceof OtelArrowError && out.error.code === 'MALFORMED_JSON')).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
    // Most random values are not spans, metrics or a logs array: they must be refused.
    expect(refused).toBeGreaterThan(1000);
  });

  it('absurd nesting fails with MALFORMED_JSON, not RangeError', () => {
    const depth = 100_000;
    const body = '{"arrayValue":{"values":['.repeat(depth) + '{}' + ']}}'.repeat(depth);
    const text = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${body}}]}]}]}`;
    expectMalformed(() => decodeLogsJson(text));
  });
});
