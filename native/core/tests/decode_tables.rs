//! `Decoder::decode_tables`: the same stream state and the same OTLP as `decode`, item counts
//! from the item tables, and byte sizes that leave the stream's dictionaries out.

mod decode_support;

use decode_support::stream;
use otap_core::decode::pb::*;
use otap_core::{Decoder, Signal};
use prost::Message;

fn items(signal: Signal, otlp: &[u8]) -> usize {
    match signal {
        Signal::Traces => ExportTraceServiceRequest::decode(otlp).unwrap().resource_spans.iter()
            .flat_map(|r| &r.scope_spans).map(|s| s.spans.len()).sum(),
        Signal::Logs => ExportLogsServiceRequest::decode(otlp).unwrap().resource_logs.iter()
            .flat_map(|r| &r.scope_logs).map(|s| s.log_records.len()).sum(),
        Signal::Metrics => ExportMetricsServiceRequest::decode(otlp).unwrap().resource_metrics.iter()
            .flat_map(|r| &r.scope_metrics).flat_map(|s| &s.metrics)
            .map(|m| match &m.data {
                Some(metric::Data::Gauge(g)) => g.data_points.len(),
                Some(metric::Data::Sum(g)) => g.data_points.len(),
                Some(metric::Data::Histogram(g)) => g.data_points.len(),
                Some(metric::Data::ExponentialHistogram(g)) => g.data_points.len(),
                Some(metric::Data::Summary(g)) => g.data_points.len(),
                None => 0,
            })
            .sum(),
    }
}

#[test]
fn decode_tables_matches_decode_on_every_signal() {
    for signal in [Signal::Traces, Signal::Logs, Signal::Metrics] {
        for zstd in [false, true] {
            let batches = stream(signal, 6, 10, zstd);
            let (mut eager, mut lazy) = (Decoder::new(), Decoder::new());
            for (i, (_, bar)) in batches.iter().enumerate() {
                let want = eager.decode(bar).unwrap();
                let tables = lazy.decode_tables(bar).unwrap().expect("a batch with payloads");
                assert_eq!(Some(tables.signal), want.signal);
                let otlp = tables.to_otlp().unwrap();
                assert_eq!(otlp, want.otlp, "{signal:?} batch {i} zstd {zstd}: same OTLP as decode");
                assert_eq!(tables.item_count(), items(signal, &otlp), "{signal:?} batch {i}: item count");
                assert!(tables.byte_size() > 0);
                assert_eq!(lazy.state_bytes(), eager.state_bytes(), "same stream state");
            }
        }
    }
}

#[test]
fn byte_size_leaves_out_the_streams_dictionaries() {
    // Later batches of a stream point at every dictionary value seen so far: their size must
    // not grow with the stream, while the stream state does.
    let batches = stream(Signal::Logs, 12, 10, false);
    let mut dec = Decoder::new();
    let mut sizes = Vec::new();
    let mut states = Vec::new();
    for (_, bar) in &batches {
        sizes.push(dec.decode_tables(bar).unwrap().unwrap().byte_size());
        states.push(dec.state_bytes());
    }
    assert!(states.last() > states.first(), "dictionaries grow: {states:?}");
    let (first, last) = (sizes[1] as f64, *sizes.last().unwrap() as f64);
    assert!(last < first * 1.5, "per-batch size stays flat: {sizes:?}");
}

/// A delta dictionary is appended where the last one lies, not concatenated onto a copy of
/// it: each batch's dictionary holds the last one's values first, and dictionaries of
/// consecutive batches share memory (until a store moves to a larger block).
#[test]
fn delta_dictionaries_grow_in_place() {
    use arrow_array::cast::AsArray;
    use arrow_array::Array;
    use arrow_schema::DataType;
    for zstd in [false, true] {
        let batches = stream(Signal::Logs, 12, 10, zstd);
        let mut dec = Decoder::new();
        let mut last: Option<arrow_array::ArrayRef> = None;
        let (mut grown, mut shared) = (0, 0);
        for (_, bar) in &batches {
            let tables = dec.decode_tables(bar).unwrap().expect("a batch with payloads");
            let (_, attrs) = tables.batches.iter().find(|(t, _)| *t == otap_core::bar::payload_type::LOG_ATTRS).expect("log attributes");
            let column = attrs.column_by_name("str").expect("str column");
            assert!(matches!(column.data_type(), DataType::Dictionary(..)), "str is a dictionary column");
            let values = column.as_any_dictionary().values().clone();
            if let Some(prev) = &last {
                if values.len() > prev.len() {
                    grown += 1;
                    assert_eq!(values.slice(0, prev.len()).to_data(), prev.to_data(), "a delta keeps the values before it");
                    let (a, b) = (prev.to_data(), values.to_data());
                    shared += usize::from(a.buffers()[1].as_ptr() == b.buffers()[1].as_ptr());
                }
            }
            last = Some(values);
        }
        assert!(grown >= 8, "zstd={zstd}: the stream's string dictionary grew in {grown} batches");
        assert!(shared * 2 >= grown, "zstd={zstd}: {shared} of {grown} grown dictionaries share the last one's memory");
    }
}
