// Connection endpoints: `node` or `node["port"]` (single quotes too). No port = "default".

export const DEFAULT_PORT = 'default';

export interface PortSelector {
  node: string;
  port: string;
}

/** Parses one `from` selector, or returns an error message. */
export function parseSelector(raw: string): PortSelector | string {
  const s = raw.trim();
  if (s === '') return 'empty selector: expected a node id or node["port"]';
  const open = s.indexOf('[');
  if (open < 0) {
    if (s.includes(']')) return `"${raw}" has a "]" without "["`;
    return { node: s, port: DEFAULT_PORT };
  }
  if (!s.endsWith(']')) return `"${raw}" is missing the closing "]"`;
  const node = s.slice(0, open).trim();
  if (node === '') return `"${raw}" names no node before "["`;
  const inner = s.slice(open + 1, -1).trim();
  const quote = inner[0];
  if ((quote !== '"' && quote !== "'") || inner.length < 2 || inner[inner.length - 1] !== quote) {
    return `"${raw}": the port must be quoted, e.g. ${node}["logs"]`;
  }
  const port = inner.slice(1, -1);
  if (port === '') return `"${raw}" has an empty port name`;
  return { node, port };
}

export function formatSelector(s: PortSelector): string {
  return s.port === DEFAULT_PORT ? s.node : `${s.node}["${s.port}"]`;
}
