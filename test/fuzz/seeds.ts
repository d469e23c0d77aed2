// Valid seed streams for the fuzzer: every signal, encoded by every loaded backend, with
// plain and zstd IPC bodies, three batches each (so later batches carry delta dictionaries).
import type { Backend, BackendName } from '../../src/backend/index.js';
import type { RecordBatch } from '../../src/arrow/types.js';
import { IpcStreamReader } from '../../src/ipc/index.js';
import { decodeBatchArrowRecords, encodeBatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { AnyValue, KeyValue, Signal, SignalRequest } from '../../src/otlp/model.js';
import { encodeOtlp } from '../../src/otlp/signal-codec.js';
import type { SeedBatch } from './mutate.js';

export const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

export interface SeedStream {
  name: string;
  signal: Signal;
  batches: SeedBatch[];
}

const BATCHES_PER_STREAM = 3;

/** A nested value, so every signal has CBOR-serialised ("ser") attribute columns to attack. */
function nested(depth: number): AnyValue {
  if (depth === 0) return { type: 'string', value: 'leaf' };
  const kv: KeyValue[] = [{ key: `k${depth}`, value: nested(depth - 1) }, { key: 'n', value: { type: 'int', value: BigInt(depth) } }];
  return depth % 2 ? { type: 'kvlist', values: kv } : { type: 'array', values: [nested(depth - 1), { type: 'bool', value: true }] };
}

function request(signal: Signal, batchIndex: number, batchSize: number): SignalRequest[Signal] {
  const opts = { seed: 7, batchSize, batchIndex, resources: 2 };
  const req = signal === 'traces' ? generateTraces(opts) : signal === 'logs' ? generateLogs(opts) : generateMetrics(opts);
  const resources = 'resourceSpans' in req ? req.resourceSpans : 'resourceLogs' in req ? req.resourceLogs : req.resourceMetrics;
  resources[0]?.resource.attributes.push({ key: 'fuzz.nested', value: nested(3 + batchIndex) });
  return req;
}

/** Reads each payload of a stream with the TS reader, keeping IPC state per schema_id. */
function readStream(bars: Uint8Array[]): SeedBatch[] {
  const readers = new Map<string, IpcStreamReader>();
  return bars.map((bar) => {
    const decoded = decodeBatchArrowRecords(bar.slice());
    const batches: RecordBatch[] = decoded.arrowPayloads.map((p) => {
      let reader = readers.get(p.schemaId);
      if (!reader) readers.set(p.schemaId, (reader = new IpcStreamReader()));
      const [batch] = reader.read(p.record);
      if (!batch) throw new Error(`seed payload ${p.schemaId} has no record batch`);
      return batch;
    });
    return { bar, decoded, batches };
  });
}

/** Seed streams for `signals`, encoded by each of `encoders` (deterministic for a given set). */
export function buildSeeds(encoders: Partial<Record<BackendName, Backend>>, signals: readonly Signal[] = SIGNALS): SeedStream[] {
  const out: SeedStream[] = [];
  for (const signal of signals) {
    for (const name of ['native', 'wasm', 'js'] as const) {
      const backend = encoders[name];
      if (!backend) continue;
      for (const zstdLevel of [undefined, 3]) {
        if (name === 'js' && zstdLevel !== undefined && !('canCompress' in backend && backend.canCompress)) continue;
        const enc = backend.createEncoder(zstdLevel === undefined ? {} : { zstdLevel });
        const sizes = [2, 6, 1];
        // Plain Uint8Array copies: the native backend returns Buffers, whose slice() is a view.
        const bars = sizes.slice(0, BATCHES_PER_STREAM).map((size, i) => Uint8Array.from(enc.encode(signal, encodeOtlp(signal, request(signal, i, size)))));
        enc.close();
        out.push({ name: `${signal}/${name}${zstdLevel === undefined ? '' : '+zstd'}`, signal, batches: readStream(bars) });
      }
    }
  }
  return out;
}

/** A valid batch whose schema_ids no fuzz input uses: decoding it afterwards proves the decoder still works. */
export function checkBatch(stream: SeedStream): Uint8Array {
  const first = stream.batches[0]!.decoded;
  return encodeBatchArrowRecords({
    ...first,
    arrowPayloads: first.arrowPayloads.map((p) => ({ ...p, schemaId: `fuzz-check:${p.schemaId}` })),
  });
}
