// The load of the transport benchmarks (bench/transport.ts, bench/transport-cpu.ts): a pool
// of pre-encoded OTLP batches per signal and batch size, a client per protocol (OTLP/gRPC,
// or OTAP through OtapExporter with a backend, encoding off or on the event loop), and a
// driver that keeps IN_FLIGHT exports going for a time or a count.
import { TelemetryBatch } from '../src/batch/telemetry-batch.js';
import type { BackendName } from '../src/backend/types.js';
import { countItems } from '../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../src/otlp/model.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';
import { OtapExporter } from '../src/transport/exporter/index.js';
import { OtlpGrpcClient } from '../src/transport/otlp-client.js';
import type { OtapReceiver } from '../src/transport/receiver/index.js';

export const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
export const SIZES = [512, 4096];
export const IN_FLIGHT = 4;
const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

/** 'native-loop', 'wasm-loop': the backend with encodeOffThread off (encoding on the event
 *  loop, as js does, and as a process pinned to one CPU does). */
export type Protocol = 'OTLP' | BackendName | 'native-loop' | 'wasm-loop';

/** The pool of batches as OTLP protobuf and their record counts. The OTLP objects are not
 *  kept: neither path uses them, and a heap holding them made each of V8's major GCs (which
 *  the receivers' external memory triggers) mark them all, costing OTAP more than OTLP. */
export function pool(signal: Signal, batchSize: number): { bytes: Uint8Array[]; counts: number[] } {
  const n = batchSize >= 4096 ? 4 : 12;
  const bytes: Uint8Array[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const req = generators[signal]({ seed: 7, batchSize, batchIndex: i, uniqueValuesPerBatch: 2 }) as SignalRequest[Signal];
    bytes.push(encodeOtlp(signal, req));
    counts.push(countItems(signal, req));
  }
  return { bytes, counts };
}

/** Exports from `reqs` round robin, IN_FLIGHT at a time, for `limit.seconds` or until
 *  `limit.exports` were started; counts acked records. */
export async function drive(
  send: (req: Uint8Array) => Promise<void>, reqs: Uint8Array[], counts: number[], limit: { seconds: number } | { exports: number },
): Promise<{ records: number; seconds: number }> {
  let records = 0;
  let next = 0;
  const t0 = performance.now();
  const end = 'seconds' in limit ? t0 + limit.seconds * 1000 : Infinity;
  const exports = 'exports' in limit ? limit.exports : Infinity;
  const worker = async (): Promise<void> => {
    while (next < exports && performance.now() < end) {
      const i = next++ % reqs.length;
      await send(reqs[i]!);
      records += counts[i]!;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return { records, seconds: (performance.now() - t0) / 1000 };
}

/** A receiver and its port. */
export interface Endpoint { receiver: OtapReceiver; port: number }

/** One client of `protocol` to `port`: sends a request and settles when it is answered. */
export interface Sender { send: (req: Uint8Array) => Promise<void>; bytesOut: () => number; close: () => Promise<void> }

export function sender(protocol: Protocol, signal: Signal, port: number): Sender {
  const endpoint = `127.0.0.1:${port}`;
  if (protocol === 'OTLP') {
    const client = new OtlpGrpcClient({ endpoint, compression: 'zstd' });
    let bytesOut = 0;
    return {
      send: (bytes) => {
        bytesOut += bytes.length;
        return client.exportEncoded(signal, bytes).then(() => {});
      },
      bytesOut: () => bytesOut,
      close: async () => client.close(),
    };
  }
  const exporter = new OtapExporter({
    endpoint, compression: 'zstd', numStreams: 1, maxStreamLifetimeMs: 0, maxUnackedBatches: IN_FLIGHT * 2, backend: backendOf(protocol),
    encodeOffThread: !protocol.endsWith('-loop'),
  });
  return {
    send: (bytes) => exporter.export(TelemetryBatch.fromOtlpBytes(signal, bytes)),
    bytesOut: () => exporter.stats.bytesOut,
    close: () => exporter.shutdown({ timeoutMs: 5000 }),
  };
}

export function backendOf(protocol: Exclude<Protocol, 'OTLP'>): BackendName {
  return protocol === 'native-loop' ? 'native' : protocol === 'wasm-loop' ? 'wasm' : protocol;
}
