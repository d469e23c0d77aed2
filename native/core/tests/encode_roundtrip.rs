//! Encoder tests: exact schemas of small fixtures (read back with arrow-ipc's StreamReader),
//! the dictionary ladder (u8 -> u16 -> reset / plain) across batches of one stream, and the
//! round trip encode -> Decoder -> encode (same BatchArrowRecords bytes).

use std::collections::HashMap;

use arrow_array::RecordBatch;
use arrow_ipc::reader::StreamReader;
use arrow_schema::{DataType, Schema};
use otap_core::bar::{payload_type as T, BatchArrowRecords};
use otap_core::encode::table::DictionaryLimits;
use otap_core::{Decoder, Encoder, EncoderOptions, Signal};
use prost::Message;

// ---------------------------------------------------------------------------------------
// A tiny protobuf writer for fixtures

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}
fn tag(f: u32, wt: u32, out: &mut Vec<u8>) {
    varint(((f << 3) | wt) as u64, out);
}
fn b(f: u32, data: &[u8]) -> Vec<u8> {
    let mut o = Vec::new();
    tag(f, 2, &mut o);
    varint(data.len() as u64, &mut o);
    o.extend_from_slice(data);
    o
}
fn s(f: u32, v: &str) -> Vec<u8> {
    b(f, v.as_bytes())
}
fn v(f: u32, x: u64) -> Vec<u8> {
    let mut o = Vec::new();
    tag(f, 0, &mut o);
    varint(x, &mut o);
    o
}
fn x64(f: u32, x: u64) -> Vec<u8> {
    let mut o = Vec::new();
    tag(f, 1, &mut o);
    o.extend_from_slice(&x.to_le_bytes());
    o
}
fn x32(f: u32, x: u32) -> Vec<u8> {
    let mut o = Vec::new();
    tag(f, 5, &mut o);
    o.extend_from_slice(&x.to_le_bytes());
    o
}
fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}
fn kv_str(k: &str, val: &str) -> Vec<u8> {
    cat(&[s(1, k), b(2, &s(1, val))])
}
fn kv_int(k: &str, val: i64) -> Vec<u8> {
    cat(&[s(1, k), b(2, &v(3, val as u64))])
}
fn kv_map(k: &str, inner: &[Vec<u8>]) -> Vec<u8> {
    let list: Vec<u8> = inner.iter().flat_map(|kv| b(1, kv)).collect();
    cat(&[s(1, k), b(2, &b(6, &list))])
}

/// ExportLogsServiceRequest: one resource (service.name), one scope, logs built by `log(i)`.
fn logs_request(n: usize, log: impl Fn(usize) -> Vec<u8>) -> Vec<u8> {
    let resource = b(1, &kv_str("service.name", "svc"));
    let scope = cat(&[s(1, "scope"), s(2, "1.0")]);
    let mut scope_logs = b(1, &scope);
    for i in 0..n {
        scope_logs.extend(b(2, &log(i)));
    }
    let rl = cat(&[b(1, &resource), b(2, &scope_logs), s(3, "https://schema/1")]);
    b(1, &rl)
}

fn simple_log(i: usize, body: &str) -> Vec<u8> {
    cat(&[
        x64(1, 1_700_000_000_000_000_000 + i as u64),
        v(2, 9),
        s(3, "INFO"),
        b(5, &s(1, body)),
        b(6, &kv_int("n", (i % 3) as i64)),
        b(6, &kv_map("m", &[kv_str("a", "b")])),
        x32(8, 1),
        b(9, &[(i % 250) as u8 + 1; 16]),
        b(10, &[7; 8]),
    ])
}

// ---------------------------------------------------------------------------------------
// Reading our output back

/// Reads every payload of the BARs through one arrow-ipc StreamReader per schema id.
struct Reader {
    streams: HashMap<String, Vec<u8>>,
}

impl Reader {
    fn new() -> Self {
        Reader { streams: HashMap::new() }
    }

    /// (type, schema id, batch) per payload.
    fn read(&mut self, bar: &[u8]) -> Vec<(i32, String, RecordBatch)> {
        let bar = BatchArrowRecords::decode(bar).unwrap();
        bar.arrow_payloads
            .iter()
            .map(|p| {
                let buf = self.streams.entry(p.schema_id.clone()).or_default();
                buf.extend_from_slice(&p.record);
                // Re-read the whole stream so far; the last batch is this payload's.
                let reader = StreamReader::try_new(std::io::Cursor::new(buf.clone()), None).unwrap();
                let batches: Vec<RecordBatch> = reader.map(|r| r.unwrap()).collect();
                (p.r#type, p.schema_id.clone(), batches.last().unwrap().clone())
            })
            .collect()
    }
}

fn field_summary(schema: &Schema) -> Vec<String> {
    fn render(name: &str, dt: &DataType, nullable: bool, md: Option<&String>) -> String {
        let t = match dt {
            DataType::Struct(fields) => format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|f| render(f.name(), f.data_type(), f.is_nullable(), f.metadata().get("dictId")))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            other => format!("{other}"),
        };
        let md = md.map(|d| format!("#{d}")).unwrap_or_default();
        format!("{name}:{t}{}{md}", if nullable { "?" } else { "" })
    }
    schema
        .fields()
        .iter()
        .map(|f| render(f.name(), f.data_type(), f.is_nullable(), f.metadata().get("dictId")))
        .collect()
}

#[test]
fn logs_envelope_and_exact_schemas() {
    let mut enc = Encoder::new(EncoderOptions::default());
    let req = logs_request(3, |i| simple_log(i, "hello"));
    let bar = enc.encode(Signal::Logs, &req).unwrap();
    let decoded = BatchArrowRecords::decode(bar.as_slice()).unwrap();
    assert_eq!(decoded.batch_id, 0);
    let env: Vec<(i32, &str)> = decoded.arrow_payloads.iter().map(|p| (p.r#type, p.schema_id.as_str())).collect();
    // The scope has no attributes: no SCOPE_ATTRS payload.
    assert_eq!(env, vec![(T::LOGS, "0"), (T::RESOURCE_ATTRS, "1"), (T::LOG_ATTRS, "2")]);

    let mut reader = Reader::new();
    let out = reader.read(&bar);
    let logs = &out[0].2;
    assert_eq!(logs.num_rows(), 3);
    assert_eq!(
        field_summary(&logs.schema()),
        vec![
            "id:UInt16?",
            "resource:{id:UInt16?,schema_url:Dictionary(UInt8, Utf8)?#0}?",
            "scope:{id:UInt16?,name:Dictionary(UInt8, Utf8)?#1,version:Dictionary(UInt8, Utf8)?#2}?",
            "time_unix_nano:Timestamp(ns, \"UTC\")?",
            "trace_id:Dictionary(UInt8, FixedSizeBinary(16))?#4",
            "span_id:Dictionary(UInt8, FixedSizeBinary(8))?#5",
            "severity_number:Dictionary(UInt8, Int32)?#6",
            "severity_text:Dictionary(UInt8, Utf8)?#7",
            "body:{type:UInt8?,str:Dictionary(UInt16, Utf8)?#8}?",
            "flags:UInt32?",
        ]
    );
    let attrs = &out[2].2;
    assert_eq!(
        field_summary(&attrs.schema()),
        vec![
            "parent_id:UInt16",
            "key:Dictionary(UInt8, Utf8)#0",
            "type:UInt8",
            "int:Dictionary(UInt16, Int64)?#2",
            "ser:Dictionary(UInt16, Binary)?#4",
        ]
    );
    assert_eq!(attrs.schema().metadata().get("sorting_columns").map(String::as_str), Some("type,key,value,parent_id"));
    assert_eq!(attrs.num_rows(), 6);

    // Second batch: no schema message, same schema ids, batch id 1.
    let bar2 = enc.encode(Signal::Logs, &req).unwrap();
    let d2 = BatchArrowRecords::decode(bar2.as_slice()).unwrap();
    assert_eq!(d2.batch_id, 1);
    assert_eq!(d2.arrow_payloads[0].schema_id, "0");
    let out2 = reader.read(&bar2);
    assert_eq!(out2[0].2.num_rows(), 3);
}

#[test]
fn empty_request_still_sends_the_root() {
    let mut enc = Encoder::new(EncoderOptions::default());
    let bar = enc.encode(Signal::Traces, &[]).unwrap();
    let d = BatchArrowRecords::decode(bar.as_slice()).unwrap();
    assert_eq!(d.arrow_payloads.len(), 1);
    assert_eq!(d.arrow_payloads[0].r#type, T::SPANS);
    let out = Reader::new().read(&bar);
    assert_eq!(out[0].2.num_rows(), 0);
}

#[test]
fn malformed_protobuf_is_reported() {
    let mut enc = Encoder::new(EncoderOptions::default());
    let err = enc.encode(Signal::Logs, &[0x0a, 0x05, 0x01]).unwrap_err();
    assert_eq!(err.code, "MALFORMED_PROTOBUF");
}

fn event_name_schema(out: &[(i32, String, RecordBatch)]) -> (String, DataType) {
    let (_, id, batch) = &out[0];
    (id.clone(), batch.schema().field_with_name("event_name").unwrap().data_type().clone())
}

fn log_with_event(name: String) -> Vec<u8> {
    cat(&[x64(1, 1), s(12, &name)])
}

#[test]
fn dictionary_u8_to_u16_starts_a_new_stream() {
    let mut enc = Encoder::new(EncoderOptions::default());
    let mut reader = Reader::new();
    let bar = enc.encode(Signal::Logs, &logs_request(200, |i| log_with_event(format!("e{i}")))).unwrap();
    let (id0, t0) = event_name_schema(&reader.read(&bar));
    assert_eq!((id0.as_str(), t0), ("0", DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8))));
    // 100 more distinct values: 300 > 255 -> u16, new schema id, values still right.
    let bar = enc.encode(Signal::Logs, &logs_request(100, |i| log_with_event(format!("f{i}")))).unwrap();
    let out = reader.read(&bar);
    let (id1, t1) = event_name_schema(&out);
    assert_ne!(id1, id0);
    assert_eq!(t1, DataType::Dictionary(Box::new(DataType::UInt16), Box::new(DataType::Utf8)));
    let col = arrow_cast_strings(out[0].2.column_by_name("event_name").unwrap());
    assert_eq!(col[0], "f0");
    assert_eq!(col[99], "f99");
}

fn arrow_cast_strings(a: &arrow_array::ArrayRef) -> Vec<String> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{UInt16Type, UInt8Type};
    use arrow_array::Array;
    let dict_value = |keys: Vec<usize>, values: &arrow_array::ArrayRef| -> Vec<String> {
        let values = values.as_string::<i32>();
        keys.into_iter().map(|k| values.value(k).to_string()).collect()
    };
    match a.data_type() {
        DataType::Dictionary(k, _) if **k == DataType::UInt8 => {
            let d = a.as_dictionary::<UInt8Type>();
            dict_value(d.keys().values().iter().map(|&k| k as usize).collect(), d.values())
        }
        DataType::Dictionary(_, _) => {
            let d = a.as_dictionary::<UInt16Type>();
            dict_value(d.keys().values().iter().map(|&k| k as usize).collect(), d.values())
        }
        _ => {
            let s = a.as_string::<i32>();
            (0..s.len()).map(|i| s.value(i).to_string()).collect()
        }
    }
}

#[test]
fn dictionary_reset_keeps_the_stream_and_overflow_goes_plain() {
    let limits = DictionaryLimits { max_u16: 10, reset_threshold: 0.3 };
    // body.str is a D16 column: u16 keys from the start.
    let body_log = |body: String| cat(&[x64(1, 1), b(5, &s(1, &body))]);
    let mut enc = Encoder::with_limits(EncoderOptions::default(), limits);
    let mut reader = Reader::new();
    let bar = enc.encode(Signal::Logs, &logs_request(500, |i| body_log(format!("a{}", i % 5)))).unwrap();
    let first = reader.read(&bar);
    // 10 new values x 10: 15 distinct of 600 inserted (ratio < 0.3) -> reset, same stream.
    let bar = enc.encode(Signal::Logs, &logs_request(100, |i| body_log(format!("b{}", i % 10)))).unwrap();
    let second = reader.read(&bar);
    assert_eq!(first[0].1, second[0].1, "a reset keeps the schema id");
    let body = second[0].2.column_by_name("body").unwrap();
    use arrow_array::cast::AsArray;
    let strs = arrow_cast_strings(body.as_struct().column_by_name("str").unwrap());
    assert_eq!(strs[0], "b0");
    assert_eq!(strs[99], "b9");

    // A fresh stream that overflows within its first batch falls back to plain Utf8.
    let mut enc = Encoder::with_limits(EncoderOptions::default(), limits);
    let bar = enc.encode(Signal::Logs, &logs_request(20, |i| body_log(format!("c{i}")))).unwrap();
    let out = Reader::new().read(&bar);
    let body = out[0].2.column_by_name("body").unwrap();
    let DataType::Struct(fields) = body.data_type() else { panic!() };
    assert_eq!(fields.find("str").unwrap().1.data_type(), &DataType::Utf8);
    assert!(fields.find("str").unwrap().1.metadata().get("dictId").is_none());
}

#[test]
fn zstd_bodies_read_back() {
    let mut enc = Encoder::new(EncoderOptions { zstd_level: Some(3), metric_metadata: false });
    let bar = enc.encode(Signal::Logs, &logs_request(50, |i| simple_log(i, "compressed body"))).unwrap();
    let out = Reader::new().read(&bar);
    assert_eq!(out[0].2.num_rows(), 50);
}

// ---------------------------------------------------------------------------------------
// Round trip through the decoder: encode(decode(encode(x))) == encode(x), batch by batch.

fn traces_request(n: usize, seed: usize) -> Vec<u8> {
    let mut spans = b(1, &cat(&[s(1, "tracer")]));
    for i in 0..n {
        let k = i + seed;
        let mut span = cat(&[
            b(1, &[(k % 7) as u8 + 1; 16]),
            b(2, &[(k % 200) as u8 + 1; 8]),
            s(5, &format!("op{}", k % 11)),
            v(6, (k % 3) as u64),
            x64(7, 1_000 + k as u64),
            x64(8, 5_000 + 3 * k as u64),
            b(9, &kv_str("http.route", &format!("/r{}", k % 13))),
            b(15, &cat(&[s(2, if k % 5 == 0 { "boom" } else { "" }), v(3, (k % 3) as u64)])),
        ]);
        if k % 4 == 0 {
            span.extend(b(11, &cat(&[x64(1, 2_000 + k as u64), s(2, "ev"), b(3, &kv_int("i", k as i64))])));
        }
        if k % 6 == 0 {
            span.extend(b(13, &cat(&[b(1, &[9; 16]), b(2, &[3; 8]), b(4, &kv_str("l", "x"))])));
        }
        spans.extend(b(2, &span));
    }
    let rs = cat(&[b(1, &b(1, &kv_str("service.name", &format!("svc{}", seed % 2)))), b(2, &spans)]);
    b(1, &rs)
}

fn metrics_request(n: usize, seed: usize) -> Vec<u8> {
    let mut sm = b(1, &s(1, "meter"));
    for i in 0..n {
        let k = i + seed;
        let point = cat(&[b(7, &kv_str("host", &format!("h{}", k % 5))), x64(3, 10 + k as u64), x64(6, k as u64)]);
        let gauge = b(5, &b(1, &point));
        let hist_point = cat(&[
            x64(3, 11),
            x64(4, 3),
            x64(5, 2.5f64.to_bits()),
            b(6, &[1u64, 2].iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>()),
            b(7, &1.0f64.to_le_bytes()),
        ]);
        let hist = b(9, &cat(&[b(1, &hist_point), v(2, 2)]));
        sm.extend(b(2, &cat(&[s(1, &format!("m{}", k % 9)), s(3, "ms"), if k % 2 == 0 { gauge } else { hist }])));
    }
    b(1, &cat(&[b(1, &b(1, &kv_str("service.name", "svc"))), b(2, &sm)]))
}

fn round_trip(signal: Signal, requests: &[Vec<u8>]) {
    let mut a = Encoder::new(EncoderOptions::default());
    let mut dec = Decoder::new();
    let mut b_enc = Encoder::new(EncoderOptions::default());
    for (i, req) in requests.iter().enumerate() {
        let bar = a.encode(signal, req).unwrap();
        let decoded = dec.decode(&bar).unwrap_or_else(|e| panic!("batch {i}: decode: {e}"));
        assert_eq!(decoded.signal, Some(signal));
        let again = b_enc.encode(signal, &decoded.otlp).unwrap();
        assert!(again == bar, "{signal:?} batch {i}: re-encoding the decoded OTLP gives different BAR bytes");
    }
}

#[test]
fn round_trip_logs() {
    round_trip(
        Signal::Logs,
        &[logs_request(40, |i| simple_log(i, "x")), logs_request(300, |i| simple_log(i, &format!("body{i}")))],
    );
}

#[test]
fn round_trip_traces() {
    round_trip(Signal::Traces, &[traces_request(50, 0), traces_request(120, 1), traces_request(10, 2)]);
}

#[test]
fn round_trip_metrics() {
    round_trip(Signal::Metrics, &[metrics_request(30, 0), metrics_request(80, 3)]);
}

// ---------------------------------------------------------------------------------------
// The encoder's own dictionary messages are arrow-ipc's: the same IPC bytes as its
// StreamWriter (delta dictionaries found by comparison) writing the tables with whole
// dictionaries, over streams that grow, restart and widen their dictionaries.

fn stream_writer_records(signal: Signal, requests: &[Vec<u8>], limits: DictionaryLimits, zstd: Option<i32>) -> Vec<Vec<(i32, Vec<u8>)>> {
    use otap_core::encode::table::TableEncoder;
    use otap_core::ipc_writer::IpcChunkWriter;
    let mut streams: HashMap<i32, (TableEncoder, Option<IpcChunkWriter>)> = HashMap::new();
    let mut out = Vec::new();
    for req in requests {
        let parsed = otap_core::encode::parse_request(signal, req).unwrap();
        let mut records = Vec::new();
        for (ty, input) in &parsed.tables(true, None).unwrap() {
            let (enc, writer) = streams
                .entry(*ty)
                .or_insert_with(|| (TableEncoder::new(otap_core::schema::table_spec(*ty).unwrap(), limits), None));
            let encoded = enc.encode(input).unwrap();
            assert!(encoded.dictionaries.is_empty(), "a table-mode encoder sends no dictionary messages");
            if encoded.new_stream || writer.is_none() {
                *writer = Some(IpcChunkWriter::new(encoded.batch.schema_ref(), zstd).unwrap());
            }
            records.push((*ty, writer.as_mut().unwrap().write(&encoded.batch).unwrap()));
        }
        out.push(records);
    }
    out
}

fn assert_same_ipc_as_stream_writer(signal: Signal, requests: &[Vec<u8>], limits: DictionaryLimits) {
    for zstd in [None, Some(1)] {
        let expected = stream_writer_records(signal, requests, limits, zstd);
        let mut enc = Encoder::with_limits(EncoderOptions { zstd_level: zstd, metric_metadata: true }, limits);
        for (i, req) in requests.iter().enumerate() {
            let bar = BatchArrowRecords::decode(enc.encode(signal, req).unwrap().as_slice()).unwrap();
            let got: Vec<(i32, Vec<u8>)> = bar.arrow_payloads.into_iter().map(|p| (p.r#type, p.record)).collect();
            assert!(got == expected[i], "{signal:?} batch {i} (zstd {zstd:?}): IPC bytes differ from arrow-ipc's StreamWriter");
        }
    }
}

#[test]
fn dictionary_messages_are_the_stream_writers() {
    let wide = DictionaryLimits::default();
    // Growing dictionaries (deltas), unchanged ones (no message), u8 -> u16 (a new stream).
    let logs: Vec<Vec<u8>> = (0..6).map(|n| logs_request(60 + 40 * n, |i| simple_log(i, &format!("body{}", i + 37 * n)))).collect();
    assert_same_ipc_as_stream_writer(Signal::Logs, &logs, wide);
    let traces: Vec<Vec<u8>> = (0..5).map(|n| traces_request(40 + 30 * n, 7 * n)).collect();
    assert_same_ipc_as_stream_writer(Signal::Traces, &traces, wide);
    let metrics: Vec<Vec<u8>> = (0..5).map(|n| metrics_request(30 + 20 * n, 5 * n)).collect();
    assert_same_ipc_as_stream_writer(Signal::Metrics, &metrics, wide);
    // Small limits: restarted dictionaries (a replacement in the same stream) and plain fallbacks.
    let small = DictionaryLimits { max_u16: 10, reset_threshold: 0.3 };
    let body_log = |body: String| cat(&[x64(1, 1), b(5, &s(1, &body))]);
    let resets = [
        logs_request(500, |i| body_log(format!("a{}", i % 5))),
        logs_request(100, |i| body_log(format!("b{}", i % 10))),
        logs_request(100, |i| body_log(format!("b{}", i % 10))),
        logs_request(50, |i| body_log(format!("c{}", i % 3))),
    ];
    assert_same_ipc_as_stream_writer(Signal::Logs, &resets, small);
    assert_same_ipc_as_stream_writer(Signal::Logs, &logs, small);
}
