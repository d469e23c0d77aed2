//! Dev tool: encodes OTLP protobuf files (one Export*ServiceRequest each) through ONE
//! Encoder (one simulated gRPC stream) and writes the BatchArrowRecords as an OTAP stream
//! file (each frame = uint32 LE length + protobuf bytes, like src/otap/stream-file.ts).
//!
//! usage: encode_file <traces|logs|metrics> -o <out.otap> [--zstd <level>] [--metric-metadata] [--repeat <n>] <in.pb>...
//!
//! `--repeat n` additionally times n passes over the inputs (a fresh Encoder per pass) and
//! prints the throughput to stderr.

use std::io::Write;

use otap_core::{Encoder, EncoderOptions, Signal};

fn main() {
    if let Err(e) = run() {
        eprintln!("encode_file: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let signal = match args.next().as_deref() {
        Some("traces") => Signal::Traces,
        Some("logs") => Signal::Logs,
        Some("metrics") => Signal::Metrics,
        _ => return Err("usage: encode_file <traces|logs|metrics> -o <out.otap> [--zstd <level>] [--no-metric-metadata] <in.pb>...".into()),
    };
    let mut output = None;
    let mut options = EncoderOptions::default();
    let mut inputs = Vec::new();
    let mut repeat = 0usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "-o" => output = args.next(),
            "--zstd" => options.zstd_level = Some(args.next().ok_or("--zstd needs a level")?.parse()?),
            "--metric-metadata" => options.metric_metadata = true,
            "--no-metric-metadata" => options.metric_metadata = false,
            "--repeat" => repeat = args.next().ok_or("--repeat needs a count")?.parse()?,
            _ => inputs.push(a),
        }
    }
    let output = output.ok_or("-o <out.otap> is required")?;
    let mut encoder = Encoder::new(options.clone());
    let mut out = Vec::new();
    for path in &inputs {
        let bytes = std::fs::read(path)?;
        let bar = encoder.encode(signal, &bytes).map_err(|e| format!("{path}: {} ({})", e, e.code))?;
        out.extend_from_slice(&(bar.len() as u32).to_le_bytes());
        out.extend_from_slice(&bar);
    }
    std::fs::File::create(&output)?.write_all(&out)?;
    if repeat > 0 {
        let files: Vec<Vec<u8>> = inputs.iter().map(std::fs::read).collect::<Result<_, _>>()?;
        let in_bytes: usize = files.iter().map(Vec::len).sum();
        let start = std::time::Instant::now();
        let mut out_bytes = 0usize;
        for _ in 0..repeat {
            let mut encoder = Encoder::new(options.clone());
            for f in &files {
                out_bytes += encoder.encode(signal, f).map_err(|e| e.to_string())?.len();
            }
        }
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "{} batches x {repeat}: {:.3} ms/pass, {:.1} MB/s OTLP in, ratio {:.2}",
            files.len(),
            secs * 1000.0 / repeat as f64,
            (in_bytes * repeat) as f64 / secs / 1e6,
            (out_bytes as f64) / (in_bytes * repeat) as f64
        );
    }
    Ok(())
}
