// The `otel_dataflow/v1` document as the Rust OTAP Dataflow Engine defines it (strict at
// every level, defaults as there), parsed with zod. Node `config` blocks stay opaque here:
// each node type validates its own (see ../nodes). Rules that span several fields are in
// the refinements below; graph rules (connections, cycles, kinds) are in validate-graph.ts.
import { z } from 'zod';
import { byteSize, durationMs, nodeType, nonNegativeInt, oneOrMany, positiveInt, selector, socketAddress } from './field-types.js';

const channelCapacity = z.strictObject({
  control: z.strictObject({
    node: positiveInt.default(256),
    pipeline: positiveInt.default(256),
    completion: positiveInt.default(512),
  }).prefault({}),
  pdata: positiveInt.default(128),
});

const coreRange = z.strictObject({ start: nonNegativeInt, end: nonNegativeInt })
  .refine((r) => r.start <= r.end, { message: 'start must be <= end (ranges are inclusive)' });

const coreAllocation = z.strictObject({
  strategy: z.enum(['all_cores', 'core_count', 'core_set']).optional(),
  type: z.enum(['all_cores', 'core_count', 'core_set']).optional(),
  count: nonNegativeInt.optional(),
  set: z.array(coreRange).optional(),
}).transform((c, ctx) => {
  const strategy = c.strategy ?? c.type ?? 'all_cores';
  if (c.strategy && c.type && c.strategy !== c.type) ctx.addIssue({ code: 'custom', message: 'give "strategy" or its alias "type", not both' });
  if (strategy === 'all_cores' && (c.count !== undefined || c.set !== undefined)) ctx.addIssue({ code: 'custom', message: 'all_cores takes neither count nor set' });
  if (strategy === 'core_count' && (c.count === undefined || c.set !== undefined)) ctx.addIssue({ code: 'custom', message: 'core_count needs "count" (0 = all cores) and no "set"' });
  if (strategy === 'core_set' && (!c.set?.length || c.count !== undefined)) ctx.addIssue({ code: 'custom', message: 'core_set needs a non-empty "set" of {start, end} ranges and no "count"' });
  return { strategy, count: c.count, set: c.set };
});
export type CoreAllocation = z.output<typeof coreAllocation>;

const memoryLimiter = z.strictObject({
  mode: z.enum(['enforce', 'observe_only']),
  source: z.enum(['auto', 'cgroup', 'rss', 'jemalloc_resident']).default('auto'),
  check_interval: durationMs.default(1000).refine((ms) => ms >= 100, 'must be at least 100ms'),
  soft_limit: byteSize.optional(),
  hard_limit: byteSize.optional(),
  hysteresis: byteSize.optional(),
  retry_after_secs: positiveInt.default(1),
  fail_readiness_on_hard: z.boolean().default(true),
  purge_on_hard: z.boolean().default(false),
  purge_min_interval: durationMs.default(5000),
}).superRefine((m, ctx) => {
  if ((m.soft_limit === undefined) !== (m.hard_limit === undefined)) ctx.addIssue({ code: 'custom', message: 'set both soft_limit and hard_limit, or neither' });
  if (m.soft_limit !== undefined && m.hard_limit !== undefined && m.hard_limit <= m.soft_limit) ctx.addIssue({ code: 'custom', path: ['hard_limit'], message: 'must be greater than soft_limit' });
  if (m.hysteresis !== undefined && m.soft_limit !== undefined && m.hysteresis >= m.soft_limit) ctx.addIssue({ code: 'custom', path: ['hysteresis'], message: 'must be less than soft_limit' });
});
export type MemoryLimiter = z.output<typeof memoryLimiter>;

const rateLimiter = z.strictObject({
  enforcement: z.enum(['enforce', 'observe_only']).optional(),
  mode: z.enum(['enforce', 'observe_only']).optional(),
  aggregation: z.literal('receiver_instance').default('receiver_instance'),
  unit: z.enum(['request_bytes', 'messages', 'request_bytes/second', 'messages/second']),
  pressure: z.literal('soft').default('soft'),
  token_bucket: z.strictObject({ allow: positiveInt, interval: durationMs, burst: positiveInt.optional() }),
});

const resources = z.strictObject({
  core_allocation: coreAllocation.optional(),
  memory_limiter: memoryLimiter.optional(),
  rate_limiters: z.record(z.string(), rateLimiter).optional(),
});

const flowMetric = z.strictObject({
  id: z.string(),
  bounds: z.strictObject({ start_node: z.string(), end_node: z.string() }),
  metrics: z.array(z.enum(['compute_duration', 'consumed_items', 'produced_items', 'dropped_items'])).min(1).optional(),
  purpose: z.string().optional(),
});

const telemetryPolicy = z.strictObject({
  pipeline_metrics: z.boolean().default(true),
  tokio_metrics: z.boolean().default(true),
  runtime_metrics: z.enum(['none', 'basic', 'normal', 'detailed']).default('basic'),
  flow_metrics: z.array(flowMetric).default([]),
});

const runtimeRecovery = z.strictObject({
  enabled: z.boolean().default(true),
  max_restarts: positiveInt.default(5),
  initial_backoff: durationMs.default(250),
  max_backoff: durationMs.default(30_000),
  startup_timeout: durationMs.default(30_000),
  reset_after: durationMs.default(60_000),
});

export const policiesSchema = z.strictObject({
  channel_capacity: channelCapacity.optional(),
  health: z.record(z.string(), z.unknown()).optional(),
  telemetry: telemetryPolicy.optional(),
  resources: resources.optional(),
  runtime_recovery: runtimeRecovery.optional(),
  transport_headers: z.record(z.string(), z.unknown()).optional(),
});
export type Policies = z.output<typeof policiesSchema>;

export const nodeSchema = z.strictObject({
  type: nodeType,
  description: z.string().optional(),
  outputs: z.array(z.string().min(1)).default([]),
  default_output: z.string().optional(),
  config: z.unknown().default(null),
  capabilities: z.record(z.string(), z.string()).default({}),
  rate_limiters: z.array(z.string()).max(1).optional(),
  entity: z.unknown().optional(),
  header_capture: z.unknown().optional(),
  header_propagation: z.unknown().optional(),
  policies: z.strictObject({ telemetry: z.strictObject({ item_counts: z.boolean().default(false) }).optional() }).optional(),
});
export type NodeSpec = z.output<typeof nodeSchema>;

export const connectionSchema = z.strictObject({
  from: oneOrMany(selector),
  to: oneOrMany(z.string().min(1)),
  policies: z.strictObject({ dispatch: z.enum(['one_of', 'broadcast']).default('one_of') }).prefault({}),
});
export type ConnectionSpec = z.output<typeof connectionSchema>;

export const pipelineSchema = z.strictObject({
  type: z.enum(['otap', 'otlp']).default('otap'),
  policies: policiesSchema.optional(),
  nodes: z.record(z.string(), nodeSchema).default({}),
  extensions: z.record(z.string(), z.unknown()).default({}),
  connections: z.array(connectionSchema).default([]),
});
export type PipelineSpec = z.output<typeof pipelineSchema>;

const groupSchema = z.strictObject({
  policies: policiesSchema.optional(),
  topics: z.record(z.string(), z.unknown()).default({}),
  pipelines: z.record(z.string(), pipelineSchema),
});
export type GroupSpec = z.output<typeof groupSchema>;

const engineSchema = z.strictObject({
  http_admin: z.strictObject({ bind_address: socketAddress.default({ host: '127.0.0.1', port: 8080 }) }).optional(),
  telemetry: z.record(z.string(), z.unknown()).optional(),
  observed_state: z.record(z.string(), z.unknown()).optional(),
  topics: z.record(z.string(), z.unknown()).optional(),
  controller: z.record(z.string(), z.unknown()).optional(),
  observability: z.strictObject({
    pipeline: z.strictObject({
      policies: policiesSchema.optional(),
      nodes: z.record(z.string(), nodeSchema),
      connections: z.array(connectionSchema).default([]),
    }),
  }).optional(),
  custom: z.record(z.string(), z.unknown()).optional(),
});

export const specSchema = z.strictObject({
  version: z.literal('otel_dataflow/v1', { error: (i) => i.input === undefined ? 'required: write "version: otel_dataflow/v1"' : `must be "otel_dataflow/v1", got ${JSON.stringify(i.input)}` }),
  policies: policiesSchema.prefault({}),
  topics: z.record(z.string(), z.unknown()).default({}),
  engine: engineSchema.prefault({}),
  groups: z.record(z.string(), groupSchema).default({}),
}).superRefine((spec, ctx) => {
  if ('system' in spec.groups) ctx.addIssue({ code: 'custom', path: ['groups', 'system'], message: 'the group id "system" is reserved by the engine; rename the group' });
});
export type DataflowSpec = z.output<typeof specSchema>;
