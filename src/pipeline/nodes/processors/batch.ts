// processor:batch — joins small batches and splits large ones, per signal: a batch goes out
// when the pending data reach min_size, or max_batch_duration after the first pending item;
// none exceeds max_size (split at item boundaries; a metric is never cut). Sizes count items
// (the `otap` block) or OTLP bytes (the `otlp` block); which block applies follows `format`
// (preserve: OTAP input uses `otap`, OTLP input `otlp`).
// Received OTAP tables held by the Rust backend are joined and split as Arrow tables
// (Backend.concatTables / splitTables: ids shifted or filtered, no OTLP conversion); other
// batches as OTLP protobuf bytes (src/otlp/protobuf/split-request.ts), never as objects.
// Each input is acked once every output holding part of it is acked, and nacked (once) when
// one of them is nacked.
import { z } from 'zod';
import type { Backend, BackendTables } from '../../../backend/types.js';
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

/** Part of one input: OTLP request bytes, or backend-held OTAP tables. */
type Piece = { bytes: Uint8Array; tables?: undefined } | { tables: BackendTables; bytes?: undefined };

interface Chunk {
  piece: Piece;
  items: number;
  input: Input;
}

interface Pending {
  /** Parts of inputs waiting, in arrival order. */
  chunks: Chunk[];
  size: number;
  timer: NodeJS.Timeout | undefined;
}

/** Whether the backend can join and split its held tables (native, wasm). */
type TableBackend = Backend & Required<Pick<Backend, 'concatTables' | 'splitTables'>>;

function tableBackend(b: Backend): TableBackend | undefined {
  return b.concatTables && b.splitTables ? (b as TableBackend) : undefined;
}

export const batchProcessor: ProcessorFactory<BatchConfig> = {
  type: 'processor:batch',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'joins and splits batches by item count or bytes',
  config: batchConfig,
  create(config, ctx) {
    const pending = new Map<string, Pending>();
    let inbound = 0;
    let outbound = 0;
    const inboundWaiters: Array<() => void> = [];
    const outboundWaiters: Array<() => void> = [];
    const stats = { flushesBySize: 0, flushesByTimer: 0, splits: 0, outputs: 0, tablesJoined: 0, tablesSplit: 0, joinFallbacks: 0 };
    const tablesBackend = tableBackend(ctx.backend);

    const formatOf = (pdata: PData): 'otap' | 'otlp' =>
      config.format !== 'preserve' ? config.format : pdata.batch.form === 'otap-arrow' ? 'otap' : 'otlp';
    const sizeOf = (f: FormatConfig, c: { piece: Piece; items: number }): number =>
      (f.sizer === 'items' ? c.items : (c.piece.bytes ?? c.piece.tables.toOtlp()).length);

    const settleInput = (input: Input, failure?: { reason: string; permanent: boolean; code?: number }): void => {
      if (input.settled) return;
      if (!failure && --input.parts > 0) return;
      input.settled = true;
      inbound--;
      inboundWaiters.shift()?.();
      if (!failure) ctx.ack(input.pdata);
      else ctx.nack(input.pdata, failure.reason, { permanent: failure.permanent, ...(failure.code !== undefined ? { code: failure.code } : {}) });
    };

    /** The outgoing batches of `chunks`, each with the inputs it holds part of: joined as
     *  tables when all are held tables, else as OTLP bytes. A join the core refuses (an input
     *  whose ids do not hold together) sends the chunks one by one, each answering only for
     *  its own input, so the bad one fails downstream on its own. */
    const joined = (signal: Signal, chunks: Chunk[]): Array<{ batch: TelemetryBatch; inputs: Input[] }> => {
      const inputs = chunks.map((c) => c.input);
      const tables = chunks.map((c) => c.piece.tables);
      if (tablesBackend && tables.every((t): t is BackendTables => t !== undefined)) {
        try {
          const out = tables.length === 1 ? tables : tablesBackend.concatTables(tables);
          if (out) {
            if (tables.length > 1) stats.tablesJoined++;
            return out.map((t) => ({ batch: TelemetryBatch.fromBackendTables(t, { backend: ctx.backend }), inputs }));
          }
        } catch (e) {
          stats.joinFallbacks++;
          ctx.logger.warn(`batch: joining ${tables.length} OTAP batches failed (${(e as Error).message}); sending them one by one`);
          return tables.map((t, k) => ({ batch: TelemetryBatch.fromBackendTables(t, { backend: ctx.backend }), inputs: [inputs[k]!] }));
        }
      }
      const items = chunks.reduce((a, c) => a + c.items, 0);
      const bytes = chunks.map((c) => c.piece.bytes ?? c.piece.tables.toOtlp());
      return [{ batch: TelemetryBatch.fromOtlpBytes(signal, joinOtlpRequests(bytes), { backend: ctx.backend, items }), inputs }];
    };

    const sendOutput = async (signal: Signal, chunks: Chunk[]): Promise<void> => {
      let outputs: Array<{ batch: TelemetryBatch; inputs: Input[] }>;
      try {
        outputs = joined(signal, chunks);
      } catch (e) {
        for (const c of chunks) settleInput(c.input, { reason: `batch: cannot join: ${(e as Error).message}`, permanent: true });
        return;
      }
      // Each chunk was one part of its input; each output it reaches now settles one part
      // (several outputs when u16 ids overflowed: the input waits for all of them).
      const parts = new Map<Input, number>();
      for (const o of outputs) for (const i of o.inputs) parts.set(i, (parts.get(i) ?? 0) + 1);
      for (const c of chunks) parts.set(c.input, (parts.get(c.input) ?? 0) - 1);
      for (const [i, n] of parts) i.parts += n;
      for (const { batch, inputs } of outputs) {
        while (outbound >= config.outbound_request_limit) await new Promise<void>((resolve) => outboundWaiters.push(resolve));
        const out = new PData(batch, [], Math.min(...inputs.map((i) => i.pdata.bornAt)));
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
      }
    };

    /** `c` cut into pieces, the first at most `first`, the others at most `max`. */
    const splitChunk = (signal: Signal, f: FormatConfig, c: Chunk, max: number, first: number): Chunk[] => {
      if (c.piece.tables && tablesBackend && f.sizer === 'items') {
        const pieces = tablesBackend.splitTables(c.piece.tables, first, max);
        if (pieces) {
          stats.tablesSplit++;
          return pieces.map((t) => ({ piece: { tables: t }, items: t.itemCount(), input: c.input }));
        }
      }
      const bytes = c.piece.bytes ?? c.piece.tables.toOtlp();
      return splitOtlpRequest(signal, bytes, max, f.sizer === 'items' ? 'items' : 'bytes', first)
        .map((r) => ({ piece: { bytes: r.bytes }, items: r.items, input: c.input }));
    };

    const flush = async (key: string, signal: Signal, f: FormatConfig, all: boolean): Promise<void> => {
      const p = pending.get(key);
      if (!p) return;
      const max = f.max_size ?? Infinity;
      const min = f.min_size ?? 0;
      while (p.chunks.length > 0 && (all || p.size >= Math.max(min, 1))) {
        // Take chunks up to max; a chunk that does not fit is split to top the output up.
        const take: Chunk[] = [];
        let size = 0;
        while (p.chunks.length > 0 && size < max) {
          const c = p.chunks[0]!;
          const s = sizeOf(f, c);
          if (size + s <= max) {
            take.push(p.chunks.shift()!);
            size += s;
            continue;
          }
          p.chunks.shift();
          let pieces: Chunk[];
          try {
            pieces = splitChunk(signal, f, c, max, max - size);
          } catch (e) {
            // Only this input is at fault: refuse it, keep the others.
            p.size -= s;
            settleInput(c.input, { reason: `batch: cannot split the batch: ${(e as Error).message}`, permanent: true });
            continue;
          }
          const [first, ...rest] = pieces;
          stats.splits++;
          c.input.parts += pieces.length - 1; // the chunk becomes pieces.length parts
          p.chunks.unshift(...rest);
          // The pieces' sizes replace the chunk's (byte sizes change with framing).
          p.size += pieces.reduce((a, x) => a + sizeOf(f, x), 0) - s;
          if (first) {
            take.push(first);
            size += sizeOf(f, first);
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
        // Held tables of the Rust backend stay tables; anything else becomes OTLP bytes
        // (checked here, so that a broken input is refused alone).
        const held = pdata.batch.backendTables;
        let piece: Piece;
        if (held && tablesBackend && format === 'otap' && f.sizer === 'items') piece = { tables: held };
        else {
          try {
            piece = { bytes: pdata.batch.otlpBytes() };
          } catch (e) {
            ctx.nack(pdata, `batch: cannot read the batch: ${(e as Error).message}`, { permanent: true });
            return;
          }
        }
        const items = pdata.batch.itemCount;
        inbound++;
        const input: Input = { pdata, parts: 1, settled: false };
        let p = pending.get(key);
        if (!p) pending.set(key, (p = { chunks: [], size: 0, timer: undefined }));
        const chunk: Chunk = { piece, items, input };
        p.chunks.push(chunk);
        p.size += sizeOf(f, chunk);
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
