// ExportMetricsServiceRequest <-> protobuf bytes (collector/metrics/v1, metrics/v1).

import { annotate, EMPTY_BYTES, messageInfo, WireReader } from '../../proto/wire-reader.js';
import { WireType, WireWriter } from '../../proto/wire-writer.js';
import type {
  Exemplar, ExponentialHistogramBuckets, ExponentialHistogramDataPoint,
  ExportMetricsServiceRequest, HistogramDataPoint, Metric, MetricData, NumberDataPoint,
  NumberValue, ResourceMetrics, ScopeMetrics, SummaryDataPoint, ValueAtQuantile,
} from '../model.js';
import {
  decodeTopLevel, emptyResource, emptyScope, readKeyValue, readResource, readScope,
  writeKeyValues, writeResource, writeScope,
} from './common.js';

const LEN = WireType.LEN;
const FIXED64 = WireType.FIXED64;

// ---------------------------------------------------------------------------------------
// Encoding

export function encodeMetricsRequest(req: ExportMetricsServiceRequest): Uint8Array {
  const w = new WireWriter(4096);
  const rms = req.resourceMetrics;
  for (let i = 0; i < rms.length; i++) writeResourceMetrics(w, rms[i]!);
  return w.finish();
}

function writeResourceMetrics(w: WireWriter, rm: ResourceMetrics): void {
  w.tag(1, LEN);
  const mark = w.beginMessage();
  writeResource(w, 1, rm.resource);
  const sms = rm.scopeMetrics;
  for (let i = 0; i < sms.length; i++) writeScopeMetrics(w, sms[i]!);
  w.stringField(3, rm.schemaUrl);
  w.endMessage(mark);
}

function writeScopeMetrics(w: WireWriter, sm: ScopeMetrics): void {
  w.tag(2, LEN);
  const mark = w.beginMessage();
  writeScope(w, 1, sm.scope);
  const metrics = sm.metrics;
  for (let i = 0; i < metrics.length; i++) writeMetric(w, metrics[i]!);
  w.stringField(3, sm.schemaUrl);
  w.endMessage(mark);
}

function writeMetric(w: WireWriter, m: Metric): void {
  w.tag(2, LEN);
  const mark = w.beginMessage();
  w.stringField(1, m.name);
  w.stringField(2, m.description);
  w.stringField(3, m.unit);
  writeMetricData(w, m.data);
  writeKeyValues(w, 12, m.metadata);
  w.endMessage(mark);
}

function writeMetricData(w: WireWriter, d: MetricData): void {
  switch (d.type) {
    case 'empty':
      return;
    case 'gauge': {
      w.tag(5, LEN);
      const mark = w.beginMessage();
      writeNumberDataPoints(w, d.dataPoints);
      w.endMessage(mark);
      return;
    }
    case 'sum': {
      w.tag(7, LEN);
      const mark = w.beginMessage();
      writeNumberDataPoints(w, d.dataPoints);
      w.int32Field(2, d.aggregationTemporality);
      w.boolField(3, d.isMonotonic);
      w.endMessage(mark);
      return;
    }
    case 'histogram': {
      w.tag(9, LEN);
      const mark = w.beginMessage();
      const dps = d.dataPoints;
      for (let i = 0; i < dps.length; i++) writeHistogramDataPoint(w, dps[i]!);
      w.int32Field(2, d.aggregationTemporality);
      w.endMessage(mark);
      return;
    }
    case 'exponentialHistogram': {
      w.tag(10, LEN);
      const mark = w.beginMessage();
      const dps = d.dataPoints;
      for (let i = 0; i < dps.length; i++) writeExpHistogramDataPoint(w, dps[i]!);
      w.int32Field(2, d.aggregationTemporality);
      w.endMessage(mark);
      return;
    }
    case 'summary': {
      w.tag(11, LEN);
      const mark = w.beginMessage();
      const dps = d.dataPoints;
      for (let i = 0; i < dps.length; i++) writeSummaryDataPoint(w, dps[i]!);
      w.endMessage(mark);
      return;
    }
  }
}

/** The as_double / as_int oneof; both NumberDataPoint and Exemplar use fields 4|3 and 6. */
function writeNumberValue(w: WireWriter, doubleField: number, v: NumberValue): void {
  if (v.type === 'double') {
    w.tag(doubleField, FIXED64);
    w.double(v.value);
  } else if (v.type === 'int') {
    w.tag(6, FIXED64);
    w.fixed64(v.value);
  }
}

/** `optional double`: written whenever defined, 0 included. */
function writeOptionalDouble(w: WireWriter, field: number, v: number | undefined): void {
  if (v !== undefined) {
    w.tag(field, FIXED64);
    w.double(v);
  }
}

function writeNumberDataPoints(w: WireWriter, dps: readonly NumberDataPoint[]): void {
  for (let i = 0; i < dps.length; i++) {
    const dp = dps[i]!;
    w.tag(1, LEN);
    const mark = w.beginMessage();
    w.fixed64Field(2, dp.startTimeUnixNano);
    w.fixed64Field(3, dp.timeUnixNano);
    writeNumberValue(w, 4, dp.value);
    writeExemplars(w, 5, dp.exemplars);
    writeKeyValues(w, 7, dp.attributes);
    w.uint32Field(8, dp.flags);
    w.endMessage(mark);
  }
}

function writeExemplars(w: WireWriter, field: number, exs: readonly Exemplar[]): void {
  for (let i = 0; i < exs.length; i++) {
    const ex = exs[i]!;
    w.tag(field, LEN);
    const mark = w.beginMessage();
    w.fixed64Field(2, ex.timeUnixNano);
    writeNumberValue(w, 3, ex.value);
    w.bytesField(4, ex.spanId);
    w.bytesField(5, ex.traceId);
    writeKeyValues(w, 7, ex.filteredAttributes);
    w.endMessage(mark);
  }
}

function writeHistogramDataPoint(w: WireWriter, dp: HistogramDataPoint): void {
  w.tag(1, LEN);
  const mark = w.beginMessage();
  w.fixed64Field(2, dp.startTimeUnixNano);
  w.fixed64Field(3, dp.timeUnixNano);
  w.fixed64Field(4, dp.count);
  writeOptionalDouble(w, 5, dp.sum);
  w.packedFixed64(6, dp.bucketCounts);
  w.packedDouble(7, dp.explicitBounds);
  writeExemplars(w, 8, dp.exemplars);
  writeKeyValues(w, 9, dp.attributes);
  w.uint32Field(10, dp.flags);
  writeOptionalDouble(w, 11, dp.min);
  writeOptionalDouble(w, 12, dp.max);
  w.endMessage(mark);
}

function writeBuckets(w: WireWriter, field: number, b: ExponentialHistogramBuckets): void {
  w.tag(field, LEN);
  const mark = w.beginMessage();
  w.sint32Field(1, b.offset);
  w.packedVarintBig(2, b.bucketCounts);
  w.endMessage(mark);
}

function writeExpHistogramDataPoint(w: WireWriter, dp: ExponentialHistogramDataPoint): void {
  w.tag(1, LEN);
  const mark = w.beginMessage();
  writeKeyValues(w, 1, dp.attributes);
  w.fixed64Field(2, dp.startTimeUnixNano);
  w.fixed64Field(3, dp.timeUnixNano);
  w.fixed64Field(4, dp.count);
  writeOptionalDouble(w, 5, dp.sum);
  w.sint32Field(6, dp.scale);
  w.fixed64Field(7, dp.zeroCount);
  writeBuckets(w, 8, dp.positive);
  writeBuckets(w, 9, dp.negative);
  w.uint32Field(10, dp.flags);
  writeExemplars(w, 11, dp.exemplars);
  writeOptionalDouble(w, 12, dp.min);
  writeOptionalDouble(w, 13, dp.max);
  w.doubleField(14, dp.zeroThreshold);
  w.endMessage(mark);
}

function writeSummaryDataPoint(w: WireWriter, dp: SummaryDataPoint): void {
  w.tag(1, LEN);
  const mark = w.beginMessage();
  w.fixed64Field(2, dp.startTimeUnixNano);
  w.fixed64Field(3, dp.timeUnixNano);
  w.fixed64Field(4, dp.count);
  w.doubleField(5, dp.sum);
  const qs = dp.quantileValues;
  for (let i = 0; i < qs.length; i++) {
    const q = qs[i]!;
    w.tag(6, LEN);
    const inner = w.beginMessage();
    w.doubleField(1, q.quantile);
    w.doubleField(2, q.value);
    w.endMessage(inner);
  }
  writeKeyValues(w, 7, dp.attributes);
  w.uint32Field(8, dp.flags);
  w.endMessage(mark);
}

// ---------------------------------------------------------------------------------------
// Decoding

const REQUEST = messageInfo('ExportMetricsServiceRequest', { 1: 'resource_metrics' });
const RESOURCE_METRICS = messageInfo('ResourceMetrics', {
  1: 'resource', 2: 'scope_metrics', 3: 'schema_url',
});
const SCOPE_METRICS = messageInfo('ScopeMetrics', { 1: 'scope', 2: 'metrics', 3: 'schema_url' });
const METRIC = messageInfo('Metric', {
  1: 'name', 2: 'description', 3: 'unit', 5: 'gauge', 7: 'sum', 9: 'histogram',
  10: 'exponential_histogram', 11: 'summary', 12: 'metadata',
});
const GAUGE = messageInfo('Gauge', { 1: 'data_points' });
const SUM = messageInfo('Sum', { 1: 'data_points', 2: 'aggregation_temporality', 3: 'is_monotonic' });
const HISTOGRAM = messageInfo('Histogram', { 1: 'data_points', 2: 'aggregation_temporality' });
const EXP_HISTOGRAM = messageInfo('ExponentialHistogram', {
  1: 'data_points', 2: 'aggregation_temporality',
});
const SUMMARY = messageInfo('Summary', { 1: 'data_points' });
const NUMBER_DP = messageInfo('NumberDataPoint', {
  2: 'start_time_unix_nano', 3: 'time_unix_nano', 4: 'as_double', 5: 'exemplars',
  6: 'as_int', 7: 'attributes', 8: 'flags',
});
const EXEMPLAR = messageInfo('Exemplar', {
  2: 'time_unix_nano', 3: 'as_double', 4: 'span_id', 5: 'trace_id', 6: 'as_int',
  7: 'filtered_attributes',
});
// Repeated scalars are matched both packed and unpacked; any other wire type is an error.
const HISTOGRAM_DP = messageInfo('HistogramDataPoint', {
  2: 'start_time_unix_nano', 3: 'time_unix_nano', 4: 'count', 5: 'sum', 6: 'bucket_counts',
  7: 'explicit_bounds', 8: 'exemplars',
  9: 'attributes', 10: 'flags', 11: 'min', 12: 'max',
});
const EXP_HISTOGRAM_DP = messageInfo('ExponentialHistogramDataPoint', {
  1: 'attributes', 2: 'start_time_unix_nano', 3: 'time_unix_nano', 4: 'count', 5: 'sum',
  6: 'scale', 7: 'zero_count', 8: 'positive', 9: 'negative', 10: 'flags', 11: 'exemplars',
  12: 'min', 13: 'max', 14: 'zero_threshold',
});
const BUCKETS = messageInfo('ExponentialHistogramDataPoint.Buckets', {
  1: 'offset', 2: 'bucket_counts',
});
const SUMMARY_DP = messageInfo('SummaryDataPoint', {
  2: 'start_time_unix_nano', 3: 'time_unix_nano', 4: 'count', 5: 'sum',
  6: 'quantile_values', 7: 'attributes', 8: 'flags',
});
const QUANTILE = messageInfo('SummaryDataPoint.ValueAtQuantile', { 1: 'quantile', 2: 'value' });

export function decodeMetricsRequest(bytes: Uint8Array): ExportMetricsServiceRequest {
  return decodeTopLevel(bytes, REQUEST.name, readRequest);
}

function readRequest(r: WireReader): ExportMetricsServiceRequest {
  const req: ExportMetricsServiceRequest = { resourceMetrics: [] };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      if (tag === 10) req.resourceMetrics.push(readResourceMetrics(r));
      else r.skip(tag, REQUEST);
    }
  } catch (err) {
    throw annotate(err, REQUEST, tag);
  }
  return req;
}

function readResourceMetrics(r: WireReader): ResourceMetrics {
  const outer = r.enter();
  const rm: ResourceMetrics = { resource: emptyResource(), scopeMetrics: [], schemaUrl: '' };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: rm.resource = readResource(r); break;
        case 18: rm.scopeMetrics.push(readScopeMetrics(r)); break;
        case 26: rm.schemaUrl = r.string(); break;
        default: r.skip(tag, RESOURCE_METRICS);
      }
    }
  } catch (err) {
    throw annotate(err, RESOURCE_METRICS, tag);
  }
  r.leave(outer);
  return rm;
}

function readScopeMetrics(r: WireReader): ScopeMetrics {
  const outer = r.enter();
  const sm: ScopeMetrics = { scope: emptyScope(), metrics: [], schemaUrl: '' };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: sm.scope = readScope(r); break;
        case 18: sm.metrics.push(readMetric(r)); break;
        case 26: sm.schemaUrl = r.string(); break;
        default: r.skip(tag, SCOPE_METRICS);
      }
    }
  } catch (err) {
    throw annotate(err, SCOPE_METRICS, tag);
  }
  r.leave(outer);
  return sm;
}

function readMetric(r: WireReader): Metric {
  const outer = r.enter();
  const m: Metric = { name: '', description: '', unit: '', data: { type: 'empty' }, metadata: [] };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: m.name = r.string(); break;
        case 18: m.description = r.string(); break;
        case 26: m.unit = r.string(); break;
        case 42: m.data = readGauge(r); break;
        case 58: m.data = readSum(r); break;
        case 74: m.data = readHistogram(r); break;
        case 82: m.data = readExpHistogram(r); break;
        case 90: m.data = readSummary(r); break;
        case 98: m.metadata.push(readKeyValue(r)); break;
        default: r.skip(tag, METRIC);
      }
    }
  } catch (err) {
    throw annotate(err, METRIC, tag);
  }
  r.leave(outer);
  return m;
}

function readGauge(r: WireReader): MetricData {
  const outer = r.enter();
  const dataPoints: NumberDataPoint[] = [];
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      if (tag === 10) dataPoints.push(readNumberDataPoint(r));
      else r.skip(tag, GAUGE);
    }
  } catch (err) {
    throw annotate(err, GAUGE, tag);
  }
  r.leave(outer);
  return { type: 'gauge', dataPoints };
}

function readSum(r: WireReader): MetricData {
  const outer = r.enter();
  const d = {
    type: 'sum' as const,
    dataPoints: [] as NumberDataPoint[],
    aggregationTemporality: 0,
    isMonotonic: false,
  };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: d.dataPoints.push(readNumberDataPoint(r)); break;
        case 16: d.aggregationTemporality = r.int32(); break;
        case 24: d.isMonotonic = r.bool(); break;
        default: r.skip(tag, SUM);
      }
    }
  } catch (err) {
    throw annotate(err, SUM, tag);
  }
  r.leave(outer);
  return d;
}

function readHistogram(r: WireReader): MetricData {
  const outer = r.enter();
  const d = {
    type: 'histogram' as const,
    dataPoints: [] as HistogramDataPoint[],
    aggregationTemporality: 0,
  };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: d.dataPoints.push(readHistogramDataPoint(r)); break;
        case 16: d.aggregationTemporality = r.int32(); break;
        default: r.skip(tag, HISTOGRAM);
      }
    }
  } catch (err) {
    throw annotate(err, HISTOGRAM, tag);
  }
  r.leave(outer);
  return d;
}

function readExpHistogram(r: WireReader): MetricData {
  const outer = r.enter();
  const d = {
    type: 'exponentialHistogram' as const,
    dataPoints: [] as ExponentialHistogramDataPoint[],
    aggregationTemporality: 0,
  };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: d.dataPoints.push(readExpHistogramDataPoint(r)); break;
        case 16: d.aggregationTemporality = r.int32(); break;
        default: r.skip(tag, EXP_HISTOGRAM);
      }
    }
  } catch (err) {
    throw annotate(err, EXP_HISTOGRAM, tag);
  }
  r.leave(outer);
  return d;
}

function readSummary(r: WireReader): MetricData {
  const outer = r.enter();
  const dataPoints: SummaryDataPoint[] = [];
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      if (tag === 10) dataPoints.push(readSummaryDataPoint(r));
      else r.skip(tag, SUMMARY);
    }
  } catch (err) {
    throw annotate(err, SUMMARY, tag);
  }
  r.leave(outer);
  return { type: 'summary', dataPoints };
}

function readNumberDataPoint(r: WireReader): NumberDataPoint {
  const outer = r.enter();
  const dp: NumberDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    value: { type: 'none' },
    exemplars: [],
    flags: 0,
  };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 17: dp.startTimeUnixNano = r.fixed64(); break;
        case 25: dp.timeUnixNano = r.fixed64(); break;
        case 33: dp.value = { type: 'double', value: r.double() }; break;
        case 42: dp.exemplars.push(readExemplar(r)); break;
        case 49: dp.value = { type: 'int', value: r.sfixed64() }; break;
        case 58: dp.attributes.push(readKeyValue(r)); break;
        case 64: dp.flags = r.uint32(); break;
        default: r.skip(tag, NUMBER_DP);
      }
    }
  } catch (err) {
    throw annotate(err, NUMBER_DP, tag);
  }
  r.leave(outer);
  return dp;
}

function readExemplar(r: WireReader): Exemplar {
  const outer = r.enter();
  const ex: Exemplar = {
    filteredAttributes: [],
    timeUnixNano: 0n,
    value: { type: 'none' },
    spanId: EMPTY_BYTES,
    traceId: EMPTY_BYTES,
  };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 17: ex.timeUnixNano = r.fixed64(); break;
        case 25: ex.value = { type: 'double', value: r.double() }; break;
        case 34: ex.spanId = r.bytes(); break;
        case 42: ex.traceId = r.bytes(); break;
        case 49: ex.value = { type: 'int', value: r.sfixed64() }; break;
        case 58: ex.filteredAttributes.push(readKeyValue(r)); break;
        default: r.skip(tag, EXEMPLAR);
      }
    }
  } catch (err) {
    throw annotate(err, EXEMPLAR, tag);
  }
  r.leave(outer);
  return ex;
}

function readHistogramDataPoint(r: WireReader): HistogramDataPoint {
  const outer = r.enter();
  const dp: HistogramDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0n,
    sum: undefined,
    bucketCounts: [],
    explicitBounds: [],
    exemplars: [],
    flags: 0,
    min: undefined,
    max: undefined,
  };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 17: dp.startTimeUnixNano = r.fixed64(); break;
        case 25: dp.timeUnixNano = r.fixed64(); break;
        case 33: dp.count = r.fixed64(); break;
        case 41: dp.sum = r.double(); break;
        case 50: readPackedFixed64(r, dp.bucketCounts); break;
        case 49: dp.bucketCounts.push(r.fixed64()); break;
        case 58: readPackedDouble(r, dp.explicitBounds); break;
        case 57: dp.explicitBounds.push(r.double()); break;
        case 66: dp.exemplars.push(readExemplar(r)); break;
        case 74: dp.attributes.push(readKeyValue(r)); break;
        case 80: dp.flags = r.uint32(); break;
        case 89: dp.min = r.double(); break;
        case 97: dp.max = r.double(); break;
        default: r.skip(tag, HISTOGRAM_DP);
      }
    }
  } catch (err) {
    throw annotate(err, HISTOGRAM_DP, tag);
  }
  r.leave(outer);
  return dp;
}

function readExpHistogramDataPoint(r: WireReader): ExponentialHistogramDataPoint {
  const outer = r.enter();
  const dp: ExponentialHistogramDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0n,
    sum: undefined,
    scale: 0,
    zeroCount: 0n,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    flags: 0,
    exemplars: [],
    min: undefined,
    max: undefined,
    zeroThreshold: 0,
  };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: dp.attributes.push(readKeyValue(r)); break;
        case 17: dp.startTimeUnixNano = r.fixed64(); break;
        case 25: dp.timeUnixNano = r.fixed64(); break;
        case 33: dp.count = r.fixed64(); break;
        case 41: dp.sum = r.double(); break;
        case 48: dp.scale = r.sint32(); break;
        case 57: dp.zeroCount = r.fixed64(); break;
        case 66: dp.positive = readBuckets(r); break;
        case 74: dp.negative = readBuckets(r); break;
        case 80: dp.flags = r.uint32(); break;
        case 90: dp.exemplars.push(readExemplar(r)); break;
        case 97: dp.min = r.double(); break;
        case 105: dp.max = r.double(); break;
        case 113: dp.zeroThreshold = r.double(); break;
        default: r.skip(tag, EXP_HISTOGRAM_DP);
      }
    }
  } catch (err) {
    throw annotate(err, EXP_HISTOGRAM_DP, tag);
  }
  r.leave(outer);
  return dp;
}

function readBuckets(r: WireReader): ExponentialHistogramBuckets {
  const outer = r.enter();
  const b: ExponentialHistogramBuckets = { offset: 0, bucketCounts: [] };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 8: b.offset = r.sint32(); break;
        case 18: {
          const inner = r.enter();
          while (r.pos < r.limit) b.bucketCounts.push(r.uint64());
          r.leave(inner);
          break;
        }
        case 16: b.bucketCounts.push(r.uint64()); break;
        default: r.skip(tag, BUCKETS);
      }
    }
  } catch (err) {
    throw annotate(err, BUCKETS, tag);
  }
  r.leave(outer);
  return b;
}

function readSummaryDataPoint(r: WireReader): SummaryDataPoint {
  const outer = r.enter();
  const dp: SummaryDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0n,
    sum: 0,
    quantileValues: [],
    flags: 0,
  };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 17: dp.startTimeUnixNano = r.fixed64(); break;
        case 25: dp.timeUnixNano = r.fixed64(); break;
        case 33: dp.count = r.fixed64(); break;
        case 41: dp.sum = r.double(); break;
        case 50: dp.quantileValues.push(readQuantile(r)); break;
        case 58: dp.attributes.push(readKeyValue(r)); break;
        case 64: dp.flags = r.uint32(); break;
        default: r.skip(tag, SUMMARY_DP);
      }
    }
  } catch (err) {
    throw annotate(err, SUMMARY_DP, tag);
  }
  r.leave(outer);
  return dp;
}

function readQuantile(r: WireReader): ValueAtQuantile {
  const outer = r.enter();
  const q: ValueAtQuantile = { quantile: 0, value: 0 };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 9: q.quantile = r.double(); break;
        case 17: q.value = r.double(); break;
        default: r.skip(tag, QUANTILE);
      }
    }
  } catch (err) {
    throw annotate(err, QUANTILE, tag);
  }
  r.leave(outer);
  return q;
}

function readPackedFixed64(r: WireReader, out: bigint[]): void {
  const outer = r.enter();
  while (r.pos < r.limit) out.push(r.fixed64());
  r.leave(outer);
}

function readPackedDouble(r: WireReader, out: number[]): void {
  const outer = r.enter();
  while (r.pos < r.limit) out.push(r.double());
  r.leave(outer);
}
