// processor:filter — keeps or drops whole records by the Rust engine's rules: logs by
// resource attributes, record attributes, severity texts, severity number and bodies;
// traces by resource, span, event and link attributes, span names, span kinds and event
// names; metrics by name. include keeps a record when every configured category matches;
// exclude drops it when any does (each category on its own, as the engine does). A dropped
// record takes its children (attributes, events, links, data points, exemplars) with it;
// resources and scopes left empty disappear. A batch left empty is acked and not sent on.
// Held OTAP tables are filtered in the Rust core, and so are OTLP batches: the rules run on
// the parsed request and the kept records leave as a smaller OTLP request (their bytes cut
// out of it, nothing built for the dropped ones); the js backend applies the same rules to
// the OTLP objects.
import { z } from 'zod';
import { encodeFilterRules } from '../../../backend/filter-rules-bytes.js';
import type { BackendFilter } from '../../../backend/types.js';
import { TelemetryBatch } from '../../../batch/telemetry-batch.js';
import { recordFilter } from '../../../otlp/filter-records.js';
import { emptyMatch, type FilterRules, type MatchRules } from '../../../otlp/filter-rules.js';
import type { Signal } from '../../../otlp/model.js';
import { attributeLiteral, nodeConfig } from '../../config/field-types.js';
import type { ProcessorFactory } from '../../engine/node-api.js';

const keyValue = z.strictObject({ key: z.string().min(1, 'must not be empty'), value: attributeLiteral });
const strings = z.array(z.string()).default([]);
const matchType = z.enum(['strict', 'regexp'], { error: 'match_type is strict or regexp' }).default('strict');

const SEVERITY_BASE: Record<string, number> = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 };
/** A severity number, or its name as the Go collector writes it (INFO, warn, ERROR3, ...). */
const severity = z.union([z.number().int(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)([2-4])?$/i.exec(v.trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a severity: write a number (1-24) or TRACE, DEBUG, INFO, WARN, ERROR, FATAL (optionally 2-4)` });
    return z.NEVER;
  }
  return SEVERITY_BASE[m[1]!.toUpperCase()]! + (m[2] ? Number(m[2]) - 1 : 0);
});

const SPAN_KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
/** A span kind as a number, SPAN_KIND_SERVER or Server. */
const spanKind = z.union([z.number().int().min(0).max(5), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const i = SPAN_KINDS.indexOf(v.trim().toUpperCase().replace(/^SPAN_KIND_/, ''));
  if (i < 0) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a span kind: write one of ${SPAN_KINDS.map((k) => `SPAN_KIND_${k}`).join(', ')}` });
    return z.NEVER;
  }
  return i;
});

const logMatch = z.strictObject({
  match_type: matchType,
  resource_attributes: z.array(keyValue).default([]),
  record_attributes: z.array(keyValue).default([]),
  severity_texts: strings,
  severity_number: z.strictObject({ min: severity, match_undefined: z.boolean().default(false) }).nullish(),
  bodies: z.array(attributeLiteral).default([]),
}).transform((m): MatchRules => ({
  ...emptyMatch(m.match_type === 'regexp'),
  resourceAttributes: m.resource_attributes,
  recordAttributes: m.record_attributes,
  severityTexts: m.severity_texts,
  ...(m.severity_number ? { severityNumber: { min: m.severity_number.min, matchUndefined: m.severity_number.match_undefined } } : {}),
  bodies: m.bodies,
}));

const traceMatch = z.strictObject({
  match_type: matchType,
  resource_attributes: z.array(keyValue).default([]),
  span_attributes: z.array(keyValue).default([]),
  event_attributes: z.array(keyValue).default([]),
  link_attributes: z.array(keyValue).default([]),
  span_names: strings,
  span_kinds: z.array(spanKind).default([]),
  event_names: strings,
}).transform((m): MatchRules => ({
  ...emptyMatch(m.match_type === 'regexp'),
  resourceAttributes: m.resource_attributes,
  recordAttributes: m.span_attributes,
  eventAttributes: m.event_attributes,
  linkAttributes: m.link_attributes,
  spanNames: m.span_names,
  spanKinds: m.span_kinds,
  eventNames: m.event_names,
}));

const metricMatch = z.strictObject({ match_type: matchType, metric_names: strings })
  .transform((m): MatchRules => ({ ...emptyMatch(m.match_type === 'regexp'), metricNames: m.metric_names }));

const rulesOf = <T extends z.ZodType<MatchRules>>(match: T) => ({ include: match.optional(), exclude: match.optional() });

const filterConfig = nodeConfig(z.strictObject({
  logs: z.strictObject({
    ...rulesOf(logMatch),
    log_record: z.array(z.string()).max(0, 'OTTL conditions (log_record) are not supported by processor:filter').optional(),
  }).optional(),
  traces: z.strictObject(rulesOf(traceMatch)).optional(),
  metrics: z.strictObject(rulesOf(metricMatch)).optional(),
}).transform((c): Partial<Record<Signal, FilterRules>> => {
  const out: Partial<Record<Signal, FilterRules>> = {};
  for (const signal of ['logs', 'traces', 'metrics'] as const) {
    const r = c[signal];
    if (r?.include || r?.exclude) out[signal] = { ...(r.include ? { include: r.include } : {}), ...(r.exclude ? { exclude: r.exclude } : {}) };
  }
  return out;
}));
export type FilterConfig = z.output<typeof filterConfig>;

/** A config as the engine validates it (tests, tools). */
export const parseFilterConfig = (raw: unknown): FilterConfig => filterConfig.parse(raw);

export const filterProcessor: ProcessorFactory<FilterConfig> = {
  type: 'processor:filter',
  usesArrowForm: false,
  doneWhenAnswered: true,
  description: 'keeps or drops records by attributes, severity, body, names and kinds',
  config: filterConfig,
  create(config, ctx) {
    // Rules compiled once per signal, in the core where the backend has one, else for the OTLP
    // objects; an invalid regular expression fails here, at load
    // (the OTLP-object filter only where there is no core one: pattern syntaxes differ a little).
    const compiled = new Map<Signal, { core?: BackendFilter; objects: () => ReturnType<typeof recordFilter> }>();
    for (const [signal, rules] of Object.entries(config) as Array<[Signal, FilterRules]>) {
      try {
        const core = ctx.backend.createFilter?.(encodeFilterRules(rules));
        let objects = core ? undefined : recordFilter(signal, rules);
        compiled.set(signal, { ...(core ? { core } : {}), objects: () => (objects ??= recordFilter(signal, rules)) });
      } catch (e) {
        throw new Error(`${ctx.nodeId}: ${signal} rules: ${(e as Error).message}`);
      }
    }
    const stats = { recordsDropped: 0, batchesDropped: 0 };
    /** Held tables are filtered as tables. OTLP is decided on the parsed request, so dropped
     *  records are never built into anything: the kept records leave as OTLP bytes cut out of
     *  the request (whoever needs them as tables or IPC converts them once, e.g. the OTAP
     *  exporter's encoder), or as tables where the backend cannot cut requests. */
    const filtered = (batch: TelemetryBatch, rules: NonNullable<ReturnType<typeof compiled.get>>): TelemetryBatch => {
      const opts = { backend: ctx.backend };
      const held = batch.backendTables;
      if (rules.core && held) {
        const tables = rules.core.apply(held);
        if (tables) return TelemetryBatch.fromBackendTables(tables, opts);
      } else if (rules.core?.keepOtlp) {
        const kept = rules.core.keepOtlp(batch.signal, batch.otlpBytes());
        return kept === undefined ? batch : TelemetryBatch.fromOtlpBytes(batch.signal, kept, opts);
      } else if (rules.core) {
        return TelemetryBatch.fromBackendTables(rules.core.applyOtlp(batch.signal, batch.otlpBytes()), opts);
      }
      return TelemetryBatch.fromRequest(batch.signal, rules.objects()(batch.request), opts);
    };
    return {
      async process(pdata) {
        const { batch } = pdata;
        const rules = compiled.get(batch.signal);
        if (!rules) {
          await ctx.send(pdata);
          return;
        }
        let out: TelemetryBatch;
        try {
          out = filtered(batch, rules);
        } catch (e) {
          ctx.nack(pdata, `filter: cannot filter this batch: ${(e as Error).message}`, { permanent: true });
          return;
        }
        stats.recordsDropped += batch.itemCount - out.itemCount;
        ctx.metrics.itemsDiscarded += batch.itemCount - out.itemCount;
        if (out.itemCount === 0) {
          stats.batchesDropped++;
          ctx.ack(pdata); // everything filtered out: answered, nothing to send
          return;
        }
        await ctx.send(out === batch ? pdata : pdata.withBatch(out));
      },
      status: () => stats,
    };
  },
};
