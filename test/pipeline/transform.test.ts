// processor:transform: the OTTL subset parses (and everything else is refused with its
// position and what is supported), statements run in order over every log record with their
// conditions, and an engine applies them on every backend while traces pass untouched.
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../../src/backend/index.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { generateTraces } from '../../src/otlp/generate.js';
import type { AnyValue, KeyValue, SignalRequest } from '../../src/otlp/model.js';
import { applyLogStatements } from '../../src/otlp/ottl/apply-logs.js';
import { parseOttlStatement } from '../../src/otlp/ottl/parse.js';
import { encodeOtlp } from '../../src/otlp/signal-codec.js';
import { parseTransformConfig } from '../../src/pipeline/nodes/processors/transform.js';
import { configIssues, newHarness, pipelineYaml, receivedBatch, startEngine } from '../support/pipeline-nodes.js';

const str = (value: string): AnyValue => ({ type: 'string', value });
const int = (value: number): AnyValue => ({ type: 'int', value: BigInt(value) });

function logs(records: Array<{ sev: number; text?: string; attrs: Record<string, AnyValue> }>, resource: Record<string, AnyValue> = {}): SignalRequest['logs'] {
  const kvs = (o: Record<string, AnyValue>): KeyValue[] => Object.entries(o).map(([key, value]) => ({ key, value }));
  return {
    resourceLogs: [{
      resource: { attributes: kvs(resource), droppedAttributesCount: 0 }, schemaUrl: '',
      scopeLogs: [{
        scope: { name: 's', version: '', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '',
        logRecords: records.map((r, i) => ({
          timeUnixNano: BigInt(i + 1), observedTimeUnixNano: 0n, severityNumber: r.sev, severityText: r.text ?? '', body: str(`log ${i}`),
          attributes: kvs(r.attrs), droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(), spanId: new Uint8Array(), eventName: '',
        })),
      }],
    }],
  };
}

const attrsOf = (req: SignalRequest['logs']) => req.resourceLogs[0]!.scopeLogs[0]!.logRecords.map((l) => Object.fromEntries(l.attributes.map((kv) => [kv.key, (kv.value as { value?: unknown }).value])));

describe('OTTL statements', () => {
  it('parse the supported subset and refuse the rest with the position', () => {
    expect(parseOttlStatement('set(attributes["a"], "x") where severity_number >= SEVERITY_NUMBER_WARN and not (attributes["b"] == nil)')).toMatchObject({
      editor: 'set', target: { kind: 'attribute', map: 'attributes', key: 'a' }, value: { kind: 'string', value: 'x' },
      where: { kind: 'and', left: { kind: 'compare', op: '>=', right: { kind: 'int', value: 13n } }, right: { kind: 'not' } },
    });
    expect(parseOttlStatement('keep_keys(resource.attributes, ["service.name", "host"])')).toEqual({ editor: 'keep_keys', map: 'resource.attributes', keys: ['service.name', 'host'] });
    expect(parseOttlStatement('delete_key(attributes, "x") // comment')).toEqual({ editor: 'delete_key', map: 'attributes', key: 'x' });
    expect(parseOttlStatement('set(severity_text, "ERROR")')).toMatchObject({ editor: 'set', target: { kind: 'field', field: 'severity_text' } });
    expect(() => parseOttlStatement('replace_pattern(attributes["a"], "x", "y")')).toThrow(/editor "replace_pattern" is not supported.*at character 1/);
    expect(() => parseOttlStatement('set(attributes["a"], Concat(["a"], ""))')).toThrow(/converter "Concat" is not supported/);
    expect(() => parseOttlStatement('set(span.name, "x")')).toThrow(/unknown path "span.name"/);
    expect(() => parseOttlStatement('set(body, "open')).toThrow(/unterminated string at character 11/);
    expect(() => parseOttlStatement('set(body, 1) when true')).toThrow(/expected "where" or the end, found "when"/);
  });

  it('run in order over every record, with conditions, absent attributes as nil', () => {
    const req = logs([
      { sev: 9, attrs: { a: str('keep'), b: int(1), secret: str('s') } },
      { sev: 17, text: 'ERROR', attrs: { a: str('x'), n: { type: 'double', value: 2.5 } } },
      { sev: 13, attrs: {} },
    ], { host: str('h'), drop: str('d') });
    const out = applyLogStatements(req, [
      'set(attributes["level"], "high") where severity_number >= 13',
      'set(attributes["level"], "low") where attributes["level"] == nil',
      'delete_key(attributes, "secret")',
      'set(attributes["big"], true) where attributes["n"] > 2 or attributes["b"] == 1.0',
      'set(severity_text, "WARN") where severity_text == "" and severity_number == SEVERITY_NUMBER_WARN',
      'set(attributes["copy"], attributes["a"]) where attributes["a"] != "x"',
      'keep_keys(resource.attributes, ["host"])',
      'set(severity_number, "not a number")',
    ].map(parseOttlStatement));
    expect(attrsOf(out)).toEqual([
      { a: 'keep', b: 1n, level: 'low', big: true, copy: 'keep' },
      { a: 'x', n: 2.5, level: 'high', big: true },
      { level: 'high' },
    ]);
    const records = out.resourceLogs[0]!.scopeLogs[0]!.logRecords;
    expect(records.map((l) => [l.severityNumber, l.severityText])).toEqual([[9, ''], [17, 'ERROR'], [13, 'WARN']]);
    expect(out.resourceLogs[0]!.resource.attributes.map((kv) => kv.key)).toEqual(['host']);
    expect(attrsOf(req)[0]).toHaveProperty('secret'); // the input is left as it was
  });

  it('config: log statements parse at load; errors name the statement; KQL is refused', () => {
    expect(parseTransformConfig({ ottl: { log_statements: ['set(event_name, "processed")'] } })).toHaveLength(1);
    const err = (raw: unknown): string => configIssues(parseTransformConfig, raw);
    expect(err({ ottl: { log_statements: ['set(body, "a")', 'merge_maps(attributes, attributes, "insert")'] } })).toMatch(/ottl.log_statements.1: the editor "merge_maps" is not supported/);
    expect(err({ kql_query: 'logs | where true', ottl: {} })).toMatch(/KQL queries are not supported/);
  });
});

for (const name of ['js', 'native', 'wasm'] as const) {
  describe(`processor:transform on ${name}`, () => {
    it('rewrites logs in an engine; traces pass untouched', async () => {
      const backend = await loadBackend(name);
      const h = newHarness();
      const { engine } = await startEngine(pipelineYaml(`
src: { type: receiver:test_source }
t: { type: processor:transform, config: { ottl: { log_statements: ['set(attributes["env"], "prod") where severity_number >= 17', 'delete_key(attributes, "secret")'] } } }
sink: { type: exporter:test_sink }`, `
- { from: src, to: t }
- { from: t, to: sink }`), h, backend);
      const req = logs([{ sev: 17, attrs: { secret: str('x') } }, { sev: 9, attrs: { secret: str('y'), k: int(1) } }]);
      const input = receivedBatch(backend, 'logs', encodeOtlp('logs', req));
      expect(await h.sources.get('src')!.inject(input)).toEqual({ ok: true });
      const traces = TelemetryBatch.fromOtlpBytes('traces', encodeOtlp('traces', generateTraces({ seed: 1, batchSize: 5 })), { backend });
      expect(await h.sources.get('src')!.inject(traces)).toEqual({ ok: true });
      const [logsOut, tracesOut] = h.sinks.get('sink')!.received.map((p) => p.batch);
      expect(attrsOf(logsOut!.request as SignalRequest['logs'])).toEqual([{ env: 'prod' }, { k: 1n }]);
      expect(tracesOut).toBe(traces);
      await engine.shutdown();
    });
  });
}
