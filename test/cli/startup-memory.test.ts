// What the built package loads and keeps before any traffic: apache-arrow only when something
// may ask for the Arrow form (then identical to the application's own), no undici, no
// diagnostic report; `otap run` returns start-up memory once its engine is up (a
// memory-reducing collection, glibc's malloc_trim through the native backend).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireDist } from '../support/dist.js';
import { startOtapRun } from '../support/otap-run.js';

const WATCH = path.join(import.meta.dirname, 'fixtures', 'module-watch.mjs');
const ON_DEMAND = path.join(import.meta.dirname, 'fixtures', 'arrow-on-demand.mjs');
const DIST_INDEX = pathToFileURL(path.join(ROOT, 'dist', 'index.js')).href;
/** This project's backend (vitest.config.ts runs test/cli once per backend). */
const BACKEND = process.env.OTEL_ARROW_BACKEND ?? 'native';

interface Watch {
  packages: string[];
  undici: boolean;
  reports: number;
}

function watchLine(stderr: string): Watch {
  const m = /^MODULE-WATCH (.*)$/m.exec(stderr);
  if (!m) throw new Error(`no MODULE-WATCH line in:\n${stderr}`);
  return JSON.parse(m[1]!) as Watch;
}

/** `otap run` (dist/, one process) on receiver -> exporter, stopped with SIGTERM once it runs. */
async function idleRun(receiver: string, exporter: string, nodeArgs: string[]): Promise<{ watch: Watch; stdout: string; code: number }> {
  const yaml = [
    'version: otel_dataflow/v1',
    'groups:',
    '  g:',
    '    pipelines:',
    '      p:',
    '        nodes:',
    `          in: ${receiver}`,
    `          out: ${exporter}`,
    '        connections:',
    '          - { from: in, to: out }',
    '',
  ].join('\n');
  const run = await startOtapRun(yaml, ['--quiet', '--num-cores', '1'], { OTEL_ARROW_BACKEND: BACKEND }, ['--import', pathToFileURL(WATCH).href, ...nodeArgs]);
  run.child.kill('SIGTERM');
  const code = await run.exited;
  return { watch: watchLine(run.stderr()), stdout: run.stdout(), code };
}

describe('the built package before any traffic', () => {
  let lake: string;
  beforeAll(() => {
    requireDist();
    lake = fs.mkdtempSync(path.join(os.tmpdir(), 'startup-memory-'));
  });
  afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

  it('otap run with built-in nodes that never read the Arrow form: no apache-arrow, no undici, no diagnostic report; one memory-reducing collection at start', async () => {
    const r = await idleRun(
      '{ type: receiver:otlp, config: { protocols: { grpc: { listening_addr: "127.0.0.1:0" }, http: { listening_addr: "127.0.0.1:0" } } } }',
      '{ type: exporter:otlp_http, config: { endpoint: "http://127.0.0.1:9", http: {}, client_pool_size: 1 } }',
      ['--trace-gc'],
    );
    expect(r.code).toBe(0);
    expect(r.watch).toEqual({ packages: [], undici: false, reports: 0 });
    // releaseStartupMemory's collection: V8 marks it "reduce", for the reason "testing" (gc()).
    expect(r.stdout).toMatch(/Mark-Compact \(reduce\).*testing/);
  }, 60_000);

  // The data lake needs the native or wasm backend.
  it.skipIf(BACKEND === 'js')('otap run with a node that reads the Arrow form (exporter:parquet): apache-arrow loads as the engine starts', async () => {
    const r = await idleRun(
      '{ type: receiver:otap, config: { listening_addr: "127.0.0.1:0", response_stream_channel_size: 16 } }',
      `{ type: exporter:parquet, config: { storage: { file: { base_uri: "${lake}" } } } }`,
      [],
    );
    expect(r.code).toBe(0);
    expect(r.watch.packages).toEqual(['apache-arrow']);
  }, 60_000);

  // The js backend has no decodeArrow (its Arrow form goes through arrow-form.ts).
  it.skipIf(BACKEND === 'js')(`${BACKEND} backend: apache-arrow loads on the first Arrow form, as the application's own module`, () => {
    const backend = BACKEND;
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(WATCH).href, ON_DEMAND, DIST_INDEX, backend], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { backend: string; before: Watch; after: Watch; payloads: number; rows: number; sameApacheArrow: boolean };
    expect(out.backend).toBe(backend);
    expect(out.before.packages).toEqual([]);
    expect(out.after.packages).toEqual(backend === 'wasm' ? ['apache-arrow', 'arrow-js-ffi'] : ['apache-arrow']);
    expect(out.payloads).toBeGreaterThan(1);
    expect(out.rows).toBe(20);
    expect(out.sameApacheArrow).toBe(true);
  }, 60_000);
});
