//! Forwarding received OTAP tables (a [`DecodedTables`]) onto an outgoing stream without the
//! OTLP round trip: each payload's record batch is written as it arrived (same columns, same
//! id encodings and field metadata) to this encoder's IPC stream for its payload type. The
//! IPC writer turns the receiver's accumulated dictionaries back into deltas (unchanged: no
//! dictionary batch; grown: a delta; anything else: a replacement), and a schema that differs
//! from the stream's starts a new stream under a fresh schema id, as a schema change on the
//! OTLP path does. Dictionaries that would be resent in full are compacted first
//! (`forward_dicts.rs`).

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use super::forward_dicts::ForwardedDictionaries;
use crate::bar::{payload_type as T, ArrowPayload};
use crate::decode::{table_name, DecodedTables};
use crate::error::OtapError;
use crate::ipc_writer::IpcChunkWriter;

/// One payload type's outgoing IPC stream on the forwarding path.
pub(crate) struct ForwardStream {
    schema: SchemaRef,
    writer: IpcChunkWriter,
    dictionaries: ForwardedDictionaries,
    schema_id: String,
}

impl ForwardStream {
    fn accepts(&self, batch: &RecordBatch) -> bool {
        let schema = batch.schema_ref();
        std::sync::Arc::ptr_eq(&self.schema, schema) || *self.schema == **schema
    }
}

/// Payloads of `tables` to forward: all of them, except METRIC_ATTRS when the encoder
/// leaves metric metadata out (a Go consumer refuses that payload type).
pub(crate) fn forwarded(tables: &DecodedTables, metric_metadata: bool) -> impl Iterator<Item = &(i32, RecordBatch)> {
    tables.batches.iter().filter(move |(t, _)| metric_metadata || *t != T::METRIC_ATTRS)
}

/// Writes one payload to its stream (created, or replaced on a schema change, through
/// `new_schema_id`), returning the ArrowPayload.
pub(crate) fn write_payload(
    stream: &mut Option<ForwardStream>,
    payload_type: i32,
    batch: &RecordBatch,
    zstd_level: Option<i32>,
    new_schema_id: &mut dyn FnMut() -> String,
) -> Result<ArrowPayload, OtapError> {
    let table = table_name(payload_type);
    if !stream.as_ref().is_some_and(|s| s.accepts(batch)) {
        let writer = IpcChunkWriter::new(batch.schema_ref(), zstd_level).map_err(|e| e.in_table(&table))?;
        *stream = Some(ForwardStream { schema: batch.schema(), writer, dictionaries: ForwardedDictionaries::default(), schema_id: new_schema_id() });
    }
    let s = stream.as_mut().unwrap();
    let batch = s.dictionaries.prepare(batch).map_err(|e| e.in_table(&table))?;
    let record = s.writer.write(&batch).map_err(|e| e.in_table(&table))?;
    Ok(ArrowPayload { schema_id: s.schema_id.clone(), r#type: payload_type, record })
}
