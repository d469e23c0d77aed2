//! otap-rust-engine-peer drives the Rust engine's OTAP implementation (crate
//! otel-arrow-dfe-pdata) for our interop tests. All inputs and outputs are
//! local files; every subcommand prints a one-line JSON summary on stdout and
//! reports errors on stderr with exit status 1.
//!
//!   decode --signal S --in FILE --out DIR
//!       Consumer: framed BatchArrowRecords -> DIR/decoded-NNNN.pb (OTLP export requests)
//!   encode --signal S --in DIR --out FILE [--no-zstd]
//!       OTLP export requests DIR/otlp-*.pb (name order) -> Producer -> framed BatchArrowRecords
//!
//! Stream files hold one BatchArrowRecords message per batch, each framed as a
//! uint32 little-endian length followed by the bytes.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bytes::Bytes;
use otel_arrow_dfe_pdata::encode::producer::ProducerOptions;
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::BatchArrowRecords;
use otel_arrow_dfe_pdata::{Consumer, OtapArrowRecords, OtlpProtoBytes, Producer, TryFromWithOptions};
use prost::Message;

type Res<T> = Result<T, String>;

#[derive(Clone, Copy)]
enum Signal {
    Traces,
    Logs,
    Metrics,
}

impl Signal {
    fn parse(name: &str) -> Res<Self> {
        match name {
            "traces" => Ok(Self::Traces),
            "logs" => Ok(Self::Logs),
            "metrics" => Ok(Self::Metrics),
            other => Err(format!("unknown signal {other:?} (want traces, logs or metrics)")),
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("decode") => flags(&args[1..]).and_then(|f| decode(&f)),
        Some("encode") => flags(&args[1..]).and_then(|f| encode(&f)),
        Some(other) => Err(format!("unknown subcommand {other:?} (want decode or encode)")),
        None => Err("usage: otap-rust-engine-peer decode|encode [flags]".to_string()),
    };
    match result {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("otap-rust-engine-peer: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--name value` pairs and bare `--switch`es.
fn flags(args: &[String]) -> Res<HashMap<String, String>> {
    let mut out = HashMap::new();
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        let name = a.strip_prefix("--").ok_or_else(|| format!("unexpected argument {a:?}"))?;
        let value = match it.peek() {
            Some(v) if !v.starts_with("--") => it.next().cloned().unwrap_or_default(),
            _ => String::new(),
        };
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

fn required<'a>(f: &'a HashMap<String, String>, name: &str) -> Res<&'a str> {
    f.get(name).map(String::as_str).filter(|v| !v.is_empty()).ok_or_else(|| format!("missing --{name}"))
}

fn read_frames(file: &Path) -> Res<Vec<Vec<u8>>> {
    let buf = fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut frames = Vec::new();
    let mut pos = 0usize;
    while pos < buf.len() {
        let head = buf.get(pos..pos + 4).ok_or_else(|| format!("{}: truncated frame header at byte {pos}", file.display()))?;
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        pos += 4;
        let body = buf
            .get(pos..pos + len)
            .ok_or_else(|| format!("{}: frame {} needs {len} bytes, {} left", file.display(), frames.len(), buf.len() - pos))?;
        frames.push(body.to_vec());
        pos += len;
    }
    Ok(frames)
}

fn decode(f: &HashMap<String, String>) -> Res<String> {
    let signal = Signal::parse(required(f, "signal")?)?;
    let input = PathBuf::from(required(f, "in")?);
    let out = PathBuf::from(required(f, "out")?);
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let frames = read_frames(&input)?;
    let mut consumer = Consumer::default();
    let (mut bar_bytes, mut otlp_bytes) = (0usize, 0usize);
    for (i, frame) in frames.iter().enumerate() {
        bar_bytes += frame.len();
        let mut bar = BatchArrowRecords::decode(frame.as_slice()).map_err(|e| format!("batch {i}: BatchArrowRecords: {e}"))?;
        let otlp = match signal {
            Signal::Traces => consumer.consume_traces_batches(&mut bar).map(|r| r.encode_to_vec()),
            Signal::Logs => consumer.consume_logs_batches(&mut bar).map(|r| r.encode_to_vec()),
            Signal::Metrics => consumer.consume_metrics_batches(&mut bar).map(|r| r.encode_to_vec()),
        }
        .map_err(|e| format!("batch {i}: Consumer: {e}"))?;
        otlp_bytes += otlp.len();
        let name = out.join(format!("decoded-{i:04}.pb"));
        fs::write(&name, &otlp).map_err(|e| format!("{}: {e}", name.display()))?;
    }
    Ok(format!(r#"{{"batches":{},"barBytes":{bar_bytes},"otlpBytes":{otlp_bytes}}}"#, frames.len()))
}

fn encode(f: &HashMap<String, String>) -> Res<String> {
    let signal = Signal::parse(required(f, "signal")?)?;
    let input = PathBuf::from(required(f, "in")?);
    let out = PathBuf::from(required(f, "out")?);
    let mut names: Vec<PathBuf> = fs::read_dir(&input)
        .map_err(|e| format!("{}: {e}", input.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("otlp-") && n.ends_with(".pb")))
        .collect();
    names.sort();
    let options = if f.contains_key("no-zstd") { ProducerOptions { ipc_compression: None } } else { ProducerOptions::default() };
    let mut producer = Producer::new_with_options(options);
    let (mut bar_bytes, mut otlp_bytes) = (0usize, 0usize);
    let mut stream = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let otlp = Bytes::from(fs::read(name).map_err(|e| format!("{}: {e}", name.display()))?);
        otlp_bytes += otlp.len();
        let request = match signal {
            Signal::Traces => OtlpProtoBytes::ExportTracesRequest(otlp),
            Signal::Logs => OtlpProtoBytes::ExportLogsRequest(otlp),
            Signal::Metrics => OtlpProtoBytes::ExportMetricsRequest(otlp),
        };
        let mut records = OtapArrowRecords::try_from_with_default(request).map_err(|e| format!("{}: OTLP to OTAP: {e}", name.display()))?;
        let bar = producer.produce_bar(&mut records).map_err(|e| format!("{}: Producer: {e}", name.display()))?;
        let bytes = bar.encode_to_vec();
        bar_bytes += bytes.len();
        let len = u32::try_from(bytes.len()).map_err(|_| format!("batch {i}: {} bytes do not fit a frame", bytes.len()))?;
        stream.extend_from_slice(&len.to_le_bytes());
        stream.extend_from_slice(&bytes);
    }
    fs::write(&out, &stream).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(format!(r#"{{"batches":{},"barBytes":{bar_bytes},"otlpBytes":{otlp_bytes}}}"#, names.len()))
}
