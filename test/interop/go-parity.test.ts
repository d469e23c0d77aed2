// Byte-compatibility evidence against the Go reference producer (SPEC-NOTES section 10):
// the same OTLP requests are encoded by the Go Producer (test/interop/go, IPC compression
// off) and by our Producer (no compression), and the two streams are compared per BAR and
// per payload:
//   level 1  envelope: batch ids, payload order and types, schema_id strings, empty headers;
//   level 2  Arrow schema of every IPC stream: names, order, types (timestamp tz "UTC"),
//            nullability, dictionary index widths and IPC ids, field metadata (dictId),
//            schema metadata (sorting_columns);
//   level 3  dictionary message sequence of every chunk: ids, isDelta, entries;
//   level 4  record batches: row counts always; values exactly where Go's sort has no ties.
// Inputs: the Go datagen requests (`goGen`) and requests of our own generator (`goEncode`).
//
// Differences the comparison tolerates, each exactly and nothing more:
// 1. Go peer version skew (level 2, nullability only). The peer is pinned to the published
//    Go module v0.46.0; our table prototypes follow the newer Go code SPEC-NOTES was written
//    from, where commit e50b48bb1 ("Standardize otap nullable and optional columns", first
//    released in go/v0.47.0) changed the `nullable` flag of the fields listed in
//    GO_V046_NULLABLE. A field on that list must carry exactly the v0.46.0 flag on the Go
//    side; every other field must match exactly.
// 2. (Fixed: after an empty dictionary we now send a full batch, as arrow-go does.)
// 3. Tie order (levels 3 and 4). Go sorts with an unstable sort (SPEC-NOTES 4.4): rows that
//    tie on Go's sort key (events with the same name in one span, links with the same
//    trace id, data points of one metric, logs with equal trace ids in one scope) may come
//    out in another order. That changes ids handed out in row order, hence the children's
//    parent ids and the dictionary of quasi-delta parent ids of the u32 attribute tables. So:
//    rows must be identical in order wherever Go's output shows no tie on its sort key and
//    the parent table matched exactly (hasTies); elsewhere they are compared as multisets
//    of rows without the id and parent_id columns. Dictionary entries are compared as sets,
//    and in first-seen order where the rows matched exactly; the `parent_id` dictionary of
//    a u32 attribute table is exempt once its parent table's rows were reordered.
// 4. Our documented lossless choices: histogram sum/min/max of 0 are written as 0 and
//    explicit bounds of 0.0 as values (Go: null); summary sum and quantile/value of 0.0 are
//    written as 0 (Go: null, see writeSummaryPoints); empty span/event names are '' (Go: null);
//    attributes with an empty key or an empty value are kept (Go drops them). Values are
//    normalised to Go's form before comparing. (Empty bytes values and number-point start
//    times of 0 are now written as null, exactly as Go writes them.)
// 5. The u32 attribute `parent_id` widened to u16 keys for batches with more than 255 distinct
//    parent ids (widenedParentId); empty byte strings of attribute values non-null (goForm
//    normalises them to Go's null). (An empty log body's type is 0 under a null struct, which
//    the row view shows as a null body, as Go's.)
// Compressed bytes (level 6) and flatbuffer layout (level 5) are not compared.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLogs, generateMetrics, generateTraces } from '../../src/otlp/generate.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../../src/otlp/signal-codec.js';
import { Producer } from '../../src/otap/producer.js';
import { goEncode, goGen, goPeerBinary, hasGo, readFramedBars } from './go-peer.js';
import { yieldToEventLoop } from '../support/event-loop.js';
import { decodeStream, rowMultiset, rowsOf, type DecodedStream, type FieldView, type SchemaView } from './parity.js';

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];

/** Nullable flag of the Go v0.46.0 prototypes where it differs from the current Go code. */
const EXEMPLARS_V046 = { id: false, int_value: false, double_value: false, span_id: false, trace_id: false };
const GO_V046_NULLABLE: Record<string, Record<string, boolean>> = {
  LOGS: {
    resource: false, scope: false, schema_url: false, time_unix_nano: false, observed_time_unix_nano: false,
    trace_id: false, span_id: false, dropped_attributes_count: false, flags: false,
  },
  SPAN_LINKS: { trace_id: true, span_id: true },
  UNIVARIATE_METRICS: { resource: false, scope: false, schema_url: false, description: false, unit: false },
  NUMBER_DATA_POINTS: { id: false, flags: false },
  SUMMARY_DATA_POINTS: {
    id: false, start_time_unix_nano: false, count: false, sum: false, quantile: false,
    'quantile.item.quantile': false, 'quantile.item.value': false, flags: false,
  },
  HISTOGRAM_DATA_POINTS: {
    id: false, start_time_unix_nano: false, count: false, bucket_counts: false, explicit_bounds: false, flags: false,
  },
  EXP_HISTOGRAM_DATA_POINTS: {
    id: false, start_time_unix_nano: false, count: false, scale: false, zero_count: false,
    positive: false, 'positive.offset': false, 'positive.bucket_counts': false,
    negative: false, 'negative.offset': false, 'negative.bucket_counts': false, flags: false,
  },
  NUMBER_DP_EXEMPLARS: EXEMPLARS_V046,
  HISTOGRAM_DP_EXEMPLARS: EXEMPLARS_V046,
  EXP_HISTOGRAM_DP_EXEMPLARS: EXEMPLARS_V046,
};

/** The table whose ids a table's order depends on (its parent's ids, or its own sort key). */
const ORDER_PARENT: Record<string, string> = {
  LOG_ATTRS: 'LOGS', SPAN_ATTRS: 'SPANS', SPAN_EVENTS: 'SPANS', SPAN_LINKS: 'SPANS', METRIC_ATTRS: 'UNIVARIATE_METRICS',
  NUMBER_DATA_POINTS: 'UNIVARIATE_METRICS', SUMMARY_DATA_POINTS: 'UNIVARIATE_METRICS',
  HISTOGRAM_DATA_POINTS: 'UNIVARIATE_METRICS', EXP_HISTOGRAM_DATA_POINTS: 'UNIVARIATE_METRICS',
  NUMBER_DP_EXEMPLARS: 'NUMBER_DATA_POINTS', HISTOGRAM_DP_EXEMPLARS: 'HISTOGRAM_DATA_POINTS',
  EXP_HISTOGRAM_DP_EXEMPLARS: 'EXP_HISTOGRAM_DATA_POINTS',
};

/**
 * True when two adjacent rows of Go's output tie on Go's sort key (SPEC-NOTES 4.4), read
 * from the encoded columns: a tie is an equal key with a zero (quasi-)delta parent id, or
 * zero resource/scope id deltas for the root tables.
 */
function hasTies(type: string, rows: readonly Record<string, unknown>[]): boolean {
  const sid = (r: Record<string, unknown>, k: string) => (r[k] as { id?: unknown } | null)?.id;
  const key = (r: Record<string, unknown>): string | undefined => {
    switch (type) {
      case 'SPANS': return JSON.stringify([r.name, r.trace_id]);
      case 'LOGS': return JSON.stringify([r.trace_id]);
      case 'UNIVARIATE_METRICS': return JSON.stringify([r.metric_type, r.name]);
      case 'SPAN_EVENTS': return JSON.stringify([r.name]);
      case 'SPAN_LINKS': return JSON.stringify([r.trace_id]);
      default:
        if (type.endsWith('_EXEMPLARS')) return JSON.stringify([r.int_value, r.double_value]);
        if (type.endsWith('_DATA_POINTS')) return '';
        if (ATTR_TABLES.has(type)) return JSON.stringify([r.type, r.key, r.str, r.int, r.double, r.bool, r.bytes, r.ser]);
        return undefined;
    }
  };
  const root = type === 'SPANS' || type === 'LOGS' || type === 'UNIVARIATE_METRICS';
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!, b = rows[i]!;
    if (key(a) !== key(b)) continue;
    if (root ? sid(b, 'resource') === 0 && sid(b, 'scope') === 0 : b.parent_id === 0) return true;
  }
  return false;
}

/** u32-parent attribute tables -> the table their parent_id points into. */
const ATTR_PARENT: Record<string, string> = {
  SPAN_EVENT_ATTRS: 'SPAN_EVENTS', SPAN_LINK_ATTRS: 'SPAN_LINKS',
  NUMBER_DP_ATTRS: 'NUMBER_DATA_POINTS', SUMMARY_DP_ATTRS: 'SUMMARY_DATA_POINTS',
  HISTOGRAM_DP_ATTRS: 'HISTOGRAM_DATA_POINTS', EXP_HISTOGRAM_DP_ATTRS: 'EXP_HISTOGRAM_DATA_POINTS',
  NUMBER_DP_EXEMPLAR_ATTRS: 'NUMBER_DP_EXEMPLARS', HISTOGRAM_DP_EXEMPLAR_ATTRS: 'HISTOGRAM_DP_EXEMPLARS',
  EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS: 'EXP_HISTOGRAM_DP_EXEMPLARS',
};
const ATTR_TABLES = new Set(['RESOURCE_ATTRS', 'SCOPE_ATTRS', 'LOG_ATTRS', 'SPAN_ATTRS', 'METRIC_ATTRS', ...Object.keys(ATTR_PARENT)]);

// ---------------------------------------------------------------------------------------
// Level 2: Go's schema with the v0.46.0 nullability mapped to the current code's

/**
 * Tolerance 5: the u32 `parent_id` of an attribute table gets u16 keys in ours where Go still
 * has u8 when the batch holds more than 255 distinct parent ids (the Rust engine restores
 * absolute ids into the key width it received; test/README.md).
 */
function widenedParentId(type: string, ours: SchemaView | undefined, go: SchemaView): SchemaView {
  if (!ATTR_PARENT[type] || !ours) return go;
  const o = ours.fields.find((f) => f.name === 'parent_id');
  return {
    ...go,
    fields: go.fields.map((f) =>
      f.name === 'parent_id' && f.dictionary?.index === 'u8' && o?.dictionary?.index === 'u16'
        ? { ...f, dictionary: { ...f.dictionary, index: 'u16' } }
        : f,
    ),
  };
}

function currentGoSchema(type: string, schema: SchemaView): SchemaView {
  const flags = GO_V046_NULLABLE[type] ?? {};
  const map = (fields: FieldView[], prefix: string): FieldView[] =>
    fields.map((f) => {
      const p = prefix + f.name;
      const v046 = flags[p];
      const out: FieldView = { ...f, nullable: v046 !== undefined && f.nullable === v046 ? !v046 : f.nullable };
      if (f.children) out.children = map(f.children, f.type === 'list' ? prefix + f.name + '.' : p + '.');
      return out;
    });
  return { ...schema, fields: map(schema.fields, '') };
}

// ---------------------------------------------------------------------------------------
// Level 4: rows normalised to Go's representation (tolerance 4)

function goForm(type: string, row: Record<string, unknown>): Record<string, unknown> {
  const r = { ...row };
  if (type === 'HISTOGRAM_DATA_POINTS' || type === 'EXP_HISTOGRAM_DATA_POINTS') {
    for (const k of ['sum', 'min', 'max']) if (r[k] === 0) r[k] = null;
    if (Array.isArray(r.explicit_bounds)) r.explicit_bounds = (r.explicit_bounds as unknown[]).map((b) => (b === 0 ? null : b));
  }
  if (type === 'SUMMARY_DATA_POINTS') {
    if (r.sum === 0) r.sum = null;
    if (Array.isArray(r.quantile)) {
      r.quantile = (r.quantile as Record<string, unknown>[]).map((q) => ({
        quantile: q.quantile === 0 ? null : q.quantile,
        value: q.value === 0 ? null : q.value,
      }));
    }
  }
  if ((type === 'SPANS' || type === 'SPAN_EVENTS') && r.name === '') r.name = null;
  // Empty byte strings of attribute values are non-null empty binary in ours (Go: null).
  const emptyBytesToNull = (o: Record<string, unknown>) => {
    if (o.bytes === '0x' || (o.bytes instanceof Uint8Array && o.bytes.length === 0)) o.bytes = null;
  };
  if (ATTR_TABLES.has(type)) emptyBytesToNull(r);
  return r;
}

/** Attribute rows Go drops (empty key or empty value); none expected in these inputs. */
const goDrops = (type: string, r: Record<string, unknown>): boolean => ATTR_TABLES.has(type) && (r.key === '' || r.type === 0);

function withoutIds(r: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, parent_id: _parent, ...rest } = r;
  for (const k of ['resource', 'scope']) {
    const s = rest[k];
    if (s && typeof s === 'object') {
      const { id: _sid, ...inner } = s as Record<string, unknown>;
      rest[k] = inner;
    }
  }
  return rest;
}

// ---------------------------------------------------------------------------------------
// The comparison

interface Report {
  bars: number;
  payloads: number;
  streams: number;
  dictionaryMessages: number;
  /** Payloads whose rows are identical, in order, to Go's (after tolerance 4). */
  exactPayloads: number;
  /** Payloads equal to Go's only as multisets of rows without ids (tie order). */
  reorderedPayloads: string[];
  /** Dictionary messages whose entries are in Go's first-seen order. */
  dictionaryMessagesInGoOrder: number;
}

async function compareStreams(go: DecodedStream, ours: DecodedStream): Promise<Report> {
  const report: Report = {
    bars: go.views.length, payloads: 0, streams: 0, dictionaryMessages: 0, exactPayloads: 0, reorderedPayloads: [],
    dictionaryMessagesInGoOrder: 0,
  };
  // Level 1: the envelope, exactly.
  const envelope = (s: DecodedStream) =>
    s.views.map((b) => ({ batchId: b.batchId, headers: b.headersLength, payloads: b.payloads.map((p) => `${p.type}#${p.schemaId}`) }));
  expect(envelope(ours)).toEqual(envelope(go));

  // Dictionaries exempt from level 3 after a tie reordering of the parent table (tolerance 3).
  const diverged = new Set<string>();
  for (const [b, gBar] of go.views.entries()) {
    await yieldToEventLoop(); // tens of seconds per stream on a loaded machine: see test/support/event-loop.ts
    const oBar = ours.views[b]!;
    const reordered = new Set<string>();
    const exact = new Set<string>();
    const stable = new Set<string>();
    // Level 4 first (it decides which parent_id dictionaries may differ).
    for (const [type, gBatch] of go.batches[b]!) {
      const oBatch = ours.batches[b]!.get(type)!;
      const gRows = rowsOf(gBatch).map((r) => goForm(type, r));
      const oRows = rowsOf(oBatch).map((r) => goForm(type, r)).filter((r) => !goDrops(type, r));
      expect(oRows.length, `bar ${b} ${type} rows`).toBe(gRows.length);
      report.payloads++;
      const orderParent = ORDER_PARENT[type] ?? ATTR_PARENT[type];
      // Identical rows that tie still hand out their ids in Go's order: the children of a
      // table are pinned only when the table matched and had no ties.
      const mustMatch = !hasTies(type, rowsOf(gBatch)) && (!orderParent || stable.has(orderParent));
      if (JSON.stringify(oRows) === JSON.stringify(gRows)) {
        report.exactPayloads++;
        exact.add(type);
        if (mustMatch) stable.add(type);
        continue;
      }
      expect(mustMatch, `bar ${b} ${type}: rows differ from Go's although Go's sort has no ties here`).toBe(false);
      expect(rowMultiset(oRows.map(withoutIds)), `bar ${b} ${type}: row contents`).toEqual(rowMultiset(gRows.map(withoutIds)));
      reordered.add(type);
      report.reorderedPayloads.push(`${b}:${type}`);
    }

    gBar.payloads.forEach((gp, k) => {
      const op = oBar.payloads[k]!;
      const where = `bar ${b} ${gp.type}#${gp.schemaId}`;
      // Level 2: schema of every new IPC stream.
      expect(op.schema === undefined, `${where}: opens a stream`).toBe(gp.schema === undefined);
      if (gp.schema) {
        report.streams++;
        expect(op.schema, `${where}: schema`).toEqual(widenedParentId(gp.type, op.schema, currentGoSchema(gp.type, gp.schema)));
      }
      expect(op.recordBatches, `${where}: record batches`).toEqual(gp.recordBatches);

      // Level 3: dictionary messages.
      const parent = ATTR_PARENT[gp.type];
      if (parent && reordered.has(parent)) diverged.add(`${gp.schemaId}/parent_id`);
      const exempt = (path: string) => path === 'parent_id' && diverged.has(`${gp.schemaId}/parent_id`);
      const g = gp.dictionaries.filter((d) => !exempt(d.path));
      const o = op.dictionaries
        .filter((d) => !exempt(d.path))

      const shape = (ds: typeof g) =>
        ds.map((d) => ({ id: d.id, path: d.path, isDelta: d.isDelta, entries: d.entries }));
      expect(shape(o), `${where}: dictionary messages`).toEqual(shape(g));
      g.forEach((gd, j) => {
        const od = o[j]!;
        report.dictionaryMessages++;
        expect([...od.values].sort(), `${where}: entries of ${gd.path}`).toEqual([...gd.values].sort());
        const sameOrder = JSON.stringify(od.values) === JSON.stringify(gd.values);
        if (sameOrder) report.dictionaryMessagesInGoOrder++;
        else expect(exact.has(gp.type), `${where}: first-seen order of ${gd.path}`).toBe(false);
      });
    });
  }
  return report;
}

// ---------------------------------------------------------------------------------------

let work: string;
const generators = { traces: generateTraces, logs: generateLogs, metrics: generateMetrics } as const;

function otlpFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.startsWith('otlp-') && n.endsWith('.pb')).sort().map((n) => path.join(dir, n));
}

function encodeWithUs<S extends Signal>(signal: S, requests: SignalRequest[S][]): DecodedStream {
  const producer = new Producer();
  return decodeStream(requests.map((r) => producer.encode(signal, r)));
}

function summary(r: Report): string {
  return `${r.bars} BARs, ${r.payloads} payloads, ${r.streams} IPC streams, ${r.dictionaryMessages} dictionary messages ` +
    `(${r.dictionaryMessagesInGoOrder} in Go's entry order); rows identical for ${r.exactPayloads}/${r.payloads} payloads, ` +
    `tie-reordered: ${[...new Set(r.reorderedPayloads.map((p) => p.split(':')[1]))].join(', ') || 'none'}`;
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'otap-go-parity-'));
  if (hasGo()) await goPeerBinary();
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe.skipIf(!hasGo())('parity with the Go reference producer (uncompressed IPC)', () => {
  for (const signal of SIGNALS) {
    it(`${signal}: Go datagen requests, 10 batches of 200`, async () => {
      const dir = path.join(work, `gen-${signal}`);
      await goGen({ signal, batches: 10, batchSize: 200, seed: 1, out: dir, noZstd: true });
      const requests = otlpFiles(dir).map((f) => decodeOtlp(signal, fs.readFileSync(f)));
      expect(requests.length).toBe(10);
      const go = decodeStream(readFramedBars(path.join(dir, 'go.bars')));
      await yieldToEventLoop();
      const ours = encodeWithUs(signal, requests);
      const report = await compareStreams(go, ours);
      console.log(`go-parity ${signal} (Go datagen): ${summary(report)}`);
      expect(report.bars).toBe(10);
    });

    it(`${signal}: our generator's requests encoded by the Go Producer`, async () => {
      const dir = path.join(work, `ours-${signal}`);
      fs.mkdirSync(dir, { recursive: true });
      const requests = Array.from({ length: 6 }, (_, b) =>
        generators[signal]({ seed: 5, batchSize: 300, batchIndex: b, uniqueValuesPerBatch: 40 }),
      ) as SignalRequest[typeof signal][];
      requests.forEach((r, i) => fs.writeFileSync(path.join(dir, `otlp-${String(i).padStart(4, '0')}.pb`), encodeOtlp(signal, r)));
      const bars = path.join(dir, 'go.bars');
      await goEncode({ signal, in: dir, out: bars, noZstd: true });
      // Our encoder reads the same bytes Go read.
      const reread = otlpFiles(dir).map((f) => decodeOtlp(signal, fs.readFileSync(f)));
      const go = decodeStream(readFramedBars(bars));
      await yieldToEventLoop();
      const ours = encodeWithUs(signal, reread);
      const report = await compareStreams(go, ours);
      console.log(`go-parity ${signal} (our generator): ${summary(report)}`);
      expect(report.bars).toBe(6);
    });
  }
});
