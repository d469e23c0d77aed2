// processor:filter on OTLP objects: the js backend's path (held OTAP tables are filtered in
// the Rust core, native/core/src/filter). Same rules: the categories of src/otlp/filter-rules.ts
// evaluated on the values as decoded; scopes and resources left without records are removed.
import type { AttributeLiteral } from './attribute-actions.js';
import type { AttributeRule, FilterRules, MatchRules } from './filter-rules.js';
import type {
  AnyValue,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  KeyValue,
  LogRecord,
  Metric,
  Signal,
  SignalRequest,
  Span,
} from './model.js';

/** A compiled string rule (strict: equality; regexp: unanchored search, Unicode mode). */
export type StringTest = (s: string) => boolean;

export function stringTest(pattern: string, regexp: boolean): StringTest {
  if (!regexp) return (s) => s === pattern;
  // A leading (?ims) group, common in Go and Rust patterns, becomes JavaScript flags.
  const m = /^\(\?([ims]+)\)/.exec(pattern);
  const re = new RegExp(m ? pattern.slice(m[0].length) : pattern, `u${m ? [...new Set(m[1])].join('') : ''}`);
  return (s) => re.test(s);
}

function valueTest(rule: AttributeLiteral, regexp: boolean): (v: AnyValue) => boolean {
  switch (rule.type) {
    case 'string': {
      const t = stringTest(rule.value, regexp);
      return (v) => v.type === 'string' && t(v.value);
    }
    case 'int':
      return (v) => v.type === 'int' && BigInt.asIntN(64, v.value) === BigInt.asIntN(64, rule.value);
    case 'double':
      return (v) => v.type === 'double' && v.value === rule.value;
    case 'bool':
      return (v) => v.type === 'bool' && v.value === rule.value;
  }
}

type Pairs = Array<{ key: string; test: (v: AnyValue) => boolean }>;
const pairs = (rules: AttributeRule[], regexp: boolean): Pairs => rules.map((r) => ({ key: r.key, test: valueTest(r.value, regexp) }));
const anyPair = (ps: Pairs, attrs: readonly KeyValue[]): boolean => attrs.some((kv) => ps.some((p) => p.key === kv.key && p.test(kv.value)));
const allPairs = (ps: Pairs, attrs: readonly KeyValue[]): boolean => ps.every((p) => attrs.some((kv) => p.key === kv.key && p.test(kv.value)));

/** A record's context: its resource's attributes and the record. */
type Category<R> = (resource: readonly KeyValue[], record: R) => boolean;

function logCategories(m: MatchRules): Category<LogRecord>[] {
  const out: Category<LogRecord>[] = [];
  const any = (tests: StringTest[], s: string): boolean => tests.some((t) => t(s));
  if (m.resourceAttributes.length) {
    const ps = pairs(m.resourceAttributes, m.regexp);
    out.push((res) => allPairs(ps, res));
  }
  if (m.recordAttributes.length) {
    const ps = pairs(m.recordAttributes, m.regexp);
    out.push((_, l) => anyPair(ps, l.attributes));
  }
  if (m.severityTexts.length) {
    const ts = m.severityTexts.map((s) => stringTest(s, m.regexp));
    out.push((_, l) => any(ts, l.severityText));
  }
  if (m.severityNumber) {
    const { min, matchUndefined } = m.severityNumber;
    out.push((_, l) => l.severityNumber >= min || (matchUndefined && l.severityNumber === 0));
  }
  if (m.bodies.length) {
    const ts = m.bodies.map((b) => valueTest(b, m.regexp));
    out.push((_, l) => ts.some((t) => t(l.body)));
  }
  return out;
}

function spanCategories(m: MatchRules): Category<Span>[] {
  const out: Category<Span>[] = [];
  const any = (tests: StringTest[], s: string): boolean => tests.some((t) => t(s));
  if (m.resourceAttributes.length) {
    const ps = pairs(m.resourceAttributes, m.regexp);
    out.push((res) => allPairs(ps, res));
  }
  if (m.spanNames.length) {
    const ts = m.spanNames.map((s) => stringTest(s, m.regexp));
    out.push((_, s) => any(ts, s.name));
  }
  if (m.spanKinds.length) out.push((_, s) => m.spanKinds.includes(s.kind));
  if (m.recordAttributes.length) {
    const ps = pairs(m.recordAttributes, m.regexp);
    out.push((_, s) => anyPair(ps, s.attributes));
  }
  if (m.eventNames.length) {
    const ts = m.eventNames.map((s) => stringTest(s, m.regexp));
    out.push((_, s) => s.events.some((e) => any(ts, e.name)));
  }
  if (m.eventAttributes.length) {
    const ps = pairs(m.eventAttributes, m.regexp);
    out.push((_, s) => s.events.some((e) => anyPair(ps, e.attributes)));
  }
  if (m.linkAttributes.length) {
    const ps = pairs(m.linkAttributes, m.regexp);
    out.push((_, s) => s.links.some((l) => anyPair(ps, l.attributes)));
  }
  return out;
}

function metricCategories(m: MatchRules): Category<Metric>[] {
  if (!m.metricNames.length) return [];
  const ts = m.metricNames.map((s) => stringTest(s, m.regexp));
  return [(_, metric) => ts.some((t) => t(metric.name))];
}

/** A record's fate under include and exclude. */
function keeper<R>(rules: FilterRules, categories: (m: MatchRules) => Category<R>[]): Category<R> {
  const inc = rules.include ? categories(rules.include) : [];
  const exc = rules.exclude ? categories(rules.exclude) : [];
  return (res, r) => inc.every((c) => c(res, r)) && !exc.some((c) => c(res, r));
}

/** A filter for one signal, its rules compiled once: the request with only the records the
 *  rules keep. Throws on an invalid regular expression. */
export function recordFilter<S extends Signal>(signal: S, rules: FilterRules): (request: SignalRequest[S]) => SignalRequest[S] {
  switch (signal) {
    case 'logs': {
      const keep = keeper(rules, logCategories);
      return ((r: ExportLogsServiceRequest) => ({
        resourceLogs: r.resourceLogs
          .map((rl) => ({ ...rl, scopeLogs: rl.scopeLogs.map((sl) => ({ ...sl, logRecords: sl.logRecords.filter((l) => keep(rl.resource.attributes, l)) })).filter((sl) => sl.logRecords.length) }))
          .filter((rl) => rl.scopeLogs.length),
      })) as unknown as (request: SignalRequest[S]) => SignalRequest[S];
    }
    case 'traces': {
      const keep = keeper(rules, spanCategories);
      return ((r: ExportTraceServiceRequest) => ({
        resourceSpans: r.resourceSpans
          .map((rs) => ({ ...rs, scopeSpans: rs.scopeSpans.map((ss) => ({ ...ss, spans: ss.spans.filter((s) => keep(rs.resource.attributes, s)) })).filter((ss) => ss.spans.length) }))
          .filter((rs) => rs.scopeSpans.length),
      })) as unknown as (request: SignalRequest[S]) => SignalRequest[S];
    }
    default: {
      const keep = keeper(rules, metricCategories);
      return ((r: ExportMetricsServiceRequest) => ({
        resourceMetrics: r.resourceMetrics
          .map((rm) => ({ ...rm, scopeMetrics: rm.scopeMetrics.map((sm) => ({ ...sm, metrics: sm.metrics.filter((m) => keep(rm.resource.attributes, m)) })).filter((sm) => sm.metrics.length) }))
          .filter((rm) => rm.scopeMetrics.length),
      })) as unknown as (request: SignalRequest[S]) => SignalRequest[S];
    }
  }
}
