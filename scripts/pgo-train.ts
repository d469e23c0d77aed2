// Training run for the native addon's profile-guided build (scripts/build-native.mjs).
// It drives an instrumented addon (OTEL_ARROW_NATIVE_PATH) through the Backend API the
// package uses on its data paths: encode (plain and with IPC zstd), the encoder thread,
// decode to OTLP, Arrow and tables, gRPC zstd, and what pipelines do with held tables
// (attribute and filter processors, join / split / head, re-encoding, Parquet), and the SDK
// exporters' span and log-record columns. The counters it leaves tell rustc which branches
// are hot; the result is the same code, laid out for these paths. A path left out here would
// be laid out as cold, so every path of the core that carries data belongs in it.
// Run: node --import tsx scripts/pgo-train.ts
import fc from 'fast-check';
import { encodeAttributeActions } from '../src/backend/attribute-actions-bytes.js';
import { encodeFilterRules } from '../src/backend/filter-rules-bytes.js';
import { loadBackend } from '../src/backend/index.js';
import type { Backend, BackendEncoder, BackendTables } from '../src/backend/index.js';
import { generateLogs, generateMetrics, generateTraces } from '../src/otlp/generate.js';
import type { Signal } from '../src/otlp/model.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';
import { parseAttributeConfig } from '../src/pipeline/nodes/processors/attribute.js';
import { parseFilterConfig } from '../src/pipeline/nodes/processors/filter.js';
import { LogColumns } from '../src/sdk/columns/log-columns.js';
import { SpanColumns } from '../src/sdk/columns/span-columns.js';
import { arbLogRecords, arbSpans } from '../test/support/sdk-arbitraries.js';

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
  const arrowDecoder = backend.createDecoder();
  let items = 0;
  try {
    for (const otlp of batches) {
      const bar = encoder.encode(signal, otlp);
      const decoded = decoder.decode(bar);
      if (decoded.otlp.byteLength === 0) throw new Error(`pgo-train: ${signal} decoded to nothing`);
      arrowDecoder.decodeArrow?.(bar, { copy: true }).release();
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
    arrowDecoder.close();
  }
  return items;
}

/** Processor:attribute's actions on keys the generator writes. */
const ACTIONS = encodeAttributeActions(parseAttributeConfig({ actions: [
  { action: 'rename', source_key: 'http.route', destination_key: 'http.route.template' },
  { action: 'delete', key: 'client.address' },
  { action: 'upsert', key: 'deployment.environment', value: 'prod' },
  { action: 'insert', key: 'server.port', value: 443 },
  { action: 'hash', key: 'user.id' },
] }));

/** Processor:filter rules of each signal on values the generator writes. */
const FILTERS = parseFilterConfig({
  logs: { exclude: { match_type: 'strict', severity_number: { min: 13, match_undefined: true }, record_attributes: [{ key: 'http.request.method', value: 'GET' }] } },
  traces: { include: { match_type: 'regexp', span_names: ['^GET', '.*query.*'], span_attributes: [{ key: 'db.system', value: 'post.*' }] } },
  metrics: { exclude: { match_type: 'regexp', metric_names: ['.*cpu.*'] } },
});

/** What pipeline nodes do with held tables: processors, rebatching, re-encoding, Parquet. */
function pipeline(backend: Backend, signal: Signal, batches: Uint8Array[]): void {
  const decoder = backend.createDecoder();
  const encoder = backend.createEncoder();
  const builder = backend.createTablesBuilder?.();
  const rules = FILTERS[signal];
  const filter = rules ? backend.createFilter?.(encodeFilterRules(rules)) : undefined;
  const editor = backend.createAttributeEditor?.(encodeAttributeActions(parseAttributeConfig({ actions: [{ action: 'delete', key: 'client.address' }] })));
  const writer = backend.createParquetWriter?.(signal, { rowGroupRows: 4096 });
  const held: BackendTables[] = [];
  try {
    const source = backend.createEncoder();
    for (const otlp of batches) {
      const tables = decoder.decodeTables?.(source.encode(signal, otlp));
      if (!tables) continue;
      held.push(tables);
      const edited = backend.transformAttributes?.(tables, ACTIONS);
      const kept = edited && filter ? filter.apply(edited) : edited;
      if (kept) encoder.encodeTables?.(kept);
      filter?.applyOtlp(signal, otlp).release?.();
      filter?.keepOtlp?.(signal, otlp);
      editor?.editOtlp(signal, otlp);
      if (editor) encoder.encodeEdited?.(signal, otlp, editor);
      builder?.build(signal, otlp).release?.();
      writer?.write(tables);
      backend.headTables?.(tables, 100)?.release?.();
      for (const piece of backend.splitTables?.(tables, 100, 256) ?? []) piece.release?.();
    }
    source.close();
    for (const joined of backend.concatTables?.(held) ?? []) {
      encoder.encodeTables?.(joined);
      joined.release?.();
    }
    const files = writer?.finish();
    if (files && files.length > 0) {
      for (const f of files) backend.parquetFileInfo?.(f.bytes);
      for (const t of backend.readParquetSet?.(signal, files, 2048) ?? []) {
        t.toOtlp();
        t.release?.();
      }
    }
  } finally {
    for (const t of held) t.release?.();
    decoder.close();
    encoder.close();
  }
}

/** The SDK exporters' path: spans and log records as the OTel JS SDK hands them over, in
 *  columns (src/sdk/columns), encoded by the core. */
async function sdkColumns(backend: Backend): Promise<void> {
  const buffers: Uint8Array[] = [];
  for (const spans of fc.sample(arbSpans(), { numRuns: 150, seed: 3 })) {
    const c = new SpanColumns();
    for (const span of spans) c.append(span);
    buffers.push(c.finish());
  }
  for (const records of fc.sample(arbLogRecords(), { numRuns: 150, seed: 4 })) {
    const c = new LogColumns();
    for (const record of records) c.append(record);
    buffers.push(c.finish());
  }
  const encoder = backend.createEncoder();
  const threaded = backend.createEncoder({ thread: true });
  try {
    for (const columns of buffers) {
      encoder.encodeColumns(columns);
      if (threaded.encodeCountedAsync) await threaded.encodeCountedAsync({ columns });
    }
  } finally {
    encoder.close();
    threaded.close();
  }
}

async function main(): Promise<void> {
  if (!process.env.OTEL_ARROW_NATIVE_PATH) throw new Error('pgo-train: set OTEL_ARROW_NATIVE_PATH to the instrumented addon');
  const backend = await loadBackend('native');
  // A path the training stops reaching would quietly be laid out as cold: fail instead.
  const required = ['concatTables', 'splitTables', 'headTables', 'createFilter', 'tablesFromOtlp', 'createTablesBuilder',
    'transformAttributes', 'createAttributeEditor', 'createParquetWriter', 'readParquetSet', 'parquetFileInfo'] as const;
  const missing = required.filter((m) => typeof backend[m] !== 'function');
  if (missing.length > 0) throw new Error(`pgo-train: the native backend lacks ${missing.join(', ')}`);
  const started = Date.now();
  let items = 0;
  for (const signal of SIGNALS) {
    for (const batchSize of BATCH_SIZES) {
      for (const seed of [1, 2]) {
        const batches = requests(signal, batchSize, seed);
        // The Go exporter's default (IPC bodies in zstd) on one stream, plain bodies on the other.
        items += await stream(backend, signal, batches, seed === 1 ? undefined : 1);
        if (batchSize === 512) pipeline(backend, signal, batches);
      }
    }
    console.log(`[pgo-train] ${signal}: done`);
  }
  await sdkColumns(backend);
  console.log('[pgo-train] SDK columns: done');
  console.log(`[pgo-train] ${items} items through decodeTables in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
