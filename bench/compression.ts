// Compression benchmark: bytes on the wire for the same telemetry as OTLP protobuf,
// OTLP+zstd, OTAP (ours), OTAP+zstd (ours) and the Go reference producer's OTAP, over a
// stream of batches per signal and batch size. Writes the table into bench/RESULTS.md.
//
//   npx tsx bench/compression.ts [--quick]
//
// "+zstd" is zstd (level 3) of each whole message, as gRPC message compression applies it;
// the IPC bodies inside are then uncompressed. "Go (IPC zstd)" is the Go producer's default
// (zstd inside Arrow IPC bodies, no message compression).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateLogs, generateMetrics, generateTraces } from '../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../src/otlp/model.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';
import { encodeBatchArrowRecords } from '../src/otap/batch-arrow-records.js';
import { Producer } from '../src/otap/producer.js';
import { decodeOtlp } from '../src/otlp/signal-codec.js';
import { goEncode, goGen, goPeerBinary, readFramedBars } from '../test/interop/go-peer.js';
import { zstdCompress, zstdCompressor } from '../test/support/zstd.js';
import { machineDescription, replaceSection } from './results.js';

const quick = process.argv.includes('--quick');
/** Data set: our generator (default) or the Go reference's datagen package (`--data go`). */
const data = process.argv.includes('--data') ? process.argv[process.argv.indexOf('--data') + 1] : 'ours';
const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
const SIZES = quick ? [10, 100, 1000] : [10, 100, 500, 1000, 5000];
const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

/** Enough batches for a stream to settle its dictionaries, bounded in total items. */
const batchesFor = (size: number) => Math.max(5, Math.min(quick ? 10 : 40, Math.floor(100_000 / size)));

interface Row {
  signal: Signal; size: number; batches: number;
  otlp: number; otlpZstd: number; otap: number; otapZstd: number; otapIpcZstd: number;
  go: number; goZstd: number; goIpcZstd: number;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function measure(signal: Signal, size: number, work: string): Promise<Row> {
  const batches = batchesFor(size);
  const dir = path.join(work, `${signal}-${size}`);
  fs.mkdirSync(dir, { recursive: true });
  let reqs: SignalRequest[Signal][];
  if (data === 'go') {
    await goGen({ signal, batches, batchSize: size, seed: 42, out: dir });
    reqs = fs.readdirSync(dir).filter((n) => n.startsWith('otlp-')).sort().map((n) => decodeOtlp(signal, fs.readFileSync(path.join(dir, n))));
  } else {
    reqs = Array.from({ length: batches }, (_, b) =>
      generators[signal]({ seed: 42, batchSize: size, batchIndex: b }),
    ) as SignalRequest[Signal][];
  }
  const otlp = reqs.map((r) => encodeOtlp(signal, r));
  otlp.forEach((bytes, i) => fs.writeFileSync(path.join(dir, `otlp-${String(i).padStart(4, '0')}.pb`), bytes));

  const plain = new Producer();
  const ours = reqs.map((r) => encodeBatchArrowRecords(plain.encode(signal, r)));
  const ipcZstd = new Producer({ compression: zstdCompressor() });
  const oursIpcZstd = reqs.map((r) => encodeBatchArrowRecords(ipcZstd.encode(signal, r)));

  await goEncode({ signal, in: dir, out: path.join(dir, 'go-plain.bars'), noZstd: true });
  await goEncode({ signal, in: dir, out: path.join(dir, 'go-zstd.bars') });
  const goPlain = readFramedBars(path.join(dir, 'go-plain.bars'));
  const goIpc = readFramedBars(path.join(dir, 'go-zstd.bars'));

  const z = (frames: Uint8Array[]) => sum(frames.map((f) => zstdCompress(f).length));
  const n = (frames: Uint8Array[]) => sum(frames.map((f) => f.length));
  return {
    signal, size, batches,
    otlp: n(otlp), otlpZstd: z(otlp),
    otap: n(ours), otapZstd: z(ours), otapIpcZstd: n(oursIpcZstd),
    go: n(goPlain), goZstd: z(goPlain), goIpcZstd: n(goIpc),
  };
}

function render(rows: Row[]): string {
  const mean = (total: number, r: Row) => Math.round(total / r.batches);
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const lines = [
    '| signal | batch size | batches | OTLP | OTLP+zstd | OTAP (ours) | OTAP+zstd (ours) | OTAP IPC-zstd (ours) | Go OTAP | Go OTAP+zstd | Go IPC-zstd (default) | OTLP+zstd / OTAP+zstd (ours) | ours+zstd / Go+zstd |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.signal} | ${r.size} | ${r.batches} | ${mean(r.otlp, r)} | ${mean(r.otlpZstd, r)} | ${mean(r.otap, r)} | ` +
      `${mean(r.otapZstd, r)} | ${mean(r.otapIpcZstd, r)} | ${mean(r.go, r)} | ${mean(r.goZstd, r)} | ${mean(r.goIpcZstd, r)} | ` +
      `${ratio(r.otlpZstd, r.otapZstd)}x | ${ratio(r.otapZstd, r.goZstd)} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  await goPeerBinary();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-bench-'));
  const rows: Row[] = [];
  try {
    for (const signal of SIGNALS) {
      for (const size of SIZES) {
        process.stderr.write(`${signal} batch size ${size}...\n`);
        rows.push(await measure(signal, size, work));
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const table = render(rows);
  console.log(table);
  const worse = rows.filter((r) => r.otapZstd > r.goZstd);
  const body = [
    `Command: \`npx tsx bench/compression.ts${quick ? ' --quick' : ''}${data === 'go' ? ' --data go' : ''}\`. Machine: ${machineDescription()}. Date: ${new Date().toISOString().slice(0, 10)}.`,
    '',
    'Mean bytes per batch over a stream of batches (one Producer per stream, so dictionaries are',
    `sent once and then as deltas). Data: ${data === 'go' ? "the Go reference's datagen package (traces, logs, all kinds of metrics; `otap-go-peer gen`)" : '`src/otlp/generate.ts`'}, seed 42, the same requests for`,
    'every column (the Go producer reads the same OTLP files). "+zstd" = zstd level 3 of each whole',
    'message (gRPC message compression); "IPC-zstd" = zstd inside the Arrow IPC buffers.',
    '',
    table,
    '',
    worse.length === 0
      ? 'Target "our OTAP+zstd no larger than the Go reference on every row": **met**.'
      : `Target "our OTAP+zstd no larger than the Go reference on every row": **not met** on ${worse.map((r) => `${r.signal}/${r.size}`).join(', ')}.`,
  ].join('\n');
  replaceSection(`compression-${data}`, `Compression (bench/compression.ts), data: ${data === 'go' ? 'Go datagen' : 'our generator'}`, body);
}

await main();
