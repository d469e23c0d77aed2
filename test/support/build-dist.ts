// vitest globalSetup: builds dist/ (tsup) once per run, before any suite starts, when the
// run includes a suite that drives the built package (test/cli, test/bridge, test/package,
// test/sdk/register):
// those run `node dist/cli/main.js` and pack dist/, so they test what users get, not the
// sources under tsx. No suite rebuilds dist/ itself (they run in parallel).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const USERS = /(^|\/)(test\/)?(cli|bridge|package)(\/|$)|cli\.test|bridge\.test|build\.test|pack-install|register\.test|sdk\/otap-run|datalake\/query|engine-configs/;

/** Positional file filters of `vitest run [filters...]` (none = every suite). */
function filters(): string[] {
  const args = process.argv.slice(2);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'run' || a === 'watch' || a === 'related') continue;
    if (a.startsWith('-')) {
      // Options that take a separate value (the ones .ci/run and the README use).
      if (!a.includes('=') && /^(--(reporter|outputFile|exclude|project|config|root|dir|testNamePattern)|-t|-c)$/.test(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

export default function setup(): void {
  const f = filters();
  if (f.length > 0 && !f.some((x) => USERS.test(x))) return;
  // Every vitest project (core, backend-*) runs its globalSetup in this one process: build once.
  const g = globalThis as { __otelArrowDistBuilt?: boolean };
  if (g.__otelArrowDistBuilt) return;
  g.__otelArrowDistBuilt = true;
  const t0 = Date.now();
  try {
    execFileSync('npx', ['tsup', '--silent'], { cwd: root, stdio: 'pipe', timeout: 300_000 });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`building dist/ (tsup) for the cli, bridge and package suites failed:\n${String(e.stderr ?? '')}${String(e.stdout ?? '')}`);
  }
  console.log(`dist/ built with tsup in ${((Date.now() - t0) / 1000).toFixed(1)} s (for the cli, bridge and package suites)`);
}
