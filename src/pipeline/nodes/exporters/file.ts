// exporter:file — appends each batch to a file per signal: `otlp_json` (one OTLP/JSON
// Export*ServiceRequest per line, the Rust engine's format) or `otap_stream` (this package's
// addition: the BatchArrowRecords of one Arrow stream, length-framed as `otap convert`
// writes them, readable by `otap inspect` and `otap convert`). The path template must hold
// {signal}, {core_id} and {generation} once each, as the engine requires.
import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import { z } from 'zod';
import type { BackendEncoder } from '../../../backend/types.js';
import type { Signal } from '../../../otlp/model.js';
import { encodeOtlpJson } from '../../../otlp/signal-codec.js';
import { byteSize, nodeConfig } from '../../config/field-types.js';
import type { ExporterFactory } from '../../engine/node-api.js';

const TOKENS = ['{signal}', '{core_id}', '{generation}'] as const;

const fileConfig = nodeConfig(z.strictObject({
  path: z.string().superRefine((p, ctx) => {
    if (!isAbsolute(p)) ctx.addIssue({ code: 'custom', message: `"${p}" must be an absolute path` });
    for (const t of TOKENS) {
      const n = p.split(t).length - 1;
      if (n !== 1) ctx.addIssue({ code: 'custom', message: `"${p}" must contain ${t} exactly once (found ${n})` });
    }
    const other = p.replace(/\{signal\}|\{core_id\}|\{generation\}/g, '').match(/\{[^}]*\}/);
    if (other) ctx.addIssue({ code: 'custom', message: `"${p}" has an unknown placeholder ${other[0]} (allowed: ${TOKENS.join(', ')})` });
  }),
  create_directories: z.boolean().default(false),
  format: z.enum(['otlp_json', 'otap_stream']).default('otlp_json'),
  open_mode: z.enum(['append', 'truncate', 'create_new']).default('append'),
  durability: z.enum(['write', 'sync_data']).default('write'),
  max_frame_bytes: byteSize.default(64 * 1024 * 1024).refine((n) => n >= 1 && n <= 256 * 1024 * 1024, 'must be between 1 byte and 256 MiB'),
  tail_recovery: z.enum(['truncate_partial', 'fail']).optional(),
}).superRefine((c, ctx) => {
  if (c.tail_recovery !== undefined && c.open_mode !== 'append') ctx.addIssue({ code: 'custom', path: ['tail_recovery'], message: 'only valid with open_mode: append' });
}));
type FileConfig = z.output<typeof fileConfig>;

const FLAGS = { append: 'a+', truncate: 'w', create_new: 'wx' } as const;

interface SignalFile {
  handle: FileHandle;
  encoder: BackendEncoder | undefined;
  /** Writes to one file are serialised. */
  tail: Promise<void>;
}

/** Drops a partial last line (a crash mid-write) before appending JSON lines. */
async function recoverTail(handle: FileHandle, mode: 'truncate_partial' | 'fail', path: string): Promise<void> {
  const { size } = await handle.stat();
  if (size === 0) return;
  const chunk = Math.min(size, 1 << 20);
  const buf = Buffer.alloc(chunk);
  await handle.read(buf, 0, chunk, size - chunk);
  if (buf[chunk - 1] === 0x0a) return;
  if (mode === 'fail') throw new Error(`${path} ends with a partial line; fix or remove it (or set tail_recovery: truncate_partial)`);
  const lastNewline = buf.lastIndexOf(0x0a);
  await handle.truncate(lastNewline < 0 ? (chunk === size ? 0 : size - chunk) : size - chunk + lastNewline + 1);
}

export const fileExporter: ExporterFactory<FileConfig> = {
  type: 'exporter:file',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'writes batches to files (OTLP JSON lines or OTAP stream)',
  config: fileConfig,
  create(config, ctx) {
    const files = new Map<Signal, Promise<SignalFile>>();
    const pathOf = (signal: Signal): string => config.path.replace('{signal}', signal).replace('{core_id}', String(ctx.instance)).replace('{generation}', '0');
    const fileFor = (signal: Signal): Promise<SignalFile> => {
      let f = files.get(signal);
      if (!f) {
        f = (async () => {
          const path = pathOf(signal);
          if (config.create_directories) mkdirSync(dirname(path), { recursive: true });
          const handle = await open(path, FLAGS[config.open_mode]);
          if (config.open_mode === 'append' && config.format === 'otlp_json') await recoverTail(handle, config.tail_recovery ?? 'truncate_partial', path);
          return { handle, encoder: config.format === 'otap_stream' ? ctx.backend.createEncoder() : undefined, tail: Promise.resolve() };
        })();
        files.set(signal, f);
      }
      return f;
    };
    const write = async (f: SignalFile, frame: Uint8Array): Promise<void> => {
      await f.handle.appendFile(frame);
      if (config.durability === 'sync_data') await f.handle.datasync();
    };
    return {
      async export(pdata) {
        const signal = pdata.signal;
        let f: SignalFile;
        try {
          f = await fileFor(signal);
        } catch (e) {
          ctx.nack(pdata, `cannot open ${pathOf(signal)}: ${(e as Error).message}`);
          return;
        }
        let frame: Uint8Array;
        if (f.encoder) {
          const bar = f.encoder.encode(signal, pdata.batch.otlpBytes());
          frame = new Uint8Array(4 + bar.length);
          new DataView(frame.buffer).setUint32(0, bar.length, true);
          frame.set(bar, 4);
        } else {
          frame = Buffer.from(`${encodeOtlpJson(signal, pdata.batch.request)}\n`);
        }
        if (frame.length > config.max_frame_bytes) {
          ctx.nack(pdata, `batch encodes to ${frame.length} bytes, over max_frame_bytes ${config.max_frame_bytes}`, { permanent: true });
          return;
        }
        const done = f.tail.then(() => write(f, frame));
        f.tail = done.catch(() => {});
        try {
          await done;
          ctx.ack(pdata);
        } catch (e) {
          ctx.nack(pdata, `write to ${pathOf(signal)} failed: ${(e as Error).message}`);
        }
      },
      async stop() {
        for (const f of files.values()) {
          try {
            const sf = await f;
            await sf.tail;
            sf.encoder?.close();
            await sf.handle.close();
          } catch {
            // open failed: already reported by export()
          }
        }
      },
      status: () => ({ files: [...files.keys()].map(pathOf) }),
    };
  },
};
