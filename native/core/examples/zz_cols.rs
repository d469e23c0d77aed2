use otap_core::sdk_columns::SdkColumns;
use otap_core::{Encoder, EncoderOptions};
use std::time::Instant;
fn main() {
    let files: Vec<Vec<u8>> = std::env::args().skip(1).map(|p| std::fs::read(p).unwrap()).collect();
    let rounds: usize = std::env::var("R").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let mut enc = Encoder::new(EncoderOptions::default());
    let (mut tp, mut tt, mut te) = (0f64, 0f64, 0f64);
    let mut spans = 0usize;
    for r in 0..rounds {
        for f in &files {
            let t0 = Instant::now();
            let cols = SdkColumns::parse(f).unwrap();
            let req = cols.traces_request().unwrap();
            let t1 = Instant::now();
            let tables = otap_core::encode::traces::traces_tables(&req, None).unwrap();
            let t2 = Instant::now();
            drop(tables);
            let _ = enc.encode_columns(f).unwrap();
            let t3 = Instant::now();
            if r > 5 { tp += (t1 - t0).as_secs_f64(); tt += (t2 - t1).as_secs_f64(); te += (t3 - t2).as_secs_f64(); spans += 512; }
        }
    }
    println!("parse {:.3} us/span, tables {:.3}, full encode_columns {:.3}", tp * 1e6 / spans as f64, tt * 1e6 / spans as f64, te * 1e6 / spans as f64);
}
