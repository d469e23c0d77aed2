// Interop with the reference Go implementation, both directions, on the same OTLP data:
// - Go -> us: the Go Producer encodes its datagen data (zstd IPC bodies, its default);
//   our Consumer decodes every batch to the source OTLP.
// - us -> Go: our Producer encodes the same data (and our own generator's data); the Go
//   Consumer decodes it and the Go side compares it with the source OTLP.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../../src/otlp/signal-codec.js';
import { decodeBatchArrowRecords, encodeBatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { Consumer } from '../../src/otap/consumer.js';
import { Producer } from '../../src/otap/producer.js';
import { zstdCompressor } from '../support/zstd.js';
import { goDecode, goEqual, goGen, goPeerBinary, hasGo, readFramedBars, writeFramedBars } from './go-peer.js';
import { goEquivalent } from './go-equivalence.js';
import { yieldToEventLoop } from '../support/event-loop.js';

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
let work: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-interop-'));
  await goPeerBinary();
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function otlpFiles(dir: string, prefix: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.startsWith(prefix) && n.endsWith('.pb')).sort().map((n) => path.join(dir, n));
}

function encodeWithUs<S extends Signal>(signal: S, requests: SignalRequest[S][], compress: boolean): Uint8Array[] {
  const producer = new Producer(compress ? { compression: zstdCompressor() } : {});
  return requests.map((r) => encodeBatchArrowRecords(producer.encode(signal, r)));
}

const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

describe.skipIf(!hasGo())('interop with the Go reference (module github.com/open-telemetry/otel-arrow/go)', () => {
  for (const signal of SIGNALS) {
    describe(signal, () => {
      let dir: string;
      let sources: SignalRequest[typeof signal][];

      beforeAll(async () => {
        dir = path.join(work, `go-${signal}`);
        await goGen({ signal, batches: 12, batchSize: 200, seed: 7, out: dir });
        sources = otlpFiles(dir, 'otlp-').map((f) => decodeOtlp(signal, fs.readFileSync(f)));
      });

      it('our Consumer decodes the Go Producer stream (zstd bodies) to the source OTLP', async () => {
        const frames = readFramedBars(path.join(dir, 'go.bars'));
        expect(frames.length).toBe(sources.length);
        const consumer = new Consumer();
        for (const [i, frame] of frames.entries()) {
          await yieldToEventLoop(); // see test/support/event-loop.ts
          const decoded = consumer.decodeSignal(signal, decodeBatchArrowRecords(frame));
          expect(canonicalDiff(signal, goEquivalent(signal, sources[i]!), decoded), `batch ${i}`).toBeUndefined();
        }
      });

      for (const compress of [false, true]) {
        it(`the Go Consumer decodes our stream (${compress ? 'zstd' : 'uncompressed'} bodies) to the source OTLP`, async () => {
          const bars = path.join(dir, `ours-${compress}.bars`);
          writeFramedBars(bars, encodeWithUs(signal, sources, compress));
          const out = path.join(dir, `decoded-ours-${compress}`);
          await goDecode({ signal, in: bars, out });
          const eq = await goEqual({ signal, a: dir, b: out });
          expect(eq.equal).toBe(true);
          // And our own reading of what Go decoded.
          const decodedFiles = otlpFiles(out, 'decoded-');
          expect(decodedFiles).toHaveLength(sources.length);
          for (const [i, f] of decodedFiles.entries()) {
            await yieldToEventLoop(); // see test/support/event-loop.ts
            const decoded = decodeOtlp(signal, fs.readFileSync(f));
            expect(canonicalDiff(signal, goEquivalent(signal, sources[i]!), goEquivalent(signal, decoded)), `batch ${i}`).toBeUndefined();
          }
        });
      }

      it('the Go Consumer decodes our stream of our own generated telemetry', async () => {
        const src = path.join(dir, 'ours-src');
        fs.mkdirSync(src, { recursive: true });
        const reqs = Array.from({ length: 8 }, (_, b) =>
          generators[signal]({ seed: 3, batchSize: 300, batchIndex: b, uniqueValuesPerBatch: 40 }),
        ) as SignalRequest[typeof signal][];
        reqs.forEach((r, i) => fs.writeFileSync(path.join(src, `otlp-${String(i).padStart(4, '0')}.pb`), encodeOtlp(signal, r)));
        const bars = path.join(src, 'ours.bars');
        writeFramedBars(bars, encodeWithUs(signal, reqs, true));
        const out = path.join(src, 'decoded');
        await goDecode({ signal, in: bars, out });
        expect((await goEqual({ signal, a: src, b: out })).equal).toBe(true);
      });
    });
  }
});
