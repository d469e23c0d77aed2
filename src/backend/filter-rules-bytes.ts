// processor:filter's rules for one signal in the byte form the Rust core reads
// (FilterSpec::parse in native/core/src/filter/spec.rs): per section `include|exclude`, the
// match type, its entries, then `end`.
import type { FilterRules, MatchRules } from '../otlp/filter-rules.js';
import { ByteFormWriter } from './byte-form.js';

function section(w: ByteFormWriter, name: string, m: MatchRules): void {
  w.field(name, m.regexp ? 'regexp' : 'strict');
  const attrs = (entry: string, list: MatchRules['resourceAttributes']): void => {
    for (const a of list) w.field(entry, a.key).literal(a.value);
  };
  attrs('resource_attribute', m.resourceAttributes);
  attrs('record_attribute', m.recordAttributes);
  attrs('event_attribute', m.eventAttributes);
  attrs('link_attribute', m.linkAttributes);
  for (const s of m.severityTexts) w.field('severity_text', s);
  if (m.severityNumber) w.field('severity_number', String(m.severityNumber.min), m.severityNumber.matchUndefined ? '1' : '0');
  for (const b of m.bodies) w.field('body').literal(b);
  for (const s of m.spanNames) w.field('span_name', s);
  for (const k of m.spanKinds) w.field('span_kind', String(k));
  for (const s of m.eventNames) w.field('event_name', s);
  for (const s of m.metricNames) w.field('metric_name', s);
  w.field('end');
}

export function encodeFilterRules(rules: FilterRules): Uint8Array {
  const w = new ByteFormWriter();
  if (rules.include) section(w, 'include', rules.include);
  if (rules.exclude) section(w, 'exclude', rules.exclude);
  return w.bytes();
}
