// Training run for the native addon's profile-guided build (scripts/build-native.mjs).
// It drives an instrumented addon (OTEL_ARROW_NATIVE_PATH) through the Backend API the
// package uses on its data paths: encode (plain and with IPC zstd), the encoder thread,
// decode to OTLP, decode to tables and their conversions, table builders, and gRPC zstd.
// The counters it leaves tell rustc which branches are hot; the result is the same code,
// laid out for these paths. Run: node --import tsx scripts/pgo-train.ts
import { loadBackend } from '../src/backend/index.js';
import type { Backend, BackendEncoder } from '../src/backend/index.js';
import { generateLogs, generateMetrics, generateTraces } from '../src/otlp/generate.js';
import type { Signal } from '../src/otlp/model.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';

const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];
/** Batch sizes as exporters send them: small SDK flushes, the batch processor's 512, large batches. */
const BATCH_SIZES = [16, 512, 4096] as const;
/** Batches per stream: enough for dictionaries to go from new to delta to reused. */
const BATCHES = 8;

function requests(signal: Signal, batchSize: number, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let batchIndex = 0; batchIndex < BATCHES; batchIndex++) {
    const opts = { seed, batchSize, batchIndex, uniqueValuesPerBatch: seed % 3, attributeCardinality: 10 + (seed % 4) * 20 };
    if (signal === 'traces') out.push(encodeOtlp('traces', generateTraces(opts)));
    else if (signal === 'logs') out.push(encodeOtlp('logs', generateLogs(opts)));
    else out.push(encodeOtlp('metrics', generateMetrics(opts)));
  }
  return out;
}

async function stream(backend: Backend, signal: Signal, batches: Uint8Array[], zstdLevel: number | undefined): Promise<number> {
  const encoder: BackendEncoder = backend.createEncoder(zstdLevel === undefined ? {} : { zstdLevel });
  const threaded = backend.createEncoder({ thread: true });
  const decoder = backend.createDecoder();
  const tablesDecoder = backend.createDecoder();
  let items = 0;
  try {
    for (const otlp of batches) {
      const bar = encoder.encode(signal, otlp);
      const decoded = decoder.decode(bar);
      if (decoded.otlp.byteLength === 0) throw new Error(`pgo-train: ${signal} decoded to nothing`);
      const tables = tablesDecoder.decodeTables?.(bar);
      if (tables) {
        items += tables.itemCount();
        tables.byteSize();
        tables.toOtlp();
        tables.release?.();
      }
      if (threaded.encodeHeldAsync) {
        const held = await threaded.encodeHeldAsync({ signal, otlp });
        held.zstdGrpcMessage(1);
      }
      if (threaded.encodeFramedAsync) await threaded.encodeFramedAsync({ signal, otlp }, 1);
      backend.tablesFromOtlp?.(signal, otlp).release?.();
    }
  } finally {
    encoder.close();
    threaded.close();
    decoder.close();
    tablesDecoder.close();
  }
  return items;
}

async function main(): Promise<void> {
  if (!process.env.OTEL_ARROW_NATIVE_PATH) throw new Error('pgo-train: set OTEL_ARROW_NATIVE_PATH to the instrumented addon');
  const backend = await loadBackend('native');
  const started = Date.now();
  let items = 0;
  for (const signal of SIGNALS) {
    for (const batchSize of BATCH_SIZES) {
      for (const seed of [1, 2]) {
        const batches = requests(signal, batchSize, seed);
        // The Go exporter's default (IPC bodies in zstd) on one stream, plain bodies on the other.
        items += await stream(backend, signal, batches, seed === 1 ? undefined : 1);
      }
    }
    console.log(`[pgo-train] ${signal}: done`);
  }
  console.log(`[pgo-train] ${items} items through decodeTables in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
