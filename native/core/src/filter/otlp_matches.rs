//! Which root items (log records, spans, metrics) of a parsed OTLP request each configured
//! category of a match holds for: the rules of `matches.rs` read from the request instead
//! of the tables, so a filter on an OTLP batch decides before any table is built. Values
//! read as the tables would give them back: an absent severity is 0, an absent text "",
//! maps and arrays never equal a literal.

use super::spec::{any_matches, Match, Pair};
use crate::cell::Cell;
use crate::encode::ParsedRequest;
use crate::otlp::model::{AnyValue, KeyValue, Roots};

fn cell<'a>(v: &AnyValue<'a>) -> Cell<'a> {
    match *v {
        AnyValue::Empty => Cell::Empty,
        AnyValue::Str(s) => Cell::Str(s),
        AnyValue::Int(i) => Cell::Int(i),
        AnyValue::Double(d) => Cell::Double(d),
        AnyValue::Bool(b) => Cell::Bool(b),
        AnyValue::Bytes(b) => Cell::Bytes(b),
        AnyValue::Array(_) => Cell::Ser(6, None),
        AnyValue::KvList(_) => Cell::Ser(5, None),
    }
}

fn pair_matches(pair: &Pair, kv: &KeyValue<'_>) -> bool {
    pair.key == kv.key && pair.value.matches(&cell(&kv.value))
}

/// Some attribute matches some pair.
fn any_pair(pairs: &[Pair], attrs: &[KeyValue<'_>]) -> bool {
    attrs.iter().any(|kv| pairs.iter().any(|p| pair_matches(p, kv)))
}

/// Every pair is matched by some attribute.
fn all_pairs(pairs: &[Pair], attrs: &[KeyValue<'_>]) -> bool {
    pairs.iter().all(|p| attrs.iter().any(|kv| pair_matches(p, kv)))
}

/// Whether every pair of `pairs` holds for each item's resource, in item order.
fn resource_category<T>(roots: &Roots<'_, T>, pairs: &[Pair]) -> Vec<bool> {
    let mut out = vec![false; roots.items.len()];
    for rg in &roots.resources {
        let hit = all_pairs(pairs, &roots.resource_attrs[rg.attrs.range()]);
        for sg in &roots.scopes[rg.scopes.range()] {
            out[sg.items.range()].iter_mut().for_each(|o| *o = hit);
        }
    }
    out
}

/// One Vec per configured category of `m`: whether it holds for each item of `req`.
pub fn categories(req: &ParsedRequest<'_>, m: &Match) -> Vec<Vec<bool>> {
    let mut out: Vec<Vec<bool>> = Vec::new();
    match req {
        ParsedRequest::Logs(r) => {
            let items = &r.roots.items;
            if !m.resource_attributes.is_empty() {
                out.push(resource_category(&r.roots, &m.resource_attributes));
            }
            if !m.record_attributes.is_empty() {
                out.push(items.iter().map(|l| any_pair(&m.record_attributes, &r.attrs[l.attrs.range()])).collect());
            }
            if !m.severity_texts.is_empty() {
                out.push(items.iter().map(|l| any_matches(&m.severity_texts, l.severity_text)).collect());
            }
            if let Some((min, undefined)) = m.severity_number {
                out.push(items.iter().map(|l| {
                    let v = l.severity_number as i64;
                    v >= min || (undefined && v == 0)
                }).collect());
            }
            if !m.bodies.is_empty() {
                out.push(items.iter().map(|l| m.bodies.iter().any(|b| b.matches(&cell(&l.body)))).collect());
            }
        }
        ParsedRequest::Traces(r) => {
            let items = &r.roots.items;
            if !m.resource_attributes.is_empty() {
                out.push(resource_category(&r.roots, &m.resource_attributes));
            }
            if !m.span_names.is_empty() {
                out.push(items.iter().map(|s| any_matches(&m.span_names, s.name)).collect());
            }
            if !m.span_kinds.is_empty() {
                out.push(items.iter().map(|s| m.span_kinds.contains(&(s.kind as i64))).collect());
            }
            if !m.record_attributes.is_empty() {
                out.push(items.iter().map(|s| any_pair(&m.record_attributes, &r.span_attrs[s.attrs.range()])).collect());
            }
            if !m.event_names.is_empty() {
                out.push(items.iter().map(|s| r.events[s.events.range()].iter().any(|e| any_matches(&m.event_names, e.name))).collect());
            }
            if !m.event_attributes.is_empty() {
                out.push(items.iter().map(|s| {
                    r.events[s.events.range()].iter().any(|e| any_pair(&m.event_attributes, &r.event_attrs[e.attrs.range()]))
                }).collect());
            }
            if !m.link_attributes.is_empty() {
                out.push(items.iter().map(|s| {
                    r.links[s.links.range()].iter().any(|l| any_pair(&m.link_attributes, &r.link_attrs[l.attrs.range()]))
                }).collect());
            }
        }
        ParsedRequest::Metrics(r) => {
            if !m.resource_attributes.is_empty() {
                out.push(resource_category(&r.roots, &m.resource_attributes));
            }
            if !m.metric_names.is_empty() {
                out.push(r.roots.items.iter().map(|x| any_matches(&m.metric_names, x.name)).collect());
            }
        }
    }
    out
}
