// OTLP -> Parquet data lake -> OTLP is lossless up to the canonical form, for every signal and
// every Rust backend: random requests (fast-check) written through DatalakeWriter (small row
// groups and files, so batches share files, files hold several row groups and sets rotate),
// read back set by set in batches of at most 50 items.
import * as fs from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalDiff, canonicalEqual } from '../../src/otlp/canonical.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { mergeRequests } from '../../src/otlp/signal-codec.js';
import { logsRequestArb, metricsRequestArb, tracesRequestArb } from '../support/arbitraries.js';
import { backendRows, requireBackend } from '../support/backends.js';
import { readBack, tempLake, writeRequests } from '../support/datalake.js';

const ARBS = { logs: logsRequestArb, traces: tracesRequestArb, metrics: metricsRequestArb } as const;
const SIGNALS: Signal[] = ['logs', 'traces', 'metrics'];
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe.each(backendRows(['native', 'wasm']))('data lake round trip on %s', (name) => {
  it.each(SIGNALS)('%s: OTLP -> Parquet -> OTLP keeps everything (canonical form)', async (signal) => {
    const backend = requireBackend(name);
    await fc.assert(
      fc.asyncProperty(fc.array(ARBS[signal] as fc.Arbitrary<SignalRequest[typeof signal]>, { minLength: 1, maxLength: 4 }), async (requests) => {
        const base = tempLake();
        dirs.push(base);
        await writeRequests(backend, signal, requests, { base, rowGroupRows: 7, targetRowsPerFile: 40 });
        const { request } = await readBack(backend, base, signal, 50);
        const input = mergeRequests(signal, requests);
        if (!canonicalEqual(signal, input, request)) expect.fail(canonicalDiff(signal, input, request) ?? 'differs');
        fs.rmSync(base, { recursive: true, force: true });
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
