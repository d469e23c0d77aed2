// `otap bridge --demo`: the bridge between a built-in load generator (OTLP/gRPC + zstd, all
// three signals) and a local OTAP receiver as the downstream, all on loopback, with counting
// relays on both hops so the wire bytes of OTLP (in) and OTAP (out) can be compared.
// Success = no export failed, the downstream received every acknowledged record, and every
// sampled request arrived equal (canonical form) to one that was sent.
import type { Signal } from '../otlp/model.js';
import { countItems } from '../otlp/canonical.js';
import { OtapReceiver } from '../transport/receiver/index.js';
import { Bridge, type BridgeStats, type SignalCounters } from './bridge.js';
import { resolveConfig, type BridgeConfig } from './config.js';
import { canonicalKeyOf, LoadGenerator, makePool, SIGNALS, type LoadResult } from './loadgen.js';
import { WireCounter } from './wire-counter.js';

export interface DemoOptions {
  durationMs: number;
  /** Records per second, all signals together. */
  rate: number;
  /** Config layers (file, env, flags) for the bridge; listen/http/to are overridden with ephemeral loopback ports. */
  config?: Partial<BridgeConfig>[];
  /** Called about once a second while the load runs. */
  onTick?: (d: DemoSnapshot) => void;
}

export interface DemoSnapshot {
  elapsedMs: number;
  bridge: Bridge;
  /** OTLP bytes on the wire into the bridge (load generator -> bridge, gRPC + zstd). */
  wireIn: number;
  /** OTAP bytes on the wire out of the bridge (bridge -> downstream, gRPC + zstd). */
  wireOut: number;
}

export interface DemoResult {
  ok: boolean;
  problems: string[];
  load: LoadResult;
  downstream: Record<Signal, SignalCounters>;
  verified: Record<Signal, number>;
  wireIn: number;
  wireOut: number;
  bridge: BridgeStats;
  durationMs: number;
  batchSize: number;
}

export async function runBridgeDemo(o: DemoOptions): Promise<DemoResult> {
  // About five batches per second per signal: collector-sized batches, where OTAP pays off.
  const batchSize = Math.max(10, Math.min(2000, Math.round(o.rate / 15)));
  const pool = makePool(batchSize);
  const downstream: Record<Signal, SignalCounters> = {
    traces: { batches: 0, records: 0 }, logs: { batches: 0, records: 0 }, metrics: { batches: 0, records: 0 },
  };
  const verified: Record<Signal, number> = { traces: 0, logs: 0, metrics: 0 };
  const problems: string[] = [];
  const backend = resolveConfig(o.config ?? [], false).backend;
  const sink = new OtapReceiver({ shutdownGraceMs: 2000, ...(backend ? { backend } : {}) }, async (b) => {
    const d = downstream[b.signal];
    d.batches++;
    d.records += b.payload.itemCount;
    // Verify a sample: the first 20 batches per signal, then every 10th.
    if (d.batches <= 20 || d.batches % 10 === 0) {
      if (pool.canonical[b.signal].has(canonicalKeyOf(b.signal, b.request))) verified[b.signal]++;
      else if (problems.length < 10) problems.push(`${b.signal}: batch ${d.batches} at the downstream differs from every batch sent`);
    }
  });
  const { grpcPort: sinkPort } = await sink.start();

  const config = resolveConfig([
    ...(o.config ?? []),
    { listen: '127.0.0.1:0', http: '127.0.0.1:0', to: `127.0.0.1:${sinkPort}`, wireStats: true },
  ]);
  const bridge = new Bridge(config);
  const { grpcPort } = await bridge.start();
  const inbound = new WireCounter({ host: '127.0.0.1', port: grpcPort });
  const inPort = await inbound.listen();

  const load = new LoadGenerator({ endpoint: `127.0.0.1:${inPort}`, rate: o.rate, durationMs: o.durationMs, pool, ...(config.bearerToken ? { headers: { authorization: `Bearer ${config.bearerToken}` } } : {}) });
  const t0 = Date.now();
  const snapshot = (): DemoSnapshot => ({ elapsedMs: Date.now() - t0, bridge, wireIn: inbound.bytesUp, wireOut: bridge.stats.wireBytesOut ?? 0 });
  const ticker = o.onTick ? setInterval(() => o.onTick!(snapshot()), 1000) : undefined;
  let loadResult: LoadResult;
  try {
    loadResult = await load.run();
  } finally {
    if (ticker) clearInterval(ticker);
  }
  const durationMs = Date.now() - t0;
  const final = snapshot();
  await bridge.shutdown(5000);
  await inbound.close();
  await sink.shutdown();

  for (const s of SIGNALS) {
    const f = loadResult.failed[s];
    if (f.batches) problems.push(`${s}: ${f.batches} batches (${f.records} records) failed at the load generator`);
    if (loadResult.acked[s].batches === 0) problems.push(`${s}: nothing was acknowledged`);
    if (downstream[s].records < loadResult.acked[s].records) {
      problems.push(`${s}: ${loadResult.acked[s].records} records acknowledged but only ${downstream[s].records} reached the downstream`);
    }
  }
  problems.push(...loadResult.errors.map((e) => `error: ${e}`));
  return {
    ok: problems.length === 0,
    problems,
    load: loadResult,
    downstream,
    verified,
    wireIn: final.wireIn,
    wireOut: final.wireOut,
    bridge: bridge.stats,
    durationMs,
    batchSize,
  };
}
