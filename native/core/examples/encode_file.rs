//! Dev tool: encodes OTLP protobuf files (one Export*ServiceRequest each) through ONE
//! Encoder (one simulated gRPC stream) and writes the BatchArrowRecords as an OTAP stream
//! file (each frame = uint32 LE length + protobuf bytes, like src/otap/stream-file.ts).
//!
//! usage: encode_file <traces|logs|metrics> -o <out.otap> [--zstd <level>] [--metric-metadata] <in.pb>...

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
        _ => return Err("usage: encode_file <traces|logs|metrics> -o <out.otap> [--zstd <level>] [--metric-metadata] <in.pb>...".into()),
    };
    let mut output = None;
    let mut options = EncoderOptions::default();
    let mut inputs = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "-o" => output = args.next(),
            "--zstd" => options.zstd_level = Some(args.next().ok_or("--zstd needs a level")?.parse()?),
            "--metric-metadata" => options.metric_metadata = true,
            _ => inputs.push(a),
        }
    }
    let output = output.ok_or("-o <out.otap> is required")?;
    let mut encoder = Encoder::new(options);
    let mut out = Vec::new();
    for path in &inputs {
        let bytes = std::fs::read(path)?;
        let bar = encoder.encode(signal, &bytes).map_err(|e| format!("{path}: {} ({})", e, e.code))?;
        out.extend_from_slice(&(bar.len() as u32).to_le_bytes());
        out.extend_from_slice(&bar);
    }
    std::fs::File::create(&output)?.write_all(&out)?;
    Ok(())
}
