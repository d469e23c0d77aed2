//! Forwarding received OTAP tables (a [`DecodedTables`]) onto an outgoing stream without the
//! OTLP round trip: each payload's record batch is written as it arrived (same columns, same
//! id encodings and field metadata) to this encoder's IPC stream for its payload type. The
//! receiver's accumulated dictionaries go back out as deltas (unchanged: no dictionary batch;
//! grown: a delta; anything else: a replacement; `forward_sent.rs`), and a schema that
//! differs from the stream's starts a new stream under a fresh schema id, as a schema change
//! on the OTLP path does. Dictionaries that would be resent in full are compacted first
//! (`forward_dicts.rs`).

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use super::forward_dicts::ForwardedDictionaries;
use super::forward_sent::SentDictionaries;
use crate::bar::{payload_type as T, ArrowPayload};
use crate::decode::{table_name, DecodedTables};
use crate::error::OtapError;
use crate::ipc_writer::{dictionaries_in_structs_only, keys_schema, IpcChunkWriter, TableChunkWriter};

/// One payload type's outgoing IPC stream on the forwarding path.
pub(crate) struct ForwardStream {
    schema: SchemaRef,
    writer: Writer,
    dictionaries: ForwardedDictionaries,
    schema_id: String,
}

enum Writer {
    /// Dictionary messages decided by `SentDictionaries`, batches written as keys.
    Keys { writer: TableChunkWriter, sent: SentDictionaries, keys_schema: SchemaRef },
    /// arrow-ipc's StreamWriter, for a peer schema with dictionaries inside lists or inside
    /// dictionary values (never OTAP's).
    Stream(IpcChunkWriter),
}

impl Writer {
    fn new(schema: &SchemaRef, zstd_level: Option<i32>) -> Result<Writer, OtapError> {
        if !dictionaries_in_structs_only(schema.fields()) {
            return Ok(Writer::Stream(IpcChunkWriter::new(schema, zstd_level)?));
        }
        let writer = TableChunkWriter::new(schema, zstd_level)?;
        Ok(Writer::Keys { writer, sent: SentDictionaries::default(), keys_schema: Arc::new(keys_schema(schema)) })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<Vec<u8>, OtapError> {
        match self {
            Writer::Keys { writer, sent, keys_schema } => {
                let (dictionaries, keys) = sent.split(batch, keys_schema)?;
                writer.write(&dictionaries, &keys)
            }
            Writer::Stream(writer) => writer.write(batch),
        }
    }
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
        let writer = Writer::new(batch.schema_ref(), zstd_level).map_err(|e| e.in_table(&table))?;
        *stream = Some(ForwardStream { schema: batch.schema(), writer, dictionaries: ForwardedDictionaries::default(), schema_id: new_schema_id() });
    }
    let s = stream.as_mut().unwrap();
    let batch = s.dictionaries.prepare(batch).map_err(|e| e.in_table(&table))?;
    let record = s.writer.write(&batch).map_err(|e| e.in_table(&table))?;
    Ok(ArrowPayload { schema_id: s.schema_id.clone(), r#type: payload_type, record })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::dict::DictValues;
    use crate::schema::LeafKind;
    use arrow_array::types::{UInt16Type, UInt8Type};
    use arrow_array::{ArrayRef, DictionaryArray, Int64Array, PrimitiveArray, StringArray, StructArray};
    use arrow_schema::{DataType, Field, Fields, Schema};

    fn schema() -> SchemaRef {
        let dict8 = DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8));
        let dict16 = DataType::Dictionary(Box::new(DataType::UInt16), Box::new(DataType::Int64));
        let inner = Fields::from(vec![Field::new("name", dict8.clone(), true), Field::new("n", DataType::Int64, true)]);
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, true),
            Field::new("scope", DataType::Struct(inner), true),
            Field::new("key", dict8, true),
            Field::new("num", dict16, true),
            // A struct none of whose columns appeared (a span status never set).
            Field::new("status", DataType::Struct(Fields::empty()), true),
        ]))
    }

    fn batch(names: ArrayRef, keys: ArrayRef, nums: ArrayRef) -> RecordBatch {
        let rows = 3;
        let k8 = |n: usize| PrimitiveArray::<UInt8Type>::from(vec![Some(0), None, Some((n - 1) as u8)]);
        let name = DictionaryArray::<UInt8Type>::try_new(k8(names.len()), names).unwrap();
        let key = DictionaryArray::<UInt8Type>::try_new(k8(keys.len()), keys).unwrap();
        let num = DictionaryArray::<UInt16Type>::try_new(
            PrimitiveArray::<UInt16Type>::from(vec![Some((nums.len() - 1) as u16), Some(0), None]),
            nums,
        )
        .unwrap();
        let s = schema();
        let DataType::Struct(inner) = s.field(1).data_type() else { unreachable!() };
        let scope = StructArray::try_new(
            inner.clone(),
            vec![Arc::new(name), Arc::new(Int64Array::from(vec![1, 2, 3]))],
            Some(vec![true, false, true].into()),
        )
        .unwrap();
        let id = Int64Array::from(vec![Some(7); rows]);
        let status = StructArray::new_empty_fields(rows, None);
        RecordBatch::try_new(s, vec![Arc::new(id), Arc::new(scope), Arc::new(key), Arc::new(num), Arc::new(status)]).unwrap()
    }

    /// Every kind of dictionary change, written by the keys writer and by arrow-ipc's
    /// StreamWriter: the same bytes, batch for batch.
    #[test]
    fn keys_writer_bytes_are_the_stream_writers() {
        let strs = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
        let nums = |v: &[i64]| Arc::new(Int64Array::from(v.to_vec())) as ArrayRef;
        let mut store = DictValues::new(LeafKind::Utf8);
        store.index_of_bytes(b"a");
        let grown0 = store.to_array();
        store.index_of_bytes(b"b");
        store.index_of_bytes(b"c");
        let grown1 = store.to_array();
        store.index_of_bytes(b"d");
        let grown2 = store.to_array();
        let batches = vec![
            batch(grown0.clone(), strs(&["k"]), nums(&[1])),
            // Same memory, longer: deltas; equal values in other memory: nothing.
            batch(grown1.clone(), strs(&["k"]), nums(&[1, 2])),
            batch(grown1.clone(), strs(&["k", "l"]), nums(&[1, 2])),
            batch(grown2.clone(), strs(&["k", "l", "m"]), nums(&[1, 2, 3]).slice(0, 3)),
            // Shorter: replacement; different first value: replacement; sliced values.
            batch(strs(&["z"]), strs(&["x", "l", "m", "n"]), nums(&[9, 1, 2, 3]).slice(1, 3)),
            batch(strs(&["z", "y"]), strs(&["x", "l", "m", "n", "o"]).slice(0, 5), nums(&[1, 2, 3, 4])),
            batch(grown2, strs(&["q"]), nums(&[5])),
        ];
        for zstd in [None, Some(3)] {
            let s = schema();
            let mut keys = Writer::new(&s, zstd).unwrap();
            assert!(matches!(keys, Writer::Keys { .. }));
            let mut stream = Writer::Stream(IpcChunkWriter::new(&s, zstd).unwrap());
            for (i, b) in batches.iter().enumerate() {
                let (a, b) = (keys.write(b).unwrap(), stream.write(b).unwrap());
                assert!(a == b, "zstd {zstd:?}, batch {i}: {} bytes vs the StreamWriter's {}", a.len(), b.len());
            }
        }
    }

    #[test]
    fn dictionaries_inside_lists_go_through_the_stream_writer() {
        let dict = DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8));
        let list = DataType::List(Arc::new(Field::new("item", dict, true)));
        let s = Arc::new(Schema::new(vec![Field::new("l", list, true)]));
        assert!(matches!(Writer::new(&s, None).unwrap(), Writer::Stream(_)));
    }
}
