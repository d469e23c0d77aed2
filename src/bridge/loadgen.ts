// A bounded load generator: pre-generated OTLP requests (src/otlp/generate.ts) sent through
// OtlpGrpcClient at a fixed record rate for a fixed duration, all three signals.
import { canonicalJson, canonicalize, countItems } from '../otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../otlp/generate.js';
import type { Signal, SignalRequest } from '../otlp/model.js';
import { OtlpGrpcClient } from '../transport/otlp-client.js';
import type { SignalCounters } from './bridge.js';

export const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

export interface Pool {
  requests: Record<Signal, SignalRequest[Signal][]>;
  /** Canonical JSON of every pooled request, per signal (to verify what arrives). */
  canonical: Record<Signal, Set<string>>;
  batchSize: number;
}

/** `count` distinct requests of `batchSize` records per signal. */
export function makePool(batchSize: number, count = 12, seed = 1): Pool {
  const gens = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;
  const requests = {} as Pool['requests'];
  const canonical = {} as Pool['canonical'];
  for (const signal of SIGNALS) {
    requests[signal] = Array.from({ length: count }, (_, i) =>
      gens[signal]({ seed, batchSize, batchIndex: i, uniqueValuesPerBatch: 2 }) as SignalRequest[Signal]);
    canonical[signal] = new Set(requests[signal].map((r) => canonicalKeyOf(signal, r)));
  }
  return { requests, canonical, batchSize };
}

export function canonicalKeyOf(signal: Signal, req: SignalRequest[Signal]): string {
  return canonicalJson(canonicalize(signal, req));
}

export interface LoadOptions {
  endpoint: string;
  /** Records per second, all signals together. */
  rate: number;
  durationMs: number;
  pool: Pool;
  /** Concurrent exports per signal; beyond it the generator falls behind (counted). Default 8. */
  maxInFlight?: number;
  headers?: Record<string, string>;
}

export interface LoadResult {
  sent: Record<Signal, SignalCounters>;
  acked: Record<Signal, SignalCounters>;
  failed: Record<Signal, SignalCounters>;
  /** First few export errors. */
  errors: string[];
  /** Batches skipped because maxInFlight exports were outstanding. */
  behind: number;
}

const zero = (): Record<Signal, SignalCounters> => ({
  traces: { batches: 0, records: 0 }, logs: { batches: 0, records: 0 }, metrics: { batches: 0, records: 0 },
});

export class LoadGenerator {
  readonly result: LoadResult = { sent: zero(), acked: zero(), failed: zero(), errors: [], behind: 0 };
  private readonly client: OtlpGrpcClient;

  constructor(private readonly o: LoadOptions) {
    this.client = new OtlpGrpcClient({ endpoint: o.endpoint, compression: 'zstd', ...(o.headers ? { headers: o.headers } : {}), timeoutMs: 60_000 });
  }

  /** Runs for durationMs, then waits for every export to settle. */
  async run(): Promise<LoadResult> {
    const { pool, rate, durationMs } = this.o;
    const maxInFlight = this.o.maxInFlight ?? 8;
    const perSignal = rate / SIGNALS.length;
    const inFlight: Record<Signal, number> = { traces: 0, logs: 0, metrics: 0 };
    const next: Record<Signal, number> = { traces: 0, logs: 0, metrics: 0 };
    const pending = new Set<Promise<void>>();
    const t0 = Date.now();
    const scheduled: Record<Signal, number> = { traces: 0, logs: 0, metrics: 0 };
    for (;;) {
      const elapsed = Math.min(Date.now() - t0, durationMs);
      for (const signal of SIGNALS) {
        const due = Math.floor((elapsed / 1000) * perSignal / pool.batchSize) + 1;
        while (scheduled[signal] < due) {
          scheduled[signal]++;
          if (inFlight[signal] >= maxInFlight) {
            this.result.behind++;
            continue;
          }
          const reqs = pool.requests[signal];
          const req = reqs[next[signal]++ % reqs.length]!;
          const records = countItems(signal, req);
          this.result.sent[signal].batches++;
          this.result.sent[signal].records += records;
          inFlight[signal]++;
          const p: Promise<void> = this.client.export(signal, req).then(
            () => {
              this.result.acked[signal].batches++;
              this.result.acked[signal].records += records;
            },
            (err: unknown) => {
              this.result.failed[signal].batches++;
              this.result.failed[signal].records += records;
              if (this.result.errors.length < 5) this.result.errors.push(`${signal}: ${(err as Error)?.message ?? String(err)}`);
            },
          ).finally(() => {
            inFlight[signal]--;
            pending.delete(p);
          });
          pending.add(p);
        }
      }
      if (Date.now() - t0 >= durationMs) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all([...pending]);
    this.client.close();
    return this.result;
  }
}
