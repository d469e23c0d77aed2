// OTLP -> Producer -> BatchArrowRecords bytes -> Consumer -> OTLP, through real Arrow IPC,
// for every signal: generated telemetry over several batches and arbitrary requests.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { decodeBatchArrowRecords, encodeBatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { Consumer } from '../../src/otap/consumer.js';
import { Producer } from '../../src/otap/producer.js';
import { logsRequestArb, metricsRequestArb, tracesRequestArb } from '../support/arbitraries.js';
import { zstdCompressor } from '../support/zstd.js';

const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
const arbitraries = { traces: tracesRequestArb, logs: logsRequestArb, metrics: metricsRequestArb } as const;

function roundTrip<S extends Signal>(signal: S, producer: Producer, consumer: Consumer, req: SignalRequest[S]): SignalRequest[S] {
  const bytes = encodeBatchArrowRecords(producer.encode(signal, req));
  return consumer.decodeSignal(signal, decodeBatchArrowRecords(bytes));
}

describe.each(['traces', 'logs', 'metrics'] as const)('%s stream round trip', (signal) => {
  for (const compressed of [false, true]) {
    it(`generated telemetry, 10 batches, ${compressed ? 'zstd' : 'uncompressed'} IPC bodies`, () => {
      const producer = new Producer(compressed ? { compression: zstdCompressor() } : {});
      const consumer = new Consumer();
      for (let b = 0; b < 10; b++) {
        const req = generators[signal]({ seed: 11, batchSize: 500, batchIndex: b, uniqueValuesPerBatch: 20 }) as SignalRequest[typeof signal];
        expect(canonicalDiff(signal, req, roundTrip(signal, producer, consumer, req)), `batch ${b}`).toBeUndefined();
      }
    });
  }

  it('arbitrary requests through one long-lived producer/consumer pair', () => {
    const producer = new Producer({ metricMetadata: true });
    const consumer = new Consumer();
    fc.assert(
      fc.property(arbitraries[signal] as fc.Arbitrary<SignalRequest[typeof signal]>, (req) => {
        expect(canonicalDiff(signal, req, roundTrip(signal, producer, consumer, req))).toBeUndefined();
      }),
      { numRuns: 120 },
    );
  });
});
