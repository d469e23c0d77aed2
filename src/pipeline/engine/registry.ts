// Node types by URN. Built-in nodes register in ../nodes/builtin.ts; applications add their
// own with registerNode(), on the default registry or on one passed to the engine.
import { parseNodeUrn } from '../config/node-urn.js';
import type { NodeFactory, NodeKind } from './node-api.js';

export class NodeRegistry {
  private readonly factories = new Map<string, { kind: NodeKind; factory: NodeFactory }>();

  register(factory: NodeFactory): this {
    const urn = parseNodeUrn(factory.type);
    if (typeof urn === 'string') throw new Error(`cannot register node type: ${urn}`);
    if (this.factories.has(urn.urn)) throw new Error(`node type ${urn.urn} is already registered`);
    this.factories.set(urn.urn, { kind: urn.kind, factory });
    return this;
  }

  get(urn: string): { kind: NodeKind; factory: NodeFactory } | undefined {
    return this.factories.get(urn);
  }

  /** Registered URNs of one kind, sorted (for "unknown type" messages). */
  known(kind?: NodeKind): string[] {
    return [...this.factories].filter(([, f]) => !kind || f.kind === kind).map(([u]) => u).sort();
  }

  /** A registry holding these types and then anything registered on the copy. */
  extend(): NodeRegistry {
    const r = new NodeRegistry();
    for (const [u, f] of this.factories) r.factories.set(u, f);
    return r;
  }
}
