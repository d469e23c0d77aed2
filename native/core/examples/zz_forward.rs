use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;
use otap_core::attributes::{transform_attributes, ApplyTo, AttributeActions};
use otap_core::encode::TablesBuilder;
use otap_core::{Encoder, EncoderOptions, Signal};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args[0].clone();
    let repeat: usize = args[1].parse().unwrap();
    let files: Vec<Vec<u8>> = args[2..].iter().map(|p| std::fs::read(p).unwrap()).collect();
    let mut rename = BTreeMap::new();
    rename.insert("http.request.method".to_string(), "http.method".to_string());
    let actions = AttributeActions { apply_to: ApplyTo { signal: true, resource: false, scope: false }, rename, delete: BTreeSet::new(), insert: BTreeMap::new(), upsert: BTreeMap::new(), update: BTreeMap::new(), hash: BTreeMap::new() };
    let opts = EncoderOptions { zstd_level: std::env::var("ZL").ok().map(|v| v.parse().unwrap()), metric_metadata: true };
    let start = Instant::now();
    let mut out = 0usize;
    let mut t_build = 0f64; let mut t_tr = 0f64; let mut t_enc = 0f64;
    for _ in 0..repeat {
        let mut enc = Encoder::new(opts.clone());
        let mut tb = TablesBuilder::new();
        for f in &files {
            match mode.as_str() {
                "direct" => out += enc.encode(Signal::Logs, f).unwrap().len(),
                "build" => out += tb.build_otlp(Signal::Logs, f, true).unwrap().batches.len(),
                _ => {
                    let a = Instant::now();
                    let t = tb.build_otlp(Signal::Logs, f, true).unwrap();
                    let b = Instant::now();
                    let t2 = if mode == "rename" { transform_attributes(&t, &actions).unwrap() } else { t };
                    let c = Instant::now();
                    out += enc.encode_tables(&t2).unwrap().len();
                    let d = Instant::now();
                    t_build += (b - a).as_secs_f64(); t_tr += (c - b).as_secs_f64(); t_enc += (d - c).as_secs_f64();
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let n = (files.len() * repeat) as f64;
    eprintln!("{mode}: {:.1} us/batch (build {:.1} transform {:.1} encode_tables {:.1}) out {}", secs * 1e6 / n, t_build * 1e6 / n, t_tr * 1e6 / n, t_enc * 1e6 / n, out / repeat);
}
