//! processor:attribute in the core: the byte form of the actions (and its refusals), the hash
//! values (checked against SHA-256 computed elsewhere), a rename that keeps the key column's
//! dictionary type, OTLP requests turned into tables without IPC, and renames applied by the
//! encoder as it parses writing what encoding the edited bytes writes.

mod decode_support;

use arrow_schema::DataType;
use otap_core::attributes::{transform_attributes, AttributeActions, OtlpKeyEditor};
use otap_core::bar::payload_type as T;
use otap_core::decode::pb::*;
use otap_core::encode::otlp_to_tables;
use otap_core::{Decoder, Encoder, EncoderOptions, Signal};
use prost::Message;

fn field(s: &[u8]) -> Vec<u8> {
    let mut v = format!("{}:", s.len()).into_bytes();
    v.extend_from_slice(s);
    v
}

fn actions(parts: &[&str]) -> Vec<u8> {
    parts.iter().flat_map(|p| field(p.as_bytes())).collect()
}

fn kv(key: &str, v: any_value::Value) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(v) }) }
}

fn s(v: &str) -> any_value::Value {
    any_value::Value::StringValue(v.into())
}

fn logs(records: Vec<Vec<KeyValue>>) -> Vec<u8> {
    let log_records = records.into_iter().enumerate().map(|(i, attributes)| LogRecord { time_unix_nano: i as u64 + 1, attributes, ..Default::default() }).collect();
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource { attributes: vec![kv("host", s("h"))], dropped_attributes_count: 0 }),
            scope_logs: vec![ScopeLogs { scope: None, log_records, schema_url: String::new() }],
            schema_url: String::new(),
        }],
    }
    .encode_to_vec()
}

fn attributes_of(otlp: &[u8]) -> Vec<Vec<(String, Option<any_value::Value>)>> {
    let req = ExportLogsServiceRequest::decode(otlp).unwrap();
    let mut out: Vec<Vec<(String, Option<any_value::Value>)>> = req.resource_logs[0].scope_logs[0]
        .log_records
        .iter()
        .map(|l| {
            let mut a: Vec<_> = l.attributes.iter().map(|kv| (kv.key.clone(), kv.value.clone().and_then(|v| v.value))).collect();
            a.sort_by(|x, y| x.0.cmp(&y.0));
            a
        })
        .collect();
    out.sort_by_key(|a| format!("{a:?}"));
    out
}

fn held(req: &[u8]) -> otap_core::DecodedTables {
    let bar = Encoder::new(EncoderOptions { zstd_level: None, metric_metadata: true }).encode(Signal::Logs, req).unwrap();
    Decoder::new().decode_tables(&bar).unwrap().unwrap()
}

#[test]
fn refuses_a_key_used_twice_and_malformed_forms() {
    let dup = actions(&["signal", "rename", "a", "b", "upsert", "b", "i", "1"]);
    let e = AttributeActions::parse(&dup).unwrap_err();
    assert!(e.message.contains("\"b\" appears in more than one action"), "{}", e.message);
    assert!(AttributeActions::parse(&actions(&["signal", "extract", "a"])).unwrap_err().message.contains("unknown action"));
    assert!(AttributeActions::parse(&actions(&["spans"])).unwrap_err().message.contains("unknown apply_to"));
    assert!(AttributeActions::parse(b"9:signal").unwrap_err().message.contains("past the end"));
    assert!(AttributeActions::parse(&actions(&["signal", "insert", "a", "d", "zz"])).unwrap_err().message.contains("double bits"));
}

#[test]
fn hashes_scalars_as_the_engine_does() {
    let req = logs(vec![vec![
        kv("i", any_value::Value::IntValue(42)),
        kv("u", s("ü")),
        kv("d", any_value::Value::DoubleValue(1.5)),
        kv("b", any_value::Value::BoolValue(true)),
        kv("m", any_value::Value::KvlistValue(KeyValueList { values: vec![kv("x", s("y"))] })),
    ]]);
    let a = AttributeActions::parse(&actions(&["signal", "hash", "i", "s", "hash", "u", "pepper", "hash", "d", "", "hash", "b", "x", "hash", "m", "x"])).unwrap();
    let out = transform_attributes(&held(&req), &a).unwrap();
    let got = attributes_of(&out.to_otlp().unwrap());
    let hex = |h: &str| Some(s(h));
    assert_eq!(got[0][0], ("b".into(), hex("f5e2794887fba944442f1d3619e6773e55259ef5f3c73112857f0e293be739a0")));
    assert_eq!(got[0][1], ("d".into(), hex("e163f8cb0f7067a7fc78ca859a77f849aea3214f38fb75b884e4a16be725c905")));
    assert_eq!(got[0][2], ("i".into(), hex("c49432c11ff48e1e9dde328d1475aa4d8ec6086ddc1cc88489ac67bf70e82781")));
    assert!(matches!(got[0][3].1, Some(any_value::Value::KvlistValue(_))), "maps are left alone");
    assert_eq!(got[0][4], ("u".into(), hex("f1bda025cef34a66725006b22fed95407349642cca1c3aca79639a7432c65a1b")));
}

#[test]
fn a_rename_rewrites_the_key_dictionary_and_replaces_the_destination() {
    let req = logs(vec![
        vec![kv("user", s("u1")), kv("user.id", s("old"))],
        vec![kv("user.id", s("kept"))],
        vec![kv("other", s("x"))],
    ]);
    let before = held(&req);
    let key_type = |t: &otap_core::DecodedTables| {
        let (_, b) = t.batches.iter().find(|(ty, _)| *ty == T::LOG_ATTRS).unwrap();
        b.schema().field_with_name("key").unwrap().data_type().clone()
    };
    let a = AttributeActions::parse(&actions(&["signal", "rename", "user", "user.id"])).unwrap();
    let out = transform_attributes(&before, &a).unwrap();
    assert!(matches!(key_type(&out), DataType::Dictionary(_, _)));
    assert_eq!(key_type(&out), key_type(&before));
    let got = attributes_of(&out.to_otlp().unwrap());
    assert_eq!(got, vec![
        vec![("other".into(), Some(s("x")))],
        vec![("user.id".into(), Some(s("kept")))],
        vec![("user.id".into(), Some(s("u1")))],
    ]);
}

#[test]
fn otlp_requests_become_tables_without_ipc() {
    let req = logs(vec![vec![kv("a", s("1"))], vec![]]);
    let t = otlp_to_tables(Signal::Logs, &req, true).unwrap();
    assert_eq!(t.signal, Signal::Logs);
    assert_eq!(attributes_of(&t.to_otlp().unwrap()), attributes_of(&req));
    let a = AttributeActions::parse(&actions(&["signal,resource", "insert", "env", "b", "true"])).unwrap();
    let out = ExportLogsServiceRequest::decode(&transform_attributes(&t, &a).unwrap().to_otlp().unwrap()[..]).unwrap();
    let rl = &out.resource_logs[0];
    assert!(rl.resource.as_ref().unwrap().attributes.iter().any(|kv| kv.key == "env"));
    assert!(rl.scope_logs[0].log_records.iter().all(|l| l.attributes.iter().any(|kv| kv.key == "env")));
    assert!(otlp_to_tables(Signal::Logs, b"\xff\xff", true).is_err());
}

#[test]
fn a_rename_to_a_new_key_rewrites_only_the_dictionary() {
    let req = logs(vec![vec![kv("user", s("u1")), kv("a", s("x"))], vec![kv("user", s("u2"))], vec![]]);
    let before = held(&req);
    let a = AttributeActions::parse(&actions(&["signal", "rename", "user", "user.id"])).unwrap();
    let out = transform_attributes(&before, &a).unwrap();
    let attrs = |t: &otap_core::DecodedTables| t.batches.iter().find(|(ty, _)| *ty == T::LOG_ATTRS).unwrap().1.clone();
    let (b, o) = (attrs(&before), attrs(&out));
    // Same rows, same parent ids (no re-encoding): only the key dictionary's values changed.
    assert!(std::sync::Arc::ptr_eq(b.column_by_name("parent_id").unwrap(), o.column_by_name("parent_id").unwrap()));
    assert_eq!(b.num_rows(), o.num_rows());
    let got = attributes_of(&out.to_otlp().unwrap());
    assert_eq!(got, vec![
        vec![("a".into(), Some(s("x"))), ("user.id".into(), Some(s("u1")))],
        vec![("user.id".into(), Some(s("u2")))],
        vec![],
    ]);
}

#[test]
fn encode_edited_writes_what_the_edited_bytes_encode_to_on_every_signal() {
    // Point, exemplar, record and resource keys of decode_support's requests, on every list.
    let a = actions(&["signal,resource,scope", "rename", "host", "host.name", "rename", "http.method", "method", "delete", "req", "delete", "ex", "delete", "ratio"]);
    let editor = OtlpKeyEditor::parse(&a).unwrap();
    for signal in [Signal::Traces, Signal::Logs, Signal::Metrics] {
        let options = EncoderOptions { zstd_level: None, metric_metadata: true };
        let (mut fused, mut two_pass) = (Encoder::new(options.clone()), Encoder::new(options));
        for batch in 0..4 {
            let req = decode_support::request(signal, batch, 12);
            let edited = editor.edit(signal, &req).unwrap().expect("the requests hold the edited keys");
            assert_eq!(fused.encode_edited(signal, &req, &editor).unwrap(), two_pass.encode(signal, &edited).unwrap(), "{signal:?} batch {batch}");
        }
    }
}
