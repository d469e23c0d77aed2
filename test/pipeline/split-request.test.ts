// OTLP request splitting/joining on protobuf bytes: pieces respect the limit, and joining
// the pieces gives back the same telemetry (canonical form), for every signal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalize, countItems } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal } from '../../src/otlp/model.js';
import { joinOtlpRequests, splitOtlpRequest } from '../../src/otlp/protobuf/split-request.js';
import { decodeOtlp, encodeOtlp, mergeRequests } from '../../src/otlp/signal-codec.js';

const GEN = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];

describe('splitOtlpRequest / joinOtlpRequests', () => {
  it('split then join keeps every item, with pieces within the limit', () => {
    fc.assert(fc.property(
      fc.constantFrom(...SIGNALS), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 150 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 150 }),
      (signal, size, limit, seed, first) => {
        const req = GEN[signal]({ seed, batchSize: size, resources: 1 + (seed % 4) });
        const bytes = encodeOtlp(signal, req);
        const pieces = splitOtlpRequest(signal, bytes, limit, 'items', first);
        const joined = decodeOtlp(signal, joinOtlpRequests(pieces.map((p) => p.bytes)));
        expect(canonicalJson(canonicalize(signal, joined))).toBe(canonicalJson(canonicalize(signal, req)));
        expect(pieces.reduce((a, p) => a + p.items, 0)).toBe(size);
        pieces.forEach((p, i) => {
          expect(countItems(signal, decodeOtlp(signal, p.bytes))).toBe(p.items);
          // Spans and logs split exactly; a metric is never split, so it may overshoot by one metric.
          if (signal !== 'metrics') expect(p.items).toBeLessThanOrEqual(i === 0 ? first : limit);
        });
      },
    ), { numRuns: 60 });
  });

  it('joining requests equals merging their objects', () => {
    const a = generateLogs({ seed: 1, batchSize: 20 });
    const b = generateLogs({ seed: 2, batchSize: 30, batchIndex: 4 });
    const joined = decodeOtlp('logs', joinOtlpRequests([encodeOtlp('logs', a), encodeOtlp('logs', b)]));
    expect(canonicalJson(canonicalize('logs', joined))).toBe(canonicalJson(canonicalize('logs', mergeRequests('logs', [a, b]))));
  });

  it('splits by encoded bytes', () => {
    const bytes = encodeOtlp('traces', generateTraces({ seed: 3, batchSize: 500 }));
    const pieces = splitOtlpRequest('traces', bytes, 16 * 1024, 'bytes');
    expect(pieces.length).toBeGreaterThan(3);
    for (const p of pieces) expect(p.bytes.length).toBeLessThan(16 * 1024 + 2048);
  });

  it('rejects broken framing with a MALFORMED_PROTOBUF error', () => {
    const bytes = encodeOtlp('logs', generateLogs({ seed: 3, batchSize: 10 }));
    expect(() => splitOtlpRequest('logs', bytes.subarray(0, bytes.length - 7), 3, 'items')).toThrow(/runs past|truncated/);
  });
});
