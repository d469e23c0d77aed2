// Processor benchmark, the Rust engine's scenarios on one core, ours (`otap run` from dist/,
// one worker pinned to CPU 0, each backend) against the Go Collector (test/interop/collector
// with the contrib attributes and filter processors, pinned to CPU 0), logs at saturation:
//   backpressure  OTLP in -> rename http.request.method to http.method -> OTAP out
//                 (Go: attributes upsert from_attribute + delete, the rename Go can express)
//   filter        OTLP in -> keep severity >= ERROR (5% of the records) -> OTAP out
//                 (Go: filter processor, OTTL `severity_number < SEVERITY_NUMBER_ERROR`)
//   pass-through  OTLP in -> OTAP out
//   receive       OTLP in -> discarded (reference: the receiving floor under every scenario;
//                 ours exporter:noop, Go the debug exporter at verbosity basic)
// Load (pre-encoded OTLP requests compressed once, replayed over raw HTTP/2: bench/otlp-replay.ts) and the downstream (our OtapReceiver, native)
// run in this process on CPU 1; every request is answered after the downstream acknowledged
// it. Then the processors alone, in this process: records/s of the rename and the filter on
// one batch, on held tables (native, wasm) and on OTLP objects (js).
//
//   npm run build && npx tsx bench/processors.ts [--iterations 3] [--seconds 3] [--no-go] [--no-write] [--sizes 512,4096]
//     [--only filter] (one scenario and our native backend, for a quick look or a profile; never written)
import * as os from 'node:os';
import { encodeAttributeActions } from '../src/backend/attribute-actions-bytes.js';
import { encodeFilterRules } from '../src/backend/filter-rules-bytes.js';
import { loadBackend } from '../src/backend/index.js';
import type { BackendName } from '../src/backend/types.js';
import { applyAttributeActions } from '../src/otlp/apply-attribute-actions.js';
import { recordFilter } from '../src/otlp/filter-records.js';
import { generateLogs } from '../src/otlp/generate.js';
import type { SignalRequest } from '../src/otlp/model.js';
import { encodeOtlp } from '../src/otlp/signal-codec.js';
import { parseAttributeConfig } from '../src/pipeline/nodes/processors/attribute.js';
import { parseFilterConfig } from '../src/pipeline/nodes/processors/filter.js';
import { OtlpReplayClient } from './otlp-replay.js';
import { OtapReceiver } from '../src/transport/receiver/index.js';
import { hasGoCollector, telemetryYaml } from '../test/interop/go-collector.js';
import { peakRssBytes, runPinned } from './process-stats.js';
import { fmt, machineDescription, median, numberFlag, replaceSection } from './results.js';
import { batchLikeGoExporter, batchNote, chainDocument, drive, GO_EXPORTER_BATCH, saturationTable, type RatioColumn, startGoSystem, startOtapRun, type Cell, type SystemUnderTest } from './saturation.js';

const ITERATIONS = numberFlag('--iterations', 3);
const SECONDS = numberFlag('--seconds', 3);
/** Untimed load before the rounds of each cell: JIT tiers, heap and pools reach their steady state. */
const WARMUP = numberFlag('--warmup', 2);
const SIZES = ((): number[] => {
  const i = process.argv.indexOf('--sizes');
  return i < 0 ? [512, 4096] : process.argv[i + 1]!.split(',').map(Number);
})();
const SUT_CPU = '0';
const LOAD_CPU = '1';
const MiB = 1024 * 1024;
const BACKENDS: BackendName[] = process.argv.includes('--only') ? ['native'] : ['native', 'wasm', 'js'];

type Scenario = 'backpressure' | 'filter' | 'pass-through' | 'receive';
const ALL: Scenario[] = ['backpressure', 'filter', 'pass-through', 'receive'];
/** The scenarios with a target (receive is a reference). */
const TARGETED: Scenario[] = ['backpressure', 'filter', 'pass-through'];
const ONLY = ((): Scenario | undefined => {
  const i = process.argv.indexOf('--only');
  if (i < 0) return undefined;
  const s = process.argv[i + 1] as Scenario;
  if (!ALL.includes(s)) throw new Error(`--only ${s}: expected ${ALL.join(', ')}`);
  return s;
})();
const SCENARIOS: Scenario[] = ALL.filter((s) => !ONLY || s === ONLY);

const RENAME = { actions: [{ action: 'rename', source_key: 'http.request.method', destination_key: 'http.method' }] };
const FILTER = { logs: { include: { severity_number: { min: 17 } } } };

function oursYaml(s: Scenario, port: number, down: number, batchBytesPerRecord?: number): string {
  const processor = s === 'backpressure'
    ? `{ type: processor:attribute, config: ${JSON.stringify(RENAME)} }`
    : s === 'filter' ? `{ type: processor:filter, config: ${JSON.stringify(FILTER)} }` : undefined;
  const receiver = `{ type: receiver:otlp, config: { protocols: { grpc: { listening_addr: "127.0.0.1:${port}", wait_for_result: true, max_decoding_message_size: 64 MiB } } } }`;
  const exporter = s === 'receive' ? '{ type: exporter:noop }' : `{ type: exporter:otap, config: { grpc_endpoint: "http://127.0.0.1:${down}" } }`;
  const nodes: Array<[string, string]> = [['in', receiver]];
  if (processor) nodes.push(['proc', processor]);
  if (batchBytesPerRecord) nodes.push(['batch', batchLikeGoExporter(batchBytesPerRecord)]);
  return chainDocument([...nodes, ['out', exporter]]);
}

function goYaml(s: Scenario, port: number, down: number): string {
  const processors = s === 'backpressure'
    ? 'processors:\n  attributes:\n    actions:\n      - { key: http.method, from_attribute: http.request.method, action: upsert }\n      - { key: http.request.method, action: delete }\n'
    : s === 'filter' ? "processors:\n  filter:\n    error_mode: ignore\n    logs:\n      log_record:\n        - 'severity_number < SEVERITY_NUMBER_ERROR'\n" : '';
  const names = s === 'backpressure' ? '[attributes]' : s === 'filter' ? '[filter]' : '[]';
  const exporter = s === 'receive'
    ? 'debug:\n    verbosity: basic\n'
    : `arrowstream:\n    endpoint: 127.0.0.1:${down}\n    tls:\n      insecure: true\n    arrow:\n      num_streams: 1\n`;
  return `receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:${port}\n        max_recv_msg_size_mib: 64\n${processors}exporters:\n  ${exporter}service:\n${telemetryYaml()}  pipelines:\n    logs:\n      receivers: [otlp]\n      processors: ${names}\n      exporters: [${s === 'receive' ? 'debug' : 'arrowstream'}]\n`;
}

/** Share of the records a scenario sends on: the filter keeps 1 in 20. */
const KEPT_SHARE: Partial<Record<Scenario, number>> = { filter: 1 / 20 };

/** Ours native with a processor:batch after the processor, sized as the Go exporter's batcher:
 *  run where that batcher joins requests (fewer than 1000 records sent on per request), the
 *  same job as the Go Collector's there. */
const BATCHED = 'ours native + batch';
const NO_BATCH = process.argv.includes('--no-batch');
const batchedRun = (s: Scenario, size: number): boolean =>
  !NO_BATCH && s !== 'receive' && size * (KEPT_SHARE[s] ?? 1) < GO_EXPORTER_BATCH.min;

/** Requests in flight: enough for about 8192 records to leave each system at once, so that
 *  both run at saturation. The Go exporter's default batcher waits for 1000 records or 1 s:
 *  16 filtered 512-record requests (26 records each) never fill it, and the Go Collector then
 *  ran at 2% of a core, 8k records/s, its CPU-s/M mostly idle cost. */
function inflightFor(scenario: Scenario, size: number): number {
  return Math.min(64, Math.max(8, Math.ceil(8192 / (size * (KEPT_SHARE[scenario] ?? 1)))));
}

/** Logs with 1 record in 20 at ERROR, the others INFO: the filter keeps 5%. */
function requests(size: number): SignalRequest['logs'][] {
  return Array.from({ length: size >= 4096 ? 4 : 12 }, (_, b) => {
    const r = generateLogs({ seed: 7, batchSize: size, batchIndex: b, uniqueValuesPerBatch: 2 });
    let i = 0;
    for (const rl of r.resourceLogs) for (const sl of rl.scopeLogs) for (const l of sl.logRecords) l.severityNumber = i++ % 20 === 0 ? 17 : 9;
    return r;
  });
}

/** Records per second of `work` over one batch of `records`, median of rounds of >= 0.5 s. */
function rate(records: number, work: () => void): number {
  work();
  const rounds: number[] = [];
  for (let it = 0; it < ITERATIONS; it++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 500) {
      work();
      n++;
    }
    rounds.push((n * records) / ((performance.now() - t0) / 1000));
  }
  return median(rounds);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const down = new OtapReceiver({ grpcPort: 0, backend: 'native', requestLimitMiB: 1024 }, async () => {});
  const { grpcPort: downPort } = await down.start();
  const withGo = !process.argv.includes('--no-go') && hasGoCollector();
  const data = new Map(SIZES.map((size) => {
    const reqs = requests(size);
    return [size, { reqs, bytes: reqs.map((r) => encodeOtlp('logs', r)), counts: reqs.map(() => size) }];
  }));
  const batched = SCENARIOS.some((s) => SIZES.some((size) => batchedRun(s, size)));
  const names = [...BACKENDS.map((b) => `ours ${b}`), ...(batched ? [BATCHED] : []), ...(withGo ? ['Go Collector'] : [])];
  // The batch node's OTLP byte sizes: the data's OTLP bytes per record.
  const bytesPerRecord = [...data].reduce((a, [, d]) => a + d.bytes.reduce((x, b) => x + b.length, 0), 0)
    / [...data].reduce((a, [size, d]) => a + size * d.bytes.length, 0);
  const results = new Map<string, Cell[]>();
  const suts: Array<SystemUnderTest & { scenario: Scenario }> = [];
  const peaks = new Map<string, number>();
  const load: number[] = [];
  for (const scenario of SCENARIOS) {
    for (const name of names) {
      const runs = (size: number): boolean => name !== BATCHED || batchedRun(scenario, size);
      if (!SIZES.some(runs)) continue;
      const yaml = (port: number) => (name === 'Go Collector' ? goYaml(scenario, port, downPort) : oursYaml(scenario, port, downPort, name === BATCHED ? bytesPerRecord : undefined));
      const sut = name === 'Go Collector'
        ? await startGoSystem(name, yaml, SUT_CPU)
        : await startOtapRun({ name, yaml, backend: name.split(' ')[1] as BackendName, cpu: SUT_CPU });
      suts.push({ ...sut, scenario });
      const clients: OtlpReplayClient[] = [];
      for (const [size, d] of data) {
        if (!runs(size)) continue;
        const client = await OtlpReplayClient.open(`127.0.0.1:${sut.port}`, 'logs', d.bytes);
        clients.push(client);
        const send = (i: number) => client.send(i);
        const inflight = inflightFor(scenario, size);
        await send(0);
        await drive(send, d.counts, sut.pid, inflight, WARMUP);
        for (let it = 0; it < ITERATIONS; it++) {
          load.push(os.loadavg()[0]!);
          const r = await drive(send, d.counts, sut.pid, inflight, SECONDS);
          const key = `${name}|${scenario}|${size}`;
          results.set(key, [...(results.get(key) ?? []), r]);
          console.log(`${key}: ${fmt(r.records / r.seconds)} records/s, ${fmt((r.cpu / r.records) * 1e6, 2)} CPU-s/M (system ${fmt((r.cpu / r.seconds) * 100)}% of a core, load + downstream ${fmt((r.loadCpu / r.seconds) * 100)}%)`);
        }
      }
      peaks.set(`${name}|${scenario}`, peakRssBytes(sut.pid));
      for (const c of clients) c.close();
      await sut.stop();
    }
  }
  await down.shutdown();

  // The processors alone, in this process.
  const alone: Array<{ backend: string; size: number; rename: number; filter: number; renameFromOtlp?: number; renameOtlpBytes?: number; filterFromOtlp?: number; encode?: number; encodeRenamed?: number }> = [];
  const actions = parseAttributeConfig(RENAME);
  const rules = parseFilterConfig(FILTER).logs!;
  for (const b of BACKENDS) {
    const backend = await loadBackend(b);
    for (const [size, d] of data) {
      if (b === 'js') {
        const filter = recordFilter('logs', rules);
        alone.push({ backend: b, size, rename: rate(size, () => applyAttributeActions('logs', d.reqs[0]!, actions)), filter: rate(size, () => filter(d.reqs[0]!)) });
        continue;
      }
      const held = backend.createDecoder().decodeTables!(backend.createEncoder().encode('logs', d.bytes[0]!))!;
      const bytes = encodeAttributeActions(actions);
      const filter = backend.createFilter!(encodeFilterRules(rules));
      const builder = backend.createTablesBuilder!();
      const editor = backend.createAttributeEditor!(bytes);
      const encoder = backend.createEncoder();
      alone.push({
        backend: b, size,
        // Every output released at once, as a pipeline's are when done: left to GC, wasm
        // memory grows through a tight loop (V8 cannot see it) and the figure measures that.
        rename: rate(size, () => backend.transformAttributes!(held, bytes)!.release!()),
        filter: rate(size, () => filter.apply(held)!.release!()),
        // What the nodes do with an OTLP batch: a rename travels as a pending edit that
        // exporter:otap's encoder applies as it parses (encode vs encode with the rename), or
        // rewrites the bytes for other nodes; actions that set values build tables; the
        // filter cuts the request to the kept records.
        encode: rate(size, () => encoder.encode('logs', d.bytes[0]!)),
        encodeRenamed: rate(size, () => encoder.encodeEdited!('logs', d.bytes[0]!, editor)),
        renameFromOtlp: rate(size, () => {
          const built = builder.build('logs', d.bytes[0]!);
          backend.transformAttributes!(built, bytes)!.release!();
          built.release!();
        }),
        renameOtlpBytes: rate(size, () => editor.editOtlp('logs', d.bytes[0]!)),
        filterFromOtlp: rate(size, () => filter.keepOtlp!('logs', d.bytes[0]!)),
      });
    }
  }

  const { table, cpm } = saturationTable({
    rowHeader: 'scenario', rows: SCENARIOS, sizes: SIZES, names, cells: results,
    extras: withGo ? [
      { header: 'native vs Go records per CPU-s', value: (c, s, size) => c('Go Collector', s, size) / c('ours native', s, size) },
      ...(batched ? [{ header: 'native + batch vs Go records per CPU-s', value: (c, s, size) => c('Go Collector', s, size) / c(BATCHED, s, size) } satisfies RatioColumn] : []),
    ] : [],
  });
  const memRows = ['| scenario | process | idle RSS MiB | peak RSS MiB |', '|---|---|---:|---:|'];
  for (const s of suts) memRows.push(`| ${s.scenario} | ${s.name} | ${(s.idle.rss / MiB).toFixed(1)} | ${((peaks.get(`${s.name}|${s.scenario}`) ?? 0) / MiB).toFixed(1)} |`);
  const aloneRows = ['| backend | batch | rename records/s | filter records/s | OTLP -> OTAP encode records/s | the same encode with the rename records/s | rename incl. OTLP -> tables records/s | rename on OTLP bytes records/s | filter on OTLP bytes records/s |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|'];
  const opt = (v?: number): string => (v === undefined ? '-' : fmt(v));
  for (const a of alone) aloneRows.push(`| ${a.backend} | ${a.size} | ${fmt(a.rename)} | ${fmt(a.filter)} | ${opt(a.encode)} | ${opt(a.encodeRenamed)} | ${opt(a.renameFromOtlp)} | ${opt(a.renameOtlpBytes)} | ${opt(a.filterFromOtlp)} |`);
  const met = (ok: boolean): string => (ok ? '**met**' : '**not met**');
  const bestAlone = (k: 'rename' | 'filter') => Math.max(...alone.filter((a) => a.backend === 'native').map((a) => a[k]));
  const targeted = SCENARIOS.filter((s) => TARGETED.includes(s));
  /** Ours native's CPU per record: the lower of its two configurations where both ran. */
  const oursCpm = (s: Scenario, size: number): number => Math.min(cpm('ours native', s, size), ...(batchedRun(s, size) && batched ? [cpm(BATCHED, s, size)] : []));
  const ratio = (s: Scenario, size: number): number => cpm('Go Collector', s, size) / oursCpm(s, size);
  const plainRatio = (s: Scenario, size: number): number => cpm('Go Collector', s, size) / cpm('ours native', s, size);
  // Every batch size must reach 3x; the floor is shown for the size furthest from it.
  const worst = (s: Scenario) => SIZES.reduce((a, b) => (ratio(s, b) < ratio(s, a) ? b : a));
  // What 3x asks of ours at that batch size, next to what ours cannot avoid there: receiving
  // (the receive scenario) plus, for filter and rename, the processor alone on OTLP bytes
  // (the rename: what it adds to the encode; this run's figures; 1 us per record = 1 CPU-s/M).
  const floor = (s: Scenario, size: number): string => {
    if (!SCENARIOS.includes('receive')) return '';
    const need = cpm('Go Collector', s, size) / 3;
    const recv = cpm('ours native', 'receive', size);
    const a = alone.find((x) => x.backend === 'native' && x.size === size);
    const proc = s === 'filter' && a?.filterFromOtlp ? 1e6 / a.filterFromOtlp
      : s === 'backpressure' && a?.encode && a.encodeRenamed ? Math.max(0, 1e6 / a.encodeRenamed - 1e6 / a.encode) : 0;
    const parts = proc ? `receiving alone ${fmt(recv, 2)} + the processor alone on OTLP bytes ${fmt(proc, 2)} = ${fmt(recv + proc, 2)}` : `receiving alone costs ours ${fmt(recv, 2)}`;
    return ` 3x needs <= ${fmt(need, 2)} CPU-s/M at ${size}; ${parts}${recv + proc >= need ? ', so it is out of reach before any export' : ''}.`;
  };
  const targets = [
    'Targets:',
    ...(withGo ? targeted.map((s) => `- ${s}: native >= 3x the Go Collector's records per CPU-second at every batch size: ${met(ratio(s, worst(s)) >= 3)} (${SIZES.map((size) => `${size}: ${ratio(s, size).toFixed(2)}x`).join(', ')}${SIZES.some((size) => batchedRun(s, size)) && batched ? `, ours the better of native and native + batch; native alone ${SIZES.map((size) => `${size}: ${plainRatio(s, size).toFixed(2)}x`).join(', ')}` : ''}).${floor(s, worst(s))}`) : []),
    ...(withGo && SIZES.includes(512) ? ['  (The Rust engine\'s own nightly scenarios, tools/pipeline_perf_test in the reference repository, send batches of 512 log records.)'] : []),
    `- processor alone >= 5M log records/s on one core (native): rename ${met(bestAlone('rename') >= 5e6)} (${fmt(bestAlone('rename'))}), filter ${met(bestAlone('filter') >= 5e6)} (${fmt(bestAlone('filter'))}).`,
  ].join('\n');
  const body = [
    `Machine: ${machineDescription()}. Command: \`npm run build && npx tsx bench/processors.ts --iterations ${ITERATIONS} --seconds ${SECONDS}\` (${new Date().toISOString().slice(0, 10)}, ${Math.round((Date.now() - t0) / 1000)} s; load average at the start of each cell: ${fmt(Math.min(...load), 2)}-${fmt(Math.max(...load), 2)}).`,
    '',
    `The Rust engine's processor scenarios on logs, each system one process pinned to CPU ${SUT_CPU}: **ours** = \`otap run --num-cores 1\` (dist/) with OTEL_ARROW_BACKEND native, wasm or js, the scenario's nodes only, as the Rust engine's own scenario configs have them; **ours native + batch** = the same with a \`processor:batch\` before the exporter that batches as the Go exporter does (${batchNote}), run where that batcher joins requests (fewer than ${GO_EXPORTER_BATCH.min} records sent on per request: the filter, and batch 512); **Go Collector** = test/interop/collector (contrib attributes / filter processors v0.148.0, \`arrowstream\` exporter on the Go otel-arrow producer). backpressure: OTLP in, rename \`http.request.method\` -> \`http.method\` (about 40% of the records have it; Go: upsert from_attribute + delete), OTAP out; filter: OTLP in, keep severity >= ERROR, 1 record in 20 (Go: OTTL \`severity_number < SEVERITY_NUMBER_ERROR\`), OTAP out; pass-through: OTLP in, OTAP out; receive (a reference, no target): OTLP in, discarded (ours \`exporter:noop\`, Go the debug exporter at verbosity basic), what receiving costs under every scenario. Load on CPU ${LOAD_CPU}: pre-encoded OTLP requests, zstd-compressed once and replayed as gRPC calls over one HTTP/2 connection (bench/otlp-replay.ts), max(8, 8192 / records sent on per request) requests in flight, at most 64 (the filter: 64 at 512, 40 at 4096; the Go exporter's default batcher waits for 1000 records or 1 s, and fewer filtered records in flight left the Go Collector idle); downstream: our OtapReceiver (native) on CPU ${LOAD_CPU}; every request answered after the downstream acknowledged it. Each cell: ${WARMUP} s of untimed load, then ${ITERATIONS} rounds of ${SECONDS} s, medians. CPU-s/M = the run time of the system's threads (/proc/<pid>/task/*/schedstat, ns) per million records; the last two columns = Go's CPU-s/M / ours' (records per CPU-second of ours relative to Go's).`,
    '',
    table,
    '',
    memRows.join('\n'),
    '',
    'The processors alone (this process, one batch of the same data, no transport; each output released at once, as a pipeline does): native and wasm on held OTAP tables as a receiver gets them (rename: key dictionary rewritten, parent ids re-encoded; filter: mask over the records, children by parent id, ids re-encoded); the last five, what the nodes do with an OTLP batch: a rename or deletion travels with it as a pending edit that the encoder of exporter:otap applies as it parses the request (the backpressure scenario: one encoder stream encoding the batch, without and with the rename), and nodes that read OTLP get the attribute lists rewritten in the request protobuf bytes; actions that set values build tables (a TablesBuilder, as the node keeps) and apply them there; processor:filter decides on the parsed request and cuts it down to the bytes of the kept records; js on OTLP objects.',
    '',
    aloneRows.join('\n'),
    '',
    targets,
  ].join('\n');
  console.log(body);
  if (!process.argv.includes('--no-write') && !ONLY) replaceSection('processors', 'Processors: attribute and filter on one core, ours vs the Go Collector', body);
}

runPinned(LOAD_CPU, 'BENCH_PROCESSORS_PINNED', main);
