//! `TablesBuilder`: OTLP requests' tables whose dictionaries continue across calls decode to
//! the requests, and forwarded (`Encoder::encode_tables`) cost what the direct OTLP -> OTAP
//! encoder sends: dictionary deltas, not each batch's dictionaries again.

mod decode_support;

use decode_support::request;
use otap_core::encode::{otlp_to_tables, parse_request, TablesBuilder};
use otap_core::{Decoder, Encoder, EncoderOptions, Signal};

const SIGNALS: [Signal; 3] = [Signal::Traces, Signal::Logs, Signal::Metrics];

fn options() -> EncoderOptions {
    EncoderOptions { zstd_level: None, metric_metadata: true }
}

#[test]
fn built_tables_decode_to_the_requests_and_forward_as_the_direct_encoder_sends() {
    for signal in SIGNALS {
        let mut builder = TablesBuilder::new();
        let (mut forwarder, mut downstream) = (Encoder::new(options()), Decoder::new());
        let (mut direct, mut fresh) = (Encoder::new(options()), Encoder::new(options()));
        let (mut built_bytes, mut direct_bytes, mut fresh_bytes) = (0, 0, 0);
        for b in 0..12 {
            // Batches 0..4 again and again: after the first round every value is known.
            let req = request(signal, b % 4, 40);
            let tables = builder.build(&parse_request(signal, &req).unwrap(), true, None).unwrap();
            assert_eq!(tables.to_otlp().unwrap(), otlp_to_tables(signal, &req, true).unwrap().to_otlp().unwrap(), "{signal:?} batch {b}: tables");
            let out = forwarder.encode_tables(&tables).unwrap();
            let want = Decoder::new().decode(&Encoder::new(options()).encode(signal, &req).unwrap()).unwrap();
            assert_eq!(downstream.decode(&out).unwrap().otlp, want.otlp, "{signal:?} batch {b}: forwarded");
            let from_fresh = fresh.encode_tables(&otlp_to_tables(signal, &req, true).unwrap()).unwrap();
            let from_direct = direct.encode(signal, &req).unwrap();
            if b >= 4 {
                built_bytes += out.len();
                direct_bytes += from_direct.len();
                fresh_bytes += from_fresh.len();
            }
        }
        // Once the values are known, the builder's tables forward as deltas: no more than the
        // direct encoder sends (plus framing), and less than tables with fresh dictionaries.
        assert!(built_bytes <= direct_bytes + direct_bytes / 20, "{signal:?}: built {built_bytes} vs direct {direct_bytes}");
        assert!(built_bytes < fresh_bytes, "{signal:?}: built {built_bytes} vs fresh dictionaries {fresh_bytes}");
    }
}

#[test]
fn a_keep_mask_builds_only_the_kept_items_and_nothing_kept_builds_no_tables() {
    let req = request(Signal::Logs, 0, 6);
    let parsed = parse_request(Signal::Logs, &req).unwrap();
    let mut builder = TablesBuilder::new();
    let all = builder.build(&parsed, true, None).unwrap();
    let n = all.item_count();
    let keep: Vec<bool> = (0..n).map(|i| i % 2 == 0).collect();
    assert_eq!(builder.build(&parsed, true, Some(&keep)).unwrap().item_count(), n.div_ceil(2));
    assert!(builder.build(&parsed, true, Some(&vec![false; n])).unwrap().batches.is_empty());
}
