//! OTLP logs -> OTAP tables (LOGS root, RESOURCE_ATTRS, SCOPE_ATTRS, LOG_ATTRS);
//! mirrors src/otap/encode/logs.ts.

use std::borrow::Cow;

use super::common::*;
use super::input::{Leaf, TableInput};
use super::row_order::{sort_rows, trace_id_keys};
use super::Tables;
use crate::bar::payload_type as T;
use crate::error::OtapError;
use crate::otlp::model::{AnyValue, LogsRequest};

pub fn logs_tables<'a>(req: &LogsRequest<'a>, keep: Option<&[bool]>) -> Result<Tables<'a>, OtapError> {
    let roots = &req.roots;
    let mut flat = flatten(roots, keep);
    let items = &roots.items;
    // Go order: resource group, scope group (first appearance), then trace id.
    let mut rows = std::mem::take(&mut flat.rows);
    match trace_id_keys(rows.iter().map(|r| items[r.item as usize].trace_id)) {
        Some(tids) => sort_rows(&mut rows, |i, r| (r.res, r.scope, tids[i])),
        None => rows.sort_by(|a, b| {
            a.res.cmp(&b.res).then(a.scope.cmp(&b.scope)).then_with(|| {
                id_or_zeros(items[a.item as usize].trace_id, 16).cmp(id_or_zeros(items[b.item as usize].trace_id, 16))
            })
        }),
    }
    let n = rows.len();
    let mut t = TableInput::new(n);
    let mut resource_attrs = AttributeRows::interned(roots.interned_strings);
    let mut scope_attrs = AttributeRows::interned(roots.interned_strings);
    let mut log_attrs = AttributeRows::interned(roots.interned_strings);
    if keep.is_none() {
        log_attrs.reserve(req.attrs.len());
    }
    write_resource_scope_columns("LOGS", roots, &flat, &rows, &mut t, &mut resource_attrs, &mut scope_attrs)?;

    let ids = assign_ids(rows.iter().map(|r| !items[r.item as usize].attrs.is_empty()), 0xffff, "LOGS")?;
    let mut time = Vec::with_capacity(n);
    let mut observed = Vec::with_capacity(n);
    let mut trace_id = Vec::with_capacity(n);
    let mut span_id = Vec::with_capacity(n);
    let mut sev_num = Vec::with_capacity(n);
    let mut sev_text = Vec::with_capacity(n);
    let mut dropped = Vec::with_capacity(n);
    let mut flags = Vec::with_capacity(n);
    let mut event_name = Vec::with_capacity(n);
    let mut body_valid = Vec::with_capacity(n);
    let mut body_type = Vec::with_capacity(n);
    let mut body = ValueColumns::for_body(n);
    for (i, r) in rows.iter().enumerate() {
        let l = &items[r.item as usize];
        if let Some(id) = ids[i] {
            log_attrs.add(id, &req.attrs[l.attrs.range()]);
        }
        time.push(Some(l.time_unix_nano as i64));
        observed.push(Some(l.observed_time_unix_nano as i64));
        trace_id.push(Some(Cow::Borrowed(id_or_zeros(l.trace_id, 16))));
        span_id.push(Some(Cow::Borrowed(id_or_zeros(l.span_id, 8))));
        sev_num.push(non_zero(l.severity_number));
        sev_text.push(non_empty(l.severity_text));
        dropped.push(Some(l.dropped_attributes_count));
        flags.push(Some(l.flags));
        event_name.push(non_empty(l.event_name));
        let valid = !matches!(l.body, AnyValue::Empty);
        body_valid.push(valid);
        // Never null (0 for an empty body under a null struct): the Rust engine requires it.
        body_type.push(Some(l.body.type_code()));
        body.push(&l.body).map_err(|e| e.in_table("LOGS").in_column("body.ser"))?;
    }
    t.set("id", delta_u16(&ids));
    t.set("time_unix_nano", Leaf::I64(time));
    t.set("observed_time_unix_nano", Leaf::I64(observed));
    t.set("trace_id", Leaf::Bytes(trace_id));
    t.set("span_id", Leaf::Bytes(span_id));
    t.set("severity_number", Leaf::I32(sev_num));
    t.set("severity_text", Leaf::Bytes(sev_text));
    t.set("dropped_attributes_count", Leaf::U32(dropped));
    t.set("flags", Leaf::U32(flags));
    t.set("event_name", Leaf::Bytes(event_name));
    t.set_struct("body", body_valid);
    t.set("body.type", Leaf::U8(body_type));
    body.set_into(&mut t, ["body.str", "body.int", "body.double", "body.bool", "body.bytes", "body.ser"]);

    let mut tables: Tables<'a> = vec![(T::LOGS, t)];
    if !resource_attrs.is_empty() {
        tables.push((T::RESOURCE_ATTRS, resource_attrs.to_input(false)?));
    }
    if !scope_attrs.is_empty() {
        tables.push((T::SCOPE_ATTRS, scope_attrs.to_input(false)?));
    }
    if !log_attrs.is_empty() {
        tables.push((T::LOG_ATTRS, log_attrs.to_input(false)?));
    }
    Ok(tables)
}
