// The published shape of the package: tsup (run once by test/support/build-dist.ts before the
// suites) builds ESM, CJS and type declarations, and the `otap` bin runs from the build.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireDist } from '../support/dist.js';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>; exports: Record<string, { import: { types: string; default: string }; require: { types: string; default: string } }>;
};

describe('package build', () => {
  beforeAll(requireDist);

  it('emits every file package.json points at', () => {
    const entry = pkg.exports['.']!;
    for (const f of [entry.import.default, entry.import.types, entry.require.default, entry.require.types, pkg.bin.otap!]) {
      expect(fs.existsSync(path.join(root, f)), f).toBe(true);
    }
  });

  it('loads as CommonJS and as an ES module with the same API', () => {
    const cjs = execFileSync('node', ['-e', "const m = require('./dist/index.cjs'); console.log(Object.keys(m).sort().join(','))"], { cwd: root }).toString();
    const esm = execFileSync('node', ['--input-type=module', '-e', "const m = await import('./dist/index.js'); console.log(Object.keys(m).sort().join(','))"], { cwd: root }).toString();
    expect(cjs).toBe(esm);
    for (const name of ['Producer', 'Consumer', 'encodeBatchArrowRecords', 'decodeTracesRequest', 'OtelArrowError']) expect(cjs).toContain(name);
  });

  it('the otap bin runs the demo from the build', () => {
    const out = execFileSync('node', [pkg.bin.otap!, 'demo', '--batches', '1', '--batch-size', '20'], { cwd: root, stdio: 'pipe' }).toString();
    expect(out).toMatch(/traces\s+1\s+20 .* exact/);
    expect(out).toMatch(/metrics\s+1\s+20 .* exact/);
  });
});
