// What the Go reference does not carry, removed from a request before comparing with what
// went through Go (documented in test/README.md):
// - attributes with an empty key or an empty value are dropped by the Go producer;
// - histogram / exponential histogram sum, min and max equal to 0 become "unset";
// - Metric.metadata is not sent;
// - map (kvlist) values come back in random order: the Go consumer decodes CBOR maps
//   through a Go map, so entries of nested maps are sorted by key here.
import type { AnyValue, KeyValue, Signal, SignalRequest, ExportMetricsServiceRequest, ExportLogsServiceRequest, ExportTraceServiceRequest } from '../../src/otlp/model.js';

const keep = (attrs: KeyValue[]): KeyValue[] =>
  attrs.filter((kv) => kv.key !== '' && kv.value.type !== 'empty').map((kv) => ({ key: kv.key, value: sortMaps(kv.value) }));

function sortMaps(v: AnyValue): AnyValue {
  if (v.type === 'array') return { type: 'array', values: v.values.map(sortMaps) };
  if (v.type !== 'kvlist') return v;
  const values = v.values.map((kv) => ({ key: kv.key, value: sortMaps(kv.value) }));
  values.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { type: 'kvlist', values };
}
const nz = (v: number | undefined): number | undefined => (v === 0 ? undefined : v);

export function goEquivalent<S extends Signal>(signal: S, req: SignalRequest[S]): SignalRequest[S] {
  const copy = structuredClone(req);
  if (signal === 'traces') {
    for (const rs of (copy as ExportTraceServiceRequest).resourceSpans) {
      rs.resource.attributes = keep(rs.resource.attributes);
      for (const ss of rs.scopeSpans) {
        ss.scope.attributes = keep(ss.scope.attributes);
        for (const s of ss.spans) {
          s.attributes = keep(s.attributes);
          for (const e of s.events) e.attributes = keep(e.attributes);
          for (const l of s.links) l.attributes = keep(l.attributes);
        }
      }
    }
  } else if (signal === 'logs') {
    for (const rl of (copy as ExportLogsServiceRequest).resourceLogs) {
      rl.resource.attributes = keep(rl.resource.attributes);
      for (const sl of rl.scopeLogs) {
        sl.scope.attributes = keep(sl.scope.attributes);
        for (const l of sl.logRecords) {
          l.attributes = keep(l.attributes);
          l.body = sortMaps(l.body);
        }
      }
    }
  } else {
    for (const rm of (copy as ExportMetricsServiceRequest).resourceMetrics) {
      rm.resource.attributes = keep(rm.resource.attributes);
      for (const sm of rm.scopeMetrics) {
        sm.scope.attributes = keep(sm.scope.attributes);
        for (const m of sm.metrics) {
          m.metadata = [];
          const d = m.data;
          if (d.type === 'histogram' || d.type === 'exponentialHistogram') {
            for (const p of d.dataPoints) {
              p.sum = nz(p.sum);
              p.min = nz(p.min);
              p.max = nz(p.max);
            }
          }
          if (d.type !== 'empty') {
            for (const p of d.dataPoints) {
              p.attributes = keep(p.attributes);
              if ('exemplars' in p) for (const e of p.exemplars) e.filteredAttributes = keep(e.filteredAttributes);
            }
          }
        }
      }
    }
  }
  return copy;
}
