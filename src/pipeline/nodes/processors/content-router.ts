// processor:content_router — sends each batch, whole and unchanged, to the output port that
// `routes` names for the value of one resource attribute (`routing_key.resource_attribute`).
// Every resource of a batch must agree (as in the Rust engine): resources matching different
// routes, or some matching a route and others none, make the batch a permanent nack (it is
// never split); when no resource has the attribute, or no value (or a non-string one) names a
// route, the batch goes to `default_output`, else it is a permanent nack. Held OTAP
// tables are read in the Rust core; other batches through their OTLP objects. A full route
// nacks (retryable) unless `admission_policy.on_full: backpressure`.
import { z } from 'zod';
import { nodeConfig } from '../../config/field-types.js';
import type { ProcessorFactory } from '../../engine/node-api.js';
import { admissionPolicy, sendToRoute } from './route-send.js';

const notBlank = z.string().refine((s) => s.trim().length > 0, 'must not be blank');

const routerConfig = nodeConfig(z.strictObject({
  routing_key: z.strictObject({ resource_attribute: notBlank }),
  routes: z.record(notBlank, notBlank).refine((r) => Object.keys(r).length > 0, 'must name at least one route'),
  default_output: notBlank.optional(),
  case_sensitive: z.boolean().default(true),
  admission_policy: admissionPolicy,
}).transform((c, ctx) => {
  if (c.case_sensitive) return { ...c, table: new Map(Object.entries(c.routes)) };
  const table = new Map<string, string>();
  for (const [value, port] of Object.entries(c.routes)) {
    const k = value.toLowerCase();
    if (table.has(k)) ctx.addIssue({ code: 'custom', path: ['routes', value], message: `collides with another route once lower-cased ("${k}") and case_sensitive is false` });
    table.set(k, port);
  }
  return { ...c, table };
}));
export type ContentRouterConfig = z.output<typeof routerConfig>;

/** Where a batch goes: a port, or why it has none. */
export type Decision = { port: string } | { refuse: string };

/** The route of a batch whose resources hold `values` (see the file header). */
export function decide(config: ContentRouterConfig, values: Array<string | null | false>): Decision {
  let matched: string | undefined;
  let unmatched = 0;
  for (const v of values) {
    const port = typeof v === 'string' ? config.table.get(config.case_sensitive ? v : v.toLowerCase()) : undefined;
    if (port === undefined) {
      unmatched++;
      continue;
    }
    if (matched !== undefined && matched !== port) return { refuse: `resources of one batch route to different outputs (${matched}, ${port}); batches are not split` };
    matched = port;
  }
  if (matched !== undefined && unmatched > 0) return { refuse: `some resources of one batch route to ${matched}, others match no route; batches are not split` };
  if (matched !== undefined) return { port: matched };
  if (config.default_output !== undefined) return { port: config.default_output };
  const key = config.routing_key.resource_attribute;
  return { refuse: values.length === 0 || values.every((v) => v === null)
    ? `no resource has the attribute "${key}" and there is no default_output`
    : `no route for the "${key}" value(s) ${JSON.stringify(values.filter((v) => v !== null))} and there is no default_output` };
}

/** A config as the engine validates it (tests, tools). */
export const parseContentRouterConfig = (raw: unknown): ContentRouterConfig => routerConfig.parse(raw);

export const contentRouterProcessor: ProcessorFactory<ContentRouterConfig> = {
  type: 'processor:content_router',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'routes whole batches by the value of a resource attribute',
  config: routerConfig,
  create(config, ctx) {
    for (const port of [...new Set([...config.table.values(), ...(config.default_output ? [config.default_output] : [])])]) {
      if (!ctx.ports.includes(port)) {
        throw new Error(`${ctx.nodeId}: output "${port}" (named in routes or default_output) has no connection; wire ${ctx.nodeId}["${port}"] to a node (wired: ${ctx.ports.join(', ') || 'none'})`);
      }
    }
    const stats = { routed: {} as Record<string, number>, refused: 0 };
    return {
      async process(pdata) {
        let decision: Decision;
        try {
          decision = decide(config, pdata.batch.resourceAttributeValues(config.routing_key.resource_attribute));
        } catch (e) {
          ctx.nack(pdata, `content_router: cannot read the batch: ${(e as Error).message}`, { permanent: true });
          return;
        }
        if ('refuse' in decision) {
          stats.refused++;
          ctx.nack(pdata, `content_router: ${decision.refuse}`, { permanent: true });
          return;
        }
        const port = decision.port;
        stats.routed[port] = (stats.routed[port] ?? 0) + 1;
        await sendToRoute(ctx, pdata, port, config.admission_policy);
      },
      status: () => stats,
    };
  },
};
