//! OTAP tables -> OTLP traces (`src/otap/decode/traces.ts`).

use std::collections::HashSet;

use super::common::*;
use super::rev_writer::RevWriter;
use super::table::{Res, TableView};
use super::Tables;
use crate::bar::payload_type as T;

/// The OTLP `ExportTraceServiceRequest` bytes of the tables, written back to front.
pub fn write_traces(tables: &Tables<'_>) -> Res<Vec<u8>> {
    let Some(root) = tables.get(T::SPANS) else { return Ok(Vec::new()) };
    if root.len == 0 {
        return Ok(Vec::new());
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

    let mut attrs = AttrRows::new(tables.get(T::SPAN_ATTRS), 16)?;
    // Events and links hang off SPANS.id (every span row carrying that id gets them, as in Go).
    let span_ids: HashSet<i64> = ids.iter().flatten().copied().collect();
    let mut events = Events::new(tables, &span_ids)?;
    let mut links = Links::new(tables, &span_ids)?;
    let mut w = RevWriter::scratch(root.len * 256);
    write_request(&mut w, tables, root, |w, i| {
        let start_time = cell(&start, i).unwrap_or(0);
        w.fixed32(16, cell(&flags, i).unwrap_or(0) as u32);
        let status = w.len();
        if status_valid.as_ref().is_none_or(|v| v.get(i).copied().unwrap_or(false)) {
            w.int(3, i64::from(cell(&status_code, i).unwrap_or(0) as i32));
            w.string(2, cell(&status_message, i).unwrap_or(""));
        }
        w.end_message(15, status);
        w.uint(14, u64::from(cell(&dropped_links, i).unwrap_or(0) as u32));
        links.write(w, 13, ids[i])?;
        w.uint(12, u64::from(cell(&dropped_events, i).unwrap_or(0) as u32));
        events.write(w, 11, ids[i])?;
        w.uint(10, u64::from(cell(&dropped, i).unwrap_or(0) as u32));
        attrs.write(w, 9, ids[i])?;
        // Inverse of the encoder's int64 wrap: end = start + duration (mod 2^64).
        w.fixed64(8, start_time.wrapping_add(cell(&duration, i).unwrap_or(0)));
        w.fixed64(7, start_time);
        w.int(6, i64::from(cell(&kind, i).unwrap_or(0) as i32));
        w.string(5, cell(&name, i).unwrap_or(""));
        w.bytes(4, nonzero_id(cell(&parent_span_id, i)));
        w.string(3, cell(&trace_state, i).unwrap_or(""));
        w.bytes(2, nonzero_id(cell(&span_id, i)));
        w.bytes(1, nonzero_id(cell(&trace_id, i)));
        Ok(())
    })?;
    events.attrs.assert_all_used("SPAN_EVENTS")?;
    links.attrs.assert_all_used("SPAN_LINKS")?;
    attrs.assert_all_used("SPANS")?;
    Ok(w.finish())
}

/// Child rows (events or links) grouped by the SPANS.id they hang off, in table order.
fn attach(view: &TableView<'_>, parents: &[i64], span_ids: &HashSet<i64>) -> Res<Grouped<u32>> {
    let mut out = Grouped::new();
    for (i, &parent) in parents.iter().enumerate() {
        if !span_ids.contains(&parent) {
            return Err(view.error("parent_id", format!("row {i}: parent id {parent} points at no row of SPANS")));
        }
        out.push(parent, i as u32);
    }
    Ok(out)
}

/// The child table `child` (SPAN_EVENTS or SPAN_LINKS) when it has rows; otherwise its
/// attribute table may only be empty (rows there could only dangle).
fn child_table<'v, 'a>(tables: &'v Tables<'a>, child: i32, attrs: i32, name: &str) -> Res<Option<&'v TableView<'a>>> {
    match tables.get(child) {
        Some(v) if v.len > 0 => Ok(Some(v)),
        _ => {
            AttrRows::new(tables.get(attrs), 32)?.assert_all_used(name)?;
            Ok(None)
        }
    }
}

/// SPAN_EVENTS rows by span, written as Span.events.
struct Events<'v, 'a> {
    by_span: Grouped<u32>,
    ids: Vec<Option<i64>>,
    time: Option<Vec<Option<u64>>>,
    dropped: Option<Vec<Option<i64>>>,
    names: Vec<&'a str>,
    attrs: AttrRows<'v, 'a>,
}

impl<'v, 'a> Events<'v, 'a> {
    fn new(tables: &'v Tables<'a>, span_ids: &HashSet<i64>) -> Res<Self> {
        let Some(view) = child_table(tables, T::SPAN_EVENTS, T::SPAN_EVENT_ATTRS, "SPAN_EVENTS")? else {
            return Ok(Events { by_span: Grouped::new(), ids: Vec::new(), time: None, dropped: None, names: Vec::new(), attrs: AttrRows::new(None, 32)? });
        };
        let ids = delta_decode(ids_or_null(view, "id")?, view.encoding("id"), 32);
        let names = event_names(view)?;
        let parents = quasi_delta_decode(parent_ids(view)?, view.encoding("parent_id"), 16, |i| names[i - 1] == names[i]);
        let attrs = AttrRows::new(tables.get(T::SPAN_EVENT_ATTRS), 32)?;
        Ok(Events {
            by_span: attach(view, &parents, span_ids)?,
            ids,
            time: view.u64s("time_unix_nano")?,
            dropped: view.ints("dropped_attributes_count")?,
            names,
            attrs,
        })
    }

    fn write(&mut self, w: &mut RevWriter, field: u32, span: Option<i64>) -> Res<()> {
        let Some(span) = span else { return Ok(()) };
        for &e in self.by_span.rows(span).iter().rev() {
            let e = e as usize;
            let mark = w.len();
            w.uint(4, u64::from(cell(&self.dropped, e).unwrap_or(0) as u32));
            self.attrs.write(w, 3, self.ids[e])?;
            w.string(2, self.names[e]);
            w.fixed64(1, cell(&self.time, e).unwrap_or(0));
            w.end_message(field, mark);
        }
        Ok(())
    }
}

/// SPAN_LINKS rows by span, written as Span.links.
struct Links<'v, 'a> {
    by_span: Grouped<u32>,
    ids: Vec<Option<i64>>,
    trace_ids: Vec<&'a [u8]>,
    span_id: Option<Vec<Option<&'a [u8]>>>,
    trace_state: Option<Vec<Option<&'a str>>>,
    dropped: Option<Vec<Option<i64>>>,
    flags: Option<Vec<Option<i64>>>,
    attrs: AttrRows<'v, 'a>,
}

impl<'v, 'a> Links<'v, 'a> {
    fn new(tables: &'v Tables<'a>, span_ids: &HashSet<i64>) -> Res<Self> {
        let Some(view) = child_table(tables, T::SPAN_LINKS, T::SPAN_LINK_ATTRS, "SPAN_LINKS")? else {
            return Ok(Links {
                by_span: Grouped::new(),
                ids: Vec::new(),
                trace_ids: Vec::new(),
                span_id: None,
                trace_state: None,
                dropped: None,
                flags: None,
                attrs: AttrRows::new(None, 32)?,
            });
        };
        let ids = delta_decode(ids_or_null(view, "id")?, view.encoding("id"), 32);
        let trace_ids = link_trace_ids(view)?;
        let parents = quasi_delta_decode(parent_ids(view)?, view.encoding("parent_id"), 16, |i| trace_ids[i - 1] == trace_ids[i]);
        let attrs = AttrRows::new(tables.get(T::SPAN_LINK_ATTRS), 32)?;
        Ok(Links {
            by_span: attach(view, &parents, span_ids)?,
            ids,
            trace_ids,
            span_id: view.bytes("span_id")?,
            trace_state: view.strs("trace_state")?,
            dropped: view.ints("dropped_attributes_count")?,
            flags: view.ints("flags")?,
            attrs,
        })
    }

    fn write(&mut self, w: &mut RevWriter, field: u32, span: Option<i64>) -> Res<()> {
        let Some(span) = span else { return Ok(()) };
        for &l in self.by_span.rows(span).iter().rev() {
            let l = l as usize;
            let mark = w.len();
            w.fixed32(6, cell(&self.flags, l).unwrap_or(0) as u32);
            w.uint(5, u64::from(cell(&self.dropped, l).unwrap_or(0) as u32));
            self.attrs.write(w, 4, self.ids[l])?;
            w.string(3, cell(&self.trace_state, l).unwrap_or(""));
            w.bytes(2, nonzero_id(cell(&self.span_id, l)));
            w.bytes(1, nonzero_id(Some(self.trace_ids[l])));
            w.end_message(field, mark);
        }
        Ok(())
    }
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
