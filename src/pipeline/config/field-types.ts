// Zod field types shared by the engine spec and the node configs: humantime durations,
// byte sizes, socket addresses, node types and connection selectors, each normalised on parse.
import { z } from 'zod';
import type { AttributeLiteral } from '../../otlp/attribute-actions.js';
import { parseNodeUrn } from './node-urn.js';
import { parseSelector } from './selector.js';
import { parseBytes, parseDurationMs } from './units.js';

/** `base` parsed by `parse`, which returns the value or an error message. */
function parsedBy<I, T>(base: z.ZodType<I>, parse: (input: I) => T | string) {
  return base.transform((input, ctx) => {
    const out = parse(input);
    if (typeof out === 'string') {
      ctx.addIssue({ code: 'custom', message: out });
      return z.NEVER;
    }
    return out;
  });
}

/** A humantime duration ("250ms", "5s"), parsed to milliseconds. */
export const durationMs = parsedBy(z.string(), parseDurationMs);

/** A byte size (number or "64 MiB"), parsed to bytes. */
export const byteSize = parsedBy(z.union([z.number(), z.string()]), parseBytes);

export const positiveInt = z.number().int().positive();
export const nonNegativeInt = z.number().int().nonnegative();

/** "host:port" or "[v6]:port"; port 0 = ephemeral. */
export const socketAddress = z.string().transform((s, ctx) => {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s.trim());
  const port = m ? Number(m[3]) : -1;
  if (!m || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a socket address: write "host:port", e.g. "127.0.0.1:4317"` });
    return z.NEVER;
  }
  return { host: (m[1] ?? m[2])!, port };
});
export type SocketAddress = z.output<typeof socketAddress>;

export const nodeType = parsedBy(z.string(), parseNodeUrn);

export const selector = parsedBy(z.string(), parseSelector);

/** One value or a list of them, always a list after parsing. */
export function oneOrMany<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);
}

/** `config: {}` or `config:` (null) for nodes that take no configuration. */
export const noConfig = z.union([z.null(), z.strictObject({})]).optional();

/** A node's config block: absent or null means "all defaults". */
export function nodeConfig<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => v ?? {}, schema);
}

/** An attribute value as a YAML scalar, read as the engine reads it: whole numbers are ints,
 *  other numbers doubles (maps and lists are not attribute literals). */
export const attributeLiteral = z.union([z.string(), z.number(), z.boolean()], { error: 'value must be a string, number or boolean (maps and lists are not supported here)' })
  .transform((v): AttributeLiteral => {
    if (typeof v === 'string') return { type: 'string', value: v };
    if (typeof v === 'boolean') return { type: 'bool', value: v };
    return Number.isSafeInteger(v) ? { type: 'int', value: BigInt(v) } : { type: 'double', value: v };
  });
