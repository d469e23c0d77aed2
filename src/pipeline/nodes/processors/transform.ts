// processor:transform — OTTL log statements (`ottl.log_statements`), run in list order over
// every log record: the editors set, delete_key and keep_keys with optional `where`
// conditions (src/otlp/ottl/parse.ts says exactly what parses). A statement outside that
// subset is refused at config load with its position. Traces and metrics pass untouched, as
// in the engine (its OTTL is logs only). The statements run on the OTLP objects on every
// backend. The engine's KQL / OPL queries are not supported.
import { z } from 'zod';
import { TelemetryBatch } from '../../../batch/telemetry-batch.js';
import type { SignalRequest } from '../../../otlp/model.js';
import { applyLogStatements } from '../../../otlp/ottl/apply-logs.js';
import { parseOttlStatement, type Statement } from '../../../otlp/ottl/parse.js';
import { nodeConfig, positiveInt } from '../../config/field-types.js';
import type { ProcessorFactory } from '../../engine/node-api.js';

const unsupportedQuery = (lang: string) => z.unknown().refine(() => false, `${lang} queries are not supported; write ottl: { log_statements: [...] }`).optional();

const transformConfig = nodeConfig(z.strictObject({
  ottl: z.strictObject({
    log_statements: z.array(z.string()).default([]).transform((list, ctx): Statement[] => list.flatMap((src, i) => {
      try {
        return [parseOttlStatement(src)];
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: [i], message: `${(e as Error).message} in ${JSON.stringify(src)}` });
        return [];
      }
    })),
  }),
  kql_query: unsupportedQuery('KQL'),
  opl_query: unsupportedQuery('OPL'),
  // The engine's queue limits and result options: accepted, no effect here (nothing is queued).
  inbound_request_limit: positiveInt.optional(),
  outbound_request_limit: positiveInt.optional(),
  skip_sanitize_result: z.boolean().optional(),
  filter_attribute_keys_case_sensitive: z.boolean().optional(),
}).transform((c) => c.ottl.log_statements));

/** A config as the engine validates it (tests, tools). */
export const parseTransformConfig = (raw: unknown): Statement[] => transformConfig.parse(raw);

export const transformProcessor: ProcessorFactory<Statement[]> = {
  type: 'processor:transform',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'runs OTTL log statements (set, delete_key, keep_keys with where conditions)',
  config: transformConfig,
  create(statements, ctx) {
    const stats = { batches: 0 };
    return {
      async process(pdata) {
        if (pdata.signal !== 'logs' || statements.length === 0) {
          await ctx.send(pdata);
          return;
        }
        let out: TelemetryBatch;
        try {
          const request = applyLogStatements(pdata.batch.request as SignalRequest['logs'], statements);
          out = TelemetryBatch.fromRequest('logs', request, { backend: ctx.backend });
        } catch (e) {
          ctx.nack(pdata, `transform: cannot run the statements on this batch: ${(e as Error).message}`, { permanent: true });
          return;
        }
        stats.batches++;
        await ctx.send(pdata.withBatch(out));
      },
      status: () => stats,
    };
  },
};
