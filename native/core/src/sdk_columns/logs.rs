//! LOGS -> [`LogsRequest`].

use super::cursor::{Cursor, Slots, Times, U32s};
use super::ends::Ends;
use super::ids::IdCol;
use super::kv::{any_value, KvArena};
use super::refs::Refs;
use super::roots::{check_rows, RootCols};
use crate::error::OtapError;
use crate::otlp::model::{LogRecord, LogsRequest};

const T: &str = "LOGS";

pub struct LogCols<'a> {
    attrs: KvArena<'a>,
    scope: U32s<'a>,
    time: Times<'a>,
    observed: Times<'a>,
    severity_number: U32s<'a>,
    severity_text: U32s<'a>,
    body_type: &'a [u8],
    body_value: Slots<'a>,
    attr_end: Ends<'a>,
    dropped: U32s<'a>,
    flags: U32s<'a>,
    trace_id: IdCol,
    span_id: IdCol,
    event_name: U32s<'a>,
}

impl<'a> LogCols<'a> {
    /// Reads the table; ids are decoded onto `ids`.
    pub fn read(cur: &mut Cursor<'a>, roots: &RootCols<'a>, ids: &mut Vec<u8>) -> Result<Self, OtapError> {
        let attrs = KvArena::read(cur, T)?;
        let mut t = cur.table(T);
        let scope = t.u32s("scope")?;
        let time = t.times("time_sec", "time_ns")?;
        let observed = t.times("observed_sec", "observed_ns")?;
        let severity_number = t.u32s("severity_number")?;
        let severity_text = t.u32s("severity_text")?;
        let body_type = t.u8s("body_type")?;
        let body_value = t.slots("body_value")?;
        let attr_end = Ends::check(t.u32s("attr_end")?, attrs.rows(), T, "attr_end")?;
        let dropped = t.u32s("dropped")?;
        let flags = t.u32s("flags")?;
        let trace_id = t.hex("trace_id", 32, ids)?;
        let span_id = t.hex("span_id", 16, ids)?;
        let event_name = t.u32s("event_name")?;
        check_rows(scope, roots.scopes(), T, "scope", "SCOPES")?;
        Ok(LogCols {
            attrs,
            scope,
            time,
            observed,
            severity_number,
            severity_text,
            body_type,
            body_value,
            attr_end,
            dropped,
            flags,
            trace_id,
            span_id,
            event_name,
        })
    }

    /// `ids` is the arena [`LogCols::read`] decoded onto.
    pub fn request(&self, roots: &RootCols<'a>, refs: &Refs<'a>, ids: &'a [u8]) -> Result<LogsRequest<'a>, OtapError> {
        let roots = roots.roots(refs, self.scope, |i| {
            let body_type = self.body_type.get(i).copied().unwrap_or(0);
            Ok(LogRecord {
                time_unix_nano: self.time.at(i),
                observed_time_unix_nano: self.observed.at(i),
                severity_number: self.severity_number.at(i) as i32,
                severity_text: refs.string(self.severity_text.at(i), T, "severity_text", i)?,
                body: any_value(body_type, self.body_value.at(i), refs, T, "body_value", i)?,
                attrs: self.attr_end.span(i),
                dropped_attributes_count: self.dropped.at(i),
                flags: self.flags.at(i),
                trace_id: self.trace_id.get(ids, i),
                span_id: self.span_id.get(ids, i),
                event_name: refs.string(self.event_name.at(i), T, "event_name", i)?,
            })
        })?;
        Ok(LogsRequest { roots, attrs: self.attrs.build(refs)? })
    }
}
