//! Joining and splitting received OTAP tables (`concat_tables`, `split_tables`): the result
//! decodes to the same telemetry as the inputs, for every signal, with and without zstd,
//! across schema differences between inputs, u16 id overflow and bad input.

mod decode_support;

use decode_support::{flatten, kv, logs_request, request, s, stream};
use otap_core::decode::pb::*;
use otap_core::{concat_tables, split_tables, DecodedTables, Decoder, Encoder, EncoderOptions, Signal};
use prost::Message;

const SIGNALS: [Signal; 3] = [Signal::Traces, Signal::Logs, Signal::Metrics];

fn tables(signal: Signal, count: usize, per_scope: usize, zstd: bool) -> Vec<DecodedTables> {
    let mut dec = Decoder::new();
    stream(signal, count, per_scope, zstd).iter().map(|(_, bar)| dec.decode_tables(bar).unwrap().unwrap()).collect()
}


fn joined_otlp(inputs: &[DecodedTables]) -> Vec<u8> {
    // Export*ServiceRequest has one repeated field: concatenated messages are the joined one.
    inputs.iter().flat_map(|t| t.to_otlp().unwrap()).collect()
}

/// Tables as a peer receives them: encoded onto a fresh stream and decoded again.
fn over_the_wire(t: &DecodedTables) -> Vec<u8> {
    let bar = Encoder::new(EncoderOptions { zstd_level: None, metric_metadata: true }).encode_tables(t).unwrap();
    Decoder::new().decode(&bar).unwrap().otlp
}

#[test]
fn joined_batches_decode_to_the_inputs_in_order() {
    for signal in SIGNALS {
        for zstd in [false, true] {
            let inputs = tables(signal, 5, 6, zstd);
            let refs: Vec<&DecodedTables> = inputs.iter().collect();
            let out = concat_tables(&refs).unwrap();
            assert_eq!(out.len(), 1, "{signal:?}");
            assert_eq!(out[0].item_count(), inputs.iter().map(|t| t.item_count()).sum::<usize>());
            let want = joined_otlp(&inputs);
            assert_eq!(out[0].to_otlp().unwrap(), want, "{signal:?} zstd {zstd}");
            assert_eq!(over_the_wire(&out[0]), want, "{signal:?} zstd {zstd}: forwarded");
        }
    }
}

#[test]
fn split_pieces_hold_every_item_once_within_the_limits() {
    for signal in SIGNALS {
        let input = &tables(signal, 1, 25, false)[0];
        let total = input.item_count();
        for (first, max) in [(3, 7), (1, 1), (10, 40), (total - 1, total - 1)] {
            let pieces = split_tables(input, first, max).unwrap();
            assert!(pieces.len() > 1, "{signal:?} {first}/{max}");
            assert_eq!(pieces.iter().map(|p| p.item_count()).sum::<usize>(), total);
            for (i, p) in pieces.iter().enumerate() {
                let cap = if i == 0 { first } else { max };
                // A metric is never cut: a piece may exceed the cap only with a single metric.
                let metrics = ExportMetricsServiceRequest::decode(p.to_otlp().unwrap().as_slice()).map(|r| r.resource_metrics.iter().flat_map(|r| &r.scope_metrics).map(|s| s.metrics.len()).sum::<usize>()).unwrap_or(0);
                assert!(p.item_count() <= cap || (signal == Signal::Metrics && metrics == 1), "{signal:?} piece {i}: {} items > {cap}", p.item_count());
            }
            let got: Vec<Vec<u8>> = pieces.iter().flat_map(|p| flatten(signal, &p.to_otlp().unwrap())).collect();
            assert_eq!(got, flatten(signal, &input.to_otlp().unwrap()), "{signal:?} {first}/{max}");
            let wire: Vec<Vec<u8>> = pieces.iter().flat_map(|p| flatten(signal, &over_the_wire(p))).collect();
            assert_eq!(wire, got, "{signal:?} {first}/{max}: forwarded");
        }
        assert_eq!(split_tables(input, total, 1).unwrap().len(), 1, "fits: left alone");
    }
}

#[test]
fn split_then_join_gives_back_the_batch() {
    for signal in SIGNALS {
        let input = &tables(signal, 1, 20, true)[0];
        let pieces = split_tables(input, 5, 9).unwrap();
        let refs: Vec<&DecodedTables> = pieces.iter().collect();
        let joined = concat_tables(&refs).unwrap();
        assert_eq!(joined.len(), 1);
        assert_eq!(flatten(signal, &joined[0].to_otlp().unwrap()), flatten(signal, &input.to_otlp().unwrap()), "{signal:?}");
    }
}

/// Logs without attributes, trace ids or bodies: fewer tables and columns than the fixture's.
fn plain_logs(n: usize) -> Vec<u8> {
    let log_records = (0..n).map(|i| LogRecord { time_unix_nano: i as u64 + 1, severity_number: 9, ..Default::default() }).collect();
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs { resource: None, scope_logs: vec![ScopeLogs { scope: None, log_records, schema_url: String::new() }], schema_url: String::new() }],
    }
    .encode_to_vec()
}

/// Logs whose single attribute takes `distinct` values: a dictionary past u8 keys.
fn wide_dictionary_logs(distinct: usize) -> Vec<u8> {
    let log_records = (0..distinct).map(|i| LogRecord { time_unix_nano: 1, attributes: vec![kv("k", s(&format!("value-{i}")))], ..Default::default() }).collect();
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs { resource: None, scope_logs: vec![ScopeLogs { scope: None, log_records, schema_url: String::new() }], schema_url: String::new() }],
    }
    .encode_to_vec()
}

#[test]
fn inputs_with_different_schemas_join() {
    let reqs = [logs_request(0, 4), plain_logs(3), wide_dictionary_logs(300), logs_request(1, 2), plain_logs(1), wide_dictionary_logs(100)];
    let inputs: Vec<DecodedTables> = reqs
        .iter()
        .map(|r| {
            let bar = Encoder::new(EncoderOptions { zstd_level: None, metric_metadata: true }).encode(Signal::Logs, r).unwrap();
            Decoder::new().decode_tables(&bar).unwrap().unwrap()
        })
        .collect();
    let refs: Vec<&DecodedTables> = inputs.iter().collect();
    let out = concat_tables(&refs).unwrap();
    assert_eq!(out.len(), 1);
    let want = joined_otlp(&inputs);
    assert_eq!(out[0].to_otlp().unwrap(), want);
    assert_eq!(over_the_wire(&out[0]), want);
}

#[test]
fn a_new_batch_starts_where_u16_ids_would_overflow() {
    // 20000 logs with attributes each: three fit in the u16 id space, the fourth does not.
    let inputs = tables(Signal::Logs, 4, 5000, false);
    let refs: Vec<&DecodedTables> = inputs.iter().collect();
    let out = concat_tables(&refs).unwrap();
    assert_eq!(out.iter().map(|t| t.item_count()).collect::<Vec<_>>(), vec![60000, 20000]);
    let got: Vec<u8> = out.iter().flat_map(|t| t.to_otlp().unwrap()).collect();
    assert_eq!(got, joined_otlp(&inputs));
}

#[test]
fn mixed_signals_and_dangling_parents_are_refused() {
    let logs = &tables(Signal::Logs, 1, 2, false)[0];
    let spans = &tables(Signal::Traces, 1, 2, false)[0];
    assert_eq!(concat_tables(&[logs, spans]).unwrap_err().code, "INVALID_PAYLOAD");
    // An attribute row pointing past the last log would land on the next input's log.
    let mut bad = logs.clone();
    let attrs = bad.batches.iter_mut().find(|(t, _)| *t == otap_core::bar::payload_type::LOG_ATTRS).unwrap();
    let b = &attrs.1;
    let i = b.schema().index_of("parent_id").unwrap();
    let mut cols = b.columns().to_vec();
    cols[i] = std::sync::Arc::new(arrow_array::UInt16Array::from(vec![500u16; b.num_rows()]));
    attrs.1 = arrow_array::RecordBatch::try_new(b.schema(), cols).unwrap();
    let err = concat_tables(&[logs, &bad]).unwrap_err();
    assert_eq!((err.code, err.table.as_deref()), ("INVALID_PAYLOAD", Some("LOG_ATTRS")), "{err:?}");
    let err = split_tables(&bad, 1, 1).unwrap_err();
    assert_eq!(err.code, "INVALID_PAYLOAD", "{err:?}");
}

#[test]
fn every_request_shape_of_the_fixtures_round_trips_through_split_and_join() {
    for signal in SIGNALS {
        for per_scope in [1, 2, 7] {
            let req = request(signal, 3, per_scope);
            let bar = Encoder::new(EncoderOptions { zstd_level: Some(1), metric_metadata: false }).encode(signal, &req).unwrap();
            let t = Decoder::new().decode_tables(&bar).unwrap().unwrap();
            let pieces = split_tables(&t, 1, 2).unwrap();
            let refs: Vec<&DecodedTables> = pieces.iter().collect();
            let joined = concat_tables(&refs).unwrap();
            assert_eq!(flatten(signal, &joined[0].to_otlp().unwrap()), flatten(signal, &t.to_otlp().unwrap()), "{signal:?} {per_scope}");
        }
    }
}

#[test]
fn outputs_carry_transport_encoded_ids_without_encoding_metadata() {
    // Go reads every id column as delta / quasi-delta and ignores metadata: a column left
    // `plain` would be mis-read there, so none may remain.
    fn check(path: &str, f: &arrow_schema::Field) {
        assert!(f.metadata().get("encoding").is_none(), "{path}{} keeps its encoding metadata", f.name());
        if let arrow_schema::DataType::Struct(children) = f.data_type() {
            for c in children {
                check(&format!("{path}{}.", f.name()), c);
            }
        }
    }
    for signal in SIGNALS {
        let inputs = tables(signal, 3, 4, false);
        let refs: Vec<&DecodedTables> = inputs.iter().collect();
        let mut outputs = concat_tables(&refs).unwrap();
        outputs.extend(split_tables(&inputs[0], 2, 3).unwrap());
        for t in &outputs {
            for (_, b) in &t.batches {
                for f in b.schema().fields() {
                    check("", f);
                }
            }
        }
    }
}

#[test]
fn split_follows_parents_whatever_the_payload_order() {
    for signal in SIGNALS {
        let mut input = tables(signal, 1, 12, false).remove(0);
        let want = flatten(signal, &input.to_otlp().unwrap());
        input.batches.reverse(); // children before their parents
        let pieces = split_tables(&input, 4, 4).unwrap();
        assert!(pieces.len() > 1);
        let got: Vec<Vec<u8>> = pieces.iter().flat_map(|p| flatten(signal, &p.to_otlp().unwrap())).collect();
        assert_eq!(got, want, "{signal:?}");
    }
}
