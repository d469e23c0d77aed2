//! SPANS, EVENTS and LINKS -> [`TracesRequest`].

use super::cursor::{Cursor, Times, U32s};
use super::ends::Ends;
use super::ids::IdCol;
use super::kv::KvArena;
use super::refs::Refs;
use super::roots::{check_rows, RootCols};
use super::rows_of;
use crate::error::OtapError;
use crate::otlp::model::{Span, SpanEvent, SpanLink, TracesRequest};

pub struct TraceCols<'a> {
    attrs: KvArena<'a>,
    scope: U32s<'a>,
    trace_id: IdCol,
    span_id: IdCol,
    parent_span_id: IdCol,
    trace_state: U32s<'a>,
    flags: U32s<'a>,
    name: U32s<'a>,
    kind: &'a [u8],
    start: Times<'a>,
    end: Times<'a>,
    attr_end: Ends<'a>,
    dropped_attributes: U32s<'a>,
    event_end: Ends<'a>,
    dropped_events: U32s<'a>,
    link_end: Ends<'a>,
    dropped_links: U32s<'a>,
    status_code: &'a [u8],
    status_message: U32s<'a>,
    events: EventCols<'a>,
    links: LinkCols<'a>,
}

struct EventCols<'a> {
    attrs: KvArena<'a>,
    time: Times<'a>,
    name: U32s<'a>,
    attr_end: Ends<'a>,
    dropped: U32s<'a>,
    rows: usize,
}

struct LinkCols<'a> {
    attrs: KvArena<'a>,
    trace_id: IdCol,
    span_id: IdCol,
    trace_state: U32s<'a>,
    flags: U32s<'a>,
    attr_end: Ends<'a>,
    dropped: U32s<'a>,
    rows: usize,
}

impl<'a> EventCols<'a> {
    fn read(cur: &mut Cursor<'a>) -> Result<Self, OtapError> {
        let attrs = KvArena::read(cur, "EVENTS")?;
        let mut t = cur.table("EVENTS");
        let time = t.times("time_sec", "time_ns")?;
        let name = t.u32s("name")?;
        let attr_end = Ends::check(t.u32s("attr_end")?, attrs.rows(), t.name, "attr_end")?;
        let dropped = t.u32s("dropped")?;
        Ok(EventCols { attrs, time, name, attr_end, dropped, rows: t.rows() })
    }
}

impl<'a> LinkCols<'a> {
    fn read(cur: &mut Cursor<'a>, ids: &mut Vec<u8>) -> Result<Self, OtapError> {
        let attrs = KvArena::read(cur, "LINKS")?;
        let mut t = cur.table("LINKS");
        let trace_id = t.hex("trace_id", 32, ids)?;
        let span_id = t.hex("span_id", 16, ids)?;
        let trace_state = t.u32s("trace_state")?;
        let flags = t.u32s("flags")?;
        let attr_end = Ends::check(t.u32s("attr_end")?, attrs.rows(), t.name, "attr_end")?;
        let dropped = t.u32s("dropped")?;
        Ok(LinkCols { attrs, trace_id, span_id, trace_state, flags, attr_end, dropped, rows: t.rows() })
    }
}

impl<'a> TraceCols<'a> {
    /// Reads the three tables; ids are decoded onto `ids`.
    pub fn read(cur: &mut Cursor<'a>, roots: &RootCols<'a>, ids: &mut Vec<u8>) -> Result<Self, OtapError> {
        const S: &str = "SPANS";
        let attrs = KvArena::read(cur, S)?;
        let mut t = cur.table(S);
        let scope = t.u32s("scope")?;
        let trace_id = t.hex("trace_id", 32, ids)?;
        let span_id = t.hex("span_id", 16, ids)?;
        let parent_span_id = t.hex("parent_span_id", 16, ids)?;
        let trace_state = t.u32s("trace_state")?;
        let flags = t.u32s("flags")?;
        let name = t.u32s("name")?;
        let kind = t.u8s("kind")?;
        let start = t.times("start_sec", "start_ns")?;
        let end = t.times("end_sec", "end_ns")?;
        let attr_end = Ends::check(t.u32s("attr_end")?, attrs.rows(), S, "attr_end")?;
        let dropped_attributes = t.u32s("dropped_attributes")?;
        let event_end = t.u32s("event_end")?;
        let dropped_events = t.u32s("dropped_events")?;
        let link_end = t.u32s("link_end")?;
        let dropped_links = t.u32s("dropped_links")?;
        let status_code = t.u8s("status_code")?;
        let status_message = t.u32s("status_message")?;
        check_rows(scope, roots.scopes(), S, "scope", "SCOPES")?;

        let events = EventCols::read(cur)?;
        let links = LinkCols::read(cur, ids)?;
        Ok(TraceCols {
            event_end: Ends::check(event_end, events.rows, S, "event_end")?,
            link_end: Ends::check(link_end, links.rows, S, "link_end")?,
            attrs,
            scope,
            trace_id,
            span_id,
            parent_span_id,
            trace_state,
            flags,
            name,
            kind,
            start,
            end,
            attr_end,
            dropped_attributes,
            dropped_events,
            dropped_links,
            status_code,
            status_message,
            events,
            links,
        })
    }

    /// `ids` is the arena [`TraceCols::read`] decoded onto.
    pub fn request(&self, roots: &RootCols<'a>, refs: &Refs<'a>, ids: &'a [u8]) -> Result<TracesRequest<'a>, OtapError> {
        const S: &str = "SPANS";
        let roots = roots.roots(refs, self.scope, |i| {
            Ok(Span {
                trace_id: self.trace_id.get(ids, i),
                span_id: self.span_id.get(ids, i),
                trace_state: refs.string(self.trace_state.at(i), S, "trace_state", i)?,
                parent_span_id: self.parent_span_id.get(ids, i),
                flags: self.flags.at(i),
                name: refs.string(self.name.at(i), S, "name", i)?,
                kind: i32::from(self.kind.get(i).copied().unwrap_or(0)),
                start_time_unix_nano: self.start.at(i),
                end_time_unix_nano: self.end.at(i),
                attrs: self.attr_end.span(i),
                dropped_attributes_count: self.dropped_attributes.at(i),
                events: self.event_end.span(i),
                dropped_events_count: self.dropped_events.at(i),
                links: self.link_end.span(i),
                dropped_links_count: self.dropped_links.at(i),
                status_message: refs.string(self.status_message.at(i), S, "status_message", i)?,
                status_code: i32::from(self.status_code.get(i).copied().unwrap_or(0)),
            })
        })?;
        let ev = &self.events;
        let events = rows_of(ev.rows, |i| {
            Ok(SpanEvent {
                time_unix_nano: ev.time.at(i),
                name: refs.string(ev.name.at(i), "EVENTS", "name", i)?,
                attrs: ev.attr_end.span(i),
                dropped_attributes_count: ev.dropped.at(i),
            })
        })?;
        let lk = &self.links;
        let links = rows_of(lk.rows, |i| {
            Ok(SpanLink {
                trace_id: lk.trace_id.get(ids, i),
                span_id: lk.span_id.get(ids, i),
                trace_state: refs.string(lk.trace_state.at(i), "LINKS", "trace_state", i)?,
                attrs: lk.attr_end.span(i),
                dropped_attributes_count: lk.dropped.at(i),
                flags: lk.flags.at(i),
            })
        })?;
        Ok(TracesRequest {
            roots,
            span_attrs: self.attrs.build(refs)?,
            events,
            event_attrs: ev.attrs.build(refs)?,
            links,
            link_attrs: lk.attrs.build(refs)?,
        })
    }
}
