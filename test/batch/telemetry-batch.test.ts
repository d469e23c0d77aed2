// TelemetryBatch: every form converts to every other through each backend, conversions are
// lazy, cached and counted, and item counts / sizes agree across forms without converting.
// countOtlpItems (the framing scan behind itemCount) equals countItems on any request and
// refuses broken framing like the object decoder does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAttributeActions } from '../../src/backend/attribute-actions-bytes.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { gatherAttributeActions } from '../../src/otlp/attribute-actions.js';
import { OtelArrowError } from '../../src/errors.js';
import { ArrowPayloadType as T } from '../../src/otap/payload-type.js';
import { canonicalDiff, countItems } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { countOtlpItems } from '../../src/otlp/protobuf/count-items.js';
import { decodeOtlp, encodeOtlp } from '../../src/otlp/signal-codec.js';
import { requestArb } from '../support/arbitraries.js';
import { backendRows, requireBackend, RUST_BACKENDS } from '../support/backends.js';

const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];
const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
const gen = <S extends Signal>(signal: S, seed: number): SignalRequest[S] =>
  generators[signal]({ seed, batchSize: 60, batchIndex: 0 }) as SignalRequest[S];

describe('countOtlpItems (framing scan)', () => {
  for (const signal of SIGNALS) {
    it(`${signal}: equals countItems on arbitrary requests`, () => {
      fc.assert(fc.property(requestArb(signal), (req) => {
        expect(countOtlpItems(signal, encodeOtlp(signal, req))).toBe(countItems(signal, req));
      }), { numRuns: 150 });
    });

    it(`${signal}: every truncation fails as MALFORMED_PROTOBUF exactly when the object decoder fails`, () => {
      const bytes = encodeOtlp(signal, gen(signal, 3));
      for (let n = 0; n < bytes.length; n += Math.max(1, Math.floor(bytes.length / 300))) {
        const cut = bytes.subarray(0, n);
        let objectsFail = false;
        try {
          decodeOtlp(signal, cut);
        } catch {
          objectsFail = true;
        }
        let scanError: unknown;
        try {
          countOtlpItems(signal, cut);
        } catch (err) {
          scanError = err;
        }
        // The scan reads only the framing down to the items, so it may accept a cut inside an
        // item's fields that the object decoder refuses; never the other way round.
        if (scanError) {
          expect(objectsFail, `cut at ${n}`).toBe(true);
          expect((scanError as OtelArrowError).code).toBe('MALFORMED_PROTOBUF');
        }
      }
    });
  }

  it('a metric whose data oneof appears twice counts the last one, like the decoder', () => {
    // Metric { gauge { 2 points }, sum { 1 point } } in one scope in one resource.
    const point = [0x0a, 0x00];
    const gauge = [0x2a, 4, ...point, ...point];
    const sum = [0x3a, 2, ...point];
    const metric = [0x12, gauge.length + sum.length, ...gauge, ...sum];
    const scope = [0x12, metric.length, ...metric];
    const req = new Uint8Array([0x0a, scope.length, ...scope]);
    expect(countItems('metrics', decodeOtlp('metrics', req))).toBe(1);
    expect(countOtlpItems('metrics', req)).toBe(1);
  });
});

describe.each(backendRows())('TelemetryBatch on the %s backend', (name) => {
  for (const signal of SIGNALS) {
    it(`${signal}: bytes -> Arrow -> bytes -> objects, lazily, cached and counted`, () => {
      const backend = requireBackend(name);
      const req = gen(signal, 11);
      const bytes = encodeOtlp(signal, req);
      const before = { ...TelemetryBatch.conversions };
      const b = TelemetryBatch.fromOtlpBytes(signal, bytes, { backend });
      expect(b.forms).toEqual(['otlp-bytes']);
      expect(b.itemCount).toBe(countItems(signal, req));
      expect(b.byteSize).toBe(bytes.length);
      expect(TelemetryBatch.conversions).toEqual(before);

      const tables = b.arrow();
      expect(b.arrow()).toBe(tables); // cached
      expect(TelemetryBatch.conversions.otlpToArrow).toBe(before.otlpToArrow + 1);
      const root = { traces: T.SPANS, logs: T.LOGS, metrics: T.UNIVARIATE_METRICS }[signal];
      expect(tables.some((p) => p.payloadType === root)).toBe(true);

      const fromArrow = TelemetryBatch.fromArrow(signal, tables, { backend });
      expect(fromArrow.itemCount).toBe(countItems(signal, req)); // rows, no conversion
      expect(fromArrow.byteSize).toBeGreaterThan(0);
      expect(TelemetryBatch.conversions.arrowToOtlp).toBe(before.arrowToOtlp);
      const back = fromArrow.otlpBytes();
      expect(TelemetryBatch.conversions.arrowToOtlp).toBe(before.arrowToOtlp + 1);
      expect(canonicalDiff(signal, req, decodeOtlp(signal, back))).toBeUndefined();
      expect(canonicalDiff(signal, req, fromArrow.request)).toBeUndefined();
      expect(TelemetryBatch.conversions.otlpBytesToObjects).toBe(before.otlpBytesToObjects + 1);
    });
  }

  it('objects -> bytes once; an Arrow form without a backend says what it needs', () => {
    const req = gen('logs', 5);
    const b = TelemetryBatch.fromRequest('logs', req);
    expect(b.request).toBe(req);
    expect(b.itemCount).toBe(countItems('logs', req));
    const n = TelemetryBatch.conversions.otlpObjectsToBytes;
    expect(b.otlpBytes()).toBe(b.otlpBytes());
    expect(TelemetryBatch.conversions.otlpObjectsToBytes).toBe(n + 1);
    expect(() => b.arrow()).toThrow(/needs a backend/);
    expect(b.arrow(requireBackend(name)).length).toBeGreaterThan(0);
  });

  it('Arrow tables of another signal are refused when converted', () => {
    const backend = requireBackend(name);
    const logs = TelemetryBatch.fromOtlpBytes('logs', encodeOtlp('logs', gen('logs', 2)), { backend }).arrow();
    const wrong = TelemetryBatch.fromArrow('traces', logs, { backend });
    expect(() => wrong.otlpBytes()).toThrow(OtelArrowError);
  });
});

describe.each(backendRows(RUST_BACKENDS))('encodeOtapOffThread on the %s backend', (name) => {
  it('the encoder counts the items, plain and framed: itemCount walks no OTLP bytes afterwards', async () => {
    const backend = requireBackend(name);
    const enc = backend.createEncoder({ thread: true });
    const sync = backend.createEncoder();
    try {
      for (const [i, signal] of SIGNALS.entries()) {
        for (const framed of [false, true]) {
          const req = gen(signal, 20 + i);
          const bytes = encodeOtlp(signal, req);
          const batch = TelemetryBatch.fromOtlpBytes(signal, bytes);
          expect(batch.encodesOffThread(enc)).toBe(true);
          const out = framed ? (await batch.encodeOtapOffThread(enc, 3)).frame : await batch.encodeOtapOffThread(enc);
          const want = sync.encode(signal, bytes);
          expect(Buffer.from(framed ? backend.zstdDecompress(out.subarray(5)) : out).equals(Buffer.from(want))).toBe(true);
          // The encoder had its own copy: a walk over these bytes now would throw.
          bytes.fill(0xff);
          expect(batch.itemCount).toBe(countItems(signal, req));
        }
      }
    } finally {
      enc.close();
      sync.close();
    }
  });
});

describe.each(backendRows(RUST_BACKENDS))('encodeOtap on the %s backend: received tables forwarded as they are', (name) => {
  for (const signal of SIGNALS) {
    it(`${signal}: a stream of held tables re-encoded onto another stream decodes to the source OTLP, converting nothing`, () => {
      const backend = requireBackend(name);
      const [source, receiver, forwarder, downstream, reference] = [
        backend.createEncoder({ zstdLevel: 3 }), backend.createDecoder(), backend.createEncoder(), backend.createDecoder(), backend.createDecoder(),
      ];
      for (let i = 0; i < 6; i++) {
        const bar = source.encode(signal, encodeOtlp(signal, generators[signal]({ seed: 11, batchSize: 40, batchIndex: i })));
        const batch = TelemetryBatch.fromBackendTables(receiver.decodeTables!(bar)!, { backend });
        const before = { ...TelemetryBatch.conversions };
        const out = batch.encodeOtap(forwarder);
        expect(TelemetryBatch.conversions.tablesForwarded).toBe(before.tablesForwarded + 1);
        expect(TelemetryBatch.conversions.arrowToOtlp).toBe(before.arrowToOtlp);
        expect(downstream.decode(out).otlp).toEqual(reference.decode(bar).otlp);
      }
    });
  }

  it('a pending key edit: encoded in one pass by its own backend, edited bytes elsewhere; unreadable bytes are a permanent error', () => {
    const backend = requireBackend(name);
    const actions = gatherAttributeActions([{ action: 'rename', sourceKey: 'service.name', destinationKey: 'svc' }], { signal: false, resource: true, scope: false });
    const editor = backend.createAttributeEditor!(encodeAttributeActions(actions));
    const bytes = encodeOtlp('logs', gen('logs', 4));
    const edited = editor.editOtlp('logs', bytes)!;
    const batch = TelemetryBatch.fromOtlpBytesWithKeyEdit('logs', bytes, editor, { backend });
    expect(batch.itemCount).toBe(countOtlpItems('logs', bytes));
    const before = { ...TelemetryBatch.conversions };
    const own = batch.encodeOtap(backend.createEncoder());
    expect(TelemetryBatch.conversions.keyEditsEncoded).toBe(before.keyEditsEncoded + 1);
    expect(Buffer.from(own).equals(backend.createEncoder().encode('logs', edited))).toBe(true);
    // Another backend's encoder: the edited bytes.
    const js = requireBackend('js');
    const viaJs = batch.encodeOtap(js.createEncoder());
    expect(TelemetryBatch.conversions.keyEditsToOtlp).toBe(before.keyEditsToOtlp + 1);
    expect(Buffer.from(viaJs).equals(js.createEncoder().encode('logs', edited))).toBe(true);
    // The key field found, then a truncated request: the edit cannot read it.
    const broken = TelemetryBatch.fromOtlpBytesWithKeyEdit('logs', bytes.subarray(0, bytes.length - 3), editor, { backend });
    const err = (() => { try { broken.otlpBytes(); } catch (e) { return e as Error & { permanent?: boolean }; } return undefined; })();
    expect(err?.permanent).toBe(true);
  });

  it('tables of another backend instance or form go through OTLP bytes', () => {
    const backend = requireBackend(name);
    const other = requireBackend('js');
    const bar = backend.createEncoder().encode('logs', encodeOtlp('logs', gen('logs', 4)));
    const batch = TelemetryBatch.fromBackendTables(backend.createDecoder().decodeTables!(bar)!, { backend });
    const before = { ...TelemetryBatch.conversions };
    const out = batch.encodeOtap(other.createEncoder());
    expect(TelemetryBatch.conversions.tablesForwarded).toBe(before.tablesForwarded);
    expect(TelemetryBatch.conversions.arrowToOtlp).toBe(before.arrowToOtlp + 1);
    expect(Buffer.from(other.createDecoder().decode(out).otlp)).toEqual(Buffer.from(backend.createDecoder().decode(bar).otlp));
    // Bytes-form batches never reach encodeTables.
    const fromBytes = TelemetryBatch.fromOtlpBytes('logs', encodeOtlp('logs', gen('logs', 4)), { backend });
    const n = TelemetryBatch.conversions.tablesForwarded;
    const viaBytes = backend.createDecoder().decode(fromBytes.encodeOtap(backend.createEncoder())).otlp;
    expect(viaBytes).toEqual(backend.createDecoder().decode(backend.createEncoder().encode('logs', fromBytes.otlpBytes())).otlp);
    expect(TelemetryBatch.conversions.tablesForwarded).toBe(n);
  });
});
