// Exponential backoff with jitter (same shape as the collector's exporterhelper retry:
// interval grows by `multiplier` up to `maxIntervalMs`, each wait randomized by +-50%,
// giving up once `maxElapsedMs` since the first attempt would be exceeded).

export interface RetryOptions {
  /** First wait. Default 100 ms. */
  initialIntervalMs?: number;
  /** Cap on one wait. Default 5 s. */
  maxIntervalMs?: number;
  /** Give up when the next attempt would start later than this after the first. Default
   *  60 s; 0 = retry forever. */
  maxElapsedMs?: number;
  /** Growth factor. Default 1.5. */
  multiplier?: number;
}

export interface RetryPolicy {
  initialIntervalMs: number;
  maxIntervalMs: number;
  maxElapsedMs: number;
  multiplier: number;
  /** Each wait is interval * (1 +- randomizationFactor * u), u uniform in [0,1). */
  randomizationFactor: number;
}

export function retryPolicy(o: RetryOptions = {}): RetryPolicy {
  const initialIntervalMs = nonNegative(o.initialIntervalMs, 100);
  return {
    initialIntervalMs,
    maxIntervalMs: Math.max(initialIntervalMs, nonNegative(o.maxIntervalMs, 5_000)),
    maxElapsedMs: nonNegative(o.maxElapsedMs, 60_000),
    multiplier: Math.max(1, o.multiplier ?? 1.5),
    randomizationFactor: 0.5,
  };
}

/** Wait before retry number `retry` (0 = first retry). */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxIntervalMs, policy.initialIntervalMs * policy.multiplier ** retry);
  const jitter = policy.randomizationFactor * base;
  return Math.max(0, Math.round(base - jitter + 2 * jitter * random()));
}

function nonNegative(v: number | undefined, dflt: number): number {
  return v === undefined || !Number.isFinite(v) || v < 0 ? dflt : v;
}
