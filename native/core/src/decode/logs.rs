//! OTAP tables -> OTLP logs (`src/otap/decode/logs.ts`).

use super::common::*;
use super::pb::{ExportLogsServiceRequest, LogRecord, ResourceLogs, ScopeLogs};
use super::table::Res;
use super::Tables;
use crate::bar::payload_type as T;

pub fn tables_to_logs(tables: &Tables<'_>) -> Res<ExportLogsServiceRequest> {
    let Some(root) = tables.get(T::LOGS) else { return Ok(ExportLogsServiceRequest::default()) };
    if root.len == 0 {
        return Ok(ExportLogsServiceRequest::default());
    }
    let ids = delta_decode(ids_or_null(root, "id")?, root.encoding("id"), 16);
    let time = root.u64s("time_unix_nano")?;
    let observed = root.u64s("observed_time_unix_nano")?;
    let trace_id = root.bytes("trace_id")?;
    let span_id = root.bytes("span_id")?;
    let sev_num = root.ints("severity_number")?;
    let sev_text = root.strs("severity_text")?;
    let dropped = root.ints("dropped_attributes_count")?;
    let flags = root.ints("flags")?;
    let event_name = root.strs("event_name")?;
    let body_valid = root.struct_validity("body")?;
    let body = match body_valid {
        Some(_) => Some(AnyValueColumns::new(root, "body.", false)?),
        None => None,
    };
    let attrs_view = tables.get(T::LOG_ATTRS);
    let mut attrs = decode_attributes(attrs_view, 16)?;
    attrs.plan(ids.iter().copied());

    let groups = group_roots(root, tables.get(T::RESOURCE_ATTRS), tables.get(T::SCOPE_ATTRS))?;
    let mut resource_logs = Vec::with_capacity(groups.len());
    for g in groups {
        let mut scope_logs = Vec::with_capacity(g.scopes.len());
        for s in g.scopes {
            let mut log_records = Vec::with_capacity(s.rows.len());
            for i in s.rows {
                let body = match (&body, &body_valid) {
                    (Some(b), Some(v)) if v.get(i).copied().unwrap_or(false) => {
                        let value = b.value_at(root, i)?;
                        // An empty body is not written (the model cannot tell it from none).
                        value.value.is_some().then_some(value)
                    }
                    _ => None,
                };
                log_records.push(LogRecord {
                    time_unix_nano: cell(&time, i).unwrap_or(0),
                    observed_time_unix_nano: cell(&observed, i).unwrap_or(0),
                    severity_number: cell(&sev_num, i).unwrap_or(0) as i32,
                    severity_text: cell(&sev_text, i).unwrap_or("").to_string(),
                    body,
                    attributes: attrs.take(ids[i]),
                    dropped_attributes_count: cell(&dropped, i).unwrap_or(0) as u32,
                    flags: cell(&flags, i).unwrap_or(0) as u32,
                    trace_id: empty_if_zero(cell(&trace_id, i)),
                    span_id: empty_if_zero(cell(&span_id, i)),
                    event_name: cell(&event_name, i).unwrap_or("").to_string(),
                });
            }
            scope_logs.push(ScopeLogs { scope: Some(s.scope), log_records, schema_url: s.schema_url });
        }
        resource_logs.push(ResourceLogs { resource: Some(g.resource), scope_logs, schema_url: g.schema_url });
    }
    assert_all_used(&attrs, attrs_view, "LOGS")?;
    Ok(ExportLogsServiceRequest { resource_logs })
}
