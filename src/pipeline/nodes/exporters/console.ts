// exporter:console — prints every record: `pretty` (one line per record) or `record_json`
// (one JSON object per record), then acks. Writes to stdout (or the stream given to
// createConsoleExporter), waiting for the stream to drain so a slow terminal backpressures.
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { nodeConfig } from '../../config/field-types.js';
import type { ExporterFactory } from '../../engine/node-api.js';
import { anyValue, attributes, flatRecords, plain, prettyLine } from '../render/flat-records.js';
import type { AnyValue } from '../../../otlp/model.js';

const consoleConfig = nodeConfig(z.object({
  format: z.enum(['pretty', 'record_json']).default('pretty'),
  color: z.boolean().default(true),
  unicode: z.boolean().default(true),
  pretty: z.object({ histogram: z.enum(['compact', 'raw']).default('compact') }).optional(),
  record_json: z.object({
    timestamp_format: z.enum(['rfc3339', 'unix_nano']).default('rfc3339'),
    body_field: z.enum(['body', 'message']).default('body'),
    int64_format: z.enum(['number', 'string']).default('number'),
    resource: z.boolean().default(false),
    scope: z.boolean().default(true),
    otel: z.boolean().default(false),
  }).prefault({}),
}));
type ConsoleConfig = z.output<typeof consoleConfig>;

function timestamp(n: unknown, format: 'rfc3339' | 'unix_nano'): unknown {
  if (typeof n !== 'bigint') return n;
  return format === 'unix_nano' ? n.toString() : n > 0n ? new Date(Number(n / 1_000_000n)).toISOString() : null;
}

export function createConsoleExporter(out: Writable = process.stdout): ExporterFactory<ConsoleConfig> {
  return {
    type: 'exporter:console',
    usesArrowForm: false,
    doneWhenAnswered: true,
    description: 'prints records to stdout (pretty or JSON lines)',
    config: consoleConfig,
    create(config, ctx) {
      const useColor = config.color && (out as { isTTY?: boolean }).isTTY === true;
      const dim = (s: string): string => (useColor ? `\x1b[2m${s}\x1b[0m` : s);
      const render = (line: string, rec: ReturnType<typeof flatRecords>[number]): string => {
        if (config.format === 'pretty') return `${dim(`[${rec.kind}]`)} ${line}`;
        const j = config.record_json;
        const it = rec.item;
        const o: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(it)) {
          if (k.endsWith('UnixNano')) o[k] = timestamp(v, j.timestamp_format);
          else if (k === 'body') o[j.body_field] = anyValue(v as AnyValue, j.int64_format);
          else if (k === 'attributes') o[k] = attributes(v as never, j.int64_format);
          else o[k] = plain(v, j.int64_format);
        }
        if (j.resource) o.resource = attributes(rec.resource.attributes, j.int64_format);
        if (j.scope) o.scope = { name: rec.scope.name, version: rec.scope.version };
        if (j.otel) o.otel = { signal: rec.kind, pipeline: ctx.pipeline, node: ctx.nodeId };
        return JSON.stringify(o);
      };
      return {
        async export(pdata) {
          const records = flatRecords(pdata.signal, pdata.batch.request);
          const text = records.map((r) => render(config.format === 'pretty' ? prettyLine(r, false) : '', r)).join('\n');
          if (text.length > 0 && !out.write(`${text}\n`)) await new Promise<void>((resolve) => out.once('drain', resolve));
          ctx.ack(pdata);
        },
      };
    },
  };
}

export const consoleExporter = createConsoleExporter();
