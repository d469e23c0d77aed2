// Transport benchmark: records/s and bytes on the wire for OTLP/gRPC+zstd (OtlpGrpcClient)
// versus OTAP/gRPC+zstd (OtapExporter, one Arrow stream) into our OtapReceiver on loopback,
// per signal and batch size, with OTAP once per codec backend (native, wasm, js: the
// exporter's encoder and the receiver's decoder). Neither path builds OTLP objects: OTLP
// protobuf batches in; consume() gets OTLP bytes, or the backend's Arrow tables. Wire bytes are counted at the TCP level by a counting relay
// (src/bridge/wire-counter.ts) between client and server: HTTP/2 frames after gRPC
// compression, client -> server direction, in a pass of their own: the relay runs on the
// same event loop as both ends and changed the timed runs it measured, unevenly (interleaved
// runs, 2026-12-06: through it OTLP traces 4096 ran 15% faster and metrics 512 20% slower,
// OTAP native metrics 512 half as fast). Data is pre-generated (src/otlp/generate.ts)
// outside the timed part; each cell is the median of several timed runs with a fixed number
// of exports in flight. Also: our receiver fed by the Go Collector's otelarrow exporter
// (test/interop/go-collector.ts), when its binary is already built (or OTAP_GO_COLLECTOR set).
//
//   npx tsx bench/transport.ts [--iterations 3] [--seconds 2] [--no-go] [--no-write]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WireCounter } from '../src/bridge/wire-counter.js';
import type { BackendName } from '../src/backend/types.js';
import type { Signal } from '../src/otlp/model.js';
import { OtlpGrpcClient } from '../src/transport/otlp-client.js';
import { OtapReceiver } from '../src/transport/receiver/index.js';
import {
  GO_COLLECTOR_ENV, goCollectorCacheDir, freePorts, otlpToArrowstreamYaml, startGoCollector, type GoCollector,
} from '../test/interop/go-collector.js';
import { fmt, machineDescription, median, numberFlag, ratio as x, recordedSubsection, replaceSection } from './results.js';
import { IN_FLIGHT, SIGNALS, SIZES, backendOf, drive, pool, sender, type Endpoint, type Protocol } from './transport-load.js';

const ITERATIONS = numberFlag('--iterations', 3);
const SECONDS = numberFlag('--seconds', 2);

const BACKENDS: BackendName[] = ['native', 'wasm', 'js'];
const GO_HEADING = '### Our receiver with the Go otelarrow exporter as the load';
interface Run { records: number; seconds: number; messageBytes: number }

/** When the Go load is not run: the table recorded in RESULTS.md by an earlier run stays,
 *  marked as such, rather than being erased. */
function keptGoTable(reason: string): string {
  const recorded = recordedSubsection('transport', GO_HEADING);
  if (!recorded || recorded.startsWith('Not run:')) return `Not run: ${reason}.`;
  console.log(`Go Collector load not run: ${reason}; the table recorded earlier stays.`);
  const kept = recorded.replace(/^Kept from an earlier run \(.*\)\.\n\n/, '');
  return `Kept from an earlier run (not re-run with the rest of this section: ${reason}).\n\n${kept}`;
}

async function runOnce(protocol: Protocol, signal: Signal, reqs: Uint8Array[], counts: number[], at: Endpoint): Promise<Run> {
  const client = sender(protocol, signal, at.port);
  await client.send(reqs[0]!); // connect, Arrow stream and schemas outside the timed part
  const before = client.bytesOut();
  const r = await drive(client.send, reqs, counts, { seconds: SECONDS });
  const messageBytes = client.bytesOut() - before;
  await client.close();
  return { ...r, messageBytes };
}

/** Wire bytes per record through `relay`, untimed: the pool sent once to warm the stream
 *  (schemas, dictionaries), then twice counted, IN_FLIGHT at a time as in the timed runs. */
async function wirePerRecord(protocol: Protocol, signal: Signal, reqs: Uint8Array[], counts: number[], relay: { port: number; counter: WireCounter }): Promise<number> {
  const client = sender(protocol, signal, relay.port);
  const pool = { exports: reqs.length };
  await drive(client.send, reqs, counts, pool);
  relay.counter.reset();
  const records = (await drive(client.send, reqs, counts, pool)).records + (await drive(client.send, reqs, counts, pool)).records;
  const wire = relay.counter.bytesUp;
  await client.close();
  return wire / records;
}

async function goLoad(): Promise<string> {
  const prebuilt = process.env[GO_COLLECTOR_ENV];
  const cached = path.join(goCollectorCacheDir(), 'otelcol-interop');
  const skipped = process.argv.includes('--no-go') ? '--no-go was given'
    : !prebuilt && !fs.existsSync(cached) ? `the Go Collector (test/interop/collector) is not built for the current sources (no ${cached}; OTAP_GO_COLLECTOR unset); run the Go interop tests once, then this benchmark`
      : undefined;
  if (skipped) return keptGoTable(skipped);
  const receiver = new OtapReceiver({ grpcPort: 0 }, async () => {});
  const { grpcPort } = await receiver.start();
  const [otlpPort] = await freePorts(1);
  let collector: GoCollector | undefined;
  const rows: string[] = ['| signal | batch | records/s received by our receiver | OTAP batches |', '|---|---:|---:|---:|'];
  try {
    collector = await startGoCollector(otlpToArrowstreamYaml(otlpPort!, grpcPort));
    const client = new OtlpGrpcClient({ endpoint: `127.0.0.1:${otlpPort}`, compression: 'zstd' });
    for (const signal of SIGNALS) {
      const encoded = pool(signal, 512).bytes;
      await client.exportEncoded(signal, encoded[0]!);
      const results: number[] = [];
      let batches = 0;
      for (let it = 0; it < ITERATIONS; it++) {
        const items0 = receiver.stats.items;
        const b0 = receiver.stats.batches;
        const t0 = performance.now();
        let next = 0;
        const end = t0 + SECONDS * 1000;
        // The Go exporter answers the OTLP call after our receiver acknowledged the batch.
        await Promise.all(Array.from({ length: 8 }, async () => {
          while (performance.now() < end) await client.exportEncoded(signal, encoded[next++ % encoded.length]!);
        }));
        const secs = (performance.now() - t0) / 1000;
        results.push((receiver.stats.items - items0) / secs);
        batches += receiver.stats.batches - b0;
      }
      rows.push(`| ${signal} | 512 | ${fmt(median(results))} | ${batches} |`);
    }
    client.close();
  } catch (err) {
    return `Failed: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    if (collector) await collector.stop(5000);
    await receiver.shutdown();
  }
  return `Go Collector (otlp receiver -> otelarrow "arrowstream" exporter, gRPC zstd, its default batching) fed by our OtlpGrpcClient (OTLP/gRPC + zstd, batches of 512, 8 in flight) for ${SECONDS} s x ${ITERATIONS}, median; our OtapReceiver as the Go exporter's downstream. Records/s is what our receiver accepted, so it is bounded by the Go side's batching and the shared 2 cores too.\n\n${rows.join('\n')}`;
}

async function main(): Promise<void> {
  // One receiver per backend (its decoder); OTLP goes to the native one (OTLP/gRPC does not
  // touch the codec: the bytes are only scanned).
  const endpoints = new Map<BackendName, Endpoint>();
  for (const b of BACKENDS) {
    const receiver = new OtapReceiver({ grpcPort: 0, requestLimitMiB: 512, backend: b, releaseAfterConsume: true }, async () => {});
    const { grpcPort } = await receiver.start();
    endpoints.set(b, { receiver, port: grpcPort });
  }
  // Wire bytes of both protocols, counted in front of the native receiver.
  const counter = new WireCounter({ host: '127.0.0.1', port: endpoints.get('native')!.port });
  const relay = { port: await counter.listen(), counter };
  // The same two paths into receivers whose consume() reads the batch as Arrow tables (what a
  // columnar pipeline does): OTLP bytes must be encoded by the backend first, an OTAP batch
  // held by the native decoder is already tables.
  const arrowEnd = await (async () => {
    const receiver = new OtapReceiver({ grpcPort: 0, requestLimitMiB: 512, backend: 'native', releaseAfterConsume: true }, async (b) => void b.payload.arrow());
    const { grpcPort } = await receiver.start();
    return { receiver, port: grpcPort };
  })();
  const arrowRows: string[] = [
    '| signal | batch | OTLP -> Arrow records/s | OTAP native -> Arrow records/s | OTAP / OTLP |',
    '|---|---:|---:|---:|---:|',
  ];
  const cols: Protocol[] = ['OTLP', 'native', 'native-loop', 'wasm', 'wasm-loop', 'js'];
  const rows: string[] = [
    '| signal | batch | OTLP records/s | OTAP native records/s | OTAP native, event loop records/s | OTAP wasm records/s | OTAP wasm, event loop records/s | OTAP js records/s | native / OTLP | native event loop / OTLP | wasm / native | wasm / native (both event loop) | js / native | OTLP wire B/record | OTAP wire B/record | wire OTLP/OTAP | OTLP msg B/record | OTAP msg B/record |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const signal of SIGNALS) {
    for (const size of SIZES) {
      const { bytes, counts } = pool(signal, size);
      const res = Object.fromEntries(cols.map((c) => [c, [] as Run[]])) as Record<Protocol, Run[]>;
      const toArrow: Record<'OTLP' | 'native', Run[]> = { OTLP: [], native: [] };
      for (let it = 0; it < ITERATIONS; it++) {
        for (const p of cols) res[p].push(await runOnce(p, signal, bytes, counts, endpoints.get(p === 'OTLP' ? 'native' : backendOf(p))!));
        for (const p of ['OTLP', 'native'] as const) toArrow[p].push(await runOnce(p, signal, bytes, counts, arrowEnd));
      }
      const arps = (p: 'OTLP' | 'native') => median(toArrow[p].map((r) => r.records / r.seconds));
      const arow = `| ${signal} | ${size} | ${fmt(arps('OTLP'))} | ${fmt(arps('native'))} | ${(arps('native') / arps('OTLP')).toFixed(2)}x |`;
      console.log(arow);
      arrowRows.push(arow);
      const rps = (p: Protocol) => median(res[p].map((r) => r.records / r.seconds));
      const wire = { OTLP: await wirePerRecord('OTLP', signal, bytes, counts, relay), native: await wirePerRecord('native', signal, bytes, counts, relay) };
      const mpr = (p: Protocol) => median(res[p].map((r) => r.messageBytes / r.records));
      const row = `| ${signal} | ${size} | ${fmt(rps('OTLP'))} | ${fmt(rps('native'))} | ${fmt(rps('native-loop'))} | ${fmt(rps('wasm'))} | ${fmt(rps('wasm-loop'))} | ${fmt(rps('js'))} | ${x(rps('native'), rps('OTLP'))} | ${x(rps('native-loop'), rps('OTLP'))} | ${x(rps('wasm'), rps('native'))} | ${x(rps('wasm-loop'), rps('native-loop'))} | ${x(rps('js'), rps('native'))} | ${fmt(wire.OTLP, 1)} | ${fmt(wire.native, 1)} | ${x(wire.OTLP, wire.native)} | ${fmt(mpr('OTLP'), 1)} | ${fmt(mpr('native'), 1)} |`;
      console.log(row);
      rows.push(row);
    }
  }
  await counter.close();
  for (const e of [...endpoints.values(), arrowEnd]) await e.receiver.shutdown();
  console.log('Go Collector load ...');
  const go = await goLoad();
  console.log(go);

  const body = [
    `Machine: ${machineDescription()}. Command: \`npx tsx bench/transport.ts --iterations ${ITERATIONS} --seconds ${SECONDS}\` (${new Date().toISOString().slice(0, 10)}).`,
    '',
    `Our clients -> our OtapReceiver on loopback, one process, no OTLP objects on either path: the data are pre-encoded OTLP protobuf batches, and consume() gets each batch in the form it arrived in. OTLP = OtlpGrpcClient (unary Export, gRPC zstd; the receiver only scans the request's framing and hands over the OTLP bytes); OTAP = OtapExporter (1 Arrow stream, gRPC zstd, no IPC body compression, no stream rotation) encoding with the named backend into an OtapReceiver decoding with the same backend (native, wasm: BatchArrowRecords -> the backend's Arrow tables, no OTLP conversion; js: -> OTLP bytes). The receivers free each batch's tables when its consume() settles (ReceiverOptions.releaseAfterConsume, for a consumer that is done with a batch by then, as these are), not when V8 collects them. The native and wasm exporters encode off the event loop (encodeOffThread, the default on 2 CPUs: native on its stream's encoder thread, wasm in a worker thread with its own instance of the module, which also compress the gRPC zstd messages while fewer than two encodes wait on them), so their columns use both cores; "event loop" is the same with encodeOffThread false, encoding on the event loop as js does (and as a process pinned to one CPU does). Columns are measured interleaved (OTLP, native, native on the event loop, wasm, wasm on the event loop, js in each round). ${IN_FLIGHT} exports in flight, ${SECONDS} s per run, median of ${ITERATIONS} runs; the first export of each run (connection, Arrow schemas) is outside the timed part. Data: src/otlp/generate.ts, pre-generated (a pool of 12 batches of 512 / 4 of 4096 per signal, sent round robin). "wire" = bytes from client to server counted by a TCP relay (HTTP/2 frames after gRPC compression), in an untimed pass of their own (the pool once to warm the stream, then twice counted), since a relay on the same event loop changes the timed runs, unevenly (through it OTLP traces 4096 ran 15% faster and metrics 512 20% slower, OTAP native metrics 512 half as fast); "msg" = serialized messages before gRPC compression (OTLP protobuf / BatchArrowRecords). Records/s includes the OTAP encoding on the client and the decoding on the receiver, both on the same 2 cores.`,
    '',
    ...rows,
    '',
    '### When the consumer wants Arrow tables',
    '',
    `The same OTLP and OTAP (native) paths, measured in the same rounds, into a native receiver whose consume() asks each batch for its Arrow tables (\`payload.arrow()\`), as a columnar pipeline would: an OTLP batch is encoded into tables by the backend on arrival, an OTAP batch arrives as tables.`,
    '',
    ...arrowRows,
    '',
    GO_HEADING,
    '',
    go,
  ].join('\n');
  if (!process.argv.includes('--no-write')) replaceSection('transport', 'Transport: OTLP/gRPC vs OTAP/gRPC on loopback', body);
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
