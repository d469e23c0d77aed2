// The `otap` command line: demo, convert (OTLP <-> OTAP stream files) and inspect. Exit codes
// and messages are checked through the built bin as published (`node dist/cli/main.js`); the data
// paths through the imported convert()/inspect() with console output captured.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { convert as convertWith, type ConvertOptions } from '../../src/cli/convert.js';
import { inspect as inspectWith } from '../../src/cli/inspect.js';
import type { Backend } from '../../src/backend/types.js';
import { testBackend } from '../support/backend.js';
import { canonicalDiff, countItems } from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { ExportMetricsServiceRequest, Resource, Signal, SignalRequest } from '../../src/otlp/model.js';
import { decodeOtlp, decodeOtlpJson, encodeOtlp, encodeOtlpJson, mergeRequests } from '../../src/otlp/signal-codec.js';
import { OTAP_BIN, ROOT, requireDist } from '../support/dist.js';
import type { BridgeStats } from '../../src/bridge/bridge.js';
import { LiveStats } from '../../src/cli/live-stats.js';

const SIGNALS = ['traces', 'logs', 'metrics'] as const;
const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

let dir: string;
beforeAll(() => {
  requireDist();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-cli-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const at = (name: string) => path.join(dir, name);

// convert() and inspect() on this run's backend (OTEL_ARROW_BACKEND; see vitest.config.ts).
let backend: Backend;
beforeAll(async () => {
  backend = await testBackend();
});
const convert = (o: ConvertOptions): void => convertWith(o, backend);
const inspect = (file: string, o: { schemas: boolean }): void => inspectWith(file, o, backend);

function requests<S extends Signal>(signal: S, n: number, seed = 5): SignalRequest[S][] {
  return Array.from({ length: n }, (_, b) => generators[signal]({ seed, batchSize: 40, batchIndex: b, uniqueValuesPerBatch: 5 }) as SignalRequest[S]);
}

/** Writes `<signal>-<i>.pb` files (the names say the signal). */
function writeProtobufInputs<S extends Signal>(signal: S, reqs: readonly SignalRequest[S][], prefix = signal as string): string[] {
  return reqs.map((req, i) => {
    const file = at(`${prefix}-${i}.pb`);
    fs.writeFileSync(file, encodeOtlp(signal, req));
    return file;
  });
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built command line. */
function otap(...args: string[]): Run {
  const r = spawnSync(process.execPath, [OTAP_BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Calls `fn` with console.log/error and progress (stderr) captured; returns stdout text. */
function captured(fn: () => void): string {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    fn();
  } finally {
    log.mockRestore();
    err.mockRestore();
    write.mockRestore();
  }
  return out.join('\n');
}

/** A failed run: the message is one `otap: ...` line, no stack trace. */
function expectOneLineError(r: Run, code: number, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(code);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !/^(reading|decoding|encoding): \d+\/\d+/.test(l));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^otap: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

function readOtlp<S extends Signal>(signal: S, file: string): SignalRequest[S] {
  return file.endsWith('.json') ? decodeOtlpJson(signal, fs.readFileSync(file, 'utf8')) : decodeOtlp(signal, fs.readFileSync(file));
}

describe('otap demo', () => {
  it('--batches 2 --batch-size 50: exact round trip for the three signals', () => {
    const r = otap('demo', '--batches', '2', '--batch-size', '50');
    expect(r.status, r.stderr).toBe(0);
    for (const signal of SIGNALS) {
      const row = r.stdout.split('\n').find((l) => l.startsWith(signal));
      expect(row, r.stdout).toBeDefined();
      expect(row!.trim().split(/\s+/)).toEqual([signal, '2', '100', expect.any(String), expect.any(String), expect.stringMatching(/^\d+\.\d\dx$/), 'exact']);
    }
  });

  it('rejects zero batches or items', () => {
    for (const args of [['--batches', '0'], ['--batch-size', '0'], ['--batch-size', 'x']]) {
      const r = otap('demo', ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^otap: ${args[0]} must be an integer >= 1, not "${args[1]}"`));
    }
  });
});

describe.each(SIGNALS)('otap convert: %s', (signal) => {
  const reqs = requests(signal, 3);
  const merged = mergeRequests(signal, reqs);
  let otapFile: string;

  beforeAll(() => {
    const inputs = writeProtobufInputs(signal, reqs);
    otapFile = at(`${signal}-out.otap`);
    const out = captured(() => convert({ inputs, output: otapFile }));
    expect(out).toMatch(new RegExp(`3 ${signal} batches`));
  });

  it('OTAP -> one OTLP/JSON file', () => {
    const back = at(`${signal}-back.json`);
    captured(() => convert({ inputs: [otapFile], output: back }));
    expect(canonicalDiff(signal, merged, readOtlp(signal, back))).toBeUndefined();
  });

  it('OTAP -> one OTLP protobuf file', () => {
    const back = at(`${signal}-back.pb`);
    captured(() => convert({ inputs: [otapFile], output: back }));
    expect(canonicalDiff(signal, merged, readOtlp(signal, back))).toBeUndefined();
  });

  it('OTAP -> --split: one file per batch', () => {
    const out = at(`${signal}-split`) + path.sep;
    const printed = captured(() => convert({ inputs: [otapFile], output: out, split: true }));
    expect(printed).not.toMatch(/\/\//);
    const files = fs.readdirSync(out).sort();
    expect(files).toEqual([0, 1, 2].map((i) => `${signal}-000${i}.pb`));
    files.forEach((f, i) => expect(canonicalDiff(signal, reqs[i]!, readOtlp(signal, path.join(out, f))), f).toBeUndefined());
  });

  it('OTLP/JSON inputs: the signal comes from the JSON, whatever the file name says', () => {
    // "catalog" contains "log", "export" says nothing: the content decides.
    const inputs = reqs.map((req, i) => {
      const file = at(`catalog-export-${signal.slice(0, 2)}-${i}.json`);
      fs.writeFileSync(file, encodeOtlpJson(signal, req));
      return file;
    });
    const out = at(`${signal}-from-json.otap`);
    captured(() => convert({ inputs, output: out }));
    const back = at(`${signal}-from-json.pb`);
    captured(() => convert({ inputs: [out], output: back }));
    expect(canonicalDiff(signal, merged, readOtlp(signal, back))).toBeUndefined();
  });

  it('inspect --schemas: payload types, rows matching the input, schema ids, dictionary sizes', () => {
    const text = captured(() => inspect(otapFile, { schemas: true }));
    expect(text).toMatch(new RegExp(`3 ${signal} batches`));
    const rows = new Map<string, string[]>();
    for (const line of text.split('\n')) {
      const cells = line.trim().split(/\s{2,}/);
      if (/^[A-Z_]+$/.test(cells[0] ?? '') && cells.length >= 7) rows.set(cells[0]!, cells);
    }
    const rowsOf = (type: string) => Number(rows.get(type)?.[2]);
    const items = countItems(signal, merged);
    if (signal === 'traces') expect(rowsOf('SPANS')).toBe(items);
    if (signal === 'logs') expect(rowsOf('LOGS')).toBe(items);
    if (signal === 'metrics') {
      const points = [...rows.keys()].filter((t) => t.endsWith('_DATA_POINTS')).reduce((n, t) => n + rowsOf(t), 0);
      expect(points).toBe(items);
      const metrics = (merged as ExportMetricsServiceRequest).resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)).length;
      expect(rowsOf('UNIVARIATE_METRICS')).toBe(metrics);
    }
    expect(rows.has('RESOURCE_ATTRS')).toBe(true);
    for (const cells of rows.values()) expect(Number(cells[1])).toBeGreaterThan(0);
    // Resource attribute keys: one dictionary stream (one schema) holds every distinct key.
    const resourceAttrs = rows.get('RESOURCE_ATTRS')!;
    const resources = Object.values(merged)[0] as { resource: Resource }[];
    const keys = new Set(resources.flatMap((r) => r.resource.attributes.map((a) => a.key)));
    expect(resourceAttrs[4], 'RESOURCE_ATTRS schemas').toBe('1');
    expect(resourceAttrs.at(-1)).toMatch(new RegExp(`\\bkey=${keys.size}\\b`));
    // Schemas section: every payload type with its schema_id(s) and columns.
    for (const type of rows.keys()) expect(text).toMatch(new RegExp(`^${type}:\\n  schema_id \\d+: `, 'm'));
    expect(text).toMatch(/schema_id \d+: .*dict<u(8|16),utf8>/);
  });
});

describe('otap convert: errors', () => {
  it('an ambiguous .pb name needs --signal (exit 1); with --signal it converts', () => {
    const file = at('data.pb');
    const req = generateTraces({ seed: 2, batchSize: 10 });
    fs.writeFileSync(file, encodeOtlp('traces', req));
    expectOneLineError(otap('convert', file, '-o', at('ambiguous.otap')), 1, /cannot tell the signal of .*data\.pb.*--signal/);
    // "catalog" is not a logs file name.
    fs.copyFileSync(file, at('catalog.pb'));
    expect(() => captured(() => convert({ inputs: [at('catalog.pb')], output: at('catalog.otap') }))).toThrow(/--signal/);

    expect(otap('convert', file, '--signal', 'traces', '-o', at('ok.otap')).status).toBe(0);
    captured(() => convert({ inputs: [at('ok.otap')], output: at('ok.json') }));
    expect(canonicalDiff('traces', req, readOtlp('traces', at('ok.json')))).toBeUndefined();
    expectOneLineError(otap('convert', file, '--signal', 'spans', '-o', at('x.otap')), 1, /--signal must be/);
  });

  it('mixing signals is an error (exit 1)', () => {
    const [traces] = writeProtobufInputs('traces', requests('traces', 1), 'mix-traces');
    const [logs] = writeProtobufInputs('logs', requests('logs', 1), 'mix-logs');
    expectOneLineError(otap('convert', traces!, logs!, '-o', at('mixed.otap')), 1, /holds logs, earlier inputs hold traces/);
    expect(fs.existsSync(at('mixed.otap'))).toBe(false);
  });

  it('a JSON document contradicting --signal is an error, not an empty conversion', () => {
    const file = at('logs-doc.json');
    fs.writeFileSync(file, encodeOtlpJson('logs', generateLogs({ seed: 1, batchSize: 5 })));
    expect(() => captured(() => convert({ inputs: [file], output: at('c.otap'), signal: 'traces' }))).toThrow(/holds logs, not traces/);
  });

  it('output kinds must match the direction', () => {
    const [input] = writeProtobufInputs('traces', requests('traces', 1), 'dir-traces');
    expect(() => captured(() => convert({ inputs: [input!], output: at('wrong.json') }))).toThrow(/OTAP stream file/);
    captured(() => convert({ inputs: [input!], output: at('dir.otap') }));
    expect(() => captured(() => convert({ inputs: [at('dir.otap')], output: at('again.otap') }))).toThrow(/converts to OTLP/);
  });

  it('a corrupt .otap file: one line naming the batch, exit 1', () => {
    const inputs = writeProtobufInputs('traces', requests('traces', 3), 'traces-corrupt');
    const good = at('good.otap');
    captured(() => convert({ inputs, output: good }));
    const bytes = new Uint8Array(fs.readFileSync(good));
    const view = new DataView(bytes.buffer);
    const first = view.getUint32(0, true);
    const secondStart = 4 + first + 4;
    const second = view.getUint32(4 + first, true);

    // Garbage inside batch 1's protobuf/Arrow bytes.
    const bad = bytes.slice();
    for (let i = secondStart + 40; i < secondStart + second - 8; i += 7) bad[i]! ^= 0x5a;
    fs.writeFileSync(at('bad.otap'), bad);
    expectOneLineError(otap('convert', at('bad.otap'), '-o', at('bad.json')), 1, /batch 1 of .*bad\.otap/);
    expectOneLineError(otap('inspect', at('bad.otap')), 1, /batch 1 of .*bad\.otap/);

    // Truncated in the last frame.
    fs.writeFileSync(at('trunc.otap'), bytes.subarray(0, bytes.length - 10));
    expectOneLineError(otap('convert', at('trunc.otap'), '-o', at('trunc.json')), 1, /batch 2 of .*trunc\.otap/);
    expectOneLineError(otap('inspect', at('trunc.otap')), 1, /batch 2 of .*trunc\.otap/);

    // Missing file.
    expectOneLineError(otap('inspect', at('nope.otap')), 1, /ENOENT/);
  });
});

describe('otap usage', () => {
  it.each([
    ['no command', []],
    ['unknown command', ['bogus']],
    ['convert without inputs', ['convert', '-o', 'x.otap']],
    ['convert without -o', ['convert', 'traces.pb']],
    ['-o without a value', ['convert', 'traces.pb', '-o']],
    ['inspect without a file', ['inspect']],
    ['unknown option', ['convert', '--frobnicate', 'a.pb', '-o', 'b.otap']],
  ])('%s: usage text, exit code 2', (_name, args) => {
    const r = otap(...args);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/usage: otap <command>/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it.each([['help'], ['--help'], ['-h'], ['bridge', '--help'], ['convert', '-h']])('%s: usage on stdout, exit code 0', (...args) => {
    const r = otap(...args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/usage: otap <command>/);
    expect(r.stdout).toMatch(/-q, --quiet/);
    expect(r.stderr).toBe('');
  });
});

describe('bridge live stats', () => {
  const stats = (records: number, acked: number, bytes: number): BridgeStats => ({
    received: { traces: { batches: acked, records }, logs: { batches: 0, records: 0 }, metrics: { batches: 0, records: 0 } },
    acked: { traces: { batches: acked, records }, logs: { batches: 0, records: 0 }, metrics: { batches: 0, records: 0 } },
    failed: { traces: { batches: 0, records: 0 }, logs: { batches: 0, records: 0 }, metrics: { batches: 0, records: 0 } },
    otlpBytesIn: bytes * 3, json: { requests: 0, textBytes: 0 }, byProtocol: { 'otlp-grpc': acked, 'otlp-http': 0, otap: 0 },
    otapBytesOut: bytes, retries: 0, inFlight: 0,
  });

  it('a line per tick while data moves, one idle line, then silence until traffic resumes', () => {
    const live = new LiveStats();
    const lines = [
      live.tick(1000, stats(100, 1, 1000)),
      live.tick(2000, stats(300, 3, 3000)),
      live.tick(3000, stats(300, 3, 3000)),
      live.tick(4000, stats(300, 3, 3000)),
      live.tick(5000, stats(300, 3, 3000)),
      live.tick(6000, stats(350, 4, 3500)),
    ];
    expect(lines[0]).toMatch(/^\[  1s\] in 100 rec\/s \| OTLP in 2\.9\d? KiB \| OTAP out 1000 B \| ratio 3\.0x \| acked 1 failed 0 retries 0$/);
    expect(lines[1]).toMatch(/^\[  2s\] in 200 rec\/s .* acked 3 /);
    expect(lines[2]).toMatch(/^\[  3s\] idle/);
    expect(lines.slice(3, 5)).toEqual([undefined, undefined]);
    expect(lines[5]).toMatch(/^\[  6s\] in 50 rec\/s .* acked 4 /);
  });
});
