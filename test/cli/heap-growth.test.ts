// The `otap` process sets V8's old-generation growth (src/cli/heap-growth.ts): the choice from
// the environment, and the built bin applying it (V8's own trace prints the factor it used).
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/bridge/config.js';
import { applyHeapGrowth, chooseHeapGrowth, DEFAULT_HEAP_GROWING_PERCENT, HEAP_GROWING_ENV } from '../../src/cli/heap-growth.js';
import { OTAP_BIN, ROOT, requireDist } from '../support/dist.js';

describe('chooseHeapGrowth', () => {
  it('defaults to 300%, takes a whole percent from the environment, 0 keeps V8 own', () => {
    expect(chooseHeapGrowth({}, [])).toEqual({ percent: DEFAULT_HEAP_GROWING_PERCENT });
    expect(chooseHeapGrowth({ [HEAP_GROWING_ENV]: ' ' }, [])).toEqual({ percent: 300 });
    expect(chooseHeapGrowth({ [HEAP_GROWING_ENV]: '150' }, [])).toEqual({ percent: 150 });
    expect(chooseHeapGrowth({ [HEAP_GROWING_ENV]: '0' }, []).percent).toBeUndefined();
  });

  it('leaves a --heap-growing-percent given to node alone', () => {
    const c = chooseHeapGrowth({ [HEAP_GROWING_ENV]: '150' }, ['--heap-growing-percent=50']);
    expect(c.percent).toBeUndefined();
    expect(c.reason).toMatch(/started with --heap-growing-percent/);
  });

  it.each(['x', '-5', '2.5', '1001', '30%'])('%s: a ConfigError naming the variable and the range', (raw) => {
    expect(() => chooseHeapGrowth({ [HEAP_GROWING_ENV]: raw }, [])).toThrow(ConfigError);
    expect(() => chooseHeapGrowth({ [HEAP_GROWING_ENV]: raw }, [])).toThrow(/OTEL_ARROW_V8_HEAP_GROWING_PERCENT=.*whole number of percent from 0 to 1000/);
  });

  it('applies the V8 flag only when a percent was chosen', () => {
    const set: string[] = [];
    applyHeapGrowth({ percent: 300 }, (f) => set.push(f));
    applyHeapGrowth({ percent: undefined }, (f) => set.push(f));
    expect(set).toEqual(['--heap-growing-percent=300']);
  });
});

describe('the built otap bin', () => {
  beforeAll(() => requireDist());

  /** The growth factors V8 used at each full collection of `otap demo` (--trace-gc-verbose). */
  function factors(env: NodeJS.ProcessEnv, nodeArgs: string[] = []): string[] {
    const r = spawnSync(process.execPath, ['--trace-gc-verbose', ...nodeArgs, OTAP_BIN, 'demo', '--batches', '3', '--batch-size', '1000'], {
      cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, [HEAP_GROWING_ENV]: undefined, ...env },
    });
    expect(r.status, r.stderr).toBe(0);
    // V8 12 (Node 22) prints the factor applied after each limit ("Limit: ... (1.5)"), its
    // "factor" line being the heuristic's before the flag; V8 13 (Node 24) prints the applied
    // factor on the "factor" line only.
    const limits = [...r.stdout.matchAll(/\[HeapController\] Limit: .* \((\d+\.\d)\)$/gm)].map((m) => m[1]!);
    return limits.length > 0 ? limits : [...r.stdout.matchAll(/\[HeapController\] factor (\d+\.\d) based on/gm)].map((m) => m[1]!);
  }

  it('sets the growth V8 uses from the environment, and keeps one given to node', () => {
    const fromEnv = factors({ [HEAP_GROWING_ENV]: '50' });
    expect(fromEnv.length).toBeGreaterThan(0);
    expect(new Set(fromEnv)).toEqual(new Set(['1.5']));
    expect(new Set(factors({ [HEAP_GROWING_ENV]: '50' }, ['--heap-growing-percent=100']))).toEqual(new Set(['2.0']));
  }, 60_000);

  it('a malformed value: one line naming it, exit 1', () => {
    const r = spawnSync(process.execPath, [OTAP_BIN, 'help'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, [HEAP_GROWING_ENV]: 'lots' } });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`otap: ${HEAP_GROWING_ENV}=lots: expected a whole number of percent from 0 to 1000 (0 keeps V8's own heap growth; default 300)`);
  });
});
