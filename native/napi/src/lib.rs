//! Node-API binding of `otap_core`: classes `Encoder` and `Decoder` holding the core
//! objects, plus zstd helpers. Only conversion happens here (JS values <-> Rust values,
//! `OtapError` -> JS `Error` with `code`, `table` and `column` properties).
//!
//! Ownership: input buffers are borrowed for the duration of one call (no copy); output
//! buffers are Rust `Vec<u8>`s handed to V8 as external Buffers, freed by V8's GC.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use otap_core::{Decoder as CoreDecoder, Encoder as CoreEncoder, EncoderOptions, OtapError, Signal};

/// Throws a JS Error built from a core error and returns the "pending exception" marker
/// that tells napi-rs the exception is already set.
fn throw(env: &Env, e: OtapError) -> Error {
    // The message stays bare: `table`/`column` are properties (the JS side prefixes them,
    // as OtelArrowError does).
    let message = e.message.clone();
    let built = (|| -> Result<Object<'_>> {
        let mut obj = env.create_error(Error::new(Status::GenericFailure, message.clone()))?;
        obj.set("code", e.code)?;
        if let Some(t) = e.table.as_deref() {
            obj.set("table", t)?;
        }
        if let Some(c) = e.column.as_deref() {
            obj.set("column", c)?;
        }
        Ok(obj)
    })();
    match built.and_then(|obj| env.throw(obj)) {
        Ok(()) => Error::from_status(Status::PendingException),
        // Could not build the object: fall back to napi-rs's own error (code = status).
        Err(_) => Error::new(Status::GenericFailure, message),
    }
}

fn closed(what: &str) -> Error {
    Error::new(Status::GenericFailure, format!("{what} is closed"))
}

fn parse_signal(s: &str) -> Result<Signal> {
    match s {
        "traces" => Ok(Signal::Traces),
        "logs" => Ok(Signal::Logs),
        "metrics" => Ok(Signal::Metrics),
        _ => Err(Error::new(Status::InvalidArg, format!("unknown signal {s:?} (expected traces, logs or metrics)"))),
    }
}

fn signal_name(s: Signal) -> &'static str {
    match s {
        Signal::Traces => "traces",
        Signal::Logs => "logs",
        Signal::Metrics => "metrics",
    }
}

#[napi(object)]
pub struct EncoderConfig {
    pub zstd_level: Option<i32>,
    pub metric_metadata: Option<bool>,
}

/// OTLP request bytes -> BatchArrowRecords bytes, with one gRPC stream's state.
#[napi(js_name = "Encoder")]
pub struct JsEncoder {
    inner: Option<CoreEncoder>,
}

#[napi]
impl JsEncoder {
    #[napi(constructor)]
    pub fn new(options: Option<EncoderConfig>) -> Self {
        let (zstd_level, metric_metadata) = match options {
            Some(o) => (o.zstd_level, o.metric_metadata.unwrap_or(false)),
            None => (None, false),
        };
        JsEncoder { inner: Some(CoreEncoder::new(EncoderOptions { zstd_level, metric_metadata })) }
    }

    #[napi]
    pub fn encode(&mut self, env: Env, signal: String, otlp: &[u8]) -> Result<Buffer> {
        let signal = parse_signal(&signal)?;
        let enc = self.inner.as_mut().ok_or_else(|| closed("Encoder"))?;
        match enc.encode(signal, otlp) {
            Ok(bytes) => Ok(Buffer::from(bytes)),
            Err(e) => Err(throw(&env, e)),
        }
    }

    /// Drops the core encoder now instead of at garbage collection.
    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
    }
}

#[napi(object)]
pub struct DecodeResult {
    /// "traces" | "logs" | "metrics", absent for a batch without payloads.
    pub signal: Option<String>,
    /// OTLP Export*ServiceRequest protobuf bytes.
    pub otlp: Buffer,
}

/// BatchArrowRecords bytes -> OTLP request bytes, with one gRPC stream's state.
#[napi(js_name = "Decoder")]
pub struct JsDecoder {
    inner: Option<CoreDecoder>,
}

#[napi]
impl JsDecoder {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        JsDecoder { inner: Some(CoreDecoder::new()) }
    }

    #[napi]
    pub fn decode(&mut self, env: Env, bar: &[u8]) -> Result<DecodeResult> {
        let dec = self.inner.as_mut().ok_or_else(|| closed("Decoder"))?;
        match dec.decode(bar) {
            Ok(d) => Ok(DecodeResult { signal: d.signal.map(|s| signal_name(s).to_string()), otlp: Buffer::from(d.otlp) }),
            Err(e) => Err(throw(&env, e)),
        }
    }

    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
    }
}

#[napi]
pub fn zstd_compress(env: Env, data: &[u8], level: Option<i32>) -> Result<Buffer> {
    otap_core::zstd_compress(data, level.unwrap_or(3)).map(Buffer::from).map_err(|e| throw(&env, e))
}

/// `max_size` caps the decompressed size (default 256 MiB).
#[napi]
pub fn zstd_decompress(env: Env, data: &[u8], max_size: Option<f64>) -> Result<Buffer> {
    let max = max_size.map(|m| m.max(0.0) as usize).unwrap_or(256 << 20);
    otap_core::zstd_decompress(data, max).map(Buffer::from).map_err(|e| throw(&env, e))
}

/// The binding's version, to check that the loaded .node matches the package.
#[napi]
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
