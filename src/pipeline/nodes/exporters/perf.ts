// exporter:perf — acks every batch and reports throughput (items/s, batches/s, bytes/s),
// end-to-end latency since admission (p50/p99/max) and, optionally, process CPU and memory,
// every `frequency` ms, smoothed with an exponential moving average.
import { z } from 'zod';
import { nodeConfig, positiveInt } from '../../config/field-types.js';
import type { ExporterFactory } from '../../engine/node-api.js';

const perfConfig = nodeConfig(z.strictObject({
  frequency: positiveInt.default(1000),
  smoothing_factor: z.number().gt(0).lte(1).default(0.3),
  self_usage: z.boolean().default(true),
  cpu_usage: z.boolean().default(true),
  mem_usage: z.boolean().default(true),
  disk_usage: z.boolean().default(true),
  io_usage: z.boolean().default(true),
}));
type PerfConfig = z.output<typeof perfConfig>;

export interface PerfReport {
  items: number;
  batches: number;
  bytes: number;
  itemsPerSecond: number;
  smoothedItemsPerSecond: number;
  bytesPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  cpuPercent?: number;
  rssBytes?: number;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export const perfExporter: ExporterFactory<PerfConfig> = {
  type: 'exporter:perf',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'acks every batch and reports throughput and latency',
  config: perfConfig,
  create(config, ctx) {
    const total = { items: 0, batches: 0, bytes: 0 };
    let window = { items: 0, batches: 0, bytes: 0, latencies: [] as number[] };
    let smoothed: number | undefined;
    let last: PerfReport | undefined;
    let lastAt = performance.now();
    let lastCpu = process.cpuUsage();
    const report = (): void => {
      const now = performance.now();
      const seconds = Math.max(1e-9, (now - lastAt) / 1000);
      const rate = window.items / seconds;
      smoothed = smoothed === undefined ? rate : config.smoothing_factor * rate + (1 - config.smoothing_factor) * smoothed;
      const lat = window.latencies.sort((a, b) => a - b);
      const r: PerfReport = {
        ...total,
        itemsPerSecond: rate,
        smoothedItemsPerSecond: smoothed,
        bytesPerSecond: window.bytes / seconds,
        latencyMs: { p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), max: lat[lat.length - 1] ?? 0 },
      };
      if (config.self_usage && config.cpu_usage) {
        const cpu = process.cpuUsage(lastCpu);
        r.cpuPercent = ((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100;
        lastCpu = process.cpuUsage();
      }
      if (config.self_usage && config.mem_usage) r.rssBytes = process.memoryUsage.rss();
      if (window.batches > 0) {
        ctx.logger.info(`perf ${Math.round(rate)} items/s (smoothed ${Math.round(smoothed)}), ${(r.bytesPerSecond / 1e6).toFixed(2)} MB/s, latency p50 ${r.latencyMs.p50.toFixed(1)} ms p99 ${r.latencyMs.p99.toFixed(1)} ms`, {
          node: ctx.nodeId, items: total.items, batches: total.batches,
        });
      }
      last = r;
      lastAt = now;
      window = { items: 0, batches: 0, bytes: 0, latencies: [] };
    };
    const timer = setInterval(report, config.frequency);
    timer.unref();
    return {
      export(pdata) {
        const items = pdata.batch.itemCount;
        const bytes = pdata.batch.byteSize;
        total.items += items;
        total.batches++;
        total.bytes += bytes;
        window.items += items;
        window.batches++;
        window.bytes += bytes;
        if (window.latencies.length < 100_000) window.latencies.push(performance.now() - pdata.bornAt);
        ctx.ack(pdata);
      },
      async stop() {
        clearInterval(timer);
        report();
      },
      status: () => ({ ...total, report: last }),
    };
  },
};
