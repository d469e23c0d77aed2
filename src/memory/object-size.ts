// Memory estimates without help from the objects measured.

/**
 * Approximate bytes of an object graph: typed-array bytes, string lengths, 8 per number /
 * bigint / boolean, plus a small per-object overhead. Used (a) for a decoded OTLP request,
 * where it lands near the request's protobuf size (what Go's admission counts), and (b) for
 * a Consumer's IPC/dictionary state. Shared ArrayBuffers are counted once per view.
 */
export function estimateBytes(root: unknown, maxObjects = 5_000_000): number {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  let total = 0;
  while (stack.length) {
    const v = stack.pop();
    switch (typeof v) {
      case 'string': total += v.length; continue;
      case 'number': case 'bigint': case 'boolean': total += 8; continue;
      case 'object': break;
      default: continue;
    }
    if (v === null || seen.has(v)) continue;
    seen.add(v);
    if (seen.size > maxObjects) break;
    if (ArrayBuffer.isView(v)) {
      total += v.byteLength;
      continue;
    }
    total += 8;
    if (v instanceof Map) {
      for (const [k, x] of v) stack.push(k, x);
    } else if (v instanceof Set) {
      for (const x of v) stack.push(x);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push(v[i]);
    } else {
      for (const k in v as Record<string, unknown>) stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return total;
}

/**
 * Approximate bytes of an acyclic plain-data tree (a decoded OTLP request): the same
 * measure as estimateBytes without the cycle bookkeeping, so it costs a fraction of the
 * decode that produced the tree.
 */
export function estimateTreeBytes(v: unknown, depth = 0): number {
  switch (typeof v) {
    case 'string': return v.length;
    case 'number': case 'bigint': case 'boolean': return 8;
    case 'object': break;
    default: return 0;
  }
  if (v === null) return 0;
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (depth > 64) return 8;
  let total = 8;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      total += typeof x === 'object' ? estimateTreeBytes(x, depth + 1) : typeof x === 'string' ? x.length : 8;
    }
    return total;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    total += typeof x === 'object' ? estimateTreeBytes(x, depth + 1) : typeof x === 'string' ? x.length : 8;
  }
  return total;
}
