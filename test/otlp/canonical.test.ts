import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalDiff,
  canonicalEqual,
  canonicalize,
  canonicalJson,
  canonicalKey,
  countItems,
} from '../../src/otlp/canonical.js';
import { generateLogs, generateMetrics, generateTraces, type GenerateOptions } from '../../src/otlp/generate.js';
import type {
  AnyValue,
  Exemplar,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  KeyValue,
  LogRecord,
  Metric,
  MetricData,
  Signal,
  SignalRequest,
  Span,
} from '../../src/otlp/model.js';
import { logsRequestArb, metricsRequestArb, requestArb, tracesRequestArb } from '../support/arbitraries.js';

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];

// ---------------------------------------------------------------------------------------
// shuffle: an equivalent (under canonicalize) request with different order and grouping

class TestRng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

function permute<T>(rng: TestRng, xs: readonly T[]): T[] {
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}

/** Splits `xs` into 1..3 random (possibly empty) consecutive-after-permutation parts. */
function split<T>(rng: TestRng, xs: readonly T[]): T[][] {
  const parts: T[][] = [[]];
  for (let n = rng.int(3); n > 0; n--) parts.push([]);
  for (const x of permute(rng, xs)) (parts[rng.int(parts.length)] as T[]).push(x);
  return parts;
}

const clone = <T>(x: T): T => structuredClone(x);

function shuffleAttrs(rng: TestRng, attrs: KeyValue[]): KeyValue[] {
  // Top-level lists only: nested kvlist values keep their order.
  return permute(rng, attrs.map(clone));
}

/** Unset ids and all-zero ids are interchangeable. */
function shuffleId(rng: TestRng, id: Uint8Array, len: number): Uint8Array {
  const zero = id.every((b) => b === 0);
  if (!zero) return new Uint8Array(id);
  return rng.chance(0.5) ? new Uint8Array(0) : new Uint8Array(rng.chance(0.8) ? len : 3);
}

function shuffleExemplars(rng: TestRng, es: Exemplar[]): Exemplar[] {
  return permute(
    rng,
    es.map((e) => ({
      ...clone(e),
      filteredAttributes: shuffleAttrs(rng, e.filteredAttributes),
      traceId: shuffleId(rng, e.traceId, 16),
      spanId: shuffleId(rng, e.spanId, 8),
    })),
  );
}

function shuffleMetricData(rng: TestRng, d: MetricData): MetricData {
  const c = clone(d);
  switch (c.type) {
    case 'empty':
      return c;
    case 'gauge':
    case 'sum':
      c.dataPoints = permute(rng, c.dataPoints.map((p) => ({ ...p, attributes: shuffleAttrs(rng, p.attributes), exemplars: shuffleExemplars(rng, p.exemplars) })));
      return c;
    case 'histogram':
      c.dataPoints = permute(rng, c.dataPoints.map((p) => ({ ...p, attributes: shuffleAttrs(rng, p.attributes), exemplars: shuffleExemplars(rng, p.exemplars) })));
      return c;
    case 'exponentialHistogram':
      c.dataPoints = permute(rng, c.dataPoints.map((p) => ({ ...p, attributes: shuffleAttrs(rng, p.attributes), exemplars: shuffleExemplars(rng, p.exemplars) })));
      return c;
    case 'summary':
      c.dataPoints = permute(rng, c.dataPoints.map((p) => ({ ...p, attributes: shuffleAttrs(rng, p.attributes) })));
      return c;
  }
}

function shuffleSpan(rng: TestRng, s: Span): Span {
  return {
    ...clone(s),
    traceId: shuffleId(rng, s.traceId, 16),
    spanId: shuffleId(rng, s.spanId, 8),
    parentSpanId: shuffleId(rng, s.parentSpanId, 8),
    attributes: shuffleAttrs(rng, s.attributes),
    events: permute(rng, s.events.map((e) => ({ ...clone(e), attributes: shuffleAttrs(rng, e.attributes) }))),
    links: permute(
      rng,
      s.links.map((l) => ({
        ...clone(l),
        traceId: shuffleId(rng, l.traceId, 16),
        spanId: shuffleId(rng, l.spanId, 8),
        attributes: shuffleAttrs(rng, l.attributes),
      })),
    ),
  };
}

function shuffleLog(rng: TestRng, l: LogRecord): LogRecord {
  return {
    ...clone(l),
    traceId: shuffleId(rng, l.traceId, 16),
    spanId: shuffleId(rng, l.spanId, 8),
    attributes: shuffleAttrs(rng, l.attributes),
  };
}

function shuffleMetric(rng: TestRng, m: Metric): Metric {
  return { ...clone(m), data: shuffleMetricData(rng, m.data), metadata: shuffleAttrs(rng, m.metadata) };
}

interface Flat<I> {
  resource: { attributes: KeyValue[]; droppedAttributesCount: number };
  rSchema: string;
  scopes: { scope: { name: string; version: string; attributes: KeyValue[]; droppedAttributesCount: number }; sSchema: string; items: I[] }[];
}

/** Regroups: splits every ResourceX / ScopeX into several, adds empty ones, permutes everything. */
function regroup<I>(rng: TestRng, groups: Flat<I>[], shuffleItem: (rng: TestRng, i: I) => I): Flat<I>[] {
  const out: Flat<I>[] = [];
  for (const g of groups) {
    const scopeParts: Flat<I>['scopes'] = [];
    for (const s of g.scopes) {
      for (const items of split(rng, s.items.map((i) => shuffleItem(rng, i)))) {
        scopeParts.push({
          scope: { ...clone(s.scope), attributes: shuffleAttrs(rng, s.scope.attributes) },
          sSchema: s.sSchema,
          items,
        });
      }
    }
    for (const scopes of split(rng, scopeParts)) {
      out.push({
        resource: { ...clone(g.resource), attributes: shuffleAttrs(rng, g.resource.attributes) },
        rSchema: g.rSchema,
        scopes,
      });
    }
    if (rng.chance(0.2)) out.push({ resource: clone(g.resource), rSchema: g.rSchema, scopes: [] });
  }
  return permute(rng, out);
}

function shuffle<S extends Signal>(signal: S, req: SignalRequest[S], seed: number): SignalRequest[S] {
  const rng = new TestRng(seed);
  if (signal === 'traces') {
    const r = req as ExportTraceServiceRequest;
    const g = regroup(
      rng,
      r.resourceSpans.map((rs) => ({
        resource: rs.resource,
        rSchema: rs.schemaUrl,
        scopes: rs.scopeSpans.map((ss) => ({ scope: ss.scope, sSchema: ss.schemaUrl, items: ss.spans })),
      })),
      shuffleSpan,
    );
    const out: ExportTraceServiceRequest = {
      resourceSpans: g.map((x) => ({
        resource: x.resource,
        schemaUrl: x.rSchema,
        scopeSpans: x.scopes.map((s) => ({ scope: s.scope, schemaUrl: s.sSchema, spans: s.items })),
      })),
    };
    return out as SignalRequest[S];
  }
  if (signal === 'logs') {
    const r = req as ExportLogsServiceRequest;
    const g = regroup(
      rng,
      r.resourceLogs.map((rl) => ({
        resource: rl.resource,
        rSchema: rl.schemaUrl,
        scopes: rl.scopeLogs.map((sl) => ({ scope: sl.scope, sSchema: sl.schemaUrl, items: sl.logRecords })),
      })),
      shuffleLog,
    );
    const out: ExportLogsServiceRequest = {
      resourceLogs: g.map((x) => ({
        resource: x.resource,
        schemaUrl: x.rSchema,
        scopeLogs: x.scopes.map((s) => ({ scope: s.scope, schemaUrl: s.sSchema, logRecords: s.items })),
      })),
    };
    return out as SignalRequest[S];
  }
  const r = req as ExportMetricsServiceRequest;
  const g = regroup(
    rng,
    r.resourceMetrics.map((rm) => ({
      resource: rm.resource,
      rSchema: rm.schemaUrl,
      scopes: rm.scopeMetrics.map((sm) => ({ scope: sm.scope, sSchema: sm.schemaUrl, items: sm.metrics })),
    })),
    shuffleMetric,
  );
  const out: ExportMetricsServiceRequest = {
    resourceMetrics: g.map((x) => ({
      resource: x.resource,
      schemaUrl: x.rSchema,
      scopeMetrics: x.scopes.map((s) => ({ scope: s.scope, schemaUrl: s.sSchema, metrics: s.items })),
    })),
  };
  return out as SignalRequest[S];
}

// ---------------------------------------------------------------------------------------
// mutate: change exactly one leaf of a (canonical) request

type Leaf = { parent: Record<string, unknown> | unknown[]; key: string | number; value: unknown };

function leaves(x: unknown, out: Leaf[] = []): Leaf[] {
  if (Array.isArray(x)) {
    x.forEach((v, i) => collect(x, i, v, out));
  } else if (typeof x === 'object' && x !== null && !(x instanceof Uint8Array)) {
    for (const [k, v] of Object.entries(x)) {
      if (k === 'type') continue; // discriminants are not values
      collect(x as Record<string, unknown>, k, v, out);
    }
  }
  return out;
}

function collect(parent: Leaf['parent'], key: string | number, v: unknown, out: Leaf[]): void {
  if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) leaves(v, out);
  else out.push({ parent, key, value: v });
}

function changed(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
      return `${v}x`;
    case 'bigint':
      return v + 1n;
    case 'boolean':
      return !v;
    case 'undefined':
      return 0; // optional double unset -> set to 0
    case 'number':
      if (Number.isNaN(v)) return 0;
      if (Object.is(v, -0)) return 0;
      if (v === 0) return -0;
      return -v;
    default:
      if (v instanceof Uint8Array) {
        const b = new Uint8Array(v.length + 1);
        b.set(v);
        b[v.length] = 1; // never all-zero, never equal
        return b;
      }
      throw new Error(`unexpected leaf ${String(v)}`);
  }
}

function mutateOneLeaf<T>(x: T, pick: number): { mutated: T; where: string } | undefined {
  const copy = structuredClone(x);
  const ls = leaves(copy);
  if (ls.length === 0) return undefined;
  const leaf = ls[pick % ls.length] as Leaf;
  (leaf.parent as Record<string | number, unknown>)[leaf.key] = changed(leaf.value);
  return { mutated: copy, where: `${String(leaf.key)}=${canonicalJson(leaf.value)}` };
}

// ---------------------------------------------------------------------------------------

const RUNS = { numRuns: 100 };

describe('canonicalJson', () => {
  it('tags special values unambiguously', () => {
    expect(canonicalJson(12n)).toBe('"#12n"');
    expect(canonicalJson('#12n')).toBe('"##12n"');
    expect(canonicalJson('12n')).toBe('"12n"');
    expect(canonicalJson(new Uint8Array([0, 255, 16]))).toBe('"#hex:00ff10"');
    expect(canonicalJson([NaN, -0, 0, Infinity, -Infinity, undefined])).toBe('["#NaN","#-0",0,"#Infinity","#-Infinity","#undefined"]');
    expect(canonicalJson({ b: 1, a: [true, null] })).toBe('{"a":[true,null],"b":1}');
    expect(canonicalJson({ sum: undefined })).not.toBe(canonicalJson({}));
    expect(canonicalJson({ sum: undefined })).not.toBe(canonicalJson({ sum: 0 }));
  });

  it('is injective on distinct model values', () => {
    const values: unknown[] = [0, -0, NaN, Infinity, '0', 0n, '#0n', '0n', new Uint8Array(0), '', '#hex:', undefined, '#undefined', null, 'null', [], {}, [0], [[]]];
    const rendered = new Set(values.map(canonicalJson));
    expect(rendered.size).toBe(values.length);
  });

  it('renders kvlist values recursively in order', () => {
    const a: AnyValue = { type: 'kvlist', values: [{ key: 'x', value: { type: 'int', value: 1n } }, { key: 'y', value: { type: 'array', values: [{ type: 'empty' }] } }] };
    const b: AnyValue = { type: 'kvlist', values: [...a.values].reverse() };
    expect(canonicalKey(a)).not.toBe(canonicalKey(b));
    expect(canonicalKey(a)).toContain('"#1n"');
  });
});

describe('canonicalize', () => {
  for (const signal of SIGNALS) {
    it(`is idempotent and does not mutate (${signal})`, () => {
      fc.assert(
        fc.property(requestArb(signal), (req) => {
          const before = canonicalJson(req);
          const c1 = canonicalize(signal, req);
          expect(canonicalJson(req)).toBe(before);
          const c2 = canonicalize(signal, c1);
          expect(canonicalJson(c2)).toBe(canonicalJson(c1));
          expect(c1).not.toBe(req);
        }),
        RUNS,
      );
    });

    it(`is invariant under reordering and regrouping (${signal})`, () => {
      fc.assert(
        fc.property(requestArb(signal), fc.integer(), (req, seed) => {
          const shuffled = shuffle(signal, req, seed);
          const diff = canonicalDiff(signal, req, shuffled);
          expect(diff).toBeUndefined();
          expect(canonicalEqual(signal, req, shuffled)).toBe(true);
          expect(countItems(signal, shuffled)).toBe(countItems(signal, req));
        }),
        RUNS,
      );
    });

    it(`detects a single changed leaf anywhere (${signal})`, () => {
      fc.assert(
        fc.property(requestArb(signal), fc.nat(), (req, pick) => {
          const canon = canonicalize(signal, req);
          const m = mutateOneLeaf(canon, pick);
          if (m === undefined) return;
          expect(canonicalEqual(signal, canon, m.mutated), m.where).toBe(false);
          expect(canonicalEqual(signal, req, m.mutated), m.where).toBe(false);
          expect(canonicalDiff(signal, req, m.mutated), m.where).toBeTypeOf('string');
        }),
        RUNS,
      );
    });
  }

  it('handles generated realistic requests', () => {
    for (const seed of [1, 2, 3]) {
      const opts: GenerateOptions = { seed, batchSize: 300, resources: 4 };
      const t = generateTraces(opts);
      const l = generateLogs(opts);
      const m = generateMetrics(opts);
      expect(canonicalEqual('traces', t, shuffle('traces', t, seed))).toBe(true);
      expect(canonicalEqual('logs', l, shuffle('logs', l, seed))).toBe(true);
      expect(canonicalEqual('metrics', m, shuffle('metrics', m, seed))).toBe(true);
      expect(countItems('traces', canonicalize('traces', t))).toBe(300);
    }
  });

  it('merges equal resources and scopes and drops empty ones', () => {
    const res = () => ({
      attributes: [
        { key: 'b', value: { type: 'string' as const, value: 'x' } },
        { key: 'a', value: { type: 'int' as const, value: 1n } },
      ],
      droppedAttributesCount: 0,
    });
    const scope = () => ({ name: 's', version: '1', attributes: [], droppedAttributesCount: 0 });
    const log = (body: string): LogRecord => ({
      timeUnixNano: 1n,
      observedTimeUnixNano: 2n,
      severityNumber: 9,
      severityText: 'INFO',
      body: { type: 'string', value: body },
      attributes: [],
      droppedAttributesCount: 0,
      flags: 0,
      traceId: new Uint8Array(0),
      spanId: new Uint8Array(0),
      eventName: '',
    });
    const r1 = res();
    r1.attributes.reverse();
    const req: ExportLogsServiceRequest = {
      resourceLogs: [
        { resource: res(), schemaUrl: 'u', scopeLogs: [{ scope: scope(), schemaUrl: '', logRecords: [log('b')] }, { scope: scope(), schemaUrl: 'other', logRecords: [] }] },
        { resource: { attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [] },
        { resource: r1, schemaUrl: 'u', scopeLogs: [{ scope: scope(), schemaUrl: '', logRecords: [log('a')] }] },
        { resource: res(), schemaUrl: 'v', scopeLogs: [{ scope: scope(), schemaUrl: '', logRecords: [log('c')] }] },
      ],
    };
    const c = canonicalize('logs', req);
    expect(c.resourceLogs).toHaveLength(2);
    const merged = c.resourceLogs.find((r) => r.schemaUrl === 'u');
    expect(merged?.scopeLogs).toHaveLength(1);
    expect(merged?.scopeLogs[0]?.logRecords.map((l) => (l.body.type === 'string' ? l.body.value : ''))).toEqual(['a', 'b']);
    expect(merged?.resource.attributes.map((a) => a.key)).toEqual(['a', 'b']);
    // input untouched
    expect(req.resourceLogs).toHaveLength(4);
    expect(r1.attributes.map((a) => a.key)).toEqual(['a', 'b']);
    expect(req.resourceLogs[0]?.resource.attributes.map((a) => a.key)).toEqual(['b', 'a']);
  });

  it('maps all-zero ids of any length to empty ids', () => {
    const t = generateTraces({ seed: 5, batchSize: 5 });
    const z = structuredClone(t);
    const span = z.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    const orig = t.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    if (!span || !orig) throw new Error('no span');
    expect(orig.parentSpanId.length).toBe(0);
    span.parentSpanId = new Uint8Array(8);
    expect(canonicalEqual('traces', t, z)).toBe(true);
    span.parentSpanId = new Uint8Array(3);
    expect(canonicalEqual('traces', t, z)).toBe(true);
    span.traceId = new Uint8Array(16);
    expect(canonicalEqual('traces', t, z)).toBe(false);
    const c = canonicalize('traces', z);
    const cs = c.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)).find((s) => s.traceId.length === 0);
    expect(cs).toBeDefined();
  });

  it('keeps nested kvlist order but sorts top-level attributes', () => {
    const l = generateLogs({ seed: 9, batchSize: 1 });
    const rec = l.resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
    if (!rec) throw new Error('no record');
    rec.attributes = [
      { key: 'a', value: { type: 'int', value: 1n } },
      { key: 'b', value: { type: 'kvlist', values: [{ key: 'x', value: { type: 'bool', value: true } }, { key: 'y', value: { type: 'empty' } }] } },
    ];
    const swappedTop = structuredClone(l);
    const r2 = swappedTop.resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
    if (!r2) throw new Error('no record');
    r2.attributes.reverse();
    expect(canonicalEqual('logs', l, swappedTop)).toBe(true);
    const swappedNested = structuredClone(l);
    const r3 = swappedNested.resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
    const nested = r3?.attributes[1]?.value;
    if (nested?.type !== 'kvlist') throw new Error('no kvlist');
    nested.values.reverse();
    expect(canonicalEqual('logs', l, swappedNested)).toBe(false);
    expect(canonicalDiff('logs', l, swappedNested)).toMatch(/attributes\[1\]\.value\.values\[0\]/);
  });

  it('distinguishes NaN vs 0, -0 vs 0 and sum undefined vs 0', () => {
    const m = generateMetrics({ seed: 4, batchSize: 60, resources: 1 });
    const points = (req: ExportMetricsServiceRequest) =>
      req.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((x) => x.data)));
    const gaugeOf = (req: ExportMetricsServiceRequest) => {
      const g = points(req).find((d) => d.type === 'gauge' && d.dataPoints.some((p) => p.value.type === 'double'));
      if (g?.type !== 'gauge') throw new Error('no double gauge');
      const p = g.dataPoints.find((x) => x.value.type === 'double');
      if (!p) throw new Error('no point');
      return p;
    };
    const histOf = (req: ExportMetricsServiceRequest) => {
      const h = points(req).find((d) => d.type === 'histogram');
      if (h?.type !== 'histogram' || !h.dataPoints[0]) throw new Error('no histogram');
      return h.dataPoints[0];
    };
    const a = structuredClone(m);
    const b = structuredClone(m);
    gaugeOf(a).value = { type: 'double', value: NaN };
    gaugeOf(b).value = { type: 'double', value: 0 };
    expect(canonicalEqual('metrics', a, b)).toBe(false);
    expect(canonicalDiff('metrics', a, b)).toMatch(/#NaN/);
    gaugeOf(a).value = { type: 'double', value: -0 };
    expect(canonicalEqual('metrics', a, b)).toBe(false);
    expect(canonicalDiff('metrics', a, b)).toMatch(/#-0/);
    gaugeOf(a).value = { type: 'double', value: 0 };
    expect(canonicalEqual('metrics', a, b)).toBe(true);
    histOf(a).sum = undefined;
    histOf(b).sum = 0;
    expect(canonicalEqual('metrics', a, b)).toBe(false);
    expect(canonicalDiff('metrics', a, b)).toMatch(/\.sum: a="#undefined" b=0/);
    histOf(a).sum = 0;
    histOf(a).attributes[0] = { key: histOf(a).attributes[0]?.key ?? 'k', value: { type: 'string', value: 'changed' } };
    expect(canonicalEqual('metrics', a, b)).toBe(false);
    expect(canonicalDiff('metrics', a, b)).toMatch(/attributes/);
    // NaN stays NaN, -0 stays -0 in the canonical form
    gaugeOf(a).value = { type: 'double', value: -0 };
    const canonValues = points(canonicalize('metrics', a)).flatMap((d) =>
      d.type === 'gauge' ? d.dataPoints.map((p) => (p.value.type === 'double' ? p.value.value : undefined)) : [],
    );
    expect(canonValues.some((x) => Object.is(x, -0))).toBe(true);
    gaugeOf(a).value = { type: 'double', value: NaN };
    const canonValues2 = points(canonicalize('metrics', a)).flatMap((d) =>
      d.type === 'gauge' ? d.dataPoints.map((p) => (p.value.type === 'double' ? p.value.value : undefined)) : [],
    );
    expect(canonValues2.some((x) => Number.isNaN(x))).toBe(true);
    const h = points(canonicalize('metrics', b)).find((d) => d.type === 'histogram');
    expect(h?.type === 'histogram' && h.dataPoints.some((p) => p.sum === 0)).toBe(true);
  });

  it('canonicalDiff names the first differing path', () => {
    const t = generateTraces({ seed: 11, batchSize: 20 });
    expect(canonicalDiff('traces', t, shuffle('traces', t, 3))).toBeUndefined();
    const u = structuredClone(t);
    const span = u.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    if (!span) throw new Error('no span');
    span.name = 'renamed';
    const d = canonicalDiff('traces', t, u);
    expect(d).toBeDefined();
    expect(d).toMatch(/^resourceSpans\[\d+\]\.scopeSpans\[\d+\]\.spans\[\d+\]\./);
    expect(d).toMatch(/ a=.* b=/);
  });
});

describe('countItems', () => {
  it('counts spans, log records and data points', () => {
    fc.assert(
      fc.property(tracesRequestArb, logsRequestArb, metricsRequestArb, (t, l, m) => {
        expect(countItems('traces', t)).toBe(t.resourceSpans.reduce((n, r) => n + r.scopeSpans.reduce((k, s) => k + s.spans.length, 0), 0));
        expect(countItems('logs', l)).toBe(l.resourceLogs.reduce((n, r) => n + r.scopeLogs.reduce((k, s) => k + s.logRecords.length, 0), 0));
        let points = 0;
        for (const r of m.resourceMetrics) for (const s of r.scopeMetrics) for (const x of s.metrics) points += x.data.type === 'empty' ? 0 : x.data.dataPoints.length;
        expect(countItems('metrics', m)).toBe(points);
      }),
      { numRuns: 30 },
    );
  });
});

describe('generators', () => {
  const gens = {
    traces: generateTraces,
    logs: generateLogs,
    metrics: generateMetrics,
  } as const;

  for (const signal of SIGNALS) {
    const gen = gens[signal] as (o: GenerateOptions) => SignalRequest[typeof signal];
    it(`are deterministic (${signal})`, () => {
      for (const seed of [0, 1, 42, 0xffffffff]) {
        const opts = { seed, batchSize: 200, batchIndex: 3 };
        expect(canonicalJson(gen(opts))).toBe(canonicalJson(gen(opts)));
      }
      expect(canonicalJson(gen({ seed: 1, batchSize: 50 }))).not.toBe(canonicalJson(gen({ seed: 2, batchSize: 50 })));
      expect(canonicalJson(gen({ seed: 1, batchSize: 50, batchIndex: 0 }))).not.toBe(
        canonicalJson(gen({ seed: 1, batchSize: 50, batchIndex: 1 })),
      );
    });

    it(`give batchSize items (${signal})`, () => {
      for (const batchSize of [0, 1, 2, 10, 100, 1000]) {
        for (const resources of [1, 3, 15]) {
          expect(countItems(signal, gen({ seed: 7, batchSize, resources }))).toBe(batchSize);
        }
      }
    });

    it(`keep resources stable and advance time across batches (${signal})`, () => {
      const resourcesOf = (r: SignalRequest[Signal]): Set<string> => {
        const rs = 'resourceSpans' in r ? r.resourceSpans : 'resourceLogs' in r ? r.resourceLogs : r.resourceMetrics;
        return new Set(rs.map((x) => canonicalJson(x.resource)));
      };
      const b0 = gen({ seed: 3, batchSize: 500, batchIndex: 0 });
      const b5 = gen({ seed: 3, batchSize: 500, batchIndex: 5 });
      expect([...resourcesOf(b5)].sort()).toEqual([...resourcesOf(b0)].sort());
      const maxTime = (r: SignalRequest[Signal]): bigint => {
        let max = 0n;
        const walk = (x: unknown): void => {
          if (Array.isArray(x)) x.forEach(walk);
          else if (typeof x === 'object' && x !== null && !(x instanceof Uint8Array)) {
            for (const [k, v] of Object.entries(x)) {
              if (typeof v === 'bigint' && /TimeUnixNano$|^timeUnixNano$/.test(k) && v > max) max = v;
              else walk(v);
            }
          }
        };
        walk(r);
        return max;
      };
      expect(maxTime(b5)).toBeGreaterThan(maxTime(b0));
    });
  }

  it('produce realistic content', () => {
    const t = generateTraces({ seed: 1, batchSize: 2000, resources: 4 });
    const spans = t.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const traceIds = new Set(spans.map((s) => canonicalJson(s.traceId)));
    expect(traceIds.size).toBeLessThan(spans.length / 2);
    expect(spans.some((s) => s.parentSpanId.length === 8)).toBe(true);
    expect(spans.some((s) => s.events.some((e) => e.name === 'exception'))).toBe(true);
    expect(spans.some((s) => s.links.length > 0)).toBe(true);
    expect(spans.some((s) => s.status.code === 2)).toBe(true);
    const keys = new Set(spans.flatMap((s) => s.attributes.map((a) => a.key)));
    for (const k of ['http.request.method', 'url.path', 'http.response.status_code', 'db.system', 'server.address']) expect(keys).toContain(k);
    expect(t.resourceSpans.every((r) => r.resource.attributes.some((a) => a.key === 'service.name'))).toBe(true);

    const l = generateLogs({ seed: 1, batchSize: 1000 });
    const logs = l.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords));
    expect(new Set(logs.map((x) => x.severityNumber)).size).toBeGreaterThan(3);
    expect(logs.some((x) => x.body.type === 'kvlist')).toBe(true);
    expect(logs.filter((x) => x.body.type === 'string').length).toBeGreaterThan(logs.length / 2);
    expect(logs.some((x) => x.traceId.length === 16)).toBe(true);
    expect(logs.some((x) => x.traceId.length === 0)).toBe(true);

    const m = generateMetrics({ seed: 1, batchSize: 1000 });
    const metrics = m.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const kinds = new Set(metrics.map((x) => x.data.type));
    for (const k of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']) expect(kinds).toContain(k);
    const numberValues = new Set(
      metrics.flatMap((x) => (x.data.type === 'gauge' || x.data.type === 'sum' ? x.data.dataPoints.map((p) => p.value.type) : [])),
    );
    expect(numberValues).toEqual(new Set(['int', 'double']));
    expect(metrics.some((x) => x.data.type === 'sum' && x.data.isMonotonic && x.data.aggregationTemporality === 2)).toBe(true);
    expect(
      metrics.some((x) => (x.data.type === 'histogram' || x.data.type === 'sum') && x.data.dataPoints.some((p) => p.exemplars.length > 0)),
    ).toBe(true);
  });

  it('attributeCardinality bounds high-cardinality values', () => {
    const users = (card: number, batches: number): number => {
      const seen = new Set<string>();
      for (let b = 0; b < batches; b++) {
        const t = generateTraces({ seed: 8, batchSize: 500, batchIndex: b, attributeCardinality: card });
        for (const r of t.resourceSpans)
          for (const s of r.scopeSpans)
            for (const sp of s.spans) for (const a of sp.attributes) if (a.key === 'user.id' && a.value.type === 'string') seen.add(a.value.value);
      }
      return seen.size;
    };
    expect(users(5, 3)).toBeLessThanOrEqual(5);
    expect(users(20, 10)).toBeLessThanOrEqual(20);
    expect(users(100_000, 3)).toBeGreaterThan(100);
  });

  it('uniqueValuesPerBatch adds exactly N fresh values per batch', () => {
    for (const signal of SIGNALS) {
      const gen = gens[signal] as (o: GenerateOptions) => SignalRequest[Signal];
      const seen = new Set<string>();
      const batches = 3;
      for (let b = 0; b < batches; b++) {
        const req = gen({ seed: 5, batchSize: 40, batchIndex: b, uniqueValuesPerBatch: 100 });
        expect(countItems(signal, req as never)).toBe(40);
        const walk = (x: unknown): void => {
          if (Array.isArray(x)) x.forEach(walk);
          else if (typeof x === 'object' && x !== null && !(x instanceof Uint8Array)) {
            const o = x as Record<string, unknown>;
            if (typeof o['key'] === 'string' && o['key'].startsWith('request.id')) {
              const v = o['value'] as AnyValue;
              if (v.type === 'string') seen.add(v.value);
            }
            Object.values(o).forEach(walk);
          }
        };
        walk(req);
        expect(seen.size).toBe(100 * (b + 1));
      }
      // attribute lists still have unique keys
      const req = gen({ seed: 5, batchSize: 40, uniqueValuesPerBatch: 100 });
      const lists: KeyValue[][] = [];
      const walk = (x: unknown): void => {
        if (Array.isArray(x)) x.forEach(walk);
        else if (typeof x === 'object' && x !== null && !(x instanceof Uint8Array)) {
          for (const [k, v] of Object.entries(x)) {
            if (k === 'attributes' && Array.isArray(v)) lists.push(v as KeyValue[]);
            walk(v);
          }
        }
      };
      walk(req);
      for (const list of lists) expect(new Set(list.map((a) => a.key)).size).toBe(list.length);
    }
  });
});
