//! OTAP tables -> OTLP logs (`src/otap/decode/logs.ts`).

use super::common::*;
use super::rev_writer::RevWriter;
use super::table::Res;
use super::Tables;
use crate::bar::payload_type as T;

/// The OTLP `ExportLogsServiceRequest` bytes of the tables, written back to front.
pub fn write_logs(tables: &Tables<'_>) -> Res<Vec<u8>> {
    let Some(root) = tables.get(T::LOGS) else { return Ok(Vec::new()) };
    if root.len == 0 {
        return Ok(Vec::new());
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
    let mut attrs = AttrRows::new(tables.get(T::LOG_ATTRS), 16)?;
    let mut w = RevWriter::scratch(root.len * 192);
    write_request(&mut w, tables, root, |w, i| {
        w.string(12, cell(&event_name, i).unwrap_or(""));
        w.fixed64(11, cell(&observed, i).unwrap_or(0));
        w.bytes(10, nonzero_id(cell(&span_id, i)));
        w.bytes(9, nonzero_id(cell(&trace_id, i)));
        w.fixed32(8, cell(&flags, i).unwrap_or(0) as u32);
        w.uint(7, u64::from(cell(&dropped, i).unwrap_or(0) as u32));
        attrs.write(w, 6, ids[i])?;
        if let (Some(b), Some(v)) = (&body, &body_valid) {
            // An empty body is not written (the model cannot tell it from none).
            if v.get(i).copied().unwrap_or(false) && b.type_at(i) != T_EMPTY {
                let mark = w.len();
                b.write_value(w, root, i)?;
                w.end_message(5, mark);
            }
        }
        w.string(3, cell(&sev_text, i).unwrap_or(""));
        w.int(2, i64::from(cell(&sev_num, i).unwrap_or(0) as i32));
        w.fixed64(1, cell(&time, i).unwrap_or(0));
        Ok(())
    })?;
    attrs.assert_all_used("LOGS")?;
    Ok(w.finish())
}
