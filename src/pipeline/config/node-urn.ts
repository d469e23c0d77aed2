// Node type URNs: `urn:<namespace>:<kind>:<id>` or the shortcut `<kind>:<id>`, which means
// `urn:otel:<kind>:<id>`. Kind and scheme are case-insensitive; namespace is lower-cased;
// the id is kept as written and must already be lower case.

export type NodeKind = 'receiver' | 'processor' | 'exporter';

export interface NodeUrn {
  urn: string;
  kind: NodeKind;
  namespace: string;
  id: string;
}

const KINDS: readonly string[] = ['receiver', 'processor', 'exporter'];
const SEGMENT = /^[a-z0-9._-]+$/;

/** Canonical form of a node `type`, or an error message saying what is wrong. */
export function parseNodeUrn(raw: string): NodeUrn | string {
  const parts = raw.trim().split(':');
  let scheme = 'urn';
  let namespace = 'otel';
  let kind: string;
  let id: string;
  if (parts.length === 2) [kind, id] = parts as [string, string];
  else if (parts.length === 4) [scheme, namespace, kind, id] = parts as [string, string, string, string];
  else return `"${raw}" is not a node type: write "<kind>:<id>" (e.g. "receiver:otlp") or "urn:<namespace>:<kind>:<id>"`;
  if (scheme.toLowerCase() !== 'urn') return `"${raw}" must start with "urn:"`;
  kind = kind.toLowerCase();
  namespace = namespace.toLowerCase();
  if (kind === 'extension') return `"${raw}" is an extension: declare it under the pipeline's "extensions", not "nodes"`;
  if (!KINDS.includes(kind)) return `"${raw}" has kind "${kind}"; expected receiver, processor or exporter`;
  if (!SEGMENT.test(namespace)) return `"${raw}" has an invalid namespace "${namespace}" (allowed: a-z 0-9 . _ -)`;
  if (!SEGMENT.test(id)) return `"${raw}" has an invalid id "${id}" (allowed: a-z 0-9 . _ -, lower case)`;
  return { urn: `urn:${namespace}:${kind}:${id}`, kind: kind as NodeKind, namespace, id };
}
