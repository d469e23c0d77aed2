import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtelArrowError } from '../../src/errors.js';
import {
  decodeLogsRequest, decodeMetricsRequest, decodeTracesRequest, encodeLogsRequest,
  encodeMetricsRequest, encodeTracesRequest,
} from '../../src/otlp/protobuf/index.js';
import { WireReader, messageInfo } from '../../src/proto/wire-reader.js';
import { WireWriter, varintSize } from '../../src/proto/wire-writer.js';
import { logsRequestArb, metricsRequestArb, tracesRequestArb } from '../support/arbitraries.js';
import { attempt } from '../support/outcome.js';
import { expectTruncationsRefused } from '../support/truncation.js';
import {
  I64_MAX, I64_MIN, ONE_MB_STRING, SPAN_ID, TRACE_ID, U64_MAX, logsFixture, metricsFixture,
  tracesFixture,
} from './codec-fixtures.js';

function expectMalformed(fn: () => unknown, pattern?: RegExp): OtelArrowError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OtelArrowError);
    const e = err as OtelArrowError;
    expect(e.code).toBe('MALFORMED_PROTOBUF');
    if (pattern) expect(e.message).toMatch(pattern);
    return e;
  }
  throw new Error('expected a MALFORMED_PROTOBUF error');
}

const isMalformed = (err: unknown): boolean => err instanceof OtelArrowError && err.code === 'MALFORMED_PROTOBUF';

/** Builds raw protobuf bytes by hand for decoder edge cases. */
function raw(build: (w: WireWriter) => void): Uint8Array {
  const w = new WireWriter(16);
  build(w);
  return w.finish();
}

/** Wraps a Span body in Request > ResourceSpans > ScopeSpans > Span. */
function inSpan(body: (w: WireWriter) => void): Uint8Array {
  return raw((w) => {
    w.tag(1, 2);
    const a = w.beginMessage();
    w.tag(2, 2);
    const b = w.beginMessage();
    w.tag(2, 2);
    const c = w.beginMessage();
    body(w);
    w.endMessage(c);
    w.endMessage(b);
    w.endMessage(a);
  });
}

/** Wraps a Metric body in Request > ResourceMetrics > ScopeMetrics > Metric. */
function inMetric(body: (w: WireWriter) => void): Uint8Array {
  return raw((w) => {
    w.tag(1, 2);
    const a = w.beginMessage();
    w.tag(2, 2);
    const b = w.beginMessage();
    w.tag(2, 2);
    const c = w.beginMessage();
    body(w);
    w.endMessage(c);
    w.endMessage(b);
    w.endMessage(a);
  });
}

const firstSpan = (bytes: Uint8Array) => decodeTracesRequest(bytes).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
const firstMetric = (bytes: Uint8Array) =>
  decodeMetricsRequest(bytes).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!;

describe('wire writer / reader primitives', () => {
  it('round-trips varints at every 7-bit boundary, 32- and 64-bit', () => {
    const values = [0, 1, 127, 128, 16383, 16384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1];
    const bigs = [0n, 1n, 2n ** 32n, 2n ** 35n, 2n ** 49n, 2n ** 56n, 2n ** 63n, U64_MAX];
    const w = new WireWriter(1);
    for (const v of values) w.varint(v);
    for (const v of bigs) w.varintBig(v);
    const r = new WireReader(w.finish());
    for (const v of values) expect(r.uint32()).toBe(v);
    for (const v of bigs) expect(r.uint64()).toBe(v);
    expect(r.pos).toBe(r.limit);
  });

  it('writes canonical varint lengths', () => {
    for (const v of [0, 127, 128, 2 ** 14, 2 ** 21, 2 ** 28, 2 ** 35, 2 ** 42, 2 ** 49, 2 ** 52]) {
      const w = new WireWriter();
      w.varint(v);
      expect(w.finish().length).toBe(varintSize(v));
    }
    const w = new WireWriter();
    w.varintBig(-1n);
    expect(Array.from(w.finish())).toEqual([...new Array<number>(9).fill(0xff), 0x01]);
  });

  it('round-trips int64 extremes, negative int32 and sint32', () => {
    const w = new WireWriter();
    for (const v of [I64_MIN, I64_MAX, -1n, -(2n ** 31n)]) w.varintBig(v);
    w.int32(-5);
    w.sint32Field(1, -2147483648);
    w.sint32Field(1, 2147483647);
    w.sint32Field(1, -1);
    const r = new WireReader(w.finish());
    for (const v of [I64_MIN, I64_MAX, -1n, -(2n ** 31n)]) expect(r.int64()).toBe(v);
    expect(r.int32()).toBe(-5);
    for (const v of [-2147483648, 2147483647, -1]) {
      expect(r.tag()).toBe(8);
      expect(r.sint32()).toBe(v);
    }
  });

  it('property: varintBig / uint64 and int64 round trip', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U64_MAX }), fc.bigInt({ min: I64_MIN, max: I64_MAX }), (u, s) => {
        const w = new WireWriter(1);
        w.varintBig(u);
        w.varintBig(s);
        const r = new WireReader(w.finish());
        expect(r.uint64()).toBe(u);
        expect(r.int64()).toBe(s);
      }),
    );
  });

  it('encodes strings of every size and script, growing the buffer', () => {
    const strings = ['', 'a', 'é', '日本', '😀', 'x'.repeat(42), 'é'.repeat(42), 'é'.repeat(43),
      '😀'.repeat(1000), 'a'.repeat(70_000), ONE_MB_STRING];
    const w = new WireWriter(1);
    for (const s of strings) w.string(s);
    const r = new WireReader(w.finish());
    for (const s of strings) expect(r.string()).toBe(s);
  });

  it('grows nested lengths past one byte (back-patching)', () => {
    const w = new WireWriter(1);
    const outer = w.beginMessage();
    const inner = w.beginMessage();
    w.string('z'.repeat(20_000));
    w.endMessage(inner);
    w.endMessage(outer);
    const r = new WireReader(w.finish());
    const o = r.enter();
    const i = r.enter();
    expect(r.string()).toBe('z'.repeat(20_000));
    r.leave(i);
    r.leave(o);
    expect(r.pos).toBe(r.buf.length);
  });

  it('copies bytes fields out of a Buffer (where slice() is a view), so reusing it changes nothing read', () => {
    const w = new WireWriter(1);
    w.bytes(new Uint8Array(100).fill(7)); // longer than the shared slab's fields
    w.bytes(new Uint8Array(10).fill(8));
    const input = Buffer.from(w.finish());
    const r = new WireReader(input);
    const long = r.bytes();
    const short = r.bytes();
    input.fill(0);
    expect(long).toEqual(new Uint8Array(100).fill(7));
    expect(short).toEqual(new Uint8Array(10).fill(8));
  });

  it('decodes invalid UTF-8 with replacement characters', () => {
    const r = new WireReader(new Uint8Array([4, 0x61, 0xff, 0xc3, 0x62]));
    expect(r.string()).toBe('a\ufffd\ufffdb');
  });

  it('rejects over-long varints, truncation and groups', () => {
    const info = messageInfo('Test', { 1: 'a' });
    expectMalformed(() => new WireReader(new Uint8Array(11).fill(0x80)).uint64(), /longer than 10/);
    expectMalformed(() => new WireReader(new Uint8Array([0x80, 0x80])).uint32(), /truncated/);
    expectMalformed(() => new WireReader(new Uint8Array([1, 2, 3])).fixed64(), /truncated/);
    expectMalformed(() => new WireReader(new Uint8Array([5, 1])).string(), /past end/);
    expectMalformed(() => new WireReader(new Uint8Array([0x13])).skip(0x13, info), /group/);
    expectMalformed(() => new WireReader(new Uint8Array([0x0a])).skip(0x0a, info), /wrong wire type/);
    expectMalformed(() => new WireReader(new Uint8Array([0x16])).skip(0x16, info), /invalid wire type/);
    expectMalformed(() => new WireReader(new Uint8Array([0x02])).tag(), /field number 0/);
  });
});

describe('OTLP protobuf round trips', () => {
  it('traces fixture covering every field and AnyValue kind', () => {
    const req = tracesFixture();
    expect(decodeTracesRequest(encodeTracesRequest(req))).toStrictEqual(req);
  });

  it('logs fixture incl. every body kind and a 1 MB string', () => {
    const req = logsFixture();
    const bytes = encodeLogsRequest(req);
    expect(bytes.length).toBeGreaterThan(1 << 20);
    expect(decodeLogsRequest(bytes)).toStrictEqual(req);
  });

  it('metrics fixture with every metric kind, optional sum/min/max, -0 and NaN', () => {
    const req = metricsFixture();
    expect(decodeMetricsRequest(encodeMetricsRequest(req))).toStrictEqual(req);
  });

  it('empty requests', () => {
    expect(encodeTracesRequest({ resourceSpans: [] }).length).toBe(0);
    expect(decodeTracesRequest(new Uint8Array(0))).toStrictEqual({ resourceSpans: [] });
    expect(decodeLogsRequest(new Uint8Array(0))).toStrictEqual({ resourceLogs: [] });
    expect(decodeMetricsRequest(new Uint8Array(0))).toStrictEqual({ resourceMetrics: [] });
  });

  it('property: traces', () => {
    fc.assert(fc.property(tracesRequestArb, (req) => {
      expect(decodeTracesRequest(encodeTracesRequest(req))).toEqual(req);
    }), { numRuns: 60 });
  });

  it('property: logs', () => {
    fc.assert(fc.property(logsRequestArb, (req) => {
      expect(decodeLogsRequest(encodeLogsRequest(req))).toEqual(req);
    }), { numRuns: 60 });
  });

  it('property: metrics', () => {
    fc.assert(fc.property(metricsRequestArb, (req) => {
      expect(decodeMetricsRequest(encodeMetricsRequest(req))).toEqual(req);
    }), { numRuns: 60 });
  });

  it('decodes from a Buffer view with a non-zero byteOffset', () => {
    const bytes = encodeTracesRequest(tracesFixture());
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 3);
    expect(decodeTracesRequest(padded.subarray(3, 3 + bytes.length))).toStrictEqual(tracesFixture());
  });
});

describe('OTLP protobuf wire details', () => {
  it('writes span flags as fixed32 (tag 0x85 0x01) and timestamps as fixed64', () => {
    const bytes = inSpan((w) => {
      w.fixed32Field(16, 0x101);
      w.fixed64Field(7, U64_MAX);
    });
    expect(Array.from(bytes.subarray(bytes.length - 15, bytes.length - 8))).toEqual([0x85, 0x01, 0x01, 0x01, 0, 0, 0x39]);
    const span = firstSpan(bytes);
    expect(span.flags).toBe(0x101);
    expect(span.startTimeUnixNano).toBe(U64_MAX);
  });

  it('writes histogram sum/min/max when 0 and omits them when undefined', () => {
    const dp = {
      attributes: [], startTimeUnixNano: 0n, timeUnixNano: 0n, count: 0n, bucketCounts: [],
      explicitBounds: [], exemplars: [], flags: 0,
    };
    const req = (sum: number | undefined) => ({
      resourceMetrics: [{
        resource: { attributes: [], droppedAttributesCount: 0 }, schemaUrl: '',
        scopeMetrics: [{
          scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '',
          metrics: [{
            name: '', description: '', unit: '', metadata: [],
            data: { type: 'histogram' as const, aggregationTemporality: 0, dataPoints: [{ ...dp, sum, min: sum, max: sum }] },
          }],
        }],
      }],
    });
    const present = encodeMetricsRequest(req(0));
    const absent = encodeMetricsRequest(req(undefined));
    expect(present.length - absent.length).toBe(27);
    expect(decodeMetricsRequest(present)).toStrictEqual(req(0));
    expect(decodeMetricsRequest(absent)).toStrictEqual(req(undefined));
  });

  it('zigzag-encodes exponential histogram scale and bucket offsets', () => {
    const bytes = inMetric((w) => {
      w.tag(10, 2);
      const h = w.beginMessage();
      w.tag(1, 2);
      const dp = w.beginMessage();
      w.tag(6, 0);
      w.varint(3); // zigzag(-2)
      w.tag(8, 2);
      const b = w.beginMessage();
      w.tag(1, 0);
      w.varint(1); // zigzag(-1)
      w.endMessage(b);
      w.endMessage(dp);
      w.endMessage(h);
    });
    const data = firstMetric(bytes).data;
    expect(data.type).toBe('exponentialHistogram');
    if (data.type !== 'exponentialHistogram') return;
    expect(data.dataPoints[0]!.scale).toBe(-2);
    expect(data.dataPoints[0]!.positive.offset).toBe(-1);
    expect(data.dataPoints[0]!.negative).toStrictEqual({ offset: 0, bucketCounts: [] });
  });

  it('accepts packed and unpacked repeated scalars', () => {
    const bytes = inMetric((w) => {
      w.tag(9, 2);
      const h = w.beginMessage();
      w.tag(1, 2);
      const dp = w.beginMessage();
      w.packedFixed64(6, [1n, 2n]);
      w.tag(6, 1);
      w.fixed64(3n);
      w.tag(7, 1);
      w.double(0.5);
      w.packedDouble(7, [1.5, 2.5]);
      w.endMessage(dp);
      w.endMessage(h);
      w.tag(10, 2);
      const e = w.beginMessage();
      w.tag(1, 2);
      const edp = w.beginMessage();
      w.tag(8, 2);
      const b = w.beginMessage();
      w.tag(2, 0);
      w.varint(7);
      w.packedVarintBig(2, [8n, U64_MAX]);
      w.endMessage(b);
      w.endMessage(edp);
      w.endMessage(e);
    });
    const m = firstMetric(bytes);
    // Both oneof members were present: the last one wins.
    expect(m.data.type).toBe('exponentialHistogram');
    if (m.data.type === 'exponentialHistogram') {
      expect(m.data.dataPoints[0]!.positive.bucketCounts).toEqual([7n, 8n, U64_MAX]);
    }
    const hist = firstMetric(inMetric((w) => {
      w.tag(9, 2);
      const h = w.beginMessage();
      w.tag(1, 2);
      const dp = w.beginMessage();
      w.packedFixed64(6, [1n, 2n]);
      w.tag(6, 1);
      w.fixed64(3n);
      w.tag(7, 1);
      w.double(0.5);
      w.packedDouble(7, [1.5, 2.5]);
      w.endMessage(dp);
      w.endMessage(h);
    })).data;
    expect(hist.type === 'histogram' && hist.dataPoints[0]!.bucketCounts).toEqual([1n, 2n, 3n]);
    expect(hist.type === 'histogram' && hist.dataPoints[0]!.explicitBounds).toEqual([0.5, 1.5, 2.5]);
  });

  it('skips unknown fields of every wire type', () => {
    const bytes = inSpan((w) => {
      w.tag(100, 0);
      w.varintBig(U64_MAX);
      w.stringField(5, 'before');
      w.tag(101, 1);
      w.fixed64(1n);
      w.tag(102, 2);
      w.bytes(new Uint8Array([1, 2, 3]));
      w.tag(103, 5);
      w.fixed32(9);
      w.stringField(5, 'name');
    });
    expect(firstSpan(bytes).name).toBe('name');
  });

  it('fills defaults: AnyValue without a value, metric without data, missing sub-messages', () => {
    const span = firstSpan(inSpan((w) => {
      w.tag(9, 2);
      const kv = w.beginMessage();
      w.stringField(1, 'k');
      w.tag(2, 2);
      w.varint(0); // empty AnyValue
      w.endMessage(kv);
      w.tag(9, 2);
      w.varint(0); // empty KeyValue
    }));
    expect(span.attributes).toStrictEqual([
      { key: 'k', value: { type: 'empty' } },
      { key: '', value: { type: 'empty' } },
    ]);
    expect(span.status).toStrictEqual({ message: '', code: 0 });
    expect(span.traceId).toStrictEqual(new Uint8Array(0));
    const m = firstMetric(inMetric((w) => w.stringField(1, 'm')));
    expect(m).toStrictEqual({ name: 'm', description: '', unit: '', data: { type: 'empty' }, metadata: [] });
    const rs = decodeTracesRequest(raw((w) => {
      w.tag(1, 2);
      w.varint(0);
    })).resourceSpans[0];
    expect(rs).toStrictEqual({
      resource: { attributes: [], droppedAttributesCount: 0 }, scopeSpans: [], schemaUrl: '',
    });
  });

  it('decoded ids are copies: mutating the input afterwards does not change them', () => {
    const bytes = encodeTracesRequest(tracesFixture());
    const req = decodeTracesRequest(bytes);
    bytes.fill(0);
    expect(req).toStrictEqual(tracesFixture());
  });

  it('keeps ids, including odd lengths, byte for byte', () => {
    const span = firstSpan(inSpan((w) => {
      w.bytesField(1, TRACE_ID);
      w.bytesField(2, SPAN_ID);
      w.bytesField(4, new Uint8Array([1, 2, 3]));
    }));
    expect(span.traceId).toStrictEqual(TRACE_ID);
    expect(span.spanId).toStrictEqual(SPAN_ID);
    expect(span.parentSpanId).toStrictEqual(new Uint8Array([1, 2, 3]));
  });
});

describe('OTLP protobuf malformed input', () => {
  const samples = [
    ['traces', encodeTracesRequest(tracesFixture()), decodeTracesRequest],
    ['metrics', encodeMetricsRequest(metricsFixture()), decodeMetricsRequest],
  ] as const;

  for (const [name, bytes, decode] of samples) {
    it(`${name}: a truncated prefix decodes when cut between top-level fields, else MALFORMED_PROTOBUF`, () => {
      expectTruncationsRefused(bytes, decode, 'MALFORMED_PROTOBUF');
    });
  }

  it('logs: truncated prefixes of a small message', () => {
    const req = logsFixture();
    req.resourceLogs[0]!.scopeLogs[0]!.logRecords.pop(); // drop the 1 MB record
    const bytes = encodeLogsRequest(req);
    expectTruncationsRefused(bytes, decodeLogsRequest, 'MALFORMED_PROTOBUF');
  });

  it('random garbage never throws anything but MALFORMED_PROTOBUF', () => {
    let refused = 0;
    const decoders = [decodeTracesRequest, decodeLogsRequest, decodeMetricsRequest];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const decode of decoders) {
          const out = attempt(() => decode(bytes));
          if (!out.ok) refused++;
          expect(out.ok || isMalformed(out.error)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
    // Random bytes are rarely a valid message: the decoders must actually check them.
    expect(refused).toBeGreaterThan(2000);
  });

  it('mutated real messages never throw anything but MALFORMED_PROTOBUF', () => {
    let refused = 0;
    const bytes = encodeMetricsRequest(metricsFixture());
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const copy = bytes.slice();
        copy[at] = value;
        const out = attempt(() => decodeMetricsRequest(copy));
        if (!out.ok) refused++;
        expect(out.ok || isMalformed(out.error)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(refused).toBeGreaterThan(0);
  });

  it('names the message and field on a wrong wire type', () => {
    const e = expectMalformed(() => firstSpan(inSpan((w) => {
      w.tag(5, 0);
      w.varint(1);
    })), /Span\.name \(5\): wrong wire type 0/);
    expect(e.message).toContain('Span');
    expectMalformed(() => firstSpan(inSpan((w) => {
      w.tag(16, 0); // flags must be fixed32
      w.varint(1);
    })), /Span\.flags \(16\)/);
    expectMalformed(() => firstMetric(inMetric((w) => {
      w.tag(9, 2);
      const h = w.beginMessage();
      w.tag(1, 2);
      const dp = w.beginMessage();
      w.tag(6, 0); // bucket_counts is fixed64: packed or wire type 1 only
      w.varint(1);
      w.endMessage(dp);
      w.endMessage(h);
    })), /HistogramDataPoint\.bucket_counts \(6\)/);
  });

  it('rejects lengths past the end of the enclosing message', () => {
    // A Span whose name claims 100 bytes inside a 5-byte span.
    const bytes = inSpan((w) => {
      w.tag(5, 2);
      w.varint(100);
      w.varint(0x61);
      w.varint(0x61);
    });
    expectMalformed(() => decodeTracesRequest(bytes), /Span\.name \(5\): length past end/);
  });

  it('rejects groups and over-long varints', () => {
    expectMalformed(() => decodeTracesRequest(new Uint8Array([0x2b, 0x2c])), /group/);
    expectMalformed(() => decodeTracesRequest(new Uint8Array([0x10, ...new Array<number>(10).fill(0xff), 0x01])), /10 bytes/);
  });

  it('absurdly nested AnyValue fails with MALFORMED_PROTOBUF, never RangeError', () => {
    // Log body = AnyValue{array_value{values: AnyValue{array_value{...}}}}, 200k levels deep,
    // written forward from sizes computed inside-out.
    const depth = 200_000;
    const anySize = new Array<number>(depth + 1);
    const arraySize = new Array<number>(depth + 1);
    anySize[0] = 0;
    for (let i = 1; i <= depth; i++) {
      arraySize[i] = 1 + varintSize(anySize[i - 1]!) + anySize[i - 1]!;
      anySize[i] = 1 + varintSize(arraySize[i]!) + arraySize[i]!;
    }
    const w = new WireWriter(anySize[depth]! + 64);
    w.tag(1, 2);
    const a = w.beginMessage();
    w.tag(2, 2);
    const b = w.beginMessage();
    w.tag(2, 2);
    const c = w.beginMessage();
    w.tag(5, 2);
    w.varint(anySize[depth]!);
    for (let i = depth; i >= 1; i--) {
      w.tag(5, 2);
      w.varint(arraySize[i]!);
      w.tag(1, 2);
      w.varint(anySize[i - 1]!);
    }
    w.endMessage(c);
    w.endMessage(b);
    w.endMessage(a);
    expectMalformed(() => decodeLogsRequest(w.finish()));
  });

  it('rejects a non-Uint8Array input', () => {
    expectMalformed(() => decodeTracesRequest('abc' as unknown as Uint8Array));
  });
});
