// The bridge moves bytes: OTLP/gRPC protobuf in -> backend encoder -> BatchArrowRecords out,
// and OTAP in -> backend decoder -> OTLP protobuf, without building OTLP objects in
// JavaScript. Proved two ways: the batch type's conversion counters stay still, and (on the
// native and wasm backends, whose codecs are Rust) the OTLP object codec is never called.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import { resolveConfig } from '../../src/bridge/config.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import type { Signal } from '../../src/otlp/model.js';
import * as codec from '../../src/otlp/signal-codec.js';
import { OtapExporter } from '../../src/transport/exporter/index.js';
import { OtlpGrpcClient } from '../../src/transport/otlp-client.js';
import { OtapReceiver, type ReceivedBatch } from '../../src/transport/receiver/index.js';
import { generate } from '../transport/receiver-support.js';
import { TEST_BACKEND, testBackend } from '../support/backend.js';
import { countItems } from '../../src/otlp/canonical.js';

// Counts every call into the OTLP object codec made by any module of this test process.
vi.mock('../../src/otlp/signal-codec.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../src/otlp/signal-codec.js')>();
  return { ...orig, decodeOtlp: vi.fn(orig.decodeOtlp), encodeOtlp: vi.fn(orig.encodeOtlp) };
});

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The Rust backends build no OTLP objects; the js backend is the TypeScript codec itself. */
const rustCodec = (name: string): boolean => name === 'native' || name === 'wasm';

describe(`bytes in, bytes out (backend ${TEST_BACKEND})`, () => {
  it('OTLP/gRPC -> bridge -> OTAP: no OTLP objects built anywhere on the way', async () => {
    const backend = await testBackend();
    const received: ReceivedBatch[] = [];
    const down = new OtapReceiver({ shutdownGraceMs: 500, backend }, async (b) => void received.push(b));
    const { grpcPort: downPort } = await down.start();
    cleanups.push(() => down.shutdown());
    const bridge = new Bridge(resolveConfig([{ listen: '127.0.0.1:0', http: false, to: `127.0.0.1:${downPort}`, backend: backend.name }]));
    const { grpcPort } = await bridge.start();
    cleanups.push(() => bridge.shutdown(2000));
    const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${grpcPort}` });
    cleanups.push(() => client.close());

    // Requests encoded before counting starts: the client's encoding is not the bridge's.
    const sent = SIGNALS.flatMap((signal) => [0, 1].map((i) => {
      const req = generate(signal, 21, 40, i);
      return { signal, bytes: codec.encodeOtlp(signal, req), items: countItems(signal, req) };
    }));
    const before = { ...TelemetryBatch.conversions };
    vi.mocked(codec.decodeOtlp).mockClear();
    vi.mocked(codec.encodeOtlp).mockClear();

    for (const s of sent) await client.exportEncoded(s.signal, s.bytes); // resolves once downstream acked

    expect(TelemetryBatch.conversions).toEqual(before);
    if (rustCodec(backend.name)) {
      expect(vi.mocked(codec.decodeOtlp)).not.toHaveBeenCalled();
      expect(vi.mocked(codec.encodeOtlp)).not.toHaveBeenCalled();
    }
    // What arrived downstream is what the backend decoder holds (native, wasm: its Rust
    // tables; js: OTLP bytes), counted without converting.
    const held = backend.name === 'js' ? 'otlp-bytes' : 'otap-arrow';
    expect(received.map((b) => [b.signal, b.payload.forms, b.payload.itemCount])).toEqual(
      sent.map((s) => [s.signal, [held], s.items]));
    expect(TelemetryBatch.conversions).toEqual(before);
    expect(bridge.stats.received.traces.records + bridge.stats.received.logs.records + bridge.stats.received.metrics.records)
      .toBe(sent.reduce((n, s) => n + s.items, 0));
    // Decoding on demand still gives the objects (and is counted).
    expect(countItems(received[0]!.signal, received[0]!.request)).toBe(sent[0]!.items);
    expect(TelemetryBatch.conversions.otlpBytesToObjects).toBe(before.otlpBytesToObjects + 1);
  });

  it('the receiver and exporter use the requested backend', async () => {
    const backend = await testBackend();
    const recv = new OtapReceiver({}, async () => {});
    await recv.start();
    cleanups.push(() => recv.shutdown());
    expect(recv.backend.name).toBe(backend.name);
    const exp = new OtapExporter({ endpoint: `127.0.0.1:${(await recv.start()).grpcPort}` });
    cleanups.push(() => exp.shutdown({ timeoutMs: 1000 }));
    await exp.export('logs', generate('logs', 3, 5, 0));
    expect(exp.backend?.name).toBe(backend.name);
    if (TEST_BACKEND !== 'auto') expect(backend.name).toBe(TEST_BACKEND);
  });
});
