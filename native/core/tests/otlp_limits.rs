//! The OTLP reader bounds nested messages per request: a request of empty records that
//! inflates to just under the size limit must fail with LIMIT_EXCEEDED, not exhaust memory.

use otap_core::otlp::wire::MAX_NESTED_MESSAGES;
use otap_core::{Encoder, EncoderOptions, Signal};

/// `count` empty top-level entries of field 1 (resource_logs / resource_spans / resource_metrics).
fn empty_entries(count: usize) -> Vec<u8> {
    [0x0au8, 0x00].repeat(count)
}

#[test]
fn empty_records_past_the_budget_are_limit_exceeded() {
    // One signal: the three share the reader (parse_roots), and a debug build is slow here.
    let bytes = empty_entries(MAX_NESTED_MESSAGES + 1);
    let e = Encoder::new(EncoderOptions::default()).encode(Signal::Logs, &bytes).unwrap_err();
    assert_eq!(e.code, "LIMIT_EXCEEDED", "{e}");
}

#[test]
fn the_budget_is_per_request() {
    let mut enc = Encoder::new(EncoderOptions::default());
    let bytes = empty_entries(MAX_NESTED_MESSAGES / 2 + 1);
    // Two requests of more than half the budget each both pass: the count restarts.
    for _ in 0..2 {
        enc.encode(Signal::Logs, &bytes).unwrap();
    }
}
