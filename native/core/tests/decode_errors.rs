//! Decoder behaviour on hand-made OTAP tables (arrow-ipc StreamWriter): column variants the
//! TS Consumer accepts (dictionary keys of any width, plain-encoded ids, absent optional
//! columns, null struct rows) and the errors it reports (codes, table and column names).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::types::{Int8Type, UInt16Type, UInt32Type, UInt8Type};
use arrow_array::{
    ArrayRef, BinaryArray, DictionaryArray, Float64Array, Int64Array, RecordBatch, StringArray, StructArray,
    UInt16Array, UInt8Array,
};
use arrow_buffer::NullBuffer;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{Field, Fields, Schema};
use otap_core::bar::{payload_type as T, ArrowPayload, BatchArrowRecords};
use otap_core::decode::pb::*;
use otap_core::{Decoder, OtapError, Signal};
use prost::Message;

/// One IPC stream chunk (schema, dictionaries, one record batch; no end-of-stream marker).
fn ipc(batch: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = StreamWriter::try_new(&mut out, &batch.schema()).unwrap();
        w.write(batch).unwrap();
    }
    out
}

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = cols.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols.into_iter().map(|(_, a)| a).collect()).unwrap()
}

fn with_metadata(b: RecordBatch, column: &str, key: &str, value: &str) -> RecordBatch {
    let schema = b.schema();
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            if f.name() == column {
                f.as_ref().clone().with_metadata(HashMap::from([(key.to_string(), value.to_string())]))
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), b.columns().to_vec()).unwrap()
}

fn bar(payloads: Vec<(&str, i32, &RecordBatch)>) -> Vec<u8> {
    BatchArrowRecords {
        batch_id: 0,
        arrow_payloads: payloads
            .into_iter()
            .map(|(id, t, b)| ArrowPayload { schema_id: id.to_string(), r#type: t, record: ipc(b) })
            .collect(),
        headers: Vec::new(),
    }
    .encode_to_vec()
}

fn u16s(v: &[Option<u16>]) -> ArrayRef {
    Arc::new(UInt16Array::from(v.to_vec()))
}

fn strs(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn struct_of(cols: Vec<(&str, ArrayRef)>, nulls: Option<NullBuffer>) -> ArrayRef {
    let fields: Fields = cols.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    Arc::new(StructArray::new(fields, cols.into_iter().map(|(_, a)| a).collect(), nulls))
}

/// A LOGS table: 3 records of one resource/scope, ids 0,1,2 (delta-encoded: 0,1,1).
fn logs_root() -> RecordBatch {
    batch(vec![
        ("id", u16s(&[Some(0), Some(1), Some(1)])),
        ("resource", struct_of(vec![("id", u16s(&[Some(0), Some(0), Some(0)]))], None)),
        ("scope", struct_of(vec![("id", u16s(&[Some(0), Some(0), Some(0)])), ("name", strs(&[Some("lib"), Some("lib"), Some("lib")]))], None)),
        ("severity_text", strs(&[Some("INFO"), None, Some("WARN")])),
    ])
}

fn attrs(parents: &[u16], keys: &[&str], types: &[u8], vals: &[Option<&str>]) -> RecordBatch {
    batch(vec![
        ("parent_id", u16s(&parents.iter().map(|&p| Some(p)).collect::<Vec<_>>())),
        ("key", strs(&keys.iter().map(|&k| Some(k)).collect::<Vec<_>>())),
        ("type", Arc::new(UInt8Array::from(types.to_vec()))),
        ("str", strs(vals)),
    ])
}

fn decode_logs(b: &[u8]) -> Result<ExportLogsServiceRequest, OtapError> {
    let d = Decoder::new().decode(b)?;
    assert_eq!(d.signal, Some(Signal::Logs));
    Ok(ExportLogsServiceRequest::decode(&d.otlp[..]).unwrap())
}

fn records(r: &ExportLogsServiceRequest) -> Vec<&LogRecord> {
    r.resource_logs.iter().flat_map(|rl| rl.scope_logs.iter()).flat_map(|sl| sl.log_records.iter()).collect()
}

fn str_attr(r: &LogRecord, key: &str) -> Option<String> {
    r.attributes.iter().find(|kv| kv.key == key).and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s.clone()),
        _ => None,
    })
}

#[test]
fn quasi_delta_attribute_parents_and_defaults() {
    // parent_id quasi-delta: rows with the same key and value are deltas (0, +1, +1 -> 0,1,2).
    let a = attrs(&[0, 1, 1, 1], &["k", "k", "k", "other"], &[1, 1, 1, 1], &[Some("v"), Some("v"), Some("v"), Some("x")]);
    let out = decode_logs(&bar(vec![("0", T::LOGS, &logs_root()), ("1", T::LOG_ATTRS, &a)])).unwrap();
    let recs = records(&out);
    assert_eq!(recs.len(), 3);
    assert_eq!(recs.iter().map(|r| str_attr(r, "k")).collect::<Vec<_>>(), vec![Some("v".into()); 3]);
    assert_eq!(str_attr(recs[1], "other").as_deref(), Some("x"));
    assert_eq!(recs[1].severity_text, "");
    assert_eq!(out.resource_logs[0].scope_logs[0].scope.as_ref().unwrap().name, "lib");
}

#[test]
fn plain_encoded_ids_and_dictionary_keys_of_any_width() {
    let root = with_metadata(
        batch(vec![
            ("id", u16s(&[Some(5), Some(9), Some(7)])),
            ("severity_text", Arc::new(DictionaryArray::<Int8Type>::new(vec![1i8, 0, 1].into(), strs(&[Some("A"), Some("B")])))),
        ]),
        "id",
        "encoding",
        "plain",
    );
    let a = with_metadata(
        batch(vec![
            ("parent_id", u16s(&[Some(9), Some(5)])),
            ("key", Arc::new(DictionaryArray::<UInt32Type>::new(vec![0u32, 0].into(), strs(&[Some("k")])))),
            ("type", Arc::new(DictionaryArray::<UInt16Type>::new(vec![0u16, 0].into(), Arc::new(UInt8Array::from(vec![1u8]))))),
            ("str", Arc::new(DictionaryArray::<UInt8Type>::new(vec![1u8, 0].into(), strs(&[Some("five"), Some("nine")])))),
        ]),
        "parent_id",
        "encoding",
        "plain",
    );
    let out = decode_logs(&bar(vec![("0", T::LOGS, &root), ("1", T::LOG_ATTRS, &a)])).unwrap();
    let recs = records(&out);
    assert_eq!(recs.iter().map(|r| r.severity_text.as_str()).collect::<Vec<_>>(), vec!["B", "A", "B"]);
    assert_eq!(str_attr(recs[0], "k").as_deref(), Some("five"));
    assert_eq!(str_attr(recs[1], "k").as_deref(), Some("nine"));
    assert!(recs[2].attributes.is_empty());
}

#[test]
fn null_body_struct_rows_and_zero_values() {
    let body = struct_of(
        vec![
            ("type", Arc::new(UInt8Array::from(vec![Some(2), Some(3), Some(1)])) as ArrayRef),
            ("int", Arc::new(Int64Array::from(vec![Some(-4), None, None]))),
            ("double", Arc::new(Float64Array::from(vec![None, None, Some(1.0)]))),
        ],
        Some(NullBuffer::from(vec![true, true, false])),
    );
    let root = batch(vec![("id", u16s(&[Some(0), Some(1), Some(1)])), ("body", body)]);
    let out = decode_logs(&bar(vec![("0", T::LOGS, &root)])).unwrap();
    let recs = records(&out);
    assert_eq!(recs[0].body.as_ref().unwrap().value, Some(any_value::Value::IntValue(-4)));
    // A null double cell of an active double column reads as 0.0.
    assert_eq!(recs[1].body.as_ref().unwrap().value, Some(any_value::Value::DoubleValue(0.0)));
    // A null struct row has no body.
    assert_eq!(recs[2].body, None);
}

fn err(b: &[u8]) -> OtapError {
    Decoder::new().decode(b).unwrap_err()
}

fn assert_err(e: &OtapError, code: &str, table: Option<&str>, column: Option<&str>) {
    assert_eq!((e.code, e.table.as_deref(), e.column.as_deref()), (code, table, column), "{e}");
}

#[test]
fn errors_name_code_table_and_column() {
    let root = logs_root();
    // Dangling attribute parent id.
    let a = attrs(&[7], &["k"], &[1], &[Some("v")]);
    assert_err(&err(&bar(vec![("0", T::LOGS, &root), ("1", T::LOG_ATTRS, &a)])), "INVALID_PAYLOAD", Some("LOG_ATTRS"), Some("parent_id"));
    // Unknown value type.
    let a = attrs(&[0], &["k"], &[9], &[Some("v")]);
    assert_err(&err(&bar(vec![("0", T::LOGS, &root), ("1", T::LOG_ATTRS, &a)])), "INVALID_PAYLOAD", Some("LOG_ATTRS"), Some("type"));
    // Missing required column.
    let a = batch(vec![("parent_id", u16s(&[Some(0)])), ("type", Arc::new(UInt8Array::from(vec![1u8])))]);
    assert_err(&err(&bar(vec![("0", T::LOGS, &root), ("1", T::LOG_ATTRS, &a)])), "INVALID_PAYLOAD", Some("LOG_ATTRS"), Some("key"));
    // Wrong column type.
    let bad = batch(vec![("id", u16s(&[Some(0)])), ("severity_text", u16s(&[Some(1)]))]);
    assert_err(&err(&bar(vec![("0", T::LOGS, &bad)])), "INVALID_PAYLOAD", Some("LOGS"), Some("severity_text"));
    // Bad CBOR in a map value.
    let a = batch(vec![
        ("parent_id", u16s(&[Some(0)])),
        ("key", strs(&[Some("m")])),
        ("type", Arc::new(UInt8Array::from(vec![5u8]))),
        ("ser", Arc::new(BinaryArray::from(vec![Some(&[0xbf, 0x61][..])]))),
    ]);
    assert_err(&err(&bar(vec![("0", T::LOGS, &root), ("1", T::LOG_ATTRS, &a)])), "INVALID_PAYLOAD", Some("LOG_ATTRS"), Some("ser"));
    // Payload type not allowed for the signal, no root, duplicates.
    assert_err(&err(&bar(vec![("0", T::LOGS, &root), ("1", T::SPAN_ATTRS, &root)])), "UNKNOWN_PAYLOAD_TYPE", Some("SPAN_ATTRS"), None);
    assert_err(&err(&bar(vec![("1", T::LOG_ATTRS, &root)])), "UNKNOWN_PAYLOAD_TYPE", Some("LOG_ATTRS"), None);
    assert_err(&err(&bar(vec![("0", 77, &root)])), "UNKNOWN_PAYLOAD_TYPE", Some("PAYLOAD_TYPE_77"), None);
    assert_err(&err(&bar(vec![("0", T::LOGS, &root), ("0", T::LOGS, &root)])), "INVALID_PAYLOAD", Some("LOGS"), None);
    // Bad IPC bytes.
    let mut m = BatchArrowRecords::decode(&bar(vec![("0", T::LOGS, &root)])[..]).unwrap();
    m.arrow_payloads[0].record = vec![1, 2, 3, 4, 5, 6, 7, 8, 9];
    assert_err(&err(&m.encode_to_vec()), "MALFORMED_IPC", Some("LOGS"), None);
    // Bad protobuf.
    assert_err(&err(&[0x0a, 0x05, 0x01]), "MALFORMED_PROTOBUF", None, None);
}

#[test]
fn schema_ids_per_stream() {
    let root = logs_root();
    let mut dec = Decoder::new();
    dec.decode(&bar(vec![("a", T::LOGS, &root)])).unwrap();
    // The same schema id for another payload type is an error.
    let a = attrs(&[0], &["k"], &[1], &[Some("v")]);
    let e = dec.decode(&bar(vec![("a", T::LOGS, &root), ("a", T::LOG_ATTRS, &a)])).unwrap_err();
    assert_err(&e, "INVALID_PAYLOAD", Some("LOG_ATTRS"), None);
    // A new schema id starts a new stream (a fresh schema message is expected on it).
    dec.decode(&bar(vec![("b", T::LOGS, &root)])).unwrap();
    // Two record batches in one payload.
    let mut two = Vec::new();
    {
        let mut sw = StreamWriter::try_new(&mut two, &root.schema()).unwrap();
        sw.write(&root).unwrap();
        sw.write(&root).unwrap();
    }
    let m = BatchArrowRecords {
        batch_id: 1,
        arrow_payloads: vec![ArrowPayload { schema_id: "c".into(), r#type: T::LOGS, record: two }],
        headers: Vec::new(),
    };
    assert_err(&dec.decode(&m.encode_to_vec()).unwrap_err(), "INVALID_PAYLOAD", Some("LOGS"), None);
}

/// A batch whose row count no buffer backs (no columns at all): every decoder used to build
/// that many empty rows (the "157-byte batch"); the IPC reader refuses it up front.
#[test]
fn row_count_beyond_the_buffers_is_refused() {
    use arrow_array::RecordBatchOptions;
    let empty = |rows: usize| {
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(Arc::new(Schema::empty()), vec![], &options).unwrap()
    };
    let forged = empty(0x7fff_ffff);
    let bytes = bar(vec![("0", T::LOGS, &forged)]);
    assert!(bytes.len() < 400, "{} bytes", bytes.len());
    let e = err(&bytes);
    assert_err(&e, "MALFORMED_IPC", Some("LOGS"), None);
    assert!(e.message.contains("rows"), "{e}");
    // Zero rows need no buffers.
    assert!(Decoder::new().decode(&bar(vec![("0", T::LOGS, &empty(0))])).is_ok());
}
