// Each node's `config` checked against its type's schema, with errors that name the file,
// node and field; unknown types list the known ones.
import { ConfigError, type ConfigIssue } from '../config/config-error.js';
import { zodIssues } from '../config/load.js';
import type { ResolvedPipeline } from '../config/resolve.js';
import type { NodeFactory } from './node-api.js';
import type { NodeRegistry } from './registry.js';

export interface CheckedNode {
  id: string;
  urn: string;
  kind: 'receiver' | 'processor' | 'exporter';
  factory: NodeFactory;
  config: unknown;
  outputs: readonly string[];
  defaultOutput: string | undefined;
}

export function checkNodeConfigs(p: ResolvedPipeline, registry: NodeRegistry, issues: ConfigIssue[]): CheckedNode[] {
  const out: CheckedNode[] = [];
  for (const [id, n] of p.nodes) {
    const at = `${p.path}.nodes.${id}`;
    const entry = registry.get(n.type.urn);
    if (!entry) {
      issues.push({ path: `${at}.type`, message: `unknown ${n.type.kind} type "${n.type.urn}"; known ${n.type.kind}s: ${registry.known(n.type.kind).join(', ') || 'none'}` });
      continue;
    }
    let config: unknown = n.config ?? undefined;
    if (entry.factory.config) {
      const parsed = entry.factory.config.safeParse(config);
      if (!parsed.success) {
        issues.push(...zodIssues(parsed.error, [...at.split('.'), 'config']).map((i) => ({ ...i, message: `${i.message} (node type ${n.type.urn})` })));
        continue;
      }
      config = parsed.data;
    }
    out.push({ id, urn: n.type.urn, kind: n.type.kind, factory: entry.factory, config, outputs: n.outputs, defaultOutput: n.default_output });
  }
  return out;
}

/** Checks every node of every pipeline; throws one ConfigError listing all problems. */
export function checkAllNodeConfigs(pipelines: readonly ResolvedPipeline[], registry: NodeRegistry, source: string): CheckedNode[][] {
  const issues: ConfigIssue[] = [];
  const all = pipelines.map((p) => checkNodeConfigs(p, registry, issues));
  if (issues.length > 0) throw new ConfigError(source, issues);
  return all;
}
