//! Shared fixtures of the decoder tests: OTLP requests built with the decoder's prost types
//! (`otap_core::decode::pb`), encoded to BARs by the crate's `Encoder`.
#![allow(dead_code)]

use otap_core::decode::pb::*;
use otap_core::{Encoder, EncoderOptions, Signal};
use prost::Message;

pub fn kv(key: &str, v: any_value::Value) -> KeyValue {
    KeyValue { key: key.to_string(), value: Some(AnyValue { value: Some(v) }) }
}

pub fn s(v: &str) -> any_value::Value {
    any_value::Value::StringValue(v.to_string())
}

fn attrs(i: usize, batch: usize) -> Vec<KeyValue> {
    let mut a = vec![
        kv("http.method", s(["GET", "POST", "PUT"][i % 3])),
        kv("request.id", s(&format!("req-{batch}-{i}"))),
        kv("retries", any_value::Value::IntValue((i % 4) as i64 - 1)),
        kv("ratio", any_value::Value::DoubleValue(i as f64 / 7.0)),
        kv("ok", any_value::Value::BoolValue(i % 2 == 0)),
    ];
    if i % 3 == 0 {
        a.push(kv("blob", any_value::Value::BytesValue(vec![i as u8, 0, 255])));
    }
    if i % 4 == 1 {
        a.push(kv(
            "nested",
            any_value::Value::KvlistValue(KeyValueList {
                values: vec![kv("a", any_value::Value::IntValue(1)), kv("b", any_value::Value::ArrayValue(ArrayValue { values: vec![AnyValue { value: Some(s("x")) }, AnyValue { value: None }] }))],
            }),
        ));
    }
    if i % 5 == 2 {
        a.push(kv("list", any_value::Value::ArrayValue(ArrayValue { values: vec![AnyValue { value: Some(any_value::Value::DoubleValue(-0.5)) }] })));
    }
    a
}

fn resource(r: usize) -> Resource {
    Resource { attributes: vec![kv("service.name", s(&format!("svc-{r}"))), kv("host", s("h1"))], dropped_attributes_count: r as u32 }
}

fn scope(c: usize) -> InstrumentationScope {
    InstrumentationScope { name: format!("lib-{c}"), version: "1.0".into(), attributes: vec![kv("scope.k", s(&format!("v{c}")))], dropped_attributes_count: 0 }
}

fn id(n: usize, seed: usize) -> Vec<u8> {
    (0..n).map(|k| ((seed * 31 + k * 7) % 251) as u8 + 1).collect()
}

pub fn logs_request(batch: usize, per_scope: usize) -> Vec<u8> {
    let mut resource_logs = Vec::new();
    for r in 0..2 {
        let mut scope_logs = Vec::new();
        for c in 0..2 {
            let log_records = (0..per_scope)
                .map(|i| {
                    let k = (r * 2 + c) * per_scope + i;
                    LogRecord {
                        time_unix_nano: 1_700_000_000_000_000_000 + (batch * 1000 + k) as u64,
                        observed_time_unix_nano: if k % 2 == 0 { 0 } else { 1_700_000_000_000_000_001 },
                        severity_number: (k % 24) as i32,
                        severity_text: ["INFO", "WARN", ""][k % 3].into(),
                        body: match k % 4 {
                            0 => Some(AnyValue { value: Some(s(&format!("message {batch} {k}"))) }),
                            1 => Some(AnyValue { value: Some(any_value::Value::IntValue(k as i64)) }),
                            2 => Some(AnyValue {
                                value: Some(any_value::Value::KvlistValue(KeyValueList { values: vec![kv("x", any_value::Value::BoolValue(true))] })),
                            }),
                            _ => None,
                        },
                        attributes: attrs(k, batch),
                        dropped_attributes_count: (k % 2) as u32,
                        flags: (k % 2) as u32,
                        trace_id: if k % 3 == 0 { Vec::new() } else { id(16, k) },
                        span_id: if k % 3 == 0 { Vec::new() } else { id(8, k) },
                        event_name: if k % 5 == 0 { "evt".into() } else { String::new() },
                    }
                })
                .collect();
            scope_logs.push(ScopeLogs { scope: Some(scope(c)), log_records, schema_url: format!("https://s/{c}") });
        }
        resource_logs.push(ResourceLogs { resource: Some(resource(r)), scope_logs, schema_url: String::new() });
    }
    ExportLogsServiceRequest { resource_logs }.encode_to_vec()
}

pub fn traces_request(batch: usize, per_scope: usize) -> Vec<u8> {
    let mut resource_spans = Vec::new();
    for r in 0..2 {
        let mut scope_spans = Vec::new();
        for c in 0..2 {
            let spans = (0..per_scope)
                .map(|i| {
                    let k = (r * 2 + c) * per_scope + i;
                    let start = 1_700_000_000_000_000_000u64 + (batch * 1000 + k) as u64;
                    Span {
                        trace_id: id(16, k / 3),
                        span_id: id(8, k + 1000 * batch),
                        trace_state: if k % 4 == 0 { "a=b".into() } else { String::new() },
                        parent_span_id: if k % 3 == 0 { Vec::new() } else { id(8, k + 7) },
                        flags: (k % 2) as u32,
                        name: format!("op-{}", k % 5),
                        kind: (k % 6) as i32,
                        start_time_unix_nano: start,
                        end_time_unix_nano: start + (k as u64) * 1000,
                        attributes: attrs(k, batch),
                        dropped_attributes_count: 0,
                        events: (0..k % 3)
                            .map(|e| span::Event {
                                time_unix_nano: start + e as u64,
                                name: format!("ev-{e}"),
                                attributes: if e == 0 { vec![kv("e", any_value::Value::IntValue(e as i64))] } else { Vec::new() },
                                dropped_attributes_count: e as u32,
                            })
                            .collect(),
                        dropped_events_count: (k % 2) as u32,
                        links: (0..k % 2)
                            .map(|l| span::Link {
                                trace_id: id(16, l + 99),
                                span_id: id(8, l + 98),
                                trace_state: String::new(),
                                attributes: vec![kv("link", s("yes"))],
                                dropped_attributes_count: 0,
                                flags: 1,
                            })
                            .collect(),
                        dropped_links_count: 0,
                        status: Some(Status { message: if k % 7 == 0 { "boom".into() } else { String::new() }, code: (k % 3) as i32 }),
                    }
                })
                .collect();
            scope_spans.push(ScopeSpans { scope: Some(scope(c)), spans, schema_url: String::new() });
        }
        resource_spans.push(ResourceSpans { resource: Some(resource(r)), scope_spans, schema_url: "https://r".into() });
    }
    ExportTraceServiceRequest { resource_spans }.encode_to_vec()
}

fn point_attrs(i: usize, batch: usize) -> Vec<KeyValue> {
    vec![kv("host", s(&format!("h{}", i % 3))), kv("req", s(&format!("r{batch}-{i}")))]
}

fn exemplars(i: usize) -> Vec<Exemplar> {
    (0..i % 3)
        .map(|e| Exemplar {
            filtered_attributes: if e == 0 { vec![kv("ex", s("1"))] } else { Vec::new() },
            time_unix_nano: 5 + e as u64,
            value: Some(if e % 2 == 0 { exemplar_value::Value::AsDouble(1.5) } else { exemplar_value::Value::AsInt(7) }),
            span_id: id(8, e),
            trace_id: id(16, e),
        })
        .collect()
}

pub fn metrics_request(batch: usize, per_scope: usize) -> Vec<u8> {
    let mut metrics = Vec::new();
    for i in 0..per_scope {
        let t0 = 1_700_000_000_000_000_000u64 + batch as u64;
        let number = |j: usize| NumberDataPoint {
            attributes: point_attrs(i + j, batch),
            start_time_unix_nano: t0,
            time_unix_nano: t0 + 10,
            value: Some(if j % 2 == 0 { number_value::Value::AsInt(j as i64 - 3) } else { number_value::Value::AsDouble(j as f64 * 0.25) }),
            exemplars: exemplars(i + j),
            flags: 0,
        };
        let data = match i % 6 {
            0 => Some(metric::Data::Gauge(Gauge { data_points: (0..3).map(number).collect() })),
            1 => Some(metric::Data::Sum(Sum { data_points: (0..2).map(number).collect(), aggregation_temporality: 2, is_monotonic: true })),
            2 => Some(metric::Data::Histogram(Histogram {
                data_points: (0..2)
                    .map(|j| HistogramDataPoint {
                        attributes: point_attrs(j, batch),
                        start_time_unix_nano: t0,
                        time_unix_nano: t0 + 1,
                        count: 6,
                        sum: if j == 0 { Some(12.5) } else { None },
                        bucket_counts: vec![1, 2, 3],
                        explicit_bounds: vec![0.0, 10.0],
                        exemplars: exemplars(j + 1),
                        flags: 1,
                        min: Some(-1.0),
                        max: if j == 0 { Some(9.0) } else { None },
                    })
                    .collect(),
                aggregation_temporality: 1,
            })),
            3 => Some(metric::Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![ExponentialHistogramDataPoint {
                    attributes: point_attrs(i, batch),
                    start_time_unix_nano: t0,
                    time_unix_nano: t0 + 2,
                    count: 9,
                    sum: Some(3.0),
                    scale: -2,
                    zero_count: 1,
                    positive: Some(Buckets { offset: -3, bucket_counts: vec![4, 0, 4] }),
                    negative: Some(Buckets { offset: 2, bucket_counts: Vec::new() }),
                    flags: 0,
                    exemplars: exemplars(2),
                    min: None,
                    max: Some(4.0),
                    zero_threshold: Some(0.001),
                }],
                aggregation_temporality: 2,
            })),
            4 => Some(metric::Data::Summary(Summary {
                data_points: vec![SummaryDataPoint {
                    attributes: point_attrs(i, batch),
                    start_time_unix_nano: t0,
                    time_unix_nano: t0 + 3,
                    count: 4,
                    sum: Some(8.0),
                    quantile_values: vec![
                        ValueAtQuantile { quantile: None, value: Some(1.0) },
                        ValueAtQuantile { quantile: Some(1.0), value: Some(5.0) },
                    ],
                    flags: 0,
                }],
            })),
            _ => None,
        };
        metrics.push(Metric { name: format!("m{}", i % 7), description: "d".into(), unit: "1".into(), data, metadata: Vec::new() });
    }
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(resource(0)),
            scope_metrics: vec![ScopeMetrics { scope: Some(scope(0)), metrics, schema_url: String::new() }],
            schema_url: String::new(),
        }],
    }
    .encode_to_vec()
}

pub fn request(signal: Signal, batch: usize, per_scope: usize) -> Vec<u8> {
    match signal {
        Signal::Logs => logs_request(batch, per_scope),
        Signal::Traces => traces_request(batch, per_scope),
        Signal::Metrics => metrics_request(batch, per_scope),
    }
}

/// One gRPC stream of `batches` BARs from the crate's Encoder, with their source requests.
pub fn stream(signal: Signal, batches: usize, per_scope: usize, zstd: bool) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut enc = Encoder::new(EncoderOptions { zstd_level: zstd.then_some(3), metric_metadata: true });
    (0..batches)
        .map(|b| {
            let req = request(signal, b, per_scope);
            let bar = enc.encode(signal, &req).expect("encodes");
            (req, bar)
        })
        .collect()
}

/// The telemetry of a request, one entry per item with its resource and scope, so that a
/// resource split over two requests compares equal to the original.
pub fn flatten(signal: Signal, otlp: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let res = |r: &Option<Resource>, url: &str| [r.as_ref().map(|r| r.encode_to_vec()).unwrap_or_default(), url.as_bytes().to_vec()].concat();
    let sc = |s: &Option<InstrumentationScope>, url: &str| [s.as_ref().map(|s| s.encode_to_vec()).unwrap_or_default(), url.as_bytes().to_vec()].concat();
    match signal {
        Signal::Logs => {
            for rl in ExportLogsServiceRequest::decode(otlp).unwrap().resource_logs {
                for sl in &rl.scope_logs {
                    for lr in &sl.log_records {
                        out.push([res(&rl.resource, &rl.schema_url), sc(&sl.scope, &sl.schema_url), lr.encode_to_vec()].concat());
                    }
                }
            }
        }
        Signal::Traces => {
            for rs in ExportTraceServiceRequest::decode(otlp).unwrap().resource_spans {
                for ss in &rs.scope_spans {
                    for sp in &ss.spans {
                        out.push([res(&rs.resource, &rs.schema_url), sc(&ss.scope, &ss.schema_url), sp.encode_to_vec()].concat());
                    }
                }
            }
        }
        Signal::Metrics => {
            for rm in ExportMetricsServiceRequest::decode(otlp).unwrap().resource_metrics {
                for sm in &rm.scope_metrics {
                    for m in &sm.metrics {
                        out.push([res(&rm.resource, &rm.schema_url), sc(&sm.scope, &sm.schema_url), m.encode_to_vec()].concat());
                    }
                }
            }
        }
    }
    out
}
