// From a parsed spec to runnable pipelines: policies resolved per pipeline (pipeline, then
// group, then top level; whole families, with resources' members resolved one by one), the
// connection graph checked (endpoints, kinds, ports, dispatch, cycles), and unconnected
// nodes pruned with a warning, as the Rust engine does.
import { ConfigError, type ConfigIssue } from './config-error.js';
import { formatSelector } from './selector.js';
import type { CoreAllocation, DataflowSpec, MemoryLimiter, NodeSpec, PipelineSpec, Policies } from './spec-schema.js';

export interface ChannelCapacity {
  pdata: number;
  control: { node: number; pipeline: number; completion: number };
}

export interface ResolvedPolicies {
  channelCapacity: ChannelCapacity;
  coreAllocation: CoreAllocation;
  memoryLimiter: MemoryLimiter | undefined;
}

export interface ResolvedPipeline {
  group: string;
  pipeline: string;
  /** groups.<g>.pipelines.<p>, for messages. */
  path: string;
  policies: ResolvedPolicies;
  /** Nodes kept after pruning, in document order. */
  nodes: Map<string, NodeSpec>;
  /** Destinations per source `node\u0000port`; several = competing consumers (one_of). */
  routes: Map<string, string[]>;
}

export interface Resolved {
  pipelines: ResolvedPipeline[];
  warnings: string[];
  adminAddress: { host: string; port: number } | undefined;
}

export const routeKey = (node: string, port: string): string => `${node}\u0000${port}`;

const DEFAULT_CAPACITY: ChannelCapacity = { pdata: 128, control: { node: 256, pipeline: 256, completion: 512 } };

function resolvePolicies(scopes: Array<Policies | undefined>): ResolvedPolicies {
  const nearest = <T>(pick: (p: Policies) => T | undefined): T | undefined => {
    for (const s of scopes) {
      const v = s && pick(s);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  return {
    channelCapacity: nearest((p) => p.channel_capacity) ?? DEFAULT_CAPACITY,
    coreAllocation: nearest((p) => p.resources?.core_allocation) ?? { strategy: 'all_cores', count: undefined, set: undefined },
    memoryLimiter: nearest((p) => p.resources?.memory_limiter),
  };
}

function checkGraph(p: PipelineSpec, path: string, issues: ConfigIssue[]): Map<string, string[]> {
  const routes = new Map<string, string[]>();
  p.connections.forEach((c, i) => {
    const at = `${path}.connections[${i}]`;
    if (c.from.length === 0 || c.to.length === 0) issues.push({ path: at, message: '"from" and "to" must each name at least one node' });
    if (c.policies.dispatch === 'broadcast' && c.to.length > 1) {
      issues.push({ path: `${at}.policies.dispatch`, message: 'broadcast to several nodes is not supported (as in the Rust engine): use one_of, or a processor:fanout node' });
    }
    for (const to of c.to) {
      const target = p.nodes[to];
      if (!target) issues.push({ path: `${at}.to`, message: `no node "${to}" in this pipeline (nodes: ${Object.keys(p.nodes).join(', ') || 'none'})` });
      else if (target.type.kind === 'receiver') issues.push({ path: `${at}.to`, message: `"${to}" is a receiver; receivers take no input` });
    }
    for (const from of c.from) {
      const source = p.nodes[from.node];
      if (!source) {
        issues.push({ path: `${at}.from`, message: `no node "${from.node}" in this pipeline (nodes: ${Object.keys(p.nodes).join(', ') || 'none'})` });
        continue;
      }
      if (source.type.kind === 'exporter') issues.push({ path: `${at}.from`, message: `"${from.node}" is an exporter; only receivers and processors send data on` });
      if (source.outputs.length > 0 && !source.outputs.includes(from.port)) {
        issues.push({ path: `${at}.from`, message: `${formatSelector(from)}: port "${from.port}" is not in ${from.node}.outputs [${source.outputs.join(', ')}]` });
      }
      const key = routeKey(from.node, from.port);
      const list = routes.get(key) ?? [];
      for (const to of c.to) if (!list.includes(to)) list.push(to);
      routes.set(key, list);
    }
  });
  return routes;
}

function findCycle(nodes: Iterable<string>, routes: Map<string, string[]>): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const [key, tos] of routes) {
    const from = key.slice(0, key.indexOf('\u0000'));
    next.set(from, [...(next.get(from) ?? []), ...tos]);
  }
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 2) return undefined;
    if (state.get(n) === 1) return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 1);
    stack.push(n);
    for (const m of next.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of nodes) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

/** Removes nodes that cannot take part (receiver without output, processor without input or
 *  output, exporter without input) until nothing changes. */
function prune(nodes: Map<string, NodeSpec>, routes: Map<string, string[]>, path: string, warnings: string[]): void {
  for (;;) {
    const hasOut = new Set<string>();
    const hasIn = new Set<string>();
    for (const [key, tos] of routes) {
      const live = tos.filter((t) => nodes.has(t));
      if (live.length === 0) continue;
      hasOut.add(key.slice(0, key.indexOf('\u0000')));
      for (const t of live) hasIn.add(t);
    }
    const dead = [...nodes].filter(([id, n]) =>
      (n.type.kind !== 'exporter' && !hasOut.has(id)) || (n.type.kind !== 'receiver' && !hasIn.has(id)));
    if (dead.length === 0) return;
    for (const [id, n] of dead) {
      warnings.push(`${path}.nodes.${id} (${n.type.urn}) is not connected ${n.type.kind === 'receiver' ? 'to anything' : n.type.kind === 'exporter' ? 'from anything' : 'on both sides'}; it is left out`);
      nodes.delete(id);
    }
    for (const [key, tos] of routes) {
      const from = key.slice(0, key.indexOf('\u0000'));
      const live = tos.filter((t) => nodes.has(t));
      if (!nodes.has(from) || live.length === 0) routes.delete(key);
      else routes.set(key, live);
    }
  }
}

/** Resolves every pipeline of the spec; throws ConfigError listing all problems. */
export function resolveSpec(spec: DataflowSpec, source: string): Resolved {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const pipelines: ResolvedPipeline[] = [];
  if (spec.policies.resources?.memory_limiter === undefined && spec.policies.resources?.rate_limiters) {
    issues.push({ path: 'policies.resources.rate_limiters', message: 'rate limiters need a top-level policies.resources.memory_limiter' });
  }
  for (const [g, group] of Object.entries(spec.groups)) {
    for (const [p, pipeline] of Object.entries(group.pipelines)) {
      const path = `groups.${g}.pipelines.${p}`;
      const before = issues.length;
      const routes = checkGraph(pipeline, path, issues);
      if (issues.length === before) {
        const cycle = findCycle(Object.keys(pipeline.nodes), routes);
        if (cycle) issues.push({ path: `${path}.connections`, message: `the connections form a cycle: ${cycle.join(' -> ')}` });
      }
      const nodes = new Map(Object.entries(pipeline.nodes));
      prune(nodes, routes, path, warnings);
      if (nodes.size === 0 && issues.length === before) {
        issues.push({ path, message: 'no connected nodes: the pipeline needs at least a receiver connected to an exporter' });
      }
      pipelines.push({ group: g, pipeline: p, path, policies: resolvePolicies([pipeline.policies, group.policies, spec.policies]), nodes, routes });
    }
  }
  if (issues.length > 0) throw new ConfigError(source, issues);
  return { pipelines, warnings, adminAddress: spec.engine.http_admin?.bind_address };
}

