// `otap demo`: generate realistic telemetry, stream it through the backend's OTAP encoder
// and decoder, check that every batch survives, and compare OTLP and OTAP bytes.
import type { Backend } from '../backend/types.js';
import { canonicalDiff, countItems } from '../otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../otlp/generate.js';
import type { Signal, SignalRequest } from '../otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../otlp/signal-codec.js';
import { formatBytes, Progress, table } from './progress.js';

export interface DemoOptions {
  batches: number;
  batchSize: number;
  seed: number;
}

const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

export function runDemo(opts: DemoOptions, backend: Backend): boolean {
  const rows: string[][] = [['signal', 'batches', 'items', 'OTLP bytes', 'OTAP bytes', 'OTLP/OTAP', 'round trip']];
  let ok = true;
  for (const signal of ['traces', 'logs', 'metrics'] as Signal[]) {
    const encoder = backend.createEncoder();
    const decoder = backend.createDecoder();
    const progress = new Progress(`${signal}`, opts.batches);
    let otlpBytes = 0;
    let otapBytes = 0;
    let items = 0;
    let failure: string | undefined;
    for (let b = 0; b < opts.batches; b++) {
      const req = generators[signal]({ seed: opts.seed, batchSize: opts.batchSize, batchIndex: b }) as SignalRequest[typeof signal];
      // The generated objects are encoded once; the codec works on bytes both ways, and the
      // check decodes the result back into objects to compare with the source.
      const otlp = encodeOtlp(signal, req);
      otlpBytes += otlp.length;
      items += countItems(signal, req);
      const bar = encoder.encode(signal, otlp);
      otapBytes += bar.length;
      const back = decoder.decode(bar);
      failure ??= back.signal === signal ? canonicalDiff(signal, req, decodeOtlp(signal, back.otlp)) : `decoded a ${back.signal ?? 'empty'} batch`;
      progress.tick(b + 1, `${formatBytes(otlpBytes)} OTLP -> ${formatBytes(otapBytes)} OTAP`);
    }
    encoder.close();
    decoder.close();
    if (failure) ok = false;
    rows.push([
      signal, String(opts.batches), String(items), String(otlpBytes), String(otapBytes),
      `${(otlpBytes / otapBytes).toFixed(2)}x`, failure ? `FAILED: ${failure}` : 'exact',
    ]);
  }
  console.log(`\nOTLP protobuf vs OTAP (BatchArrowRecords, no compression; ${backend.name} backend), ${opts.batches} batches of ${opts.batchSize} items per signal:\n`);
  console.log(table(rows));
  console.log(ok ? '\nEvery batch decoded back to its source (canonical OTLP equality).' : '\nSome batches did not survive: see the table.');
  return ok;
}
