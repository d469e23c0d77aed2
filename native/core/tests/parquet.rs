//! OTAP tables as Parquet file sets (`otap_core::parquet`): OTLP -> tables -> ParquetSetWriter
//! (several batches, small row groups) -> files -> read_parquet_set -> tables the decoder and
//! the encoder take; ids unique across a set's batches; dictionary columns and transport-
//! encoded ids as input; corrupt files, wrong column types and u32 id overflow refused.

mod decode_support;

use std::collections::{BTreeMap, HashSet};
use std::panic;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt32Type;
use arrow_array::{Array, ArrayRef, Int32Array, RecordBatch, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use decode_support::request;
use otap_core::bar::payload_type as T;
use otap_core::decode::pb::*;
use otap_core::encode::otlp_to_tables;
use otap_core::error::codes;
use otap_core::parquet::{parquet_file_info, parquet_schema, read_parquet_set, ParquetSetWriter, ParquetWriteOptions};
use otap_core::{DecodedTables, Decoder, Encoder, EncoderOptions, Signal};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use prost::Message;

const SIGNALS: [Signal; 3] = [Signal::Traces, Signal::Logs, Signal::Metrics];

type Files = BTreeMap<i32, Vec<u8>>;

fn options(row_group_rows: usize) -> ParquetWriteOptions {
    ParquetWriteOptions { zstd_level: 3, row_group_rows, root_metadata: vec![("_part_id".into(), "0b8f6c1e-6f4e-4a53-9d7e-2f1c1d2b3a4c".into())] }
}

/// The tables an OTLP request becomes in the encoder (what `tablesFromOtlp` holds).
fn encoder_tables(signal: Signal, batches: usize, per_scope: usize) -> Vec<DecodedTables> {
    (0..batches).map(|b| otlp_to_tables(signal, &request(signal, b, per_scope), true).unwrap()).collect()
}

/// The tables a receiver holds: one BAR stream decoded (dictionary columns, delta ids).
fn received_tables(signal: Signal, batches: usize, per_scope: usize) -> Vec<DecodedTables> {
    let mut dec = Decoder::new();
    decode_support::stream(signal, batches, per_scope, true).iter().map(|(_, bar)| dec.decode_tables(bar).unwrap().unwrap()).collect()
}

/// Writes `inputs` into one set, draining output after every batch; the finished files.
fn write_set(signal: Signal, inputs: &[DecodedTables], row_group_rows: usize) -> Files {
    let mut w = ParquetSetWriter::new(signal, options(row_group_rows)).unwrap();
    let mut files = Files::new();
    for t in inputs {
        w.write(t).unwrap();
        for (pt, bytes) in w.take_output().unwrap() {
            files.entry(pt).or_default().extend(bytes);
        }
    }
    let rows: usize = w.rows().iter().map(|(_, r)| *r as usize).sum();
    assert!(rows > 0);
    for (pt, bytes) in w.finish().unwrap() {
        files.entry(pt).or_default().extend(bytes);
    }
    files
}

fn read_set(signal: Signal, files: &Files, max: usize) -> Result<Vec<DecodedTables>, otap_core::OtapError> {
    let list: Vec<(i32, &[u8])> = files.iter().map(|(t, b)| (*t, b.as_slice())).collect();
    read_parquet_set(signal, &list, max)
}

/// Every item with its resource and scope (encoded), sorted: the telemetry up to grouping and order.
fn flatten(signal: Signal, otlp: &[u8]) -> Vec<Vec<u8>> {
    let mut out = decode_support::flatten(signal, otlp);
    out.sort();
    out
}

fn all_items(signal: Signal, tables: &[DecodedTables]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = tables.iter().flat_map(|t| flatten(signal, &t.to_otlp().unwrap())).collect();
    v.sort();
    v
}

/// Tables as a peer receives them: encoded onto a fresh stream and decoded again.
fn over_the_wire(t: &DecodedTables) -> Vec<u8> {
    let bar = Encoder::new(EncoderOptions { zstd_level: None, metric_metadata: true }).encode_tables(t).unwrap();
    Decoder::new().decode(&bar).unwrap().otlp
}

fn file_rows(bytes: &[u8]) -> RecordBatch {
    let b = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(bytes)).unwrap();
    let schema = b.schema().clone();
    let batches: Vec<RecordBatch> = b.build().unwrap().map(|r| r.unwrap()).collect();
    arrow_select::concat::concat_batches(&schema, &batches).unwrap()
}

fn u32s(a: &ArrayRef) -> Vec<Option<u32>> {
    a.as_primitive::<UInt32Type>().iter().collect()
}

fn column(batch: &RecordBatch, path: &str) -> ArrayRef {
    match path.split_once('.') {
        None => batch.column_by_name(path).unwrap().clone(),
        Some((p, c)) => batch.column_by_name(p).unwrap().as_struct().column_by_name(c).unwrap().clone(),
    }
}

fn root(signal: Signal) -> i32 {
    otap_core::rebatch::root_type(signal)
}

fn check_round_trip(signal: Signal, inputs: &[DecodedTables], row_group_rows: usize, max: usize) {
    let files = write_set(signal, inputs, row_group_rows);
    assert!(files.contains_key(&root(signal)));
    // Files are complete Parquet files with the schema of their payload type.
    for (t, bytes) in &files {
        let info = parquet_file_info(bytes).unwrap();
        let rows = file_rows(bytes);
        assert_eq!(info.rows as usize, rows.num_rows());
        let want = parquet_schema(*t).unwrap();
        let names = |s: &Schema| s.fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
        assert_eq!(names(&rows.schema()), names(&want), "{signal:?} {t}");
        for f in want.fields() {
            assert_eq!(rows.schema().field_with_name(f.name()).unwrap().data_type(), f.data_type(), "{signal:?} {t} {}", f.name());
        }
        if *t == root(signal) {
            assert!(info.metadata.iter().any(|(k, v)| k == "_part_id" && v.starts_with("0b8f6c1e")), "{:?}", info.metadata);
            assert_eq!(rows.schema().metadata().get("_part_id").map(String::as_str), Some("0b8f6c1e-6f4e-4a53-9d7e-2f1c1d2b3a4c"));
            assert!(info.row_groups > 1, "{signal:?}: {} row groups", info.row_groups);
        } else {
            assert!(info.metadata.iter().all(|(k, _)| k != "_part_id"));
        }
    }
    let pieces = read_set(signal, &files, max).unwrap();
    assert!(pieces.len() > 1, "{signal:?}");
    let total: usize = inputs.iter().map(|t| t.item_count()).sum();
    assert_eq!(pieces.iter().map(|p| p.item_count()).sum::<usize>(), total, "{signal:?}");
    for p in &pieces {
        let metrics = ExportMetricsServiceRequest::decode(p.to_otlp().unwrap().as_slice())
            .map(|r| r.resource_metrics.iter().flat_map(|r| &r.scope_metrics).map(|s| s.metrics.len()).sum::<usize>())
            .unwrap_or(0);
        assert!(p.item_count() <= max || (signal == Signal::Metrics && metrics == 1), "{signal:?}: {} items > {max}", p.item_count());
    }
    assert_eq!(all_items(signal, &pieces), all_items(signal, inputs), "{signal:?}");
    let mut wire: Vec<Vec<u8>> = pieces.iter().flat_map(|p| flatten(signal, &over_the_wire(p))).collect();
    wire.sort();
    assert_eq!(wire, all_items(signal, inputs), "{signal:?}: forwarded");
}

#[test]
fn encoder_tables_round_trip_through_a_file_set() {
    for signal in SIGNALS {
        check_round_trip(signal, &encoder_tables(signal, 5, 6), 7, 10);
    }
}

#[test]
fn received_tables_with_dictionaries_and_delta_ids_round_trip() {
    for signal in SIGNALS {
        let inputs = received_tables(signal, 4, 5);
        assert!(inputs[0].batches.iter().any(|(_, b)| b.schema().fields().iter().any(|f| matches!(f.data_type(), DataType::Dictionary(..)))));
        check_round_trip(signal, &inputs, 16, 25);
    }
}

#[test]
fn one_piece_when_everything_fits_and_pieces_decode_like_the_source_requests() {
    let signal = Signal::Logs;
    let files = write_set(signal, &encoder_tables(signal, 2, 3), 1000);
    let pieces = read_set(signal, &files, 1000).unwrap();
    assert_eq!(pieces.len(), 1);
    let got = flatten(signal, &pieces[0].to_otlp().unwrap());
    let mut want: Vec<Vec<u8>> = (0..2).flat_map(|b| flatten(signal, &otlp_to_tables(signal, &request(signal, b, 3), true).unwrap().to_otlp().unwrap())).collect();
    want.sort();
    assert_eq!(got, want);
}

/// Distinct non-null values of a u32 column.
fn distinct(a: &ArrayRef) -> HashSet<u32> {
    u32s(a).into_iter().flatten().collect()
}

#[test]
fn ids_are_unique_across_the_batches_of_a_set() {
    for signal in SIGNALS {
        let inputs = encoder_tables(signal, 4, 5);
        let set = write_set(signal, &inputs, 1000);
        // The same batches each in a set of their own: ids there start at 0 for every batch.
        let singles: Vec<Files> = inputs.iter().map(|t| write_set(signal, std::slice::from_ref(t), 1000)).collect();
        for (t, bytes) in &set {
            let rows = file_rows(bytes);
            let mut paths = vec!["id"];
            if *t == root(signal) {
                paths.extend(["resource.id", "scope.id"]);
            }
            for path in paths {
                if rows.schema().index_of(path.split('.').next().unwrap()).is_err() {
                    continue;
                }
                let combined = distinct(&column(&rows, path));
                let separate: usize = singles.iter().filter_map(|f| f.get(t)).map(|b| distinct(&column(&file_rows(b), path)).len()).sum();
                assert_eq!(combined.len(), separate, "{signal:?} {t} {path}: ids of different batches collide");
                if path == "id" {
                    let ids = u32s(&column(&rows, path));
                    let non_null = ids.iter().flatten().count();
                    assert_eq!(non_null, combined.len(), "{signal:?} {t}: an id used twice");
                }
            }
            // Every parent id names a row of the set.
            if rows.schema().index_of("parent_id").is_ok() {
                assert_eq!(column(&rows, "parent_id").null_count(), 0);
            }
        }
        // Offsets: the second batch's root ids start past the first batch's largest id.
        let first = file_rows(&singles[0][&root(signal)]);
        let first_max = ["id", "resource.id", "scope.id"].iter().flat_map(|p| distinct(&column(&first, p))).max().unwrap();
        let all = file_rows(&set[&root(signal)]);
        let n = first.num_rows();
        let second_resource = u32s(&column(&all, "resource.id"))[n].unwrap();
        assert!(second_resource > first_max, "{signal:?}: {second_resource} <= {first_max}");
    }
}

#[test]
fn take_output_between_writes_concatenates_to_the_file() {
    let signal = Signal::Traces;
    let inputs = encoder_tables(signal, 6, 8);
    let mut w = ParquetSetWriter::new(signal, options(10)).unwrap();
    let mut drained = Files::new();
    let mut chunks = 0;
    for t in &inputs {
        w.write(t).unwrap();
        assert!(w.buffered_bytes() > 0);
        for (pt, bytes) in w.take_output().unwrap() {
            chunks += 1;
            drained.entry(pt).or_default().extend(bytes);
        }
    }
    assert!(chunks > inputs.len(), "row groups were written out along the way");
    let rows: BTreeMap<i32, u64> = w.rows().into_iter().collect();
    assert_eq!(rows[&T::SPANS] as usize, inputs.iter().map(|t| t.item_count()).sum::<usize>());
    for (pt, bytes) in w.finish().unwrap() {
        drained.entry(pt).or_default().extend(bytes);
    }
    for (pt, bytes) in &drained {
        assert_eq!(parquet_file_info(bytes).unwrap().rows, rows[pt]);
    }
    // Writing without draining gives the same bytes.
    let mut w = ParquetSetWriter::new(signal, options(10)).unwrap();
    for t in &inputs {
        w.write(t).unwrap();
    }
    let whole: Files = w.finish().unwrap().into_iter().collect();
    assert_eq!(whole, drained);
}

#[test]
fn corrupt_files_are_errors_never_panics() {
    static PANICS: AtomicUsize = AtomicUsize::new(0);
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    for signal in SIGNALS {
        let files = write_set(signal, &encoder_tables(signal, 2, 4), 20);
        // Not Parquet at all.
        for garbage in [&b""[..], b"PAR1", b"PAR1PAR1", b"hello world, not parquet", &[0u8; 64]] {
            let mut bad = files.clone();
            bad.insert(root(signal), garbage.to_vec());
            let e = read_set(signal, &bad, 100).unwrap_err();
            assert_eq!(e.code, codes::MALFORMED_PARQUET, "{e}");
            assert!(parquet_file_info(garbage).is_err());
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for (t, bytes) in &files {
            // Truncated: the footer is gone or cut.
            for cut in [1, 2, 4, 8, 9, 100, bytes.len() / 2, bytes.len() - 1] {
                if cut >= bytes.len() {
                    continue;
                }
                let mut bad = files.clone();
                bad.insert(*t, bytes[..bytes.len() - cut].to_vec());
                assert!(read_set(signal, &bad, 100).is_err(), "{signal:?} {t} cut {cut}");
            }
            // A byte of a row group changed: the checksum refuses the file.
            let info = parquet_file_info(bytes).unwrap();
            let data_len: usize = info.metadata.iter().find(|(k, _)| k == "otap.data_xxh64").unwrap().1.split(':').next().unwrap().parse().unwrap();
            let mut b = bytes.clone();
            b[4 + (data_len - 4) / 2] ^= 0x08;
            let mut bad = files.clone();
            bad.insert(*t, b);
            assert_eq!(read_set(signal, &bad, 100).unwrap_err().code, codes::MALFORMED_PARQUET, "{signal:?} {t}");
            // Bytes overwritten anywhere (the footer most): an error or, where the byte does
            // not matter (statistics, page indexes), tables.
            let footer = bytes.len() - 8 - u32::from_le_bytes(bytes[bytes.len() - 8..bytes.len() - 4].try_into().unwrap()) as usize;
            for _ in 0..50 {
                let mut b = bytes.clone();
                let at = if next() % 4 == 0 { (next() as usize) % b.len() } else { footer + (next() as usize) % (b.len() - footer) };
                b[at] = match next() % 3 {
                    0 => b[at] ^ (1 << (next() % 8)),
                    1 => 0xff,
                    _ => 0,
                };
                let mut bad = files.clone();
                bad.insert(*t, b);
                if let Ok(pieces) = read_set(signal, &bad, 100) {
                    for p in pieces {
                        let _ = p.to_otlp();
                    }
                }
            }
        }
    }
    let _ = panic::take_hook();
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "the Parquet reader panicked");
}

/// `batch` with column `name` replaced (or added) by `values` with field metadata `metadata`.
fn set_column(batch: &RecordBatch, name: &str, values: ArrayRef, metadata: &[(&str, &str)]) -> RecordBatch {
    let md: std::collections::HashMap<String, String> = metadata.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let field = Arc::new(Field::new(name, values.data_type().clone(), values.null_count() > 0).with_metadata(md));
    let schema = batch.schema();
    let mut fields: Vec<_> = schema.fields().iter().cloned().collect();
    let mut columns = batch.columns().to_vec();
    match schema.index_of(name) {
        Ok(i) => {
            fields[i] = field;
            columns[i] = values;
        }
        Err(_) => {
            fields.push(field);
            columns.push(values);
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

fn with_table(tables: &DecodedTables, t: i32, f: impl Fn(&RecordBatch) -> RecordBatch) -> DecodedTables {
    DecodedTables { signal: tables.signal, batches: tables.batches.iter().map(|(x, b)| (*x, if *x == t { f(b) } else { b.clone() })).collect() }
}

#[test]
fn a_column_of_another_type_is_refused_naming_it_and_the_set_is_unchanged() {
    let signal = Signal::Logs;
    let good = encoder_tables(signal, 2, 3);
    let mut w = ParquetSetWriter::new(signal, options(1000)).unwrap();
    w.write(&good[0]).unwrap();
    let before = w.rows();
    let bad = with_table(&good[1], T::LOGS, |b| {
        let n = b.num_rows();
        set_column(b, "severity_text", Arc::new(Int32Array::from(vec![1; n])), &[])
    });
    let e = w.write(&bad).unwrap_err();
    assert_eq!((e.code, e.table.as_deref(), e.column.as_deref()), (codes::INVALID_PAYLOAD, Some("LOGS"), Some("severity_text")), "{e}");
    assert_eq!(w.rows(), before);
    w.write(&good[1]).unwrap();
    let files: Files = w.finish().unwrap().into_iter().collect();
    let pieces = read_set(signal, &files, 1000).unwrap();
    assert_eq!(all_items(signal, &pieces), all_items(signal, &good));

    // The same rows written by another Parquet writer (no checksum, no compression, an
    // embedded Arrow schema): read like ours.
    let mut foreign = files.clone();
    let attrs = file_rows(&files[&T::LOG_ATTRS]);
    let mut buf = Vec::new();
    let mut aw = ArrowWriter::try_new(&mut buf, attrs.schema(), None).unwrap();
    aw.write(&attrs).unwrap();
    aw.close().unwrap();
    assert!(parquet_file_info(&buf).unwrap().metadata.iter().all(|(k, _)| k != "otap.data_xxh64"));
    foreign.insert(T::LOG_ATTRS, buf);
    assert_eq!(all_items(signal, &read_set(signal, &foreign, 1000).unwrap()), all_items(signal, &good));

    // A file whose column has another type than the payload type's schema.
    let mut bad_files = files.clone();
    let n = attrs.num_rows();
    let wrong = set_column(&attrs, "key", Arc::new(Int32Array::from(vec![7; n])), &[]);
    let mut buf = Vec::new();
    let mut aw = ArrowWriter::try_new(&mut buf, wrong.schema(), None).unwrap();
    aw.write(&wrong).unwrap();
    aw.close().unwrap();
    bad_files.insert(T::LOG_ATTRS, buf);
    let e = read_set(signal, &bad_files, 1000).unwrap_err();
    assert_eq!((e.code, e.table.as_deref(), e.column.as_deref()), (codes::INVALID_PAYLOAD, Some("LOG_ATTRS"), Some("key")), "{e}");

    // A required column missing.
    let mut bad_files = files.clone();
    let keep: Vec<usize> = (0..attrs.num_columns()).filter(|&i| attrs.schema().field(i).name() != "type").collect();
    let missing = attrs.project(&keep).unwrap();
    let mut buf = Vec::new();
    let mut aw = ArrowWriter::try_new(&mut buf, missing.schema(), None).unwrap();
    aw.write(&missing).unwrap();
    aw.close().unwrap();
    bad_files.insert(T::LOG_ATTRS, buf);
    let e = read_set(signal, &bad_files, 1000).unwrap_err();
    assert_eq!((e.code, e.table.as_deref(), e.column.as_deref()), (codes::INVALID_PAYLOAD, Some("LOG_ATTRS"), Some("type")), "{e}");

    // No root file; a child row whose parent is not in the set.
    let mut no_root = files.clone();
    no_root.remove(&T::LOGS);
    assert_eq!(read_set(signal, &no_root, 1000).unwrap_err().code, codes::INVALID_PAYLOAD);
    let other = write_set(signal, &encoder_tables(signal, 1, 2), 1000);
    let mut orphans = files.clone();
    orphans.insert(T::LOGS, other[&T::LOGS].clone());
    let e = read_set(signal, &orphans, 1000).unwrap_err();
    assert_eq!((e.code, e.column.as_deref()), (codes::INVALID_PAYLOAD, Some("parent_id")), "{e}");
    // A payload type of another signal.
    let mut foreign = files.clone();
    foreign.insert(T::SPAN_EVENTS, files[&T::LOG_ATTRS].clone());
    assert_eq!(read_set(signal, &foreign, 1000).unwrap_err().code, codes::UNKNOWN_PAYLOAD_TYPE);
}

#[test]
fn ids_beyond_u32_are_the_overflow_error_and_the_set_stays_usable() {
    let signal = Signal::Traces;
    let inputs = encoder_tables(signal, 3, 4);
    // A batch whose span events carry huge (plain) ids.
    let huge = with_table(&inputs[0], T::SPAN_EVENTS, |b| {
        let ids: Vec<u32> = (0..b.num_rows() as u32).map(|i| 3_000_000_000 + i).collect();
        set_column(b, "id", Arc::new(UInt32Array::from(ids)), &[("encoding", "plain")])
    });
    let attrs = inputs[0].batches.iter().find(|(t, _)| *t == T::SPAN_EVENT_ATTRS).map(|(_, b)| b.num_rows()).unwrap_or(0);
    // Event attributes point at event ids: keep them consistent by dropping them here.
    let huge = DecodedTables { signal, batches: huge.batches.into_iter().filter(|(t, _)| *t != T::SPAN_EVENT_ATTRS).collect() };
    assert!(attrs > 0);
    let mut w = ParquetSetWriter::new(signal, options(1000)).unwrap();
    w.write(&huge).unwrap();
    let before = w.rows();
    let e = w.write(&huge).unwrap_err();
    assert_eq!(e.code, codes::ID_OVERFLOW, "{e}");
    assert_eq!(w.rows(), before);
    // Smaller ids still fit after it.
    w.write(&inputs[1]).unwrap();
    let files: Files = w.finish().unwrap().into_iter().collect();
    let pieces = read_set(signal, &files, 1000).unwrap();
    assert_eq!(all_items(signal, &pieces), all_items(signal, &[huge, inputs[1].clone()]));
    // A fresh set takes the batch.
    let mut fresh = ParquetSetWriter::new(signal, options(1000)).unwrap();
    fresh.write(&inputs[2]).unwrap();
}

#[test]
fn dangling_parent_ids_and_other_signals_are_refused_when_writing() {
    let signal = Signal::Logs;
    let inputs = encoder_tables(signal, 1, 3);
    let mut w = ParquetSetWriter::new(signal, options(1000)).unwrap();
    let dangling = with_table(&inputs[0], T::LOG_ATTRS, |b| {
        let n = b.num_rows() as u32;
        set_column(b, "parent_id", Arc::new(UInt32Array::from(vec![60_000u32; n as usize])), &[("encoding", "plain")])
    });
    let e = w.write(&dangling).unwrap_err();
    assert_eq!((e.code, e.table.as_deref(), e.column.as_deref()), (codes::INVALID_PAYLOAD, Some("LOG_ATTRS"), Some("parent_id")), "{e}");
    let traces = encoder_tables(Signal::Traces, 1, 2);
    assert_eq!(w.write(&traces[0]).unwrap_err().code, codes::INVALID_PAYLOAD);
    assert!(w.rows().is_empty());
    assert!(ParquetSetWriter::new(signal, ParquetWriteOptions { row_group_rows: 0, ..options(1) }).is_err());
    assert!(ParquetSetWriter::new(signal, ParquetWriteOptions { zstd_level: 99, ..options(1) }).is_err());
}
