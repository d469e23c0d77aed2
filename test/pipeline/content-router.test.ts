// processor:content_router through a real engine on every backend: whole batches routed by a
// resource attribute (held OTAP tables read in the Rust core without an OTLP conversion, OTLP
// batches through their objects), default output, case folding, mixed batches refused
// permanently, and config errors naming the field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../../src/backend/index.js';
import type { Backend } from '../../src/backend/types.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import type { AnyValue, SignalRequest } from '../../src/otlp/model.js';
import { resourceAttributeValues } from '../../src/otlp/resource-attribute.js';
import { encodeOtlp } from '../../src/otlp/signal-codec.js';
import { decide, parseContentRouterConfig } from '../../src/pipeline/nodes/processors/content-router.js';
import { newHarness, pipelineYaml, startEngine } from '../support/pipeline-nodes.js';

type Ns = string | number | null;

/** One resource per entry, each with one log record; `null`: no service.namespace attribute. */
function request(namespaces: Ns[]): SignalRequest['logs'] {
  const value = (v: string | number): AnyValue => (typeof v === 'string' ? { type: 'string', value: v } : { type: 'int', value: BigInt(v) });
  return {
    resourceLogs: namespaces.map((ns, i) => ({
      resource: { attributes: [{ key: 'host', value: { type: 'string', value: `h${i}` } }, ...(ns === null ? [] : [{ key: 'service.namespace', value: value(ns) }])], droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeLogs: [{
        scope: { name: 's', version: '', attributes: [], droppedAttributesCount: 0 },
        schemaUrl: '',
        logRecords: [{
          timeUnixNano: BigInt(i + 1), observedTimeUnixNano: 0n, severityNumber: 9, severityText: '', body: { type: 'string', value: `log ${i}` },
          attributes: [], droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(), spanId: new Uint8Array(), eventName: '',
        }],
      }],
    })),
  };
}

function batch(backend: Backend, namespaces: Ns[]): TelemetryBatch {
  const bytes = encodeOtlp('logs', request(namespaces));
  if (!backend.createDecoder().decodeTables) return TelemetryBatch.fromOtlpBytes('logs', bytes, { backend });
  const tables = backend.createDecoder().decodeTables!(backend.createEncoder().encode('logs', bytes))!;
  return TelemetryBatch.fromBackendTables(tables, { backend });
}

const routerYaml = (config: string): string => pipelineYaml(`
src: { type: receiver:test_source }
router: { type: processor:content_router, config: ${config} }
a: { type: exporter:test_sink }
b: { type: exporter:test_sink }
other: { type: exporter:test_sink }`, `
- { from: src, to: router }
- { from: 'router["a"]', to: a }
- { from: 'router["b"]', to: b }
- { from: 'router["other"]', to: other }`);

const CONFIG = '{ routing_key: { resource_attribute: service.namespace }, routes: { tenant-a: a, TENANT-B: b }, default_output: other, case_sensitive: false }';

for (const name of ['js', 'native', 'wasm'] as const) {
  describe(`processor:content_router on ${name}`, () => {
    it('routes each batch whole by its resources\' attribute, refusing mixed batches for good', async () => {
      const backend = await loadBackend(name);
      const h = newHarness();
      const { engine } = await startEngine(routerYaml(CONFIG), h, backend);
      const cases: Array<[Ns[], string]> = [
        [['tenant-a'], 'a'],
        [['tenant-b', 'Tenant-B'], 'b'],
        [[null], 'other'],
        [[42], 'other'],
        [['nobody', null, 7], 'other'],
        [['tenant-a', 'tenant-b'], 'mixed'],
        [['tenant-a', null], 'mixed'],
        [['tenant-a', 'nobody'], 'mixed'],
      ];
      const before = TelemetryBatch.conversions.arrowToOtlp;
      for (const [namespaces, want] of cases) {
        const b = batch(backend, namespaces);
        const r = await h.sources.get('src')!.inject(b);
        if (want === 'mixed') expect(r, JSON.stringify(namespaces)).toMatchObject({ ok: false, permanent: true });
        else {
          expect(r, JSON.stringify(namespaces)).toEqual({ ok: true });
          expect(h.sinks.get(want)!.received.at(-1)!.batch, JSON.stringify(namespaces)).toBe(b);
        }
      }
      // Held tables are read in the Rust core: no batch was converted to OTLP to route it.
      if (name !== 'js') expect(TelemetryBatch.conversions.arrowToOtlp).toBe(before);
      expect(['a', 'b', 'other'].map((s) => h.sinks.get(s)!.received.length)).toEqual([1, 1, 3]);
      await engine.shutdown();
    });

    it('without default_output, a batch no route names is refused for good', async () => {
      const backend = await loadBackend(name);
      const h = newHarness();
      const { engine } = await startEngine(routerYaml('{ routing_key: { resource_attribute: service.namespace }, routes: { tenant-a: a, tenant-b: b } }'), h, backend);
      const missing = await h.sources.get('src')!.inject(batch(backend, [null]));
      expect(missing).toMatchObject({ ok: false, permanent: true });
      expect((missing as { reason: string }).reason).toContain('no resource has the attribute "service.namespace"');
      expect(await h.sources.get('src')!.inject(batch(backend, ['TENANT-A']))).toMatchObject({ ok: false, permanent: true }); // case-sensitive by default
      expect(await h.sources.get('src')!.inject(batch(backend, ['tenant-a']))).toEqual({ ok: true });
      await engine.shutdown();
    });
  });
}

describe('processor:content_router config', () => {
  it('names the field of a bad config', async () => {
    await expect(startEngine(routerYaml('{ routing_key: { resource_attribute: " " }, routes: { x: a } }'))).rejects.toThrow(/router\.config\.routing_key\.resource_attribute: must not be blank/);
    await expect(startEngine(routerYaml('{ routing_key: { resource_attribute: k }, routes: {} }'))).rejects.toThrow(/router\.config\.routes: must name at least one route/);
    await expect(startEngine(routerYaml('{ routing_key: { resource_attribute: k }, routes: { Prod: a, prod: b }, case_sensitive: false }'))).rejects.toThrow(/router\.config\.routes\.prod: collides with another route/);
    await expect(startEngine(routerYaml('{ routing_key: { resource_attribute: k }, routes: { x: nowhere } }'))).rejects.toThrow(/output "nowhere" \(named in routes or default_output\) has no connection/);
  });
});

describe('processor:content_router decisions, OTAP tables vs OTLP objects (property)', () => {
  it('route every random batch the same way from the Rust core\'s reading as from the objects', async () => {
    const backends = await Promise.all((['native', 'wasm'] as const).map((n) => loadBackend(n)));
    const ns = fc.oneof(fc.constant(null), fc.constantFrom('tenant-a', 'Tenant-A', 'tenant-b', 'other', ''), fc.integer({ min: 0, max: 3 }));
    fc.assert(fc.property(fc.array(ns, { minLength: 1, maxLength: 6 }), fc.boolean(), fc.boolean(), (namespaces, caseSensitive, withDefault) => {
      const config = parseContentRouterConfig({
        routing_key: { resource_attribute: 'service.namespace' }, routes: { 'tenant-a': 'a', 'tenant-b': 'b' },
        case_sensitive: caseSensitive, ...(withDefault ? { default_output: 'other' } : {}),
      });
      const want = decide(config, resourceAttributeValues('logs', request(namespaces), 'service.namespace'));
      for (const backend of backends) {
        const b = batch(backend, namespaces);
        expect(b.backendTables).toBeDefined();
        expect('port' in decide(config, b.resourceAttributeValues('service.namespace')), `${backend.name} ${JSON.stringify(namespaces)}`).toBe('port' in want);
        expect(decide(config, b.resourceAttributeValues('service.namespace'))).toMatchObject('port' in want ? { port: want.port } : {});
      }
    }), { numRuns: 150 });
  });
});
