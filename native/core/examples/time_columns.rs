//! Dev tool: times the SDK columns path on column buffers dumped from an app (the bytes an
//! ArrowSpanProcessor hands its exporter; src/sdk/columns/FORMAT.md), one Encoder over all
//! files, as a stream. Prints microseconds per span for reading the buffer into the request
//! model, building the tables, and the whole `encode_columns` (read, tables, IPC).
//!
//! usage: R=<rounds> [OUT=<file>] time_columns <columns.bin>...   (traces buffers; the first 5
//! rounds warm up; OUT: the first round's BatchArrowRecords, length-prefixed, to compare builds)

use otap_core::sdk_columns::SdkColumns;
use otap_core::{Encoder, EncoderOptions};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files: Vec<Vec<u8>> = std::env::args().skip(1).map(std::fs::read).collect::<Result<_, _>>()?;
    if files.is_empty() {
        return Err("usage: R=<rounds> time_columns <columns.bin>...".into());
    }
    let rounds: usize = std::env::var("R").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let mut enc = Encoder::new(EncoderOptions::default());
    let (mut read, mut tables, mut whole) = (0f64, 0f64, 0f64);
    let mut spans = 0usize;
    let mut out: Vec<u8> = Vec::new();
    for round in 0..rounds {
        for f in &files {
            let t0 = Instant::now();
            let cols = SdkColumns::parse(f)?;
            let req = cols.traces_request()?;
            let t1 = Instant::now();
            drop(otap_core::encode::traces::traces_tables(&req, None)?);
            let t2 = Instant::now();
            let bar = enc.encode_columns(f)?;
            let t3 = Instant::now();
            if round == 0 {
                out.extend_from_slice(&(bar.len() as u32).to_le_bytes());
                out.extend_from_slice(&bar);
            }
            if round >= 5 {
                read += (t1 - t0).as_secs_f64();
                tables += (t2 - t1).as_secs_f64();
                whole += (t3 - t2).as_secs_f64();
                spans += req.roots.items.len();
            }
        }
    }
    if let Ok(path) = std::env::var("OUT") {
        std::fs::write(path, &out)?;
    }
    let per = |s: f64| s * 1e6 / spans.max(1) as f64;
    println!("read {:.3} us/span, tables {:.3}, full encode_columns {:.3}", per(read), per(tables), per(whole));
    Ok(())
}
