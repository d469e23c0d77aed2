// exporter:parquet and receiver:parquet in the pipeline engine: a traffic generator's logs,
// traces and metrics land in a data lake; a second engine replays the lake into a sink that
// receives every item, as OTAP tables (no OTLP conversion on the way), equal to what was
// written. Config errors name the field; the js backend is refused clearly.
import * as fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { canonicalEqual } from '../../src/otlp/canonical.js';
import type { Signal } from '../../src/otlp/model.js';
import { decodeOtlp, mergeRequests } from '../../src/otlp/signal-codec.js';
import { validateText } from '../../src/pipeline/engine/engine.js';
import { builtinRegistry } from '../../src/pipeline/nodes/builtin.js';
import { backendRows } from '../support/backends.js';
import { tempLake } from '../support/datalake.js';
import { newHarness, otlpBatch, pipelineYaml, startEngine } from '../support/pipeline-nodes.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const SIGNALS: Signal[] = ['logs', 'traces', 'metrics'];

describe.each(backendRows(['native', 'wasm']))('parquet nodes on %s', (name) => {
  it('exporter:parquet writes what the pipeline receives; receiver:parquet replays all of it', async () => {
    const base = tempLake();
    dirs.push(base);
    const sent = new Map<Signal, TelemetryBatch[]>(SIGNALS.map((s) => [s, []]));
    const writing = await startEngine(pipelineYaml(`
in: { type: receiver:test_source }
lake: { type: exporter:parquet, config: { storage: { file: { base_uri: "${base}" } }, partitioning_strategies: [{ schema_metadata: [_part_id] }], writer_options: { target_rows_per_file: 500, row_group_rows: 100 } } }`, `
- { from: in, to: lake }`), newHarness(), name);
    const source = writing.h.sources.get('in')!;
    for (let i = 0; i < 8; i++) {
      for (const signal of SIGNALS) {
        const batch = otlpBatch(signal, 120, i);
        sent.get(signal)!.push(batch);
        expect(await source.inject(batch)).toEqual({ ok: true });
      }
    }
    const summary = await writing.engine.shutdown(5000);
    expect(summary.lost).toEqual({ failed: 0, dropped: 0, refused: 0, errors: 0 });

    const replay = await startEngine(pipelineYaml(`
lake: { type: receiver:parquet, config: { storage: { file: { base_uri: "file://${base}" } }, max_batch_size: 100 } }
out: { type: exporter:test_sink }`, `
- { from: lake, to: out }`), newHarness(), name);
    await replay.engine.receiversDone;
    const received = replay.h.sinks.get('out')!.received;
    await replay.engine.shutdown(5000);
    for (const signal of SIGNALS) {
      const got = received.filter((p) => p.signal === signal);
      expect(got.every((p) => p.batch.form === 'otap-arrow')).toBe(true); // held tables, not OTLP
      const back = mergeRequests(signal, got.map((p) => decodeOtlp(signal, p.batch.otlpBytes())));
      const input = mergeRequests(signal, sent.get(signal)!.map((b) => b.request));
      expect(canonicalEqual(signal, input, back), signal).toBe(true);
    }
  });
});

describe('parquet node configs', () => {
  const registry = builtinRegistry();
  const doc = (config: string) => pipelineYaml(`
in: { type: receiver:otlp, config: { protocols: { grpc: { listening_addr: "127.0.0.1:0" } } } }
lake: { type: exporter:parquet, config: ${config} }`, `
- { from: in, to: lake }`);

  it('accepts the Rust engine\'s fields', () => {
    expect(() => validateText(doc('{ storage: { file: { base_uri: /tmp/x } }, retry: { max_retries: 3 }, partitioning_strategies: [{ schema_metadata: [_part_id] }], writer_options: { target_rows_per_file: 1000, flush_when_older_than: 300s } }'), 'lake.yaml', registry)).not.toThrow();
  });

  it.each([
    ['{ storage: { s3: { base_uri: "s3://b/p" } } }', /only file storage|azure and s3/],
    ['{ storage: { file: { base_uri: "s3://b/p" } } }', /not a local path/],
    ['{ storage: { file: { base_uri: /tmp/x } }, writer_options: { flush_when_older_than: soon } }', /flush_when_older_than/],
    ['{ storage: { file: { base_uri: /tmp/x } }, target_rows_per_file: 10 }', /target_rows_per_file/],
  ])('refuses %s', (config, message) => {
    expect(() => validateText(doc(config), 'lake.yaml', registry)).toThrow(message);
  });
});
