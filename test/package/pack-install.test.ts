// The published package carries its prebuilt binaries and works without a Rust toolchain:
// build dist with tsup, `npm pack` (the tarball must hold native/otap-node.linux-x64-gnu.node
// and wasm/otap.wasm), install the tarball into an empty project with a PATH that holds only
// node, npm, sh and tar (no cargo, no rustc), and there:
// - `import('otel-arrow')` selects the native backend; backendInfo() says so;
// - with the .node file deleted, the wasm backend is selected (native: failed, with the reason);
// - native, wasm and js encode the same generated requests and decode them to the same
//   (canonical) OTLP, equal to the source;
// - a gRPC round trip (OtapReceiver + OtapExporter over loopback, gRPC zstd) works through
//   `import('otel-arrow')` (dist/index.js) and through `require('otel-arrow')` (dist/index.cjs);
// - `npx otap bridge --demo --duration 3s` runs the installed bin;
// - `npx otap run --duration 3s` runs the pipeline engine's default config from the installed bin.
//
// Staging: dist/ (built once by test/support/build-dist.ts before the suites) is copied into a
// temporary copy of the package, which is packed with --ignore-scripts (the `prepare` script
// builds Rust from sources the copy does not hold, and the binaries are already there).
// Skipped when the binaries are not built, except in CI.
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformTriple } from '../../src/backend/locate.js';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal } from '../../src/otlp/model.js';
import { decodeOtlp } from '../../src/otlp/signal-codec.js';
import { CI } from '../support/backends.js';
import { requireDist } from '../support/dist.js';

const root = path.resolve(import.meta.dirname, '../..');
const nodeFile = `otap-node.${platformTriple()}.node`;
const built = fs.existsSync(path.join(root, 'native', nodeFile)) && fs.existsSync(path.join(root, 'wasm', 'otap.wasm'));
const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];
const GEN = { seed: 31, batchSize: 60, batchIndex: 0, uniqueValuesPerBatch: 5 };
const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

/** Run in the installed project: the selected backend, backendInfo(), and per backend
 * (selected and js) the decoded OTLP (base64) of each signal's generated request. */
const CHECK = `
const m = await import('otel-arrow');
const b = await m.loadBackend('auto');
const info = m.backendInfo();
const js = await m.loadBackend('js');
const gen = { traces: m.generateTraces, logs: m.generateLogs, metrics: m.generateMetrics };
const results = {};
for (const be of [b, js]) {
  results[be.name] = {};
  for (const signal of ['traces', 'logs', 'metrics']) {
    const req = gen[signal](${JSON.stringify(GEN)});
    const enc = be.createEncoder({ zstdLevel: 3 });
    const dec = be.createDecoder();
    const otlp = dec.decode(enc.encode(signal, m.encodeOtlp(signal, req))).otlp;
    enc.close(); dec.close();
    results[be.name][signal] = Buffer.from(otlp).toString('base64');
  }
}
console.log(JSON.stringify({ selected: b.name, info, results }));
`;

/** OtapReceiver + OtapExporter over loopback with the package as `m`: every signal once with
 *  gRPC zstd, once uncompressed. The codec is node:zlib zstd wrapped to count what the server
 *  decompresses (grpc-js servers never compress responses, so only the server decompresses):
 *  that count proves the requests arrived with grpc-encoding zstd. Prints JSON. */
const ROUND_TRIP = `
  const counts = { decompressed: 0 };
  await m.installGrpcCompression({ codec: {
    compress: (d, level) => m.zlibZstdCodec.compress(d, level),
    decompress: (d, max) => (counts.decompressed++, m.zlibZstdCodec.decompress(d, max)),
  } });
  const gen = { traces: m.generateTraces, logs: m.generateLogs, metrics: m.generateMetrics };
  const received = [];
  const receiver = new m.OtapReceiver({ grpcPort: 0, shutdownGraceMs: 500 }, async (b) => {
    received.push({ signal: b.signal, protocol: b.protocol, otlp: Buffer.from(m.encodeOtlp(b.signal, b.request)).toString('base64') });
  });
  const { grpcPort } = await receiver.start();
  const decompressed = {};
  for (const compression of ['zstd', 'none']) {
    const before = counts.decompressed;
    const exporter = new m.OtapExporter({ endpoint: '127.0.0.1:' + grpcPort, compression, numStreams: 1 });
    for (const signal of ['traces', 'logs', 'metrics']) await exporter.export(signal, gen[signal](${JSON.stringify(GEN)}));
    await exporter.shutdown({ timeoutMs: 5000 });
    decompressed[compression] = counts.decompressed - before;
  }
  await receiver.shutdown();
  console.log(JSON.stringify({ decompressed, received }));
`;

interface RoundTripOutput {
  decompressed: { zstd: number; none: number };
  received: { signal: Signal; protocol: string; otlp: string }[];
}

interface CheckOutput {
  selected: string;
  info: { selected: string; summary: string; attempts: Record<'native' | 'wasm' | 'js', { status: string; path?: string; error?: string }> };
  results: Record<string, Record<Signal, string>>;
}

let tmp = '';
let tarball = '';
let project = '';
let env: NodeJS.ProcessEnv = {};
let installNote = '';

function sh(cmd: string, args: string[], opts: ExecFileSyncOptions = {}): string {
  return execFileSync(cmd, args, { stdio: 'pipe', encoding: 'utf8', timeout: 300_000, ...opts }) as string;
}

/** A bin directory holding only node, npm, npx, sh and tar (symlinks): no cargo, no rustc. */
function restrictedEnv(): NodeJS.ProcessEnv {
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  for (const tool of ['node', 'npm', 'npx', 'sh', 'tar']) {
    const real = sh('sh', ['-c', `command -v ${tool}`]).trim();
    fs.symlinkSync(real, path.join(bin, tool));
  }
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Inherited npm/npx settings (npm_config_*, npm_lifecycle_*) would steer the install.
    if (!/^npm_/i.test(k) && !/^OTEL_ARROW_/.test(k)) e[k] = v;
  }
  e.PATH = bin;
  return e;
}

describe.skipIf(!built && !CI)('npm pack + install into an empty project without a Rust toolchain', () => {
  beforeAll(() => {
    if (!built) throw new Error(`native/${nodeFile} or wasm/otap.wasm is not built (required in CI)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-pack-'));
    const stage = path.join(tmp, 'stage');
    fs.mkdirSync(path.join(stage, 'native'), { recursive: true });
    fs.mkdirSync(path.join(stage, 'wasm'));
    for (const f of ['package.json', 'README.md', `native/${nodeFile}`, 'wasm/otap.wasm']) {
      fs.copyFileSync(path.join(root, f), path.join(stage, f));
    }
    requireDist();
    fs.cpSync(path.join(root, 'dist'), path.join(stage, 'dist'), { recursive: true });
    const packed = JSON.parse(sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: stage })) as { filename: string }[];
    tarball = path.join(tmp, packed[0]!.filename);

    env = restrictedEnv();
    project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    sh('npm', ['init', '-y'], { cwd: project, env });
    const install = ['install', tarball, '--no-audit', '--no-fund', '--ignore-scripts'];
    try {
      sh('npm', [...install, '--offline'], { cwd: project, env });
      installNote = 'installed --offline from the npm cache';
    } catch (err) {
      const why = String((err as { stderr?: string }).stderr || err).split('\n').filter((l) => /ERR!/.test(l)).slice(0, 3).join(' / ');
      installNote = `--offline failed (${why || String(err).slice(0, 200)}); installed online`;
      sh('npm', install, { cwd: project, env });
    }
    console.log(`pack-install: ${path.basename(tarball)}, ${installNote}`);
  }, 900_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the tarball holds dist, the prebuilt linux-x64-gnu addon and the wasm module', () => {
    const files = sh('tar', ['-tzf', tarball]).split('\n');
    expect(files).toContain(`package/native/${nodeFile}`);
    expect(files).toContain('package/wasm/otap.wasm');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.cjs');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files.filter((f) => /\.(rs|toml)$/.test(f))).toEqual([]);
  });

  it('the project environment has no cargo or rustc', () => {
    for (const tool of ['cargo', 'rustc']) {
      expect(() => sh('sh', ['-c', `command -v ${tool}`], { env }), tool).toThrow();
    }
    expect(sh('sh', ['-c', 'command -v node'], { env }).trim()).toBe(path.join(tmp, 'bin', 'node'));
  });

  it.each([
    ['import()', ['--input-type=module', '-e', `const m = await import('otel-arrow');\n${ROUND_TRIP}`]],
    ['require()', ['-e', `const m = require('otel-arrow');\n(async () => {\n${ROUND_TRIP}\n})().catch((e) => { console.error(e); process.exit(1); });`]],
  ])('gRPC round trip with zstd through %s: OtapExporter -> OtapReceiver', (_how, args) => {
    const out = JSON.parse(sh('node', args, { cwd: project, env, timeout: 120_000 })) as RoundTripOutput;
    // Each zstd export is at least one compressed request the server had to decompress;
    // the uncompressed exports are none.
    expect(out.decompressed.zstd).toBeGreaterThanOrEqual(3);
    expect(out.decompressed.none).toBe(0);
    expect(out.received.map((r) => r.signal)).toEqual([...SIGNALS, ...SIGNALS]);
    for (const r of out.received) {
      expect(r.protocol).toBe('otap');
      expect(canonicalDiff(r.signal, generators[r.signal](GEN), decodeOtlp(r.signal, Buffer.from(r.otlp, 'base64'))), r.signal).toBeUndefined();
    }
  }, 180_000);

  it('npx otap bridge --demo --duration 3s runs the installed bin', () => {
    const out = sh('npx', ['otap', 'bridge', '--demo', '--duration', '3s'], { cwd: project, env, timeout: 120_000 });
    expect(out).toMatch(/Bridge demo: /);
    expect(out).toMatch(/^total\s+\d+\s+[1-9]\d*/m);
    expect(out).toMatch(/OK: every acknowledged record reached the downstream/);
  }, 180_000);

  it('npx otap run --duration 3s runs the pipeline engine from the installed bin', () => {
    // otap run reports on stderr (live lines, summary): merge it into what sh() returns.
    const out = sh('sh', ['-c', 'npx otap run --duration 3s --quiet 2>&1'], { cwd: project, env, timeout: 120_000 });
    expect(out).toMatch(/otap run: \(built-in default config\), 2 pipeline\(s\) in this process/);
    expect(out).toMatch(/default\/receive: otap_in [1-9][\d,]* in \| perf [1-9][\d,]* in/);
    expect(out).toMatch(/nothing lost/);
  }, 180_000);

  it('native loads; without the .node file wasm loads; native, wasm and js decode to the same OTLP', () => {
    const run = (): CheckOutput => JSON.parse(sh('node', ['--input-type=module', '-e', CHECK], { cwd: project, env })) as CheckOutput;
    const installed = path.join(project, 'node_modules', 'otel-arrow');
    const addon = path.join(installed, 'native', nodeFile);

    const first = run();
    console.log(first.info.summary);
    expect(first.selected).toBe('native');
    expect(first.info.attempts.native).toMatchObject({ status: 'loaded', path: fs.realpathSync(addon) });
    // CommonJS entry point too.
    const cjs = sh('node', ['-e', "const m = require('otel-arrow'); m.loadBackend().then((b) => console.log(b.name, m.backendInfo().selected))"], { cwd: project, env });
    expect(cjs.trim()).toBe('native native');

    fs.rmSync(addon);
    const second = run();
    console.log(second.info.summary);
    expect(second.selected).toBe('wasm');
    expect(second.info.attempts.native.status).toBe('failed');
    expect(second.info.attempts.native.error).toMatch(/Cannot find module/);
    expect(second.info.attempts.wasm).toMatchObject({ status: 'loaded' });
    expect(second.info.attempts.wasm.path).toBe(fs.realpathSync(path.join(installed, 'wasm', 'otap.wasm')));

    const outputs = { native: first.results.native!, wasm: second.results.wasm!, js: first.results.js! };
    expect(second.results.js).toEqual(first.results.js);
    for (const signal of SIGNALS) {
      const source = generators[signal](GEN);
      for (const [name, res] of Object.entries(outputs)) {
        const decoded = decodeOtlp(signal, Buffer.from(res[signal], 'base64'));
        expect(canonicalDiff(signal, source, decoded), `${name} ${signal}`).toBeUndefined();
      }
      const wasmDecoded = decodeOtlp(signal, Buffer.from(outputs.wasm[signal], 'base64'));
      for (const other of [outputs.native, outputs.js]) {
        expect(canonicalDiff(signal, decodeOtlp(signal, Buffer.from(other[signal], 'base64')), wasmDecoded), signal).toBeUndefined();
      }
    }
  }, 120_000);
});
