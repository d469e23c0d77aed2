//! OTAP tables -> OTLP traces (`src/otap/decode/traces.ts`).

use std::collections::HashSet;

use super::common::*;
use super::pb::{span, ExportTraceServiceRequest, ResourceSpans, ScopeSpans, Span, Status};
use super::table::{Res, TableView};
use super::Tables;
use crate::bar::payload_type as T;

pub fn tables_to_traces(tables: &Tables<'_>) -> Res<ExportTraceServiceRequest> {
    let Some(root) = tables.get(T::SPANS) else { return Ok(ExportTraceServiceRequest::default()) };
    if root.len == 0 {
        return Ok(ExportTraceServiceRequest::default());
    }
    let ids = delta_decode(ids_or_null(root, "id")?, root.encoding("id"), 16);
    let start = root.u64s("start_time_unix_nano")?;
    let duration = root.u64s("duration_time_unix_nano")?;
    let trace_id = root.bytes("trace_id")?;
    let span_id = root.bytes("span_id")?;
    let trace_state = root.strs("trace_state")?;
    let parent_span_id = root.bytes("parent_span_id")?;
    let flags = root.ints("flags")?;
    let name = root.strs("name")?;
    let kind = root.ints("kind")?;
    let dropped = root.ints("dropped_attributes_count")?;
    let dropped_events = root.ints("dropped_events_count")?;
    let dropped_links = root.ints("dropped_links_count")?;
    let status_valid = root.struct_validity("status")?;
    let status_code = root.ints("status.code")?;
    let status_message = root.strs("status.status_message")?;

    let attrs_view = tables.get(T::SPAN_ATTRS);
    let mut attrs = decode_attributes(attrs_view, 16)?;

    // Events and links hang off SPANS.id (every span row carrying that id gets them, as in Go).
    let span_ids: HashSet<i64> = ids.iter().flatten().copied().collect();
    let mut events = decode_events(tables, &span_ids)?;
    let mut links = decode_links(tables, &span_ids)?;
    attrs.plan(ids.iter().copied());
    events.plan(ids.iter().copied());
    links.plan(ids.iter().copied());

    let groups = group_roots(root, tables.get(T::RESOURCE_ATTRS), tables.get(T::SCOPE_ATTRS))?;
    let mut resource_spans = Vec::with_capacity(groups.len());
    for g in groups {
        let mut scope_spans = Vec::with_capacity(g.scopes.len());
        for s in g.scopes {
            let mut spans = Vec::with_capacity(s.rows.len());
            for i in s.rows {
                let start_time = cell(&start, i).unwrap_or(0);
                let valid = status_valid.as_ref().is_none_or(|v| v.get(i).copied().unwrap_or(false));
                spans.push(Span {
                    trace_id: empty_if_zero(cell(&trace_id, i)),
                    span_id: empty_if_zero(cell(&span_id, i)),
                    trace_state: cell(&trace_state, i).unwrap_or("").to_string(),
                    parent_span_id: empty_if_zero(cell(&parent_span_id, i)),
                    flags: cell(&flags, i).unwrap_or(0) as u32,
                    name: cell(&name, i).unwrap_or("").to_string(),
                    kind: cell(&kind, i).unwrap_or(0) as i32,
                    start_time_unix_nano: start_time,
                    // Inverse of the encoder's int64 wrap: end = start + duration (mod 2^64).
                    end_time_unix_nano: start_time.wrapping_add(cell(&duration, i).unwrap_or(0)),
                    attributes: attrs.take(ids[i]),
                    dropped_attributes_count: cell(&dropped, i).unwrap_or(0) as u32,
                    events: events.take(ids[i]),
                    dropped_events_count: cell(&dropped_events, i).unwrap_or(0) as u32,
                    links: links.take(ids[i]),
                    dropped_links_count: cell(&dropped_links, i).unwrap_or(0) as u32,
                    status: Some(Status {
                        code: if valid { cell(&status_code, i).unwrap_or(0) as i32 } else { 0 },
                        message: if valid { cell(&status_message, i).unwrap_or("").to_string() } else { String::new() },
                    }),
                });
            }
            scope_spans.push(ScopeSpans { scope: Some(s.scope), spans, schema_url: s.schema_url });
        }
        resource_spans.push(ResourceSpans { resource: Some(g.resource), scope_spans, schema_url: g.schema_url });
    }
    assert_all_used(&attrs, attrs_view, "SPANS")?;
    Ok(ExportTraceServiceRequest { resource_spans })
}

/// Child rows (events or links) grouped by the SPANS.id they hang off, in table order.
fn attach<C: Clone>(view: &TableView<'_>, parents: &[i64], span_ids: &HashSet<i64>, mut make: impl FnMut(usize) -> C) -> Res<Grouped<C>> {
    let mut out = Grouped::new();
    for (i, &parent) in parents.iter().enumerate() {
        if !span_ids.contains(&parent) {
            return Err(view.error("parent_id", format!("row {i}: parent id {parent} points at no row of SPANS")));
        }
        out.push(parent, make(i));
    }
    Ok(out)
}

/// Attribute rows for a child table that is absent or empty can only dangle.
fn assert_no_attrs(view: Option<&TableView<'_>>, parent_table: &str) -> Res<()> {
    let Some(v) = view else { return Ok(()) };
    if v.len == 0 {
        return Ok(());
    }
    let attrs = decode_attributes(Some(v), 32)?;
    assert_all_used(&attrs, Some(v), parent_table)
}

fn decode_events(tables: &Tables<'_>, span_ids: &HashSet<i64>) -> Res<Grouped<span::Event>> {
    let view = match tables.get(T::SPAN_EVENTS) {
        Some(v) if v.len > 0 => v,
        _ => {
            assert_no_attrs(tables.get(T::SPAN_EVENT_ATTRS), "SPAN_EVENTS")?;
            return Ok(Grouped::new());
        }
    };
    let ids = delta_decode(ids_or_null(view, "id")?, view.encoding("id"), 32);
    let time = view.u64s("time_unix_nano")?;
    let dropped = view.ints("dropped_attributes_count")?;
    let names = event_names(view)?;
    let parents = quasi_delta_decode(parent_ids(view)?, view.encoding("parent_id"), 16, |i| names[i - 1] == names[i]);
    let attrs_view = tables.get(T::SPAN_EVENT_ATTRS);
    let mut attrs = decode_attributes(attrs_view, 32)?;
    attrs.plan(ids.iter().copied());
    let out = attach(view, &parents, span_ids, |i| span::Event {
        time_unix_nano: cell(&time, i).unwrap_or(0),
        name: names[i].to_string(),
        attributes: attrs.take(ids[i]),
        dropped_attributes_count: cell(&dropped, i).unwrap_or(0) as u32,
    })?;
    assert_all_used(&attrs, attrs_view, "SPAN_EVENTS")?;
    Ok(out)
}

fn decode_links(tables: &Tables<'_>, span_ids: &HashSet<i64>) -> Res<Grouped<span::Link>> {
    let view = match tables.get(T::SPAN_LINKS) {
        Some(v) if v.len > 0 => v,
        _ => {
            assert_no_attrs(tables.get(T::SPAN_LINK_ATTRS), "SPAN_LINKS")?;
            return Ok(Grouped::new());
        }
    };
    let ids = delta_decode(ids_or_null(view, "id")?, view.encoding("id"), 32);
    let span_id = view.bytes("span_id")?;
    let trace_state = view.strs("trace_state")?;
    let dropped = view.ints("dropped_attributes_count")?;
    let flags = view.ints("flags")?;
    let raw_trace_ids = link_trace_ids(view)?;
    let parents = quasi_delta_decode(parent_ids(view)?, view.encoding("parent_id"), 16, |i| raw_trace_ids[i - 1] == raw_trace_ids[i]);
    let attrs_view = tables.get(T::SPAN_LINK_ATTRS);
    let mut attrs = decode_attributes(attrs_view, 32)?;
    attrs.plan(ids.iter().copied());
    let out = attach(view, &parents, span_ids, |i| span::Link {
        trace_id: empty_if_zero(Some(raw_trace_ids[i])),
        span_id: empty_if_zero(cell(&span_id, i)),
        trace_state: cell(&trace_state, i).unwrap_or("").to_string(),
        attributes: attrs.take(ids[i]),
        dropped_attributes_count: cell(&dropped, i).unwrap_or(0) as u32,
        flags: cell(&flags, i).unwrap_or(0) as u32,
    })?;
    assert_all_used(&attrs, attrs_view, "SPAN_LINKS")?;
    Ok(out)
}

/// SPAN_EVENTS names, the key of its parent_id quasi-delta runs. Go writes an empty name as
/// null; it reads (and groups) as "".
pub fn event_names<'a>(view: &TableView<'a>) -> Res<Vec<&'a str>> {
    let name = view.strs("name")?;
    Ok((0..view.len).map(|i| cell(&name, i).unwrap_or("")).collect())
}

/// SPAN_LINKS trace ids, the key of its parent_id quasi-delta runs: the raw bytes as sent
/// (a missing/null trace id counts as empty).
pub fn link_trace_ids<'a>(view: &TableView<'a>) -> Res<Vec<&'a [u8]>> {
    let trace_id = view.bytes("trace_id")?;
    Ok((0..view.len).map(|i| cell(&trace_id, i).unwrap_or(&[])).collect())
}
