//! Corrupt input never panics the Decoder: truncated and bit-flipped BARs, and BARs whose
//! Arrow IPC records are truncated, bit-flipped or have 32-bit words overwritten with
//! extreme values (forged lengths, offsets, counts), fed after a valid stream prefix so that
//! the corruption meets a live IPC stream with schemas and dictionaries. Every decode runs
//! under `catch_unwind`, and a panic hook counts panics that something might catch inside.

mod decode_support;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

use decode_support::stream;
use otap_core::bar::BatchArrowRecords;
use otap_core::{Decoder, Signal};
use prost::Message;

static PANICS: AtomicUsize = AtomicUsize::new(0);

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Decodes `prefix` (must succeed) then `bad` with the same Decoder; Ok(true) if `bad` was
/// rejected, Ok(false) if accepted, Err if anything panicked.
fn try_decode(prefix: &[Vec<u8>], bad: &[u8]) -> Result<bool, String> {
    let r = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut dec = Decoder::new();
        for p in prefix {
            dec.decode(p).expect("valid prefix decodes");
        }
        dec.decode(bad).is_err()
    }));
    r.map_err(|e| {
        e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
    })
}

fn fuzz(signal: Signal, zstd: bool, seed: u64) {
    let bars: Vec<Vec<u8>> = stream(signal, 4, 4, zstd).into_iter().map(|(_, b)| b).collect();
    let mut rng = Rng(seed);
    let mut rejected = 0usize;
    let mut total = 0usize;
    let mut check = |prefix: &[Vec<u8>], bad: &[u8], must_fail: bool, what: &str| {
        total += 1;
        match try_decode(prefix, bad) {
            Ok(true) => rejected += 1,
            Ok(false) => assert!(!must_fail, "{signal:?} zstd={zstd}: {what} was accepted"),
            Err(msg) => panic!("{signal:?} zstd={zstd}: {what} panicked: {msg}"),
        }
    };
    for j in 0..bars.len() {
        let (prefix, bar) = (&bars[..j], &bars[j]);
        // BAR truncations (a cut inside a payload's record is always an error; a cut at a
        // field boundary may leave a valid, shorter BAR).
        for _ in 0..40 {
            let cut = rng.below(bar.len());
            check(prefix, &bar[..cut], false, &format!("BAR {j} cut at {cut}"));
        }
        // BAR bit flips.
        for _ in 0..60 {
            let mut b = bar.clone();
            let k = rng.below(b.len());
            b[k] ^= 1 << rng.below(8);
            check(prefix, &b, false, &format!("BAR {j} bit flip at {k}"));
        }
        // IPC record corruption inside a well-formed BAR.
        let parsed = BatchArrowRecords::decode(&bar[..]).expect("valid BAR");
        for _ in 0..120 {
            let mut m = parsed.clone();
            let p = rng.below(m.arrow_payloads.len());
            let rec = &mut m.arrow_payloads[p].record;
            if rec.is_empty() {
                continue;
            }
            let kind = rng.below(3);
            let what = match kind {
                0 => {
                    let cut = rng.below(rec.len());
                    rec.truncate(cut);
                    format!("BAR {j} payload {p} record cut at {cut}")
                }
                1 => {
                    for _ in 0..1 + rng.below(3) {
                        let k = rng.below(rec.len());
                        rec[k] ^= 1 << rng.below(8);
                    }
                    format!("BAR {j} payload {p} record bit flips")
                }
                _ => {
                    let k = rng.below(rec.len().saturating_sub(4)) & !3;
                    let word: u32 = [0xffff_ffff, 0x7fff_ffff, 0x8000_0000, 0x0001_0000, 0xffff_fff0][rng.below(5)];
                    let end = (k + 4).min(rec.len());
                    rec[k..end].copy_from_slice(&word.to_le_bytes()[..end - k]);
                    format!("BAR {j} payload {p} record word {k} = {word:#x}")
                }
            };
            check(prefix, &m.encode_to_vec(), kind == 0, &what);
        }
    }
    assert!(rejected > total / 4, "{signal:?} zstd={zstd}: only {rejected} of {total} corruptions were rejected");
}

#[test]
fn corrupt_input_never_panics() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
    // OTAP_FUZZ_ROUNDS=n runs n rounds with different seeds (default 1).
    let rounds: usize = std::env::var("OTAP_FUZZ_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..rounds {
        for signal in [Signal::Logs, Signal::Traces, Signal::Metrics] {
            for zstd in [false, true] {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                fuzz(signal, zstd, seed | 1);
            }
        }
    }
    let _ = panic::take_hook();
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a panic happened (and was caught somewhere)");
}

#[test]
fn garbage_is_rejected_with_codes() {
    let mut dec = Decoder::new();
    let e = dec.decode(&[0xff, 0xff, 0xff]).unwrap_err();
    assert_eq!(e.code, "MALFORMED_PROTOBUF");
}
