// SDK columns (src/sdk/columns/FORMAT.md) against the OTLP JS transformer: spans and log
// records appended to the columns and read back must be the request the transformer builds
// from the same SDK objects, exactly (same grouping and order). Then every backend must encode
// the columns to what it encodes from that request's OTLP bytes.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtelArrowError } from '../../src/errors.js';
import { decodeLogsRequest, decodeTracesRequest } from '../../src/otlp/protobuf/index.js';
import { LogColumns } from '../../src/sdk/columns/log-columns.js';
import { readLogColumns, readSpanColumns } from '../../src/sdk/columns/read-columns.js';
import { SpanColumns } from '../../src/sdk/columns/span-columns.js';
import type { SdkLogRecord, SdkSpan } from '../../src/sdk/sdk-types.js';
import { arbLogRecords, arbSpans } from '../support/sdk-arbitraries.js';

function spanColumnsOf(spans: readonly SdkSpan[]): Uint8Array {
  const cols = new SpanColumns();
  for (const s of spans) cols.append(s);
  return cols.finish();
}

function logColumnsOf(logs: readonly SdkLogRecord[]): Uint8Array {
  const cols = new LogColumns();
  for (const l of logs) cols.append(l);
  return cols.finish();
}

const transformerTraces = (spans: readonly SdkSpan[]) =>
  decodeTracesRequest(ProtobufTraceSerializer.serializeRequest(spans as never)!);
const transformerLogs = (logs: readonly SdkLogRecord[]) =>
  decodeLogsRequest(ProtobufLogsSerializer.serializeRequest(logs as never)!);

describe('SpanColumns', () => {
  it('spans of a real tracer provider read back as the transformer builds them', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'cart', 'host.cpu.count': 8 }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const a = provider.getTracer('a', '1.0.0');
    const b = provider.getTracer('b');
    const parent = a.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'http.status_code': 200, ratio: 0.5, tags: ['x', 'y'] } });
    const child = b.startSpan('db', { links: [{ context: parent.spanContext(), attributes: { why: 'follows' } }] }, trace.setSpan(ROOT_CONTEXT, parent));
    child.addEvent('retry', { attempt: 2 });
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
    child.end();
    a.startSpan('other').end();
    parent.end();
    const spans = exporter.getFinishedSpans() as unknown as SdkSpan[];
    expect(readSpanColumns(spanColumnsOf(spans))).toStrictEqual(transformerTraces(spans));
  });

  it('any spans read back as the transformer builds them (property)', () => {
    fc.assert(fc.property(arbSpans(), (spans) => {
      expect(readSpanColumns(spanColumnsOf(spans))).toStrictEqual(transformerTraces(spans));
    }), { numRuns: 150 });
  });

  it('large buffers (every column grows several times) read back as the transformer builds them', () => {
    const spans = fc.sample(arbSpans(), { numRuns: 120, seed: 11 }).flat();
    expect(spans.length).toBeGreaterThan(300);
    expect(readSpanColumns(spanColumnsOf(spans))).toStrictEqual(transformerTraces(spans));
    const logs = fc.sample(arbLogRecords(), { numRuns: 120, seed: 12 }).flat();
    expect(readLogColumns(logColumnsOf(logs))).toStrictEqual(transformerLogs(logs));
  });

  it('reset() starts an empty buffer and keeps working', () => {
    fc.assert(fc.property(arbSpans(), arbSpans(), (first, second) => {
      const cols = new SpanColumns();
      for (const s of first) cols.append(s);
      cols.finish();
      cols.reset();
      expect(cols.length).toBe(0);
      // The first batch's resources and scopes again: nothing of them may outlive reset().
      const next = [...first, ...second];
      for (const s of next) cols.append(s);
      expect(readSpanColumns(cols.finish())).toStrictEqual(transformerTraces(next));
    }), { numRuns: 30 });
  });
});

describe('LogColumns', () => {
  it('any log records read back as the transformer builds them (property)', () => {
    fc.assert(fc.property(arbLogRecords(), (logs) => {
      expect(readLogColumns(logColumnsOf(logs))).toStrictEqual(transformerLogs(logs));
    }), { numRuns: 150 });
  });
});

describe('readColumns refuses malformed buffers', () => {
  it('every truncation, a wrong magic and a wrong signal are MALFORMED_COLUMNS', () => {
    const bytes = spanColumnsOf(fc.sample(arbSpans(), { numRuns: 1, seed: 7 })[0]!);
    const codeOf = (f: () => unknown): string | undefined => {
      try {
        f();
        return undefined;
      } catch (err) {
        expect(err).toBeInstanceOf(OtelArrowError);
        return (err as OtelArrowError).code;
      }
    };
    for (let n = 0; n < bytes.length; n++) expect(codeOf(() => readSpanColumns(bytes.subarray(0, n)))).toBe('MALFORMED_COLUMNS');
    const bad = bytes.slice();
    bad[0] = 0x58;
    expect(codeOf(() => readSpanColumns(bad))).toBe('MALFORMED_COLUMNS');
    expect(codeOf(() => readLogColumns(bytes))).toBe('MALFORMED_COLUMNS');
  });
});

describe('a span or log record that throws while it is read', () => {
  it('leaves no trace: the buffer holds exactly the other items', () => {
    fc.assert(fc.property(arbSpans(), fc.nat(), fc.nat(20), (spans, at, which) => {
      fc.pre(spans.length > 0);
      const bad = spans[at % spans.length]!;
      // Throws after some columns of the row (and maybe a new resource or scope) were written.
      const hostile: SdkSpan = which % 3 === 0
        ? { ...bad, resource: { get attributes(): never { throw new Error('resource getter'); } } }
        : which % 3 === 1
          ? { ...bad, attributes: new Proxy({ a: 1, b: 2 }, { get: () => { throw new Error('attribute getter'); } }) }
          : { ...bad, get events(): never { throw new Error('events getter'); } };
      const cols = new SpanColumns();
      const kept: SdkSpan[] = [];
      spans.forEach((s, i) => {
        if (i === at % spans.length) expect(() => cols.append(hostile)).toThrow(/getter/);
        cols.append(s);
        kept.push(s);
      });
      expect(readSpanColumns(cols.finish())).toStrictEqual(transformerTraces(kept));
    }), { numRuns: 100 });
  });

  it('the same for log records', () => {
    fc.assert(fc.property(arbLogRecords(), fc.nat(), (logs, at) => {
      fc.pre(logs.length > 0);
      const bad = logs[at % logs.length]!;
      const hostile: SdkLogRecord = { ...bad, attributes: new Proxy({ x: 1 }, { get: () => { throw new Error('attribute getter'); } }) };
      const cols = new LogColumns();
      logs.forEach((l, i) => {
        if (i === at % logs.length) expect(() => cols.append(hostile)).toThrow(/getter/);
        cols.append(l);
      });
      expect(readLogColumns(cols.finish())).toStrictEqual(transformerLogs(logs));
    }), { numRuns: 100 });
  });
});
