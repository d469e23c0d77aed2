// The built package (dist/, built by test/support/build-dist.ts before the suites run).
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The `otap` bin as published. */
export const OTAP_BIN = path.join(ROOT, 'dist', 'cli', 'main.js');

/** Throws with what to do when dist/ is missing (e.g. vitest started with an unusual filter). */
export function requireDist(): void {
  if (!fs.existsSync(OTAP_BIN)) throw new Error(`${OTAP_BIN} is missing: run \`npm run build\` (vitest's globalSetup builds it for the cli, bridge and package suites)`);
}
