// processor:batch — joins small batches and splits large ones, per signal: a batch goes out
// when the pending data reach min_size, or max_batch_duration after the first pending item;
// none exceeds max_size (split at item boundaries). Sizes count items (the `otap` block) or
// OTLP bytes (the `otlp` block); which block applies follows `format` (preserve: OTAP input
// uses `otap`, OTLP input `otlp`). Joining and splitting work on OTLP protobuf bytes
// (src/otlp/protobuf/split-request.ts), never on objects; an OTAP input is turned into those
// bytes by the backend. Each input is acked once every output holding part of it is acked,
// and nacked (once) when one of them is nacked.
import { z } from 'zod';
import { TelemetryBatch } from '../../../batch/telemetry-batch.js';
import type { Signal } from '../../../otlp/model.js';
import { joinOtlpRequests, splitOtlpRequest } from '../../../otlp/protobuf/split-request.js';
import { durationMs, nodeConfig, positiveInt } from '../../config/field-types.js';
import { Interest, PData } from '../../engine/pdata.js';
import type { ProcessorFactory } from '../../engine/node-api.js';

const formatConfig = z.object({
  min_size: positiveInt.optional(),
  max_size: positiveInt.optional(),
  sizer: z.enum(['requests', 'items', 'bytes']),
  max_split_fragments: positiveInt.default(65_536),
  max_split_overhead_bytes: positiveInt.default(8 * 1024 * 1024),
  max_split_fragments_per_flush: positiveInt.default(65_536),
});
type FormatConfig = z.output<typeof formatConfig>;

const batchConfig = nodeConfig(z.object({
  otap: formatConfig.optional(),
  otlp: formatConfig.optional(),
  max_batch_duration: durationMs.default(200),
  inbound_request_limit: positiveInt.default(1024),
  outbound_request_limit: positiveInt.default(512),
  format: z.enum(['otap', 'otlp', 'preserve']).default('preserve'),
}).transform((c, ctx) => {
  const otap: FormatConfig = c.otap ?? formatConfig.parse({ min_size: 8192, sizer: 'items' });
  const otlp: FormatConfig = c.otlp ?? formatConfig.parse({ min_size: 262_144, sizer: 'bytes' });
  const check = (name: 'otap' | 'otlp', f: FormatConfig, sizer: 'items' | 'bytes'): void => {
    if (f.sizer !== sizer) ctx.addIssue({ code: 'custom', path: [name, 'sizer'], message: `the ${name} block sizes in ${sizer}` });
    if (f.min_size === undefined && f.max_size === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'set min_size, max_size or both' });
    if (f.min_size !== undefined && f.max_size !== undefined && f.max_size < f.min_size) ctx.addIssue({ code: 'custom', path: [name, 'max_size'], message: 'must be >= min_size' });
    if (c.max_batch_duration === 0 && f.min_size !== undefined) ctx.addIssue({ code: 'custom', path: [name, 'min_size'], message: 'not allowed with max_batch_duration 0 (nothing would flush a partial batch)' });
  };
  if (c.format !== 'otlp') check('otap', otap, 'items');
  if (c.format !== 'otap') check('otlp', otlp, 'bytes');
  return { ...c, otap, otlp };
}));
type BatchConfig = z.output<typeof batchConfig>;

/** One input's share of the outputs: acked when all its parts are, nacked at the first nack. */
interface Input {
  pdata: PData;
  parts: number;
  settled: boolean;
}

interface Pending {
  /** OTLP request bytes waiting, with the input each came from. */
  chunks: Array<{ bytes: Uint8Array; items: number; input: Input }>;
  size: number;
  timer: NodeJS.Timeout | undefined;
}

export const batchProcessor: ProcessorFactory<BatchConfig> = {
  type: 'processor:batch',
  description: 'joins and splits batches by item count or bytes',
  config: batchConfig,
  create(config, ctx) {
    const pending = new Map<string, Pending>();
    let inbound = 0;
    let outbound = 0;
    const inboundWaiters: Array<() => void> = [];
    const outboundWaiters: Array<() => void> = [];
    const stats = { flushesBySize: 0, flushesByTimer: 0, splits: 0, outputs: 0 };

    const formatOf = (pdata: PData): 'otap' | 'otlp' =>
      config.format !== 'preserve' ? config.format : pdata.batch.form === 'otap-arrow' ? 'otap' : 'otlp';
    const sizeOf = (f: FormatConfig, bytes: Uint8Array, items: number): number => (f.sizer === 'items' ? items : bytes.length);

    const settleInput = (input: Input, failure?: { reason: string; permanent: boolean; code?: number }): void => {
      if (input.settled) return;
      if (!failure && --input.parts > 0) return;
      input.settled = true;
      inbound--;
      inboundWaiters.shift()?.();
      if (!failure) ctx.ack(input.pdata);
      else ctx.nack(input.pdata, failure.reason, { permanent: failure.permanent, ...(failure.code !== undefined ? { code: failure.code } : {}) });
    };

    const sendOutput = async (signal: Signal, chunks: Pending['chunks']): Promise<void> => {
      while (outbound >= config.outbound_request_limit) await new Promise<void>((resolve) => outboundWaiters.push(resolve));
      const inputs = chunks.map((c) => c.input);
      const items = chunks.reduce((a, c) => a + c.items, 0);
      const out = new PData(TelemetryBatch.fromOtlpBytes(signal, joinOtlpRequests(chunks.map((c) => c.bytes)), { backend: ctx.backend, items }), [], Math.min(...inputs.map((i) => i.pdata.bornAt)));
      ctx.subscribe(out, Interest.ACKS | Interest.NACKS, inputs);
      outbound++;
      stats.outputs++;
      try {
        await ctx.send(out);
      } catch (e) {
        out.frames.pop();
        outbound--;
        for (const i of inputs) settleInput(i, { reason: (e as Error).message, permanent: false });
      }
    };

    const flush = async (key: string, signal: Signal, f: FormatConfig, all: boolean): Promise<void> => {
      const p = pending.get(key);
      if (!p) return;
      const max = f.max_size ?? Infinity;
      const min = f.min_size ?? 0;
      while (p.chunks.length > 0 && (all || p.size >= Math.max(min, 1))) {
        // Take chunks up to max; a chunk that does not fit is split to top the output up.
        const take: Pending['chunks'] = [];
        let size = 0;
        while (p.chunks.length > 0 && size < max) {
          const c = p.chunks[0]!;
          const s = sizeOf(f, c.bytes, c.items);
          if (size + s <= max) {
            take.push(p.chunks.shift()!);
            size += s;
            continue;
          }
          const [first, ...rest] = splitOtlpRequest(signal, c.bytes, max, f.sizer === 'items' ? 'items' : 'bytes', max - size);
          stats.splits++;
          c.input.parts += rest.length; // the chunk becomes 1 + rest.length parts
          p.chunks.shift();
          p.chunks.unshift(...rest.map((r) => ({ bytes: r.bytes, items: r.items, input: c.input })));
          if (first) {
            take.push({ bytes: first.bytes, items: first.items, input: c.input });
            size += sizeOf(f, first.bytes, first.items);
          }
          break;
        }
        p.size -= size;
        if (take.length === 0) break;
        if (!all && p.size < min && size < min) {
          // Not enough for a full batch any more: put it back and wait for more or the timer.
          p.chunks.unshift(...take);
          p.size += size;
          break;
        }
        await sendOutput(signal, take);
      }
      if (p.chunks.length === 0) {
        clearTimeout(p.timer);
        pending.delete(key);
      }
    };

    const closingAll = async (): Promise<void> => {
      for (const [key, p] of [...pending]) {
        clearTimeout(p.timer);
        const [signal, format] = key.split('/') as [Signal, 'otap' | 'otlp'];
        await flush(key, signal, config[format], true);
      }
    };

    return {
      async process(pdata) {
        while (inbound >= config.inbound_request_limit) await new Promise<void>((resolve) => inboundWaiters.push(resolve));
        const format = formatOf(pdata);
        const f = config[format];
        const key = `${pdata.signal}/${format}`;
        let bytes: Uint8Array;
        try {
          bytes = pdata.batch.otlpBytes();
        } catch (e) {
          ctx.nack(pdata, `batch: cannot read the batch: ${(e as Error).message}`, { permanent: true });
          return;
        }
        const items = pdata.batch.itemCount;
        inbound++;
        const input: Input = { pdata, parts: 1, settled: false };
        let p = pending.get(key);
        if (!p) pending.set(key, (p = { chunks: [], size: 0, timer: undefined }));
        p.chunks.push({ bytes, items, input });
        p.size += sizeOf(f, bytes, items);
        const signal = pdata.signal;
        if (p.size >= (f.min_size ?? f.max_size ?? 1)) {
          stats.flushesBySize++;
          await flush(key, signal, f, f.min_size === undefined);
        }
        const still = pending.get(key);
        if (still && still.timer === undefined && config.max_batch_duration > 0) {
          still.timer = setTimeout(() => {
            still.timer = undefined;
            stats.flushesByTimer++;
            flush(key, signal, f, true).catch((e: unknown) => ctx.logger.error(`batch flush failed: ${(e as Error).message}`));
          }, config.max_batch_duration);
        } else if (still && config.max_batch_duration === 0) await flush(key, signal, f, true);
      },
      onAck(ack) {
        outbound--;
        outboundWaiters.shift()?.();
        for (const i of ack.calldata as Input[]) settleInput(i);
      },
      onNack(nack) {
        outbound--;
        outboundWaiters.shift()?.();
        const failure = { reason: nack.reason, permanent: nack.permanent, ...(nack.code !== undefined ? { code: nack.code } : {}) };
        for (const i of nack.calldata as Input[]) settleInput(i, failure);
      },
      drain: closingAll,
      status: () => ({ ...stats, pendingInputs: inbound, outboundInFlight: outbound }),
    };
  },
};
