import { loadBackend } from '../src/backend/index.js';
import { generateLogs, generateTraces, generateMetrics } from '../src/otlp/generate.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';
const signal = (process.argv[2] ?? 'logs') as 'logs' | 'traces' | 'metrics';
const size = Number(process.argv[3] ?? 512);
const secs = Number(process.argv[4] ?? 10);
const gen = { logs: generateLogs, traces: generateTraces, metrics: generateMetrics }[signal];
const bytes = Array.from({ length: 12 }, (_, i) => encodeOtlp(signal, gen({ seed: 7, batchSize: size, batchIndex: i, uniqueValuesPerBatch: 2 }) as never));
const native = await loadBackend('native');
const enc = native.createEncoder({});
const end = performance.now() + secs * 1000;
let n = 0;
const t0 = performance.now();
while (performance.now() < end) { enc.encode(signal, bytes[n % 12]!); n++; }
console.log(`${signal} ${size}: ${((n * size) / ((performance.now() - t0) / 1000) / 1000).toFixed(0)}k rec/s encode`);
