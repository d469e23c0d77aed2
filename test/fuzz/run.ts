// The fuzzer: mutated BatchArrowRecords through one decoder backend, in child processes so a
// crash, a trap that kills the process, a memory blow-up or a hang kills a child, not this
// process. Cases are a pure function of (seed, index): on a child's death the case it was
// running is regenerated here and saved; the next child resumes after it.
//
//   npm run fuzz -- --backend native --cases 1000000 [--seed N] [--jobs 1] [--out dir]
//
// Found inputs go to <out>/<signal>/<kind>-<backend>-<sha>.bin (corpus format, see
// harness.ts) and <out>/found.jsonl. Exit status 1 when anything failed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadFuzzBackends, zstdOf } from './backends.js';
import { encodeCorpusFile, generateCase } from './harness.js';
import { buildSeeds, SIGNALS } from './seeds.js';
import type { Signal } from '../../src/otlp/model.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'native' },
    cases: { type: 'string', default: '20000' },
    seed: { type: 'string' },
    start: { type: 'string', default: '0' },
    jobs: { type: 'string', default: '1' },
    chunk: { type: 'string', default: '20000' },
    signals: { type: 'string', default: SIGNALS.join(',') },
    out: { type: 'string', default: join(new URL('.', import.meta.url).pathname, 'found') },
    'memory-mb': { type: 'string', default: '3072' },
    'hang-ms': { type: 'string', default: '20000' },
  },
});

const backend = values.backend!;
const total = Number(values.cases);
const runSeed = values.seed !== undefined ? Number(values.seed) >>> 0 : (Math.random() * 0x1_0000_0000) >>> 0;
const start = Number(values.start);
const jobs = Math.max(1, Number(values.jobs));
const chunk = Math.max(1, Number(values.chunk));
const signals = values.signals!.split(',') as Signal[];
const out = values.out!;
const memoryBytes = Number(values['memory-mb']) * 1024 * 1024;
const hangMs = Number(values['hang-ms']);
const workerPath = new URL('./worker.ts', import.meta.url).pathname;

const encoders = await loadFuzzBackends();
const seeds = buildSeeds(encoders, signals);
const zstd = zstdOf(encoders);
mkdirSync(out, { recursive: true });

const t0 = Date.now();
let done = 0;
const failures = new Map<string, number>();

function record(index: number, kind: string, message: string): void {
  const c = generateCase(seeds, runSeed, index, zstd);
  const bytes = encodeCorpusFile(c);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const dir = join(out, c.signal);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${kind}-${backend}-${hash}.bin`);
  writeFileSync(file, bytes);
  appendFileSync(join(out, 'found.jsonl'), `${JSON.stringify({ backend, seed: runSeed, index, kind, label: c.label, size: c.input.length, message, file })}\n`);
  failures.set(kind, (failures.get(kind) ?? 0) + 1);
  console.log(`[fuzz] FAIL case ${index} ${kind}: ${c.label} (${c.input.length} B): ${message.slice(0, 240)}`);
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs cases [from, to) in children, restarting after each death. */
async function runRange(from: number, to: number): Promise<void> {
  let next = from;
  while (next < to) {
    next = await runChild(next, to);
  }
}

/** One child from `from`; resolves with where the next child must start. */
function runChild(from: number, to: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=2048', '--stack-size=984', '--import', 'tsx', workerPath,
      '--backend', backend, '--seed', String(runSeed), '--from', String(from), '--to', String(to), '--signals', signals.join(','),
      '--encoders', Object.keys(encoders).join(',')],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    let current = -1;
    let startedAt = Date.now();
    let finished = false;
    let killedFor: string | undefined;
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const l = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const [tag, a, ...rest] = l.split(' ');
        if (tag === 'S') {
          if (current >= 0) done++;
          current = Number(a);
          startedAt = Date.now();
        } else if (tag === 'F') {
          const [kind, ...msg] = rest;
          record(Number(a), kind!, msg.join(' '));
        } else if (tag === 'D') {
          if (current >= 0) done++;
          finished = true;
        } else if (tag === 'E' && process.env.FUZZ_VERBOSE) {
          console.log(`[fuzz] slowest so far: ${l}`);
        }
      }
    });
    const watchdog = setInterval(() => {
      if (current < 0 || !child.pid) return;
      if (Date.now() - startedAt > hangMs) {
        killedFor = `hang: no result after ${hangMs} ms`;
        child.kill('SIGKILL');
      } else if (rssOf(child.pid) > memoryBytes) {
        killedFor = `memory: resident size above ${memoryBytes >> 20} MiB`;
        child.kill('SIGKILL');
      }
    }, 100);
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      if (finished) return resolve(to);
      if (current < 0) {
        console.error(`[fuzz] worker failed before its first case (code ${code}, signal ${signal}):\n${stderr}`);
        process.exit(2);
      }
      const kind = killedFor ? killedFor.split(':')[0]! : /heap out of memory|Allocation failed|memory allocation of/i.test(stderr) ? 'memory' : 'crash';
      const why = killedFor ?? `exit code ${code}, signal ${signal}: ${stderr.trim().split('\n').slice(-6).join(' | ')}`;
      record(current, kind, why);
      done++;
      resolve(current + 1);
    });
  });
}

console.log(`[fuzz] backend ${backend}, seed ${runSeed}, cases ${start}..${start + total}, ${seeds.length} seed streams ` +
  `(encoders ${Object.keys(encoders).join(', ')}), ${jobs} job(s)`);
const progress = setInterval(() => {
  const s = (Date.now() - t0) / 1000;
  console.log(`[fuzz] ${done}/${total} cases, ${s.toFixed(0)} s, ${(done / s).toFixed(0)}/s, failures ${JSON.stringify(Object.fromEntries(failures))}`);
}, 30_000);

// Ranges are handed out in chunks so jobs finish together and each child is recycled.
let cursor = start;
const end = start + total;
await Promise.all(Array.from({ length: jobs }, async () => {
  while (cursor < end) {
    const from = cursor;
    cursor = Math.min(end, cursor + chunk);
    await runRange(from, cursor);
  }
}));
clearInterval(progress);
const elapsed = (Date.now() - t0) / 1000;
const nFail = [...failures.values()].reduce((a, b) => a + b, 0);
console.log(`[fuzz] done: backend ${backend}, seed ${runSeed}, ${total} cases (${start}..${end}), ${elapsed.toFixed(0)} s, ` +
  `${nFail} failure(s) ${JSON.stringify(Object.fromEntries(failures))}`);
process.exit(nFail > 0 ? 1 : 0);
