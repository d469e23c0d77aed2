// Runs parsed OTTL log statements (src/otlp/ottl/parse.ts) over a logs request, in order,
// each over every record, as the OTTL log context does: paths read the record, its resource
// and its scope; a condition compares numbers (ints and floats together) and strings in
// order, anything by equality, an absent attribute as nil. A statement whose value does not
// fit its target (a string into severity_number) leaves that record unchanged, as OTTL's
// error_mode: ignore does. Returns a new request; the input is not modified.
import type { AnyValue, ExportLogsServiceRequest, KeyValue, LogRecord } from '../model.js';
import type { AttributeMap, Condition, Path, Statement, Value } from './parse.js';

type Scalar =
  | { k: 'nil' }
  | { k: 'string'; v: string }
  | { k: 'int'; v: bigint }
  | { k: 'double'; v: number }
  | { k: 'bool'; v: boolean }
  | { k: 'other'; any: AnyValue };

interface Ctx {
  resource: KeyValue[];
  scope: KeyValue[];
  log: LogRecord;
}

function fromAny(v: AnyValue): Scalar {
  switch (v.type) {
    case 'empty': return { k: 'nil' };
    case 'string': return { k: 'string', v: v.value };
    case 'int': return { k: 'int', v: v.value };
    case 'double': return { k: 'double', v: v.value };
    case 'bool': return { k: 'bool', v: v.value };
    default: return { k: 'other', any: v };
  }
}

function toAny(s: Scalar): AnyValue {
  switch (s.k) {
    case 'nil': return { type: 'empty' };
    case 'string': return { type: 'string', value: s.v };
    case 'int': return { type: 'int', value: s.v };
    case 'double': return { type: 'double', value: s.v };
    case 'bool': return { type: 'bool', value: s.v };
    case 'other': return s.any;
  }
}

function list(ctx: Ctx, map: AttributeMap): KeyValue[] {
  return map === 'attributes' ? ctx.log.attributes : map === 'resource.attributes' ? ctx.resource : ctx.scope;
}

function read(ctx: Ctx, p: Path): Scalar {
  if (p.kind === 'attribute') {
    const kv = list(ctx, p.map).find((a) => a.key === p.key);
    return kv ? fromAny(kv.value) : { k: 'nil' };
  }
  const l = ctx.log;
  switch (p.field) {
    case 'body': return fromAny(l.body);
    case 'severity_text': return { k: 'string', v: l.severityText };
    case 'severity_number': return { k: 'int', v: BigInt(l.severityNumber) };
    case 'event_name': return { k: 'string', v: l.eventName };
    case 'time_unix_nano': return { k: 'int', v: l.timeUnixNano };
    case 'observed_time_unix_nano': return { k: 'int', v: l.observedTimeUnixNano };
    case 'flags': return { k: 'int', v: BigInt(l.flags) };
    case 'dropped_attributes_count': return { k: 'int', v: BigInt(l.droppedAttributesCount) };
  }
}

function evaluate(ctx: Ctx, v: Value): Scalar {
  switch (v.kind) {
    case 'field':
    case 'attribute': return read(ctx, v);
    case 'nil': return { k: 'nil' };
    case 'string': return { k: 'string', v: v.value };
    case 'int': return { k: 'int', v: v.value };
    case 'double': return { k: 'double', v: v.value };
    case 'bool': return { k: 'bool', v: v.value };
  }
}

const isNumber = (s: Scalar): s is Extract<Scalar, { k: 'int' | 'double' }> => s.k === 'int' || s.k === 'double';

/** -1, 0, 1, or undefined when the two are not ordered (different kinds, NaN). */
function order(a: Scalar, b: Scalar): number | undefined {
  if (a.k === 'int' && b.k === 'int') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if (isNumber(a) && isNumber(b)) {
    const [x, y] = [Number(a.v), Number(b.v)];
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : undefined;
  }
  if (a.k === 'string' && b.k === 'string') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  return undefined;
}

function equal(a: Scalar, b: Scalar): boolean {
  if (a.k === 'nil' || b.k === 'nil') return a.k === b.k;
  if (a.k === 'bool' && b.k === 'bool') return a.v === b.v;
  return order(a, b) === 0;
}

function holds(ctx: Ctx, c: Condition): boolean {
  switch (c.kind) {
    case 'and': return holds(ctx, c.left) && holds(ctx, c.right);
    case 'or': return holds(ctx, c.left) || holds(ctx, c.right);
    case 'not': return !holds(ctx, c.inner);
    case 'value': {
      const v = evaluate(ctx, c.value);
      return v.k === 'bool' && v.v;
    }
    case 'compare': {
      const [a, b] = [evaluate(ctx, c.left), evaluate(ctx, c.right)];
      if (c.op === '==') return equal(a, b);
      if (c.op === '!=') return !equal(a, b);
      const o = order(a, b);
      if (o === undefined) return false;
      return c.op === '<' ? o < 0 : c.op === '<=' ? o <= 0 : c.op === '>' ? o > 0 : o >= 0;
    }
  }
}

const U32_MAX = 0xffff_ffffn;

function set(ctx: Ctx, target: Path, v: Scalar): void {
  const l = ctx.log;
  if (target.kind === 'attribute') {
    const attrs = list(ctx, target.map);
    const existing = attrs.filter((a) => a.key === target.key);
    if (existing.length === 0) attrs.push({ key: target.key, value: toAny(v) });
    for (const kv of existing) kv.value = toAny(v);
    return;
  }
  const int = v.k === 'int' ? v.v : undefined;
  switch (target.field) {
    case 'body': l.body = toAny(v); break;
    case 'severity_text': if (v.k === 'string') l.severityText = v.v; break;
    case 'event_name': if (v.k === 'string') l.eventName = v.v; break;
    case 'severity_number': if (int !== undefined && int >= -(2n ** 31n) && int < 2n ** 31n) l.severityNumber = Number(int); break;
    case 'time_unix_nano': if (int !== undefined && int >= 0n) l.timeUnixNano = int; break;
    case 'observed_time_unix_nano': if (int !== undefined && int >= 0n) l.observedTimeUnixNano = int; break;
    case 'flags': if (int !== undefined && int >= 0n && int <= U32_MAX) l.flags = Number(int); break;
    case 'dropped_attributes_count': if (int !== undefined && int >= 0n && int <= U32_MAX) l.droppedAttributesCount = Number(int); break;
  }
}

function run(ctx: Ctx, s: Statement): void {
  if (s.where && !holds(ctx, s.where)) return;
  switch (s.editor) {
    case 'set':
      set(ctx, s.target, evaluate(ctx, s.value));
      break;
    case 'delete_key': {
      const attrs = list(ctx, s.map);
      const kept = attrs.filter((a) => a.key !== s.key);
      attrs.splice(0, attrs.length, ...kept);
      break;
    }
    case 'keep_keys': {
      const attrs = list(ctx, s.map);
      const kept = attrs.filter((a) => s.keys.includes(a.key));
      attrs.splice(0, attrs.length, ...kept);
      break;
    }
  }
}

export function applyLogStatements(request: ExportLogsServiceRequest, statements: readonly Statement[]): ExportLogsServiceRequest {
  const out = structuredClone(request);
  for (const s of statements) {
    for (const rl of out.resourceLogs) {
      for (const sl of rl.scopeLogs) {
        for (const log of sl.logRecords) run({ resource: rl.resource.attributes, scope: sl.scope.attributes, log }, s);
      }
    }
  }
  return out;
}
