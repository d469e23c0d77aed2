//! `route::resource_attribute_values`: one entry per resource as the consumer groups them,
//! read from the tables; the JSON the bindings hand to JavaScript.

use otap_core::decode::pb::*;
use otap_core::route::{resource_attribute_values, resource_values_json, ResourceValue};
use otap_core::{Decoder, Encoder, EncoderOptions, Signal};
use prost::Message;

fn logs(resources: Vec<Vec<KeyValue>>) -> Vec<u8> {
    let resource_logs = resources
        .into_iter()
        .enumerate()
        .map(|(i, attributes)| ResourceLogs {
            resource: Some(Resource { attributes, dropped_attributes_count: i as u32 }),
            scope_logs: vec![ScopeLogs { scope: None, log_records: vec![LogRecord { time_unix_nano: 1, ..Default::default() }], schema_url: String::new() }],
            schema_url: String::new(),
        })
        .collect();
    ExportLogsServiceRequest { resource_logs }.encode_to_vec()
}

fn kv(key: &str, v: any_value::Value) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(v) }) }
}

#[test]
fn values_per_resource_from_the_tables() {
    let s = |v: &str| any_value::Value::StringValue(v.into());
    let req = logs(vec![
        vec![kv("ns", s("a\"b")), kv("ns", s("second"))],
        vec![kv("other", s("x"))],
        vec![kv("ns", any_value::Value::IntValue(3))],
        vec![],
        vec![kv("ns", s("a\"b"))],
    ]);
    let bar = Encoder::new(EncoderOptions { zstd_level: None, metric_metadata: true }).encode(Signal::Logs, &req).unwrap();
    let tables = Decoder::new().decode_tables(&bar).unwrap().unwrap();
    let got = resource_attribute_values(&tables, "ns").unwrap();
    assert_eq!(got, vec![
        ResourceValue::Str("a\"b".into()),
        ResourceValue::Missing,
        ResourceValue::NotString,
        ResourceValue::Missing,
        ResourceValue::Str("a\"b".into()),
    ]);
    assert_eq!(resource_values_json(&got), r#"["a\"b",null,false,null,"a\"b"]"#);
    assert_eq!(resource_values_json(&[ResourceValue::Str("t\u{1}\\".into())]), r#"["t\u0001\\"]"#);
}
