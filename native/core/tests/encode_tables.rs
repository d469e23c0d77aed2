//! `Encoder::encode_tables`: received tables forwarded onto another stream without the OTLP
//! round trip decode to exactly what the source sent, keep one IPC stream per payload type,
//! send dictionaries as deltas, and mix with the OTLP path and with other sources.

mod decode_support;

use decode_support::{request, stream};
use otap_core::bar::{payload_type as T, BatchArrowRecords};
use otap_core::{Decoder, Encoder, EncoderOptions, Signal};
use prost::Message;

const SIGNALS: [Signal; 3] = [Signal::Traces, Signal::Logs, Signal::Metrics];

fn options(zstd: bool) -> EncoderOptions {
    EncoderOptions { zstd_level: zstd.then_some(3), metric_metadata: true }
}

#[test]
fn forwarded_batches_decode_to_the_source_otlp() {
    for signal in SIGNALS {
        for zstd in [false, true] {
            let source = stream(signal, 8, 10, zstd);
            let (mut upstream, mut forwarder, mut downstream) = (Decoder::new(), Encoder::new(options(zstd)), Decoder::new());
            for (i, (req, bar)) in source.iter().enumerate() {
                let tables = upstream.decode_tables(bar).unwrap().unwrap();
                let out = forwarder.encode_tables(&tables).unwrap();
                let got = downstream.decode(&out).unwrap();
                let want = Decoder::new().decode(&Encoder::new(options(false)).encode(signal, req).unwrap()).unwrap();
                assert_eq!(got.signal, Some(signal));
                assert_eq!(got.otlp, want.otlp, "{signal:?} batch {i} zstd {zstd}");
                assert_eq!(BatchArrowRecords::decode(out.as_slice()).unwrap().batch_id, i as i64);
            }
        }
    }
}

#[test]
fn one_ipc_stream_per_payload_type_with_delta_dictionaries() {
    let source = stream(Signal::Logs, 10, 10, false);
    let (mut upstream, mut forwarder) = (Decoder::new(), Encoder::new(options(false)));
    let mut first_ids: Option<Vec<(i32, String)>> = None;
    for (i, (_, bar)) in source.iter().enumerate() {
        let out = forwarder.encode_tables(&upstream.decode_tables(bar).unwrap().unwrap()).unwrap();
        let out = BatchArrowRecords::decode(out.as_slice()).unwrap();
        let ids: Vec<(i32, String)> = out.arrow_payloads.iter().map(|p| (p.r#type, p.schema_id.clone())).collect();
        match &first_ids {
            None => first_ids = Some(ids),
            Some(first) => {
                // Same schema: the stream goes on (a new schema id would restart it and resend
                // every dictionary in full).
                for (t, id) in &ids {
                    if let Some((_, want)) = first.iter().find(|(ft, _)| ft == t) {
                        assert_eq!(id, want, "batch {i}: payload type {t} keeps its schema id");
                    }
                }
                // Later chunks carry no schema message: forwarded chunks are no larger than
                // the source's own chunks plus the few bytes of delta framing.
                let src = BatchArrowRecords::decode(bar.as_slice()).unwrap();
                let (a, b): (usize, usize) = (
                    out.arrow_payloads.iter().map(|p| p.record.len()).sum(),
                    src.arrow_payloads.iter().map(|p| p.record.len()).sum(),
                );
                assert!(a <= b + b / 4, "batch {i}: forwarded {a} bytes vs source {b}");
            }
        }
    }
}

#[test]
fn two_sources_on_one_outgoing_stream_and_the_otlp_path_in_between() {
    for signal in SIGNALS {
        let sources = [stream(signal, 5, 10, false), stream(signal, 5, 7, true)];
        // Per source: the receiver that holds its tables, and a reference decoder saying what
        // each of its batches means.
        let mut upstream = [Decoder::new(), Decoder::new()];
        let mut reference = [Decoder::new(), Decoder::new()];
        let (mut forwarder, mut downstream) = (Encoder::new(options(false)), Decoder::new());
        for i in 0..5 {
            for s in 0..2 {
                let bar = &sources[s][i].1;
                let out = forwarder.encode_tables(&upstream[s].decode_tables(bar).unwrap().unwrap()).unwrap();
                let want = reference[s].decode(bar).unwrap().otlp;
                assert_eq!(downstream.decode(&out).unwrap().otlp, want, "{signal:?} source {s} batch {i}");
            }
            // An OTLP-encoded batch between forwarded ones restarts its streams cleanly.
            let req = request(signal, 100 + i, 3);
            let out = forwarder.encode(signal, &req).unwrap();
            let want = Decoder::new().decode(&Encoder::new(options(false)).encode(signal, &req).unwrap()).unwrap().otlp;
            assert_eq!(downstream.decode(&out).unwrap().otlp, want, "{signal:?} OTLP batch {i}");
        }
    }
}

#[test]
fn metric_metadata_off_leaves_metric_attrs_out() {
    let source = stream(Signal::Metrics, 2, 10, false);
    let mut upstream = Decoder::new();
    let mut forwarder = Encoder::new(EncoderOptions { zstd_level: None, metric_metadata: false });
    for (_, bar) in &source {
        let tables = upstream.decode_tables(bar).unwrap().unwrap();
        let out = BatchArrowRecords::decode(forwarder.encode_tables(&tables).unwrap().as_slice()).unwrap();
        assert!(out.arrow_payloads.iter().all(|p| p.r#type != T::METRIC_ATTRS));
        assert!(!out.arrow_payloads.is_empty());
    }
}

/// Logs whose "tenant" attribute and body take 30 values new in each batch, each used 4 times:
/// dictionary columns whose dictionaries keep growing along a stream.
fn growing_dictionary_stream(batches: usize, salt: &str, zstd: bool) -> Vec<Vec<u8>> {
    use otap_core::decode::pb::*;
    let mut enc = Encoder::new(options(zstd));
    (0..batches)
        .map(|b| {
            let log_records = (0..120)
                .map(|k| {
                    let v = format!("{salt}-{}", b * 30 + k % 30);
                    LogRecord {
                        time_unix_nano: 1 + k as u64,
                        body: Some(AnyValue { value: Some(any_value::Value::StringValue(format!("body {v}"))) }),
                        attributes: vec![KeyValue { key: "tenant".into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(v)) }) }],
                        ..Default::default()
                    }
                })
                .collect();
            let req = ExportLogsServiceRequest {
                resource_logs: vec![ResourceLogs { scope_logs: vec![ScopeLogs { log_records, ..Default::default() }], ..Default::default() }],
            };
            enc.encode(Signal::Logs, &req.encode_to_vec()).unwrap()
        })
        .collect()
}

#[test]
fn alternating_sources_do_not_resend_their_accumulated_dictionaries() {
    let sources = [growing_dictionary_stream(40, "a", false), growing_dictionary_stream(40, "b", true)];
    let mut upstream = [Decoder::new(), Decoder::new()];
    let mut reference = [Decoder::new(), Decoder::new()];
    let (mut forwarder, mut downstream) = (Encoder::new(options(false)), Decoder::new());
    let mut sizes = Vec::new();
    for i in 0..40 {
        for s in 0..2 {
            let bar = &sources[s][i];
            let out = forwarder.encode_tables(&upstream[s].decode_tables(bar).unwrap().unwrap()).unwrap();
            assert_eq!(downstream.decode(&out).unwrap().otlp, reference[s].decode(bar).unwrap().otlp, "source {s} batch {i}");
            sizes.push(out.len());
        }
    }
    assert!(upstream[0].state_bytes() > 20_000, "the sources' dictionaries grew: {}", upstream[0].state_bytes());
    // Without compaction the last batches would carry all 40 batches' values of their source.
    let (early, late) = (sizes[4..8].iter().sum::<usize>(), sizes[76..80].iter().sum::<usize>());
    assert!(late < early * 3 / 2, "forwarded bytes grew with the sources' dictionaries: early {early}, late {late}");
}

#[test]
fn corrupt_input_that_still_decodes_is_forwarded_or_refused_never_a_panic() {
    // Bit flips in the source BARs: whatever decode_tables accepts, encode_tables either
    // forwards or refuses with an error (the receiver answers the sender); it never panics.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut accepted, mut refused) = (0, 0);
    for signal in SIGNALS {
        let source = stream(signal, 3, 6, false);
        for round in 0..150 {
            let mut bars: Vec<Vec<u8>> = source.iter().map(|(_, b)| b.clone()).collect();
            let which = round % bars.len();
            let bar = &mut bars[which];
            for _ in 0..1 + next() % 3 {
                let at = (next() as usize) % bar.len();
                bar[at] ^= 1 << (next() % 8);
            }
            let (mut up, mut forwarder) = (Decoder::new(), Encoder::new(options(round % 2 == 0)));
            for bar in &bars {
                if let Ok(Some(tables)) = up.decode_tables(bar) {
                    match forwarder.encode_tables(&tables) {
                        Ok(_) => accepted += 1,
                        Err(_) => refused += 1,
                    }
                }
            }
        }
    }
    assert!(accepted > 0, "some corrupt-but-decodable batches were forwarded ({refused} refused)");
}
