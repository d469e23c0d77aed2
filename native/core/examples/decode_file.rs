//! Decodes an OTAP stream file (frames of uint32 LE length + BatchArrowRecords bytes, as
//! written by src/otap/stream-file.ts) with one `Decoder` and writes one OTLP protobuf per
//! batch: `<out_dir>/decoded-0000.pb`, ... Prints a JSON summary on stdout:
//! `{"batches":N,"signals":["traces",...],"nanos":T}`. On a decode error it prints
//! `{"error":{"batch":i,"code":..,"table":..,"column":..,"message":..}}` and exits with 1.
//!
//!     cargo run --release --example decode_file -- in.bars out_dir

use std::time::Instant;

use otap_core::json::json_string as json_str;
use otap_core::Decoder;

fn opt(s: &Option<String>) -> String {
    s.as_deref().map_or_else(|| "null".to_string(), json_str)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: decode_file <in.bars> <out_dir>");
        std::process::exit(2);
    }
    let data = std::fs::read(&args[1]).unwrap_or_else(|e| {
        eprintln!("{}: {e}", args[1]);
        std::process::exit(2);
    });
    let out_dir = std::path::Path::new(&args[2]);
    std::fs::create_dir_all(out_dir).unwrap_or_else(|e| {
        eprintln!("{}: {e}", args[2]);
        std::process::exit(2);
    });

    let mut frames = Vec::new();
    let mut pos = 0usize;
    while pos < data.len() {
        let Some(h) = data.get(pos..pos + 4) else {
            eprintln!("truncated frame header at byte {pos}");
            std::process::exit(2);
        };
        let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize;
        let Some(frame) = data.get(pos + 4..pos + 4 + len) else {
            eprintln!("frame at byte {pos} claims {len} bytes");
            std::process::exit(2);
        };
        frames.push(frame);
        pos += 4 + len;
    }

    let mut decoder = Decoder::new();
    let mut signals = Vec::new();
    let mut outputs = Vec::new();
    let t0 = Instant::now();
    for (i, frame) in frames.iter().enumerate() {
        match decoder.decode(frame) {
            Ok(d) => {
                signals.push(d.signal.map_or("null".to_string(), |s| json_str(s.name())));
                outputs.push(d.otlp);
            }
            Err(e) => {
                println!(
                    "{{\"error\":{{\"batch\":{i},\"code\":{},\"table\":{},\"column\":{},\"message\":{}}}}}",
                    json_str(e.code),
                    opt(&e.table),
                    opt(&e.column),
                    json_str(&e.message)
                );
                std::process::exit(1);
            }
        }
    }
    let nanos = t0.elapsed().as_nanos();
    for (i, otlp) in outputs.iter().enumerate() {
        let path = out_dir.join(format!("decoded-{i:04}.pb"));
        std::fs::write(&path, otlp).unwrap_or_else(|e| {
            eprintln!("{}: {e}", path.display());
            std::process::exit(2);
        });
    }
    println!("{{\"batches\":{},\"signals\":[{}],\"nanos\":{nanos}}}", frames.len(), signals.join(","));
}
