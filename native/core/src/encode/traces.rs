//! OTLP traces -> OTAP tables (SPANS root, RESOURCE_ATTRS, SCOPE_ATTRS, SPAN_ATTRS,
//! SPAN_EVENTS, SPAN_LINKS, SPAN_EVENT_ATTRS, SPAN_LINK_ATTRS); mirrors src/otap/encode/traces.ts.

use std::borrow::Cow;

use super::common::*;
use super::input::{Leaf, TableInput};
use super::row_order::{byte_ranks, sort_rows, trace_id_keys};
use super::Tables;
use crate::bar::payload_type as T;
use crate::error::OtapError;
use crate::otlp::model::TracesRequest;

pub fn traces_tables<'a>(req: &TracesRequest<'a>, keep: Option<&[bool]>) -> Result<Tables<'a>, OtapError> {
    let roots = &req.roots;
    let mut flat = flatten(roots, keep);
    let spans = &roots.items;
    // Go order: resource key, scope key, name, trace id (then start time).
    let mut rows = std::mem::take(&mut flat.rows);
    let tids = trace_id_keys(rows.iter().map(|r| spans[r.item as usize].trace_id));
    if let Some(tids) = tids {
        let names = byte_ranks(rows.iter().map(|r| spans[r.item as usize].name.as_bytes()));
        sort_rows(&mut rows, |i, r| {
            let start = spans[r.item as usize].start_time_unix_nano;
            (flat.resource_rank[r.res as usize], flat.scope_rank[r.scope as usize], names[i], tids[i], start)
        });
    } else {
        rows.sort_by(|a, b| {
            let (sa, sb) = (&spans[a.item as usize], &spans[b.item as usize]);
            flat.resource_rank[a.res as usize]
                .cmp(&flat.resource_rank[b.res as usize])
                .then(flat.scope_rank[a.scope as usize].cmp(&flat.scope_rank[b.scope as usize]))
                .then_with(|| sa.name.as_bytes().cmp(sb.name.as_bytes()))
                .then_with(|| id_or_zeros(sa.trace_id, 16).cmp(id_or_zeros(sb.trace_id, 16)))
                .then(sa.start_time_unix_nano.cmp(&sb.start_time_unix_nano))
        });
    }
    let n = rows.len();
    let mut t = TableInput::new(n);
    let mut resource_attrs = AttributeRows::interned(roots.interned_strings);
    let mut scope_attrs = AttributeRows::interned(roots.interned_strings);
    let mut span_attrs = AttributeRows::interned(roots.interned_strings);
    write_resource_scope_columns("SPANS", roots, &flat, &rows, &mut t, &mut resource_attrs, &mut scope_attrs)?;

    // Events and links hang off SPANS.id, so a span with any of them needs an id too.
    let ids = assign_ids(
        rows.iter().map(|r| {
            let s = &spans[r.item as usize];
            !s.attrs.is_empty() || !s.events.is_empty() || !s.links.is_empty()
        }),
        0xffff,
        "SPANS",
    )?;
    // (parent span id, index into req.events / req.links). Sized for every span kept, as
    // the attribute rows: growing by doubling was 2.5% of a traces encode's instructions.
    let mut events: Vec<(u32, u32)> = Vec::with_capacity(req.events.len());
    let mut links: Vec<(u32, u32)> = Vec::with_capacity(req.links.len());
    span_attrs.reserve(req.span_attrs.len());
    let mut start = Vec::with_capacity(n);
    let mut duration = Vec::with_capacity(n);
    let mut trace_id = Vec::with_capacity(n);
    let mut span_id = Vec::with_capacity(n);
    let mut trace_state = Vec::with_capacity(n);
    let mut parent_span_id = Vec::with_capacity(n);
    let mut flags = Vec::with_capacity(n);
    let mut name = Vec::with_capacity(n);
    let mut kind = Vec::with_capacity(n);
    let mut dropped_attrs = Vec::with_capacity(n);
    let mut dropped_events = Vec::with_capacity(n);
    let mut dropped_links = Vec::with_capacity(n);
    let mut status_code = Vec::with_capacity(n);
    let mut status_message = Vec::with_capacity(n);
    for (i, r) in rows.iter().enumerate() {
        let s = &spans[r.item as usize];
        if let Some(id) = ids[i] {
            span_attrs.add(id, &req.span_attrs[s.attrs.range()]);
            events.extend(s.events.range().map(|e| (id, e as u32)));
            links.extend(s.links.range().map(|l| (id, l as u32)));
        }
        start.push(Some(s.start_time_unix_nano as i64));
        // Wraps to int64 (Go saturates); start + duration (mod 2^64) gives back the end.
        duration.push(Some(s.end_time_unix_nano.wrapping_sub(s.start_time_unix_nano) as i64));
        trace_id.push(Some(Cow::Borrowed(id_or_zeros(s.trace_id, 16))));
        span_id.push(Some(Cow::Borrowed(id_or_zeros(s.span_id, 8))));
        trace_state.push(non_empty(s.trace_state));
        parent_span_id.push(zero_id_to_null(s.parent_span_id).map(Cow::Borrowed));
        flags.push(Some(s.flags));
        // Go writes an empty name as null in this non-nullable column; we keep "".
        name.push(Some(Cow::Borrowed(s.name.as_bytes())));
        kind.push(non_zero(s.kind));
        dropped_attrs.push(non_zero(s.dropped_attributes_count));
        dropped_events.push(non_zero(s.dropped_events_count));
        dropped_links.push(non_zero(s.dropped_links_count));
        status_code.push(non_zero(s.status_code));
        status_message.push(non_empty(s.status_message));
    }
    t.set("id", delta_u16(&ids));
    t.set("start_time_unix_nano", Leaf::I64(start));
    t.set("duration_time_unix_nano", Leaf::I64(duration));
    t.set("trace_id", Leaf::Bytes(trace_id));
    t.set("span_id", Leaf::Bytes(span_id));
    t.set("trace_state", Leaf::Bytes(trace_state));
    t.set("parent_span_id", Leaf::Bytes(parent_span_id));
    t.set("flags", Leaf::U32(flags));
    t.set("name", Leaf::Bytes(name));
    t.set("kind", Leaf::I32(kind));
    t.set("dropped_attributes_count", Leaf::U32(dropped_attrs));
    t.set("dropped_events_count", Leaf::U32(dropped_events));
    t.set("dropped_links_count", Leaf::U32(dropped_links));
    t.set("status.code", Leaf::I32(status_code));
    t.set("status.status_message", Leaf::Bytes(status_message));

    let mut tables: Tables<'a> = vec![(T::SPANS, t)];
    if !resource_attrs.is_empty() {
        tables.push((T::RESOURCE_ATTRS, resource_attrs.to_input(false)?));
    }
    if !scope_attrs.is_empty() {
        tables.push((T::SCOPE_ATTRS, scope_attrs.to_input(false)?));
    }
    if !span_attrs.is_empty() {
        tables.push((T::SPAN_ATTRS, span_attrs.to_input(false)?));
    }
    let mut event_attrs = AttributeRows::interned(roots.interned_strings);
    let mut link_attrs = AttributeRows::interned(roots.interned_strings);
    event_attrs.reserve(req.event_attrs.len());
    link_attrs.reserve(req.link_attrs.len());
    if !events.is_empty() {
        tables.push((T::SPAN_EVENTS, events_table(req, &mut events, &mut event_attrs)?));
    }
    if !links.is_empty() {
        tables.push((T::SPAN_LINKS, links_table(req, &mut links, &mut link_attrs)?));
    }
    if !event_attrs.is_empty() {
        tables.push((T::SPAN_EVENT_ATTRS, event_attrs.to_input(true)?));
    }
    if !link_attrs.is_empty() {
        tables.push((T::SPAN_LINK_ATTRS, link_attrs.to_input(true)?));
    }
    Ok(tables)
}

/// SPAN_EVENTS sorted by (name, parent span id); parent_id quasi-delta on equal names.
fn events_table<'a>(
    req: &TracesRequest<'a>,
    rows: &mut [(u32, u32)],
    attrs: &mut AttributeRows<'a>,
) -> Result<TableInput<'a>, OtapError> {
    let ev = &req.events;
    let names = byte_ranks(rows.iter().map(|r| ev[r.1 as usize].name.as_bytes()));
    sort_rows(rows, |i, r| (names[i], r.0));
    let n = rows.len();
    let ids = assign_ids(rows.iter().map(|r| !ev[r.1 as usize].attrs.is_empty()), u32::MAX as u64, "SPAN_EVENTS")?;
    let parents: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let encoded = quasi_delta_encode(&parents, |i| ev[rows[i - 1].1 as usize].name == ev[rows[i].1 as usize].name);
    let mut time = Vec::with_capacity(n);
    let mut name = Vec::with_capacity(n);
    let mut dropped = Vec::with_capacity(n);
    for (i, r) in rows.iter().enumerate() {
        let e = &ev[r.1 as usize];
        if let Some(id) = ids[i] {
            attrs.add(id, &req.event_attrs[e.attrs.range()]);
        }
        time.push(Some(e.time_unix_nano as i64));
        name.push(Some(Cow::Borrowed(e.name.as_bytes())));
        dropped.push(non_zero(e.dropped_attributes_count));
    }
    let mut t = TableInput::new(n);
    t.set("id", delta_u32(&ids));
    t.set("parent_id", Leaf::U16(encoded.into_iter().map(|p| Some(p as u16)).collect()));
    t.set("time_unix_nano", Leaf::I64(time));
    t.set("name", Leaf::Bytes(name));
    t.set("dropped_attributes_count", Leaf::U32(dropped));
    Ok(t)
}

/// SPAN_LINKS sorted by (trace id bytes, parent span id); parent_id quasi-delta on equal trace ids.
fn links_table<'a>(
    req: &TracesRequest<'a>,
    rows: &mut [(u32, u32)],
    attrs: &mut AttributeRows<'a>,
) -> Result<TableInput<'a>, OtapError> {
    let lk = &req.links;
    let tid = |i: u32| id_or_zeros(lk[i as usize].trace_id, 16);
    match trace_id_keys(rows.iter().map(|r| lk[r.1 as usize].trace_id)) {
        Some(tids) => sort_rows(rows, |i, r| (tids[i], r.0)),
        None => rows.sort_by(|a, b| tid(a.1).cmp(tid(b.1)).then(a.0.cmp(&b.0))),
    }
    let n = rows.len();
    let ids = assign_ids(rows.iter().map(|r| !lk[r.1 as usize].attrs.is_empty()), u32::MAX as u64, "SPAN_LINKS")?;
    let parents: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let encoded = quasi_delta_encode(&parents, |i| tid(rows[i - 1].1) == tid(rows[i].1));
    let mut trace_id = Vec::with_capacity(n);
    let mut span_id = Vec::with_capacity(n);
    let mut trace_state = Vec::with_capacity(n);
    let mut dropped = Vec::with_capacity(n);
    let mut flags = Vec::with_capacity(n);
    for (i, r) in rows.iter().enumerate() {
        let l = &lk[r.1 as usize];
        if let Some(id) = ids[i] {
            attrs.add(id, &req.link_attrs[l.attrs.range()]);
        }
        trace_id.push(Some(Cow::Borrowed(tid(r.1))));
        span_id.push(Some(Cow::Borrowed(id_or_zeros(l.span_id, 8))));
        trace_state.push(non_empty(l.trace_state));
        dropped.push(non_zero(l.dropped_attributes_count));
        flags.push(Some(l.flags));
    }
    let mut t = TableInput::new(n);
    t.set("id", delta_u32(&ids));
    t.set("parent_id", Leaf::U16(encoded.into_iter().map(|p| Some(p as u16)).collect()));
    t.set("trace_id", Leaf::Bytes(trace_id));
    t.set("span_id", Leaf::Bytes(span_id));
    t.set("trace_state", Leaf::Bytes(trace_state));
    t.set("dropped_attributes_count", Leaf::U32(dropped));
    t.set("flags", Leaf::U32(flags));
    Ok(t)
}
