//! processor:filter in the core: its rules' byte form (an invalid regular expression is
//! refused when the rules are read), and records kept with their attributes while the
//! dropped ones' go, resources left empty disappearing.

use otap_core::decode::pb::*;
use otap_core::filter::{filter_tables, FilterSpec};
use otap_core::{Decoder, Encoder, EncoderOptions, Signal};
use prost::Message;

fn form(parts: &[&str]) -> Vec<u8> {
    parts.iter().flat_map(|p| { let mut v = format!("{}:", p.len()).into_bytes(); v.extend_from_slice(p.as_bytes()); v }).collect()
}

fn record(sev: i32, attr: &str) -> LogRecord {
    LogRecord {
        severity_number: sev,
        attributes: vec![KeyValue { key: "k".into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(attr.into())) }) }],
        ..Default::default()
    }
}

#[test]
fn refuses_an_invalid_regular_expression() {
    let e = FilterSpec::parse(&form(&["include", "regexp", "severity_text", "(unclosed", "end"])).err().unwrap();
    assert!(e.message.contains("invalid regular expression \"(unclosed\""), "{}", e.message);
    assert!(FilterSpec::parse(&form(&["include", "glob", "end"])).err().unwrap().message.contains("unknown match_type"));
}

#[test]
fn keeps_records_with_their_attributes_and_drops_empty_resources() {
    let resource = |name: &str, records: Vec<LogRecord>| ResourceLogs {
        resource: Some(Resource { attributes: vec![KeyValue { key: "r".into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(name.into())) }) }], dropped_attributes_count: 0 }),
        scope_logs: vec![ScopeLogs { scope: None, log_records: records, schema_url: String::new() }],
        schema_url: String::new(),
    };
    let req = ExportLogsServiceRequest { resource_logs: vec![resource("a", vec![record(9, "a1"), record(17, "a2")]), resource("b", vec![record(9, "b1")])] }.encode_to_vec();
    let bar = Encoder::new(EncoderOptions { zstd_level: None, metric_metadata: true }).encode(Signal::Logs, &req).unwrap();
    let tables = Decoder::new().decode_tables(&bar).unwrap().unwrap();
    let spec = FilterSpec::parse(&form(&["include", "strict", "severity_number", "17", "0", "end"])).unwrap();
    let out = ExportLogsServiceRequest::decode(&filter_tables(&tables, &spec).unwrap().to_otlp().unwrap()[..]).unwrap();
    assert_eq!(out.resource_logs.len(), 1);
    let logs = &out.resource_logs[0].scope_logs[0].log_records;
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].attributes[0].value.as_ref().unwrap().value, Some(any_value::Value::StringValue("a2".into())));
}
