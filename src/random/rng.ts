// Deterministic PRNG (mulberry32) and seed mixing, shared by the telemetry generator and the
// fuzzer: a stream of values is a pure function of its seed, so generated data and fuzz cases
// replay exactly.

/** Mixes integers into one 32-bit seed (so that (seed, batch, ...) streams are independent). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }
  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(xs.length)];
    if (x === undefined) throw new Error('pick from empty list');
    return x;
  }
  /** Picks by weight: `[[value, weight], ...]`. */
  weighted<T>(xs: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of xs) total += w;
    let r = this.float() * total;
    for (const [v, w] of xs) {
      if (r < w) return v;
      r -= w;
    }
    const last = xs[xs.length - 1];
    if (last === undefined) throw new Error('weighted pick from empty list');
    return last[0];
  }
  /** Random non-zero id of n bytes. */
  id(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    if (b.every((x) => x === 0)) b[n - 1] = 1;
    return b;
  }
  /** n uniform bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += (this.u32() & 0xf).toString(16);
    return s;
  }
  /** Log-normal-ish positive duration around `median`. */
  lognormal(median: number, spread = 1): number {
    const u = Math.max(this.float(), 1e-9);
    const v = this.float();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return median * Math.exp(z * spread * 0.6);
  }
}
