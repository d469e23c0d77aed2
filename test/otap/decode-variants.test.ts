// The Consumer decodes OTAP from any conforming sender, not only from our Producer: every
// batch the Producer writes is re-encoded into other encodings the spec allows
// (test/support/variants.ts) and must decode to the same OTLP.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { decodeBatchArrowRecords, encodeBatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { Consumer } from '../../src/otap/consumer.js';
import { Producer } from '../../src/otap/producer.js';
import { logsRequestArb, metricsRequestArb, tracesRequestArb } from '../support/arbitraries.js';
import {
  compose, dropNullColumns, identity, plainDictionaries, replacementDictionaries, rewriteIds, VariantStream,
  widenDictionaries, type BatchTransform, type VariantStats, type VariantStreamOptions,
} from '../support/variants.js';

const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
const arbitraries = { traces: tracesRequestArb, logs: logsRequestArb, metrics: metricsRequestArb } as const;

interface Variant {
  name: string;
  transform: BatchTransform;
  options?: VariantStreamOptions;
  /** Counters that must be > 0 after the generated stream (the variant did something). */
  effects: (keyof VariantStats)[];
  /** On generated data the id columns keep their values (only metadata is added). */
  sameIdValues?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'baseline (decode + re-encode, no change)', transform: identity, effects: ['deltaDictionaryMessages'] },
  { name: 'plain instead of dictionaries', transform: plainDictionaries, effects: ['dictionariesMaterialized'] },
  {
    name: 'u16 dictionary keys, Dict(u8) for eligible plain columns',
    transform: widenDictionaries,
    effects: ['dictionariesRekeyed', 'plainColumnsToDictionary'],
  },
  {
    name: 'per-batch Dict(u8) wherever eligible and <= 255 values, else plain (Rust-style adaptive)',
    transform: compose(plainDictionaries, widenDictionaries),
    effects: ['dictionariesMaterialized', 'plainColumnsToDictionary', 'replacementDictionaryMessages'],
  },
  { name: 'plain ids (encoding=plain)', transform: rewriteIds('plain'), effects: ['idColumnsRewritten', 'idValuesChanged'] },
  {
    // Same values as the Producer wrote (Go and Rust quasi-delta rules differ only for
    // -0.0/+0.0 and NaN doubles, which the generated data does not hold), plus metadata.
    name: 'delta/quasidelta ids with encoding metadata',
    transform: rewriteIds('metadata'),
    effects: ['idColumnsRewritten'],
    sameIdValues: true,
  },
  { name: 'all-null optional columns dropped', transform: dropNullColumns, effects: ['columnsDropped'] },
  {
    name: 'replacement dictionaries (per-batch, reordered)',
    transform: replacementDictionaries,
    effects: ['dictionariesReordered', 'replacementDictionaryMessages'],
  },
  {
    name: 'fresh IPC stream (schema resend, new schema_id) every batch',
    transform: identity,
    options: { freshStreamPerBatch: true },
    effects: ['schemasWritten'],
  },
  {
    name: 'combined: plain ids + plain dictionaries + dropped null columns',
    transform: compose(rewriteIds('plain'), dropNullColumns, plainDictionaries),
    effects: ['idColumnsRewritten', 'columnsDropped', 'dictionariesMaterialized'],
  },
  {
    name: 'combined: metadata ids + dropped columns + widened + replacement dictionaries',
    transform: compose(rewriteIds('metadata'), dropNullColumns, widenDictionaries, replacementDictionaries),
    effects: ['idColumnsRewritten', 'columnsDropped', 'plainColumnsToDictionary', 'replacementDictionaryMessages'],
  },
  {
    name: 'combined: plain ids + widened dictionaries, fresh stream every batch',
    transform: compose(rewriteIds('plain'), widenDictionaries),
    options: { freshStreamPerBatch: true },
    effects: ['idColumnsRewritten', 'plainColumnsToDictionary', 'dictionariesRekeyed'],
  },
];

/** Producer -> bytes -> variant re-encoding -> bytes -> Consumer. */
class Pipeline {
  readonly producer = new Producer({ metricMetadata: true });
  readonly variant: VariantStream;
  readonly consumer = new Consumer();

  constructor(v: Variant) {
    this.variant = new VariantStream(v.transform, v.options);
  }

  roundTrip<S extends Signal>(signal: S, req: SignalRequest[S]): SignalRequest[S] {
    const sent = decodeBatchArrowRecords(encodeBatchArrowRecords(this.producer.encode(signal, req)));
    const variant = encodeBatchArrowRecords(this.variant.apply(sent));
    return this.consumer.decodeSignal(signal, decodeBatchArrowRecords(variant));
  }
}

/** The variant really changed something (a re-encoding that changes nothing proves nothing). */
function expectEffects(signal: Signal, stats: VariantStats, effects: readonly (keyof VariantStats)[]): void {
  for (const effect of effects) {
    // The Producer dictionary-encodes every eligible LOGS column (and LOG_ATTRS parent ids
    // are u16, never dictionaries): unless the variant made them plain first, no plain
    // column is left to turn into a dictionary.
    if (signal === 'logs' && effect === 'plainColumnsToDictionary' && !effects.includes('dictionariesMaterialized')) continue;
    // A fresh stream per batch writes more schemas than there are batches with one table.
    const min = effect === 'schemasWritten' ? 5 : 0;
    expect(stats[effect], `${effect}: the variant changed nothing`).toBeGreaterThan(min);
  }
}

describe.each(VARIANTS)('decoder accepts: $name', (variant) => {
  describe.each(['traces', 'logs', 'metrics'] as const)('%s', (signal) => {
    it('generated telemetry, 5 batches with fresh values each', () => {
      const pipeline = new Pipeline(variant);
      for (let b = 0; b < 5; b++) {
        const req = generators[signal]({ seed: 7, batchSize: 300, batchIndex: b, uniqueValuesPerBatch: 40 }) as SignalRequest[typeof signal];
        expect(canonicalDiff(signal, req, pipeline.roundTrip(signal, req)), `batch ${b}`).toBeUndefined();
      }
      // Generated logs have no all-null optional column (checked on arbitrary requests).
      expectEffects(signal, pipeline.variant.stats, variant.effects.filter((e) => signal !== 'logs' || e !== 'columnsDropped'));
      if (variant.sameIdValues) expect(pipeline.variant.stats.idValuesChanged).toBe(0);
    });

    it('arbitrary requests through one long-lived stream', () => {
      const pipeline = new Pipeline(variant);
      fc.assert(
        fc.property(arbitraries[signal] as fc.Arbitrary<SignalRequest[typeof signal]>, (req) => {
          expect(canonicalDiff(signal, req, pipeline.roundTrip(signal, req))).toBeUndefined();
        }),
        { numRuns: 50 },
      );
      expectEffects(signal, pipeline.variant.stats, variant.effects);
    });
  });
});
