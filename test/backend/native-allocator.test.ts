// The native addon's allocator (mimalloc) gets the package's options when the backend loads
// it, and an option the user set in the environment wins. Checked in a fresh process, as
// mimalloc reads its options once, when the addon is loaded: MIMALLOC_VERBOSE makes it print
// the values it took.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NATIVE_ALLOCATOR_DEFAULTS } from '../../src/backend/native-allocator.js';
import { loaded, requireBackend } from '../support/backends.js';
import { requireDist, ROOT } from '../support/dist.js';

/** The options mimalloc reports after the built package loaded the native backend. */
function optionsTaken(extraEnv: Record<string, string>): Map<string, string> {
  requireDist();
  const env: NodeJS.ProcessEnv = { ...process.env, MIMALLOC_VERBOSE: '1', ...extraEnv };
  // This test process may have loaded the backend already, which set the defaults here.
  for (const name of Object.keys(NATIVE_ALLOCATOR_DEFAULTS)) if (!(name in extraEnv)) delete env[name];
  const entry = path.join(ROOT, 'dist', 'index.js');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(entry)}); await m.loadBackend('native');`], { env, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return new Map([...run.stderr.matchAll(/option '([a-z_]+)': (-?\d+)/g)].map((m) => [m[1]!, m[2]!]));
}

describe.runIf(loaded.native || process.env.CI)('native backend: allocator options', () => {
  it('applies the package defaults when the environment sets none', () => {
    requireBackend('native');
    const taken = optionsTaken({});
    expect(taken.get('purge_delay')).toBe('0');
    expect(taken.get('arena_eager_commit')).toBe('0');
  });

  it('keeps an option the user set', () => {
    const taken = optionsTaken({ MIMALLOC_PURGE_DELAY: '25' });
    expect(taken.get('purge_delay')).toBe('25');
    expect(taken.get('arena_eager_commit')).toBe('0');
  });
});
