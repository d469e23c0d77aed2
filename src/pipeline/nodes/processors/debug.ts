// processor:debug — describes the batches that pass through (basic: counts per batch;
// normal: one line per record; detailed: with attributes), to stdout or a file, and forwards
// every batch unchanged. `mode: signal` prints one entry per record instead of per batch.
import { appendFileSync } from 'node:fs';
import { z } from 'zod';
import { nodeConfig } from '../../config/field-types.js';
import type { ProcessorFactory } from '../../engine/node-api.js';
import { attributes, flatRecords, prettyLine, type FlatRecord } from '../render/flat-records.js';

const predicateValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.unknown())]);

const debugConfig = nodeConfig(z.strictObject({
  verbosity: z.enum(['basic', 'normal', 'detailed']).default('normal'),
  mode: z.enum(['batch', 'signal']).default('batch'),
  signals: z.array(z.enum(['metrics', 'logs', 'spans'])).default(['metrics', 'logs', 'spans']),
  output: z.union([z.string(), z.array(z.string())]).optional().refine((o) => !Array.isArray(o), {
    message: 'output ports are not supported by this engine: omit output (console) or give a file path',
  }),
  filters: z.array(z.strictObject({
    predicate: z.strictObject({ field: z.literal('attribute'), value: predicateValue }),
    mode: z.enum(['include', 'exclude']),
  })).default([]),
  sampling: z.union([
    z.strictObject({ type: z.literal('no_sampling') }),
    z.strictObject({ type: z.literal('zap_sampling'), sampling_initial: z.number().int().positive(), sampling_thereafter: z.number().int().positive(), sampling_interval: z.number().int().positive() }),
  ]).default({ type: 'no_sampling' }),
}));
type DebugConfig = z.output<typeof debugConfig>;

const SIGNAL_NAME = { traces: 'spans', logs: 'logs', metrics: 'metrics' } as const;

function matches(r: FlatRecord, value: z.output<typeof predicateValue>): boolean {
  const attrs = attributes((r.item.attributes as never) ?? []);
  if (Array.isArray(value)) {
    return value.every((kv) => {
      const { key, value: v } = kv as { key?: string; value?: unknown };
      return key !== undefined && attrs[key] === v;
    });
  }
  return Object.values(attrs).includes(value);
}

export function createDebugProcessor(write: (text: string) => void = (t) => process.stdout.write(t)): ProcessorFactory<DebugConfig> {
  return {
    type: 'processor:debug',
    usesArrowForm: false,
    doneWhenAnswered: true,
    description: 'prints what passes through and forwards it',
    config: debugConfig,
    create(config, ctx) {
      const out = typeof config.output === 'string' ? (t: string) => appendFileSync(config.output as string, t) : write;
      let windowStart = Date.now();
      let windowCount = 0;
      const sampled = (): boolean => {
        if (config.sampling.type === 'no_sampling') return true;
        const s = config.sampling;
        if (Date.now() - windowStart > s.sampling_interval * 1000) {
          windowStart = Date.now();
          windowCount = 0;
        }
        windowCount++;
        return windowCount <= s.sampling_initial || (windowCount - s.sampling_initial) % s.sampling_thereafter === 0;
      };
      return {
        async process(pdata) {
          if (config.signals.includes(SIGNAL_NAME[pdata.signal]) && sampled()) {
            const b = pdata.batch;
            const head = `${ctx.pipeline}/${ctx.nodeId}: ${b.signal} batch, ${b.itemCount} items, ${b.byteSize} bytes`;
            if (config.verbosity === 'basic' && config.mode === 'batch') out(`${head}\n`);
            else {
              let records = flatRecords(pdata.signal, b.request);
              for (const f of config.filters) records = records.filter((r) => matches(r, f.predicate.value) === (f.mode === 'include'));
              const lines = records.map((r) => (config.verbosity === 'basic' ? `${r.kind} ${String(r.item.name ?? '')}` : prettyLine(r, config.verbosity === 'detailed')));
              out(config.mode === 'batch' ? `${head}\n${lines.map((l) => `  ${l}`).join('\n')}\n` : lines.map((l) => `${l}\n`).join(''));
            }
          }
          await ctx.send(pdata);
        },
      };
    },
  };
}

export const debugProcessor = createDebugProcessor();
