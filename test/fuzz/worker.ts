// Fuzz worker (a child of run.ts): runs cases [from, to) of one run seed on one backend and
// reports on stdout, one line each, written synchronously so the parent knows which case
// was running if this process dies:
//   S <index>                     case started
//   F <index> <kind> <message>    case failed (typed error missing, too slow, decoder unusable)
//   E <index> <ms> <label>        slowest case so far (progress)
//   D <count>                     all done
import { writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadBackend, type Backend, type BackendName } from '../../src/backend/index.js';
import { checkBatches, generateCase, runCase } from './harness.js';
import { loadFuzzBackends, zstdOf } from './backends.js';
import { buildSeeds, SIGNALS } from './seeds.js';
import type { Signal } from '../../src/otlp/model.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    seed: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    signals: { type: 'string', default: SIGNALS.join(',') },
    encoders: { type: 'string', default: 'native,wasm,js' },
  },
});

const line = (s: string): void => {
  writeSync(1, `${s.replace(/\n/g, ' ')}\n`);
};

const name = values.backend as BackendName;
const runSeed = Number(values.seed);
const from = Number(values.from);
const to = Number(values.to);
const signals = values.signals!.split(',') as Signal[];

const encoders = await loadFuzzBackends(values.encoders!.split(',') as BackendName[]);
const target: Backend = encoders[name] ?? (await loadBackend(name));
const seeds = buildSeeds(encoders, signals);
const checks = checkBatches(seeds);
const zstd = zstdOf(encoders);

let slowest = 0;
for (let i = from; i < to; i++) {
  line(`S ${i}`);
  const c = generateCase(seeds, runSeed, i, zstd);
  let out = runCase(target, c, checks[c.signal]);
  // A slow case is confirmed once (GC pauses and a busy machine make single timings noisy).
  if (!out.ok && out.kind === 'slow') out = runCase(target, c, checks[c.signal]);
  if (!out.ok) line(`F ${i} ${out.kind} ${c.label} | ${out.message}`);
  else if (out.ms > slowest) {
    slowest = out.ms;
    line(`E ${i} ${out.ms.toFixed(1)} ${c.input.length}B ${c.label}`);
  }
}
line(`D ${to - from}`);
