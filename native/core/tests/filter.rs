//! processor:filter in the core: its rules' byte form (an invalid regular expression is
//! refused when the rules are read), and records kept with their attributes while the
//! dropped ones' go, resources left empty disappearing; rules applied to a parsed OTLP request
//! keep the same records as on its tables.

use otap_core::decode::pb::*;
use otap_core::encode::{otlp_to_tables, TablesBuilder};
use otap_core::filter::{filter_otlp, filter_tables, FilterSpec};
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

fn str_kv(k: &str, v: &str) -> KeyValue {
    KeyValue { key: k.into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(v.into())) }) }
}

/// `filter_otlp` and `filter_tables(otlp_to_tables(..))` give the same request.
fn same_both_ways(signal: Signal, req: &[u8], spec: &[&str]) -> Vec<u8> {
    let spec = FilterSpec::parse(&form(spec)).unwrap();
    let via_tables = filter_tables(&otlp_to_tables(signal, req, true).unwrap(), &spec).unwrap();
    let via_otlp = filter_otlp(&mut TablesBuilder::new(), signal, req, true, &spec).unwrap();
    let rows = |t: &otap_core::decode::DecodedTables| t.batches.iter().map(|(ty, b)| (*ty, b.num_rows())).collect::<Vec<_>>();
    assert_eq!(rows(&via_otlp), rows(&via_tables));
    let (a, b) = (via_otlp.to_otlp().unwrap(), via_tables.to_otlp().unwrap());
    assert_eq!(a, b);
    a
}

#[test]
fn rules_on_the_parsed_request_keep_what_rules_on_its_tables_keep() {
    // Resource "a" twice (merged): its first group's records all dropped; a scope left empty.
    let group = |name: &str, scopes: Vec<Vec<LogRecord>>| ResourceLogs {
        resource: Some(Resource { attributes: vec![str_kv("r", name)], dropped_attributes_count: 0 }),
        scope_logs: scopes.into_iter().enumerate().map(|(i, log_records)| ScopeLogs {
            scope: Some(InstrumentationScope { name: format!("s{i}"), ..Default::default() }),
            log_records,
            schema_url: String::new(),
        }).collect(),
        schema_url: String::new(),
    };
    let logs = ExportLogsServiceRequest { resource_logs: vec![
        group("a", vec![vec![record(9, "a1")], vec![record(5, "a2")]]),
        group("b", vec![vec![record(17, "b1"), record(9, "b2")]]),
        group("a", vec![vec![record(21, "a3")], vec![record(9, "a4"), record(13, "a5")]]),
    ] }.encode_to_vec();
    let out = ExportLogsServiceRequest::decode(&same_both_ways(Signal::Logs, &logs, &["include", "strict", "severity_number", "13", "0", "end"])[..]).unwrap();
    assert_eq!(out.resource_logs.iter().map(|r| r.scope_logs.iter().map(|s| s.log_records.len()).sum::<usize>()).sum::<usize>(), 3);
    same_both_ways(Signal::Logs, &logs, &["exclude", "regexp", "record_attribute", "k", "s", "^a", "resource_attribute", "r", "s", "a", "end"]);
    same_both_ways(Signal::Logs, &logs, &["include", "strict", "resource_attribute", "r", "s", "b", "end", "exclude", "strict", "severity_text", "", "end"]);
    // Nothing kept: no tables.
    let none = FilterSpec::parse(&form(&["include", "strict", "severity_number", "24", "0", "end"])).unwrap();
    assert!(filter_otlp(&mut TablesBuilder::new(), Signal::Logs, &logs, true, &none).unwrap().batches.is_empty());

    let span = |name: &str, event: &str, link_attr: &str| Span {
        trace_id: vec![1; 16],
        span_id: vec![2; 8],
        name: name.into(),
        kind: 2,
        events: vec![span::Event { name: event.into(), attributes: vec![str_kv("e", event)], ..Default::default() }],
        links: vec![span::Link { trace_id: vec![3; 16], span_id: vec![4; 8], attributes: vec![str_kv("l", link_attr)], ..Default::default() }],
        ..Default::default()
    };
    let traces = ExportTraceServiceRequest { resource_spans: vec![ResourceSpans {
        resource: None,
        scope_spans: vec![ScopeSpans { scope: None, spans: vec![span("GET", "retry", "x"), span("POST", "ok", "y"), span("GET", "ok", "y")], schema_url: String::new() }],
        schema_url: String::new(),
    }] }.encode_to_vec();
    let out = ExportTraceServiceRequest::decode(&same_both_ways(Signal::Traces, &traces, &["include", "strict", "span_name", "GET", "end"])[..]).unwrap();
    assert_eq!(out.resource_spans[0].scope_spans[0].spans.len(), 2);
    same_both_ways(Signal::Traces, &traces, &["exclude", "strict", "event_name", "retry", "end"]);
    same_both_ways(Signal::Traces, &traces, &["include", "strict", "event_attribute", "e", "s", "ok", "link_attribute", "l", "s", "y", "end"]);
}

#[test]
fn records_kept_after_a_first_pass_on_a_few_fields_come_back_whole() {
    // The first pass reads only what the rules need; every field of a kept record must still
    // arrive: times, texts, bodies of every kind, ids, flags, counts, event name, attributes.
    let full = |i: i32, body: any_value::Value| LogRecord {
        time_unix_nano: 1_700_000_000_000_000_000 + i as u64,
        observed_time_unix_nano: 1_700_000_000_500_000_000 + i as u64,
        severity_number: if i % 3 == 0 { 17 } else { 9 },
        severity_text: if i % 3 == 0 { "ERROR".into() } else { "INFO".into() },
        body: Some(AnyValue { value: Some(body) }),
        attributes: vec![str_kv("k", &format!("v{i}")), KeyValue { key: "n".into(), value: Some(AnyValue { value: Some(any_value::Value::IntValue(i as i64)) }) }],
        dropped_attributes_count: i as u32,
        flags: 1,
        trace_id: vec![i as u8 + 1; 16], // all-zero ids read back as absent
        span_id: vec![i as u8 + 1; 8],
        event_name: format!("event{i}"),
    };
    let bodies = [
        any_value::Value::StringValue("checkout failed".into()),
        any_value::Value::IntValue(42),
        any_value::Value::BoolValue(true),
        any_value::Value::BytesValue(vec![1, 2, 3]),
        any_value::Value::KvlistValue(KeyValueList { values: vec![str_kv("x", "y")] }),
        any_value::Value::ArrayValue(ArrayValue { values: vec![AnyValue { value: Some(any_value::Value::DoubleValue(1.5)) }] }),
    ];
    let records: Vec<LogRecord> = (0..12).map(|i| full(i, bodies[i as usize % bodies.len()].clone())).collect();
    let logs = ExportLogsServiceRequest { resource_logs: vec![ResourceLogs {
        resource: Some(Resource { attributes: vec![str_kv("service.name", "shop")], dropped_attributes_count: 0 }),
        scope_logs: vec![ScopeLogs { scope: Some(InstrumentationScope { name: "s".into(), ..Default::default() }), log_records: records.clone(), schema_url: String::new() }],
        schema_url: String::new(),
    }] }.encode_to_vec();
    let kept = |spec: &[&str]| -> Vec<LogRecord> {
        let out = ExportLogsServiceRequest::decode(&same_both_ways(Signal::Logs, &logs, spec)[..]).unwrap();
        out.resource_logs.into_iter().flat_map(|r| r.scope_logs).flat_map(|s| s.log_records).collect()
    };
    let errors: Vec<LogRecord> = records.iter().filter(|r| r.severity_number == 17).cloned().collect();
    assert_eq!(kept(&["include", "strict", "severity_number", "17", "0", "end"]), errors);
    assert_eq!(kept(&["include", "strict", "severity_text", "ERROR", "end"]), errors);
    assert_eq!(kept(&["exclude", "strict", "severity_number", "17", "0", "end"]).len(), 8);
    let checkout: Vec<LogRecord> = records.iter().filter(|r| matches!(r.body.as_ref().and_then(|b| b.value.as_ref()), Some(any_value::Value::StringValue(_)))).cloned().collect();
    assert_eq!(kept(&["include", "regexp", "body", "s", "^checkout", "end"]), checkout);
}
