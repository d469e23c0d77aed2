// processor:attribute: on every backend the result, decoded, is what the oracle (rules over
// OTLP objects, test/support/attribute-oracle.ts) gives for the same actions (fast-check over
// traces, logs and metrics); held OTAP tables are rewritten in the Rust core with no OTLP
// conversion, and what the exporter forwards decodes in the TypeScript consumer; dictionaries
// stay valid across a stream; config errors name the field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAttributeActions } from '../../src/backend/attribute-actions-bytes.js';
import { loadBackend } from '../../src/backend/index.js';
import type { Backend } from '../../src/backend/types.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { applyAttributeActions } from '../../src/otlp/apply-attribute-actions.js';
import { editsKeysOnly, gatherAttributeActions, hasNoActions, type AttributeAction, type AttributeActions } from '../../src/otlp/attribute-actions.js';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import type { AnyValue, Signal, SignalRequest } from '../../src/otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../../src/otlp/signal-codec.js';
import { decodeBatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { listMessages } from '../../src/ipc/list-messages.js';
import { parseAttributeConfig } from '../../src/pipeline/nodes/processors/attribute.js';
import { doubleArb, int64Arb, requestArb, shortStringArb } from '../support/arbitraries.js';
import { oracle, type OracleActions } from '../support/attribute-oracle.js';
import { configIssues, newHarness, pipelineYaml, receivedBatch, startEngine } from '../support/pipeline-nodes.js';

/** Keys the data uses (few, so that actions meet them, renames collide, inserts find them). */
const DATA_KEYS = ['a', 'b', 'k', 'tenant', '🔑'];
const KEYS = [...DATA_KEYS, 'ключ', 'added'];

/** The request with every top-level attribute list's keys drawn from DATA_KEYS (distinct per
 *  list, the rotation given by `seed`); nested kvlist values are left as they are. */
function focusKeys<T>(value: T, seed: number): T {
  let n = seed;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return;
    for (const [k, child] of Object.entries(v)) {
      if ((k === 'attributes' || k === 'filteredAttributes' || k === 'metadata') && Array.isArray(child)) {
        const start = n++;
        child.slice(0, DATA_KEYS.length).forEach((kv: { key: string }, i) => (kv.key = DATA_KEYS[(start + i * 2) % DATA_KEYS.length]!));
        child.splice(DATA_KEYS.length);
      } else {
        walk(child);
      }
    }
  };
  walk(value);
  return value;
}

const literalArb: fc.Arbitrary<Extract<AnyValue, { type: 'string' | 'int' | 'double' | 'bool' }>> = fc.oneof(
  shortStringArb.map((value) => ({ type: 'string' as const, value })),
  int64Arb.map((value) => ({ type: 'int' as const, value })),
  doubleArb.map((value) => ({ type: 'double' as const, value })),
  fc.boolean().map((value) => ({ type: 'bool' as const, value })),
);

type Kind = 'delete' | 'insert' | 'upsert' | 'update' | 'hash' | 'rename';

/** Actions of `kinds` over distinct keys (as a valid config has them), in both forms. */
const actionsOf = (...allowed: Kind[]): fc.Arbitrary<{ list: AttributeAction[]; expected: OracleActions; applyTo: OracleActions['applyTo'] }> => fc
  .record({
    keys: fc.shuffledSubarray(KEYS, { minLength: 2, maxLength: KEYS.length }),
    kinds: fc.array(fc.constantFrom<Kind>(...allowed), { minLength: 1, maxLength: 6 }),
    values: fc.array(literalArb, { minLength: 6, maxLength: 6 }),
    salt: fc.constantFrom('', 'pepper', 'ß'),
    applyTo: fc.record({ signal: fc.boolean(), resource: fc.boolean(), scope: fc.boolean() }).filter((a) => a.signal || a.resource || a.scope),
  })
  .map(({ keys, kinds, values, salt, applyTo }) => {
    const list: AttributeAction[] = [];
    const expected: OracleActions = { applyTo, rename: {}, delete: [], insert: {}, upsert: {}, update: {}, hash: {} };
    let next = 0;
    for (const [i, kind] of kinds.entries()) {
      const key = keys[next++];
      if (key === undefined) break;
      if (kind === 'rename') {
        const dest = keys[next++];
        if (dest === undefined) break;
        list.push({ action: 'rename', sourceKey: key, destinationKey: dest });
        expected.rename[key] = dest;
      } else if (kind === 'delete') {
        list.push({ action: 'delete', key });
        expected.delete.push(key);
      } else if (kind === 'hash') {
        list.push({ action: 'hash', key, salt });
        expected.hash[key] = salt;
      } else {
        list.push({ action: kind, key, value: values[i]! });
        expected[kind][key] = values[i]!;
      }
    }
    return { list, expected, applyTo };
  });
const actionsArb = actionsOf('delete', 'insert', 'upsert', 'update', 'hash', 'rename');

/** OTLP -> OTAP -> OTLP through the TypeScript codec: the form every result is compared in. */
function roundTrip<S extends Signal>(js: Backend, signal: S, req: SignalRequest[S]): SignalRequest[S] {
  const bar = js.createEncoder().encode(signal, encodeOtlp(signal, req));
  return decodeOtlp(signal, js.createDecoder().decode(bar).otlp);
}

/** The processor's work on `backend`, as the next hop decodes it. */
function processed<S extends Signal>(backend: Backend, js: Backend, signal: S, req: SignalRequest[S], actions: AttributeActions): SignalRequest[S] {
  if (backend.name === 'js') return roundTrip(js, signal, applyAttributeActions(signal, req, actions));
  const tables = backend.createDecoder().decodeTables!(backend.createEncoder().encode(signal, encodeOtlp(signal, req)))!;
  const out = backend.transformAttributes!(tables, encodeAttributeActions(actions))!;
  const viaTables = decodeOtlp(signal, out.toOtlp());
  const forwarded = backend.createEncoder().encodeTables!(out)!;
  const viaWire = decodeOtlp(signal, js.createDecoder().decode(forwarded).otlp);
  expect(canonicalDiff(signal, viaWire, viaTables)).toBeUndefined();
  return viaWire;
}

const yaml = (config: string, sink = 'exporter:test_sink'): string => pipelineYaml(`
src: { type: receiver:test_source }
attrs: { type: processor:attribute, config: ${config} }
sink: { type: ${sink} }`, `
- { from: src, to: attrs }
- { from: attrs, to: sink }`);

function logs(records: Array<Array<[string, string]>>, resource: Array<[string, string]> = []): SignalRequest['logs'] {
  const kv = ([key, value]: [string, string]) => ({ key, value: { type: 'string' as const, value } });
  return {
    resourceLogs: [{
      resource: { attributes: resource.map(kv), droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeLogs: [{
        scope: { name: 's', version: '', attributes: [], droppedAttributesCount: 0 },
        schemaUrl: '',
        logRecords: records.map((attrs, i) => ({
          timeUnixNano: BigInt(i + 1), observedTimeUnixNano: 0n, severityNumber: 9, severityText: '', body: { type: 'string', value: `log ${i}` },
          attributes: attrs.map(kv), droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(), spanId: new Uint8Array(), eventName: '',
        })),
      }],
    }],
  };
}

describe('processor:attribute config', () => {
  it('gathers the engine\'s action list and rejects what it cannot apply, naming the field', () => {
    const a = parseAttributeConfig({ actions: [
      { action: 'rename', source_key: 'a', destination_key: 'b' },
      { action: 'insert', key: 'n', value: 42 },
      { action: 'upsert', key: 'd', value: 1.5 },
      { action: 'update', key: 's', value: 'x' },
      { action: 'hash', key: 'h', salt: 'pepper' },
      { action: 'delete', key: 'gone' },
    ], apply_to: ['signal', 'resource'] });
    expect(a.rename.get('a')).toBe('b');
    expect(a.insert.get('n')).toEqual({ type: 'int', value: 42n });
    expect(a.upsert.get('d')).toEqual({ type: 'double', value: 1.5 });
    expect(a.applyTo).toEqual({ signal: true, resource: true, scope: false });
    expect(parseAttributeConfig(undefined).applyTo).toEqual({ signal: true, resource: false, scope: false });
    const err = (raw: unknown): string => configIssues(parseAttributeConfig, raw);
    expect(err({ actions: [{ action: 'rename', source_key: 'a', destination_key: 'b' }, { action: 'upsert', key: 'b', value: 1 }] })).toMatch(/key "b" is already used by actions\[0\]/);
    expect(err({ actions: [{ action: 'extract', key: 'a' }] })).toMatch(/expected an action/);
    expect(err({ actions: [{ action: 'insert', key: 'a', value: { string: 'x' } }] })).toMatch(/expected an action|value must be/);
    expect(err({ actions: [{ action: 'hash', key: 'a', algorithm: 'md5' }] })).toMatch(/sha256|expected an action/);
    expect(err({ apply_to: ['signal', 'spans'] })).toMatch(/apply_to/);
  });
});

for (const name of ['js', 'native', 'wasm'] as const) {
  describe(`processor:attribute on ${name}`, () => {
    for (const signal of ['logs', 'traces', 'metrics'] as const) {
      it(`${signal}: decoded output equals the oracle's for any actions`, async () => {
        const backend = await loadBackend(name);
        const js = await loadBackend('js');
        fc.assert(fc.property(requestArb(signal), fc.nat(), actionsArb, (generated, seed, { list, expected, applyTo }) => {
          const req = focusKeys(structuredClone(generated), seed);
          const actions = gatherAttributeActions(list, applyTo);
          const got = processed(backend, js, signal, req, actions);
          const want = roundTrip(js, signal, oracle(signal, req, expected));
          expect(canonicalDiff(signal, got, want)).toBeUndefined();
          // Renames and deletions also rewrite the OTLP bytes, to the same records.
          if (name !== 'js' && editsKeysOnly(actions) && !hasNoActions(actions)) {
            const edited = backend.createAttributeEditor!(encodeAttributeActions(actions)).editOtlp(signal, encodeOtlp(signal, req));
            expect(canonicalDiff(signal, roundTrip(js, signal, edited ? decodeOtlp(signal, edited) : req), want)).toBeUndefined();
          }
        }), { numRuns: name === 'js' ? 40 : 60 });
      });
    }

    for (const signal of ['logs', 'traces', 'metrics'] as const) {
      it.runIf(name !== 'js')(`${signal}: renames and deletions on OTLP bytes give the oracle's records for any such actions`, async () => {
        const backend = await loadBackend(name);
        const js = await loadBackend('js');
        // One stream each: the encoder applying the edit as it parses, and the edited bytes'.
        const fused = backend.createEncoder();
        const twoPass = backend.createEncoder();
        fc.assert(fc.property(requestArb(signal), fc.nat(), actionsOf('delete', 'rename'), (generated, seed, { list, expected, applyTo }) => {
          const req = focusKeys(structuredClone(generated), seed);
          const actions = gatherAttributeActions(list, applyTo);
          const bytes = encodeOtlp(signal, req);
          const editor = backend.createAttributeEditor!(encodeAttributeActions(actions));
          const edited = editor.editOtlp(signal, bytes);
          const want = roundTrip(js, signal, oracle(signal, req, expected));
          expect(canonicalDiff(signal, roundTrip(js, signal, edited ? decodeOtlp(signal, edited) : req), want)).toBeUndefined();
          // Unchanged means nothing to do: the tables path agrees.
          if (!edited) expect(canonicalDiff(signal, roundTrip(js, signal, req), want)).toBeUndefined();
          // The one-pass encode writes exactly what encoding the edited bytes writes.
          expect(Buffer.from(fused.encodeEdited!(signal, bytes, editor)!).equals(twoPass.encode(signal, edited ?? bytes))).toBe(true);
        }), { numRuns: 80 });
        fused.close();
        twoPass.close();
      });
    }

    it.runIf(name !== 'js')('refuses to compile actions that set values for OTLP bytes', async () => {
      const backend = await loadBackend(name);
      expect(() => backend.createAttributeEditor!(encodeAttributeActions(parseAttributeConfig({ actions: [{ action: 'upsert', key: 'a', value: 1 }] })))).toThrow(/only rename and delete/);
    });

    it.runIf(name !== 'js')('keeps a forwarded stream valid: renamed key dictionaries go on as deltas; re-encoded tables widen u8 -> u16 keys', async () => {
      const backend = await loadBackend(name);
      const js = await loadBackend('js');
      const LOG_ATTRS = 31;
      const run = (config: Record<string, unknown>, expected: OracleActions, batches: number, perBatch: (i: number) => SignalRequest['logs']) => {
        const actions = parseAttributeConfig(config);
        const bytes = encodeAttributeActions(actions);
        const source = backend.createEncoder();
        const receiver = backend.createDecoder();
        const exporter = backend.createEncoder();
        const consumer = js.createDecoder();
        const replacements: number[] = [];
        const strKeyBits: number[] = [];
        for (let i = 0; i < batches; i++) {
          const req = perBatch(i);
          const held = receiver.decodeTables!(source.encode('logs', encodeOtlp('logs', req)))!;
          const out = backend.transformAttributes!(held, bytes)!;
          const strType = out.toArrow().find((p) => p.payloadType === LOG_ATTRS)!.batch.schema.fields.find((f) => f.name === 'str')?.type as { indices?: { bitWidth: number } } | undefined;
          strKeyBits.push(strType?.indices?.bitWidth ?? 0);
          const bar = exporter.encodeTables!(out)!;
          const attrs = decodeBatchArrowRecords(bar).arrowPayloads.find((p) => p.type === LOG_ATTRS)!;
          replacements.push(listMessages(attrs.record).filter((m) => m.type === 'dictionary' && !m.isDelta).length);
          const got = decodeOtlp('logs', consumer.decode(bar).otlp);
          expect(canonicalDiff('logs', got, roundTrip(js, 'logs', oracle('logs', req, expected)))).toBeUndefined();
        }
        return { replacements, strKeyBits };
      };
      const none: OracleActions = { applyTo: { signal: true, resource: false, scope: false }, rename: {}, delete: [], insert: {}, upsert: {}, update: {}, hash: {} };
      // Each batch brings a new key: the source dictionary grows, the renamed one follows as deltas.
      const { replacements } = run({ actions: [{ action: 'rename', source_key: 'user', destination_key: 'user.id' }] }, { ...none, rename: { user: 'user.id' } }, 6,
        (i) => logs(Array.from({ length: 20 }, (_, r) => [['user', `u${r}`], [`k${i}`, 'v'], ['user.id', 'old']])));
      expect(replacements.slice(1)).toEqual([0, 0, 0, 0, 0]);
      // 300 distinct values per batch: the re-encoded value dictionary needs u16 keys.
      const { strKeyBits } = run({ actions: [{ action: 'upsert', key: 'n', value: 7 }, { action: 'insert', key: 'env', value: 'prod' }] }, { ...none, upsert: { n: { type: 'int', value: 7n } }, insert: { env: { type: 'string', value: 'prod' } } }, 3,
        (i) => logs(Array.from({ length: 300 }, (_, r) => [['v', `value-${i}-${r}`], ...(r % 2 ? [['n', 'x'] as [string, string]] : [])])));
      expect(strKeyBits).toEqual([16, 16, 16]);
    });

    // Renames alone travel as a pending edit that the exporter's encoder applies; with an
    // action that sets values (an update of a key nobody has) the node builds tables.
    it.runIf(name !== 'js').each([
      ['a pending edit', '{ action: rename, source_key: user, destination_key: user.id }', 'otlp-bytes'],
      ['tables', '{ action: rename, source_key: user, destination_key: user.id }, { action: update, key: absent, value: 1 }', 'otap-arrow'],
    ])('OTLP batches leave the node (as %s) with dictionaries that continue, so the exporter sends deltas', async (_, actions, form) => {
      const backend = await loadBackend(name);
      const js = await loadBackend('js');
      const h = newHarness();
      const { engine } = await startEngine(yaml(`{ actions: [ ${actions} ] }`), h, backend);
      const exporter = backend.createEncoder();
      const before = { ...TelemetryBatch.conversions };
      const consumer = js.createDecoder();
      const LOG_ATTRS = 31;
      const replacements: number[] = [];
      for (let i = 0; i < 6; i++) {
        // 100 users, 20 of them new in each batch: the value dictionary grows past 64 values.
        const req = logs(Array.from({ length: 100 }, (_, r) => [['user', `u${i * 20 + r}`], ['k', `v${r % 3}`]]));
        expect(await h.sources.get('src')!.inject(TelemetryBatch.fromOtlpBytes('logs', encodeOtlp('logs', req), { backend }))).toEqual({ ok: true });
        const out = h.sinks.get('sink')!.received[i]!.batch;
        expect(out.form).toBe(form);
        const bar = out.encodeOtap(exporter);
        const attrs = decodeBatchArrowRecords(bar).arrowPayloads.find((p) => p.type === LOG_ATTRS)!;
        replacements.push(listMessages(attrs.record).filter((m) => m.type === 'dictionary' && !m.isDelta).length);
        const want = { ...req, resourceLogs: req.resourceLogs.map((rl) => ({ ...rl, scopeLogs: rl.scopeLogs.map((sl) => ({ ...sl, logRecords: sl.logRecords.map((l) => ({ ...l, attributes: l.attributes.map((kv) => (kv.key === 'user' ? { ...kv, key: 'user.id' } : kv)) })) })) })) };
        expect(canonicalDiff('logs', decodeOtlp('logs', consumer.decode(bar).otlp), want)).toBeUndefined();
      }
      // The first batch sends its dictionaries; every later one only what is new.
      expect(replacements[0]).toBeGreaterThan(0);
      expect(replacements.slice(1)).toEqual([0, 0, 0, 0, 0]);
      const encoded = form === 'otlp-bytes' ? { keyEditsEncoded: 6, keyEditsToOtlp: 0, tablesForwarded: 0 } : { keyEditsEncoded: 0, keyEditsToOtlp: 0, tablesForwarded: 6 };
      const now = TelemetryBatch.conversions;
      expect({ keyEditsEncoded: now.keyEditsEncoded - before.keyEditsEncoded, keyEditsToOtlp: now.keyEditsToOtlp - before.keyEditsToOtlp, tablesForwarded: now.tablesForwarded - before.tablesForwarded }).toEqual(encoded);
      await engine.shutdown();
    });

    it.runIf(name !== 'js')('before OTLP-only nodes, OTLP batches with only renames and deletions go on as OTLP bytes, rewritten, no tables built', async () => {
      const backend = await loadBackend(name);
      const h = newHarness();
      const { engine } = await startEngine(yaml('{ actions: [ { action: rename, source_key: user, destination_key: user.id }, { action: delete, key: secret } ], apply_to: [signal, resource] }', 'exporter:test_otlp_sink'), h, backend);
      const req = logs([[['user', 'u1'], ['user.id', 'old'], ['secret', 'x']], [['k', 'v']]], [['secret', 'r'], ['host', 'h1']]);
      const untouched = logs([[['k', 'v']]]);
      const before = { ...TelemetryBatch.conversions };
      const inputs = [req, untouched].map((r) => TelemetryBatch.fromOtlpBytes('logs', encodeOtlp('logs', r), { backend }));
      for (const input of inputs) expect(await h.sources.get('src')!.inject(input)).toEqual({ ok: true });
      const [edited, same] = h.sinks.get('sink')!.received.map((p) => p.batch);
      expect([edited!.form, same!.form]).toEqual(['otlp-bytes', 'otlp-bytes']);
      expect(edited!.backendTables).toBeUndefined();
      expect(TelemetryBatch.conversions.otlpToArrow).toBe(before.otlpToArrow);
      const got = decodeOtlp('logs', edited!.otlpBytes());
      const attrs = got.resourceLogs[0]!.scopeLogs[0]!.logRecords.map((l) => l.attributes.map((kv) => `${kv.key}=${(kv.value as { value: unknown }).value}`));
      expect(attrs).toEqual([['user.id=u1'], ['k=v']]);
      expect(got.resourceLogs[0]!.resource.attributes.map((kv) => kv.key)).toEqual(['host']);
      expect(TelemetryBatch.conversions.keyEditsToOtlp - before.keyEditsToOtlp).toBe(1);
      // Nothing to change: the request goes on as it came, not copied.
      expect(same!.otlpBytes()).toBe(inputs[1]!.otlpBytes());
      await engine.shutdown();
    });

    it('in an engine: renames with collisions, inserts on records without attributes, hashes; held tables never become OTLP', async () => {
      const backend = await loadBackend(name);
      const h = newHarness();
      const { engine } = await startEngine(yaml(`{ actions: [
        { action: rename, source_key: user, destination_key: user.id },
        { action: insert, key: env, value: prod },
        { action: hash, key: email, salt: s1 },
        { action: delete, key: secret } ], apply_to: [signal, resource] }`), h, backend);
      const req = logs([[['user', 'u1'], ['user.id', 'old'], ['secret', 'x']], [], [['email', 'a@b'], ['env', 'dev']]], [['host', 'h1']]);
      const bytes = encodeOtlp('logs', req);
      const input = receivedBatch(backend, 'logs', bytes);
      const before = TelemetryBatch.conversions.arrowToOtlp;
      expect(await h.sources.get('src')!.inject(input)).toEqual({ ok: true });
      if (name !== 'js') expect(TelemetryBatch.conversions.arrowToOtlp).toBe(before);
      const [out] = h.sinks.get('sink')!.received.map((p) => p.batch);
      if (name !== 'js') expect(out!.backendTables).toBeDefined();
      const got = out!.request as SignalRequest['logs'];
      const attrs = got.resourceLogs[0]!.scopeLogs[0]!.logRecords.map((l) => Object.fromEntries(l.attributes.map((kv) => [kv.key, (kv.value as { value: unknown }).value])));
      expect(attrs[0]).toEqual({ 'user.id': 'u1', env: 'prod' });
      expect(attrs[1]).toEqual({ env: 'prod' });
      expect(attrs[2]!.env).toBe('dev');
      expect(attrs[2]!.email).toMatch(/^[0-9a-f]{64}$/);
      const { createHash } = await import('node:crypto');
      expect(attrs[2]!.email).toBe(createHash('sha256').update('s1a@b').digest('hex'));
      expect(Object.fromEntries(got.resourceLogs[0]!.resource.attributes.map((kv) => [kv.key, (kv.value as { value: unknown }).value]))).toEqual({ host: 'h1', env: 'prod' });
      // An OTLP batch: turned into tables in the Rust core (native, wasm), same result.
      expect(await h.sources.get('src')!.inject(TelemetryBatch.fromOtlpBytes('logs', bytes, { backend }))).toEqual({ ok: true });
      const second = h.sinks.get('sink')!.received[1]!.batch;
      expect(second.backendTables !== undefined).toBe(name !== 'js');
      expect(canonicalDiff('logs', second.request as SignalRequest['logs'], got)).toBeUndefined();
      await engine.shutdown();
    });
  });
}
