//! Which root rows (log records, spans, metrics) each configured category of a match holds
//! for, read from the tables as the consumer reads them: ids and parent ids decoded, absent
//! columns as their zero values (severity 0, empty text), a row without an id as one without
//! attributes.

use std::collections::{HashMap, HashSet};

use super::spec::{any_matches, Match, Pair, Pattern};
use crate::bar::payload_type as T;
use crate::cell::Cell;
use crate::decode::common::{attribute_parents, delta_decode, ids_or_null, AnyValueColumns, AttrColumns, IdHasher};
use crate::decode::{table_name, DecodedTables, TableView};
use crate::error::OtapError;
use crate::rebatch::{decode_parents, root_type, ParentRule};
use crate::Signal;

type Hasher = std::hash::BuildHasherDefault<IdHasher>;
type IdSet = HashSet<i64, Hasher>;
type Res<T> = Result<T, OtapError>;

struct Batch<'a> {
    tables: &'a DecodedTables,
}

impl<'a> Batch<'a> {
    fn view(&self, t: i32) -> Option<TableView<'a>> {
        self.tables.batches.iter().find(|(ty, b)| *ty == t && b.num_rows() > 0).map(|(t, b)| TableView::new(table_name(*t), b))
    }

    /// Absolute ids of an id column (`id`, `resource.id`); None where a row has none.
    fn ids(view: &TableView<'_>, path: &str, bits: u32) -> Res<Vec<Option<i64>>> {
        Ok(delta_decode(ids_or_null(view, path)?, view.encoding(path), bits))
    }

    /// Parent id -> bits of the pairs some attribute row of that parent matches.
    fn attribute_hits(&self, t: i32, bits: u32, pairs: &[Pair]) -> Res<HashMap<i64, u64, Hasher>> {
        let mut out: HashMap<i64, u64, Hasher> = HashMap::default();
        let Some(view) = self.view(t) else { return Ok(out) };
        let cols = AttrColumns::new(&view)?;
        let parents = attribute_parents(&view, Some(&cols), bits)?;
        for (i, key) in cols.keys.iter().enumerate() {
            for (b, pair) in pairs.iter().enumerate() {
                if pair.key == *key && pair.value.matches(&Cell::read(&cols.values, &view, i)?) {
                    *out.entry(parents[i]).or_default() |= 1 << b;
                }
            }
        }
        Ok(out)
    }

    /// Parents with at least one matching attribute.
    fn any_attribute(&self, t: i32, bits: u32, pairs: &[Pair]) -> Res<IdSet> {
        Ok(self.attribute_hits(t, bits, pairs)?.into_keys().collect())
    }

    /// The spans of `child` rows (events, links) whose id is in `wanted` (or all) and whose
    /// `name` matches one of `names` (when given; the column is read once).
    fn child_spans(&self, child: i32, rule: ParentRule, wanted: Option<&IdSet>, names: Option<&[Pattern]>) -> Res<IdSet> {
        let mut out = IdSet::default();
        let Some(view) = self.view(child) else { return Ok(out) };
        let ids = Self::ids(&view, "id", 32)?;
        let spans = decode_parents(&view, rule, 16)?;
        let texts = if names.is_some() { view.strs("name")? } else { None };
        for (i, span) in spans.into_iter().enumerate() {
            let in_set = wanted.is_none_or(|w| ids[i].is_some_and(|id| w.contains(&id)));
            let named = names.is_none_or(|p| any_matches(p, texts.as_ref().and_then(|t| t[i]).unwrap_or("")));
            if in_set && named {
                out.insert(span);
            }
        }
        Ok(out)
    }
}

fn member(ids: &[Option<i64>], set: &IdSet) -> Vec<bool> {
    ids.iter().map(|id| id.is_some_and(|id| set.contains(&id))).collect()
}

/// One Vec per configured category of `m`: whether it holds for each root row.
pub fn categories(tables: &DecodedTables, m: &Match) -> Res<Vec<Vec<bool>>> {
    let b = Batch { tables };
    let root_t = root_type(tables.signal);
    let Some(root) = b.view(root_t) else { return Ok(Vec::new()) };
    let n = root.len;
    let ids = Batch::ids(&root, "id", 16)?;
    let mut out: Vec<Vec<bool>> = Vec::new();
    if !m.resource_attributes.is_empty() {
        let all = if m.resource_attributes.len() == 64 { u64::MAX } else { (1u64 << m.resource_attributes.len()) - 1 };
        let hits = b.attribute_hits(T::RESOURCE_ATTRS, 16, &m.resource_attributes)?;
        let rids = Batch::ids(&root, "resource.id", 16)?;
        out.push(rids.iter().map(|r| r.is_some_and(|r| hits.get(&r).is_some_and(|h| *h == all))).collect());
    }
    match tables.signal {
        Signal::Logs => {
            if !m.record_attributes.is_empty() {
                out.push(member(&ids, &b.any_attribute(T::LOG_ATTRS, 16, &m.record_attributes)?));
            }
            if !m.severity_texts.is_empty() {
                let texts = root.strs("severity_text")?;
                out.push((0..n).map(|i| any_matches(&m.severity_texts, texts.as_ref().and_then(|t| t[i]).unwrap_or(""))).collect());
            }
            if let Some((min, undefined)) = m.severity_number {
                let sn = root.ints("severity_number")?;
                out.push((0..n).map(|i| {
                    let v = sn.as_ref().and_then(|s| s[i]).unwrap_or(0);
                    v >= min || (undefined && v == 0)
                }).collect());
            }
            if !m.bodies.is_empty() {
                let body = AnyValueColumns::new(&root, "body.", false)?;
                let mut hits = Vec::with_capacity(n);
                for i in 0..n {
                    let cell = Cell::read(&body, &root, i)?;
                    hits.push(m.bodies.iter().any(|r| r.matches(&cell)));
                }
                out.push(hits);
            }
        }
        Signal::Traces => {
            if !m.span_names.is_empty() {
                let names = root.strs("name")?;
                out.push((0..n).map(|i| any_matches(&m.span_names, names.as_ref().and_then(|t| t[i]).unwrap_or(""))).collect());
            }
            if !m.span_kinds.is_empty() {
                let kinds = root.ints("kind")?;
                out.push((0..n).map(|i| m.span_kinds.contains(&kinds.as_ref().and_then(|k| k[i]).unwrap_or(0))).collect());
            }
            if !m.record_attributes.is_empty() {
                out.push(member(&ids, &b.any_attribute(T::SPAN_ATTRS, 16, &m.record_attributes)?));
            }
            if !m.event_names.is_empty() {
                let spans = b.child_spans(T::SPAN_EVENTS, ParentRule::EventName, None, Some(&m.event_names))?;
                out.push(member(&ids, &spans));
            }
            if !m.event_attributes.is_empty() {
                let events = b.any_attribute(T::SPAN_EVENT_ATTRS, 32, &m.event_attributes)?;
                out.push(member(&ids, &b.child_spans(T::SPAN_EVENTS, ParentRule::EventName, Some(&events), None)?));
            }
            if !m.link_attributes.is_empty() {
                let links = b.any_attribute(T::SPAN_LINK_ATTRS, 32, &m.link_attributes)?;
                out.push(member(&ids, &b.child_spans(T::SPAN_LINKS, ParentRule::LinkTraceId, Some(&links), None)?));
            }
        }
        Signal::Metrics => {
            if !m.metric_names.is_empty() {
                let names = root.strs("name")?;
                out.push((0..n).map(|i| any_matches(&m.metric_names, names.as_ref().and_then(|t| t[i]).unwrap_or(""))).collect());
            }
        }
    }
    Ok(out)
}
