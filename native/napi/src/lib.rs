//! Node-API binding of `otap_core`: classes `Encoder` and `Decoder` holding the core
//! objects, plus zstd helpers. Only conversion happens here (JS values <-> Rust values,
//! `OtapError` -> JS `Error` with `code`, `table` and `column` properties).
//!
//! Ownership: input buffers are borrowed for the duration of one call (no copy); output
//! bytes are copied into V8-owned Buffers when small, handed over as external Buffers (freed
//! by a Rust finalizer at GC) when large ([`JsBytes`]).

use arrow_array::{Array as _, RecordBatch, StructArray};
use arrow_buffer::{bit_util, Buffer as ArrowBuffer, MutableBuffer};
use arrow_data::ArrayData;
use arrow_schema::ffi::FFI_ArrowSchema;
use arrow_schema::DataType;
use napi::bindgen_prelude::*;
use napi::JsDeferred;
use std::collections::HashSet;
use std::sync::{mpsc, Arc, Mutex};
use napi_derive::napi;
use otap_core::{DecodedTables, Decoder as CoreDecoder, EncodeInput, Encoder as CoreEncoder, EncoderOptions, OtapError, Signal};

/// The addon's Rust allocations (tables, dictionaries, IPC and OTLP buffers) go to mimalloc: a
/// batch is thousands of small vectors and strings, and glibc's malloc, realloc and free took
/// about a quarter of a 10-record batch's encode and decode (perf). Every buffer handed to
/// JavaScript is freed by a Rust finalizer, so it returns to the allocator that gave it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A JS Error built from a core error: the bare message, with `code`, `table` and `column`
/// properties (the JS side prefixes table and column, as OtelArrowError does).
fn error_object<'e>(env: &'e Env, e: &OtapError) -> Result<Object<'e>> {
    let mut obj = env.create_error(Error::new(Status::GenericFailure, e.message.clone()))?;
    obj.set("code", e.code)?;
    if let Some(t) = e.table.as_deref() {
        obj.set("table", t)?;
    }
    if let Some(c) = e.column.as_deref() {
        obj.set("column", c)?;
    }
    Ok(obj)
}

/// Throws [`error_object`] and returns the "pending exception" marker that tells napi-rs the
/// exception is already set.
fn throw(env: &Env, e: OtapError) -> Error {
    match error_object(env, &e).and_then(|obj| env.throw(obj)) {
        Ok(()) => Error::from_status(Status::PendingException),
        // Could not build the object: fall back to napi-rs's own error (code = status).
        Err(_) => Error::new(Status::GenericFailure, e.message.clone()),
    }
}

/// Output bytes for JavaScript. An external Buffer costs V8 a backing store with a deleter,
/// external-memory accounting and a finalizer pass at GC: about 10-25 us per Buffer (perf,
/// Node 22), more than copying tens of KiB. Up to [`COPY_MAX_BYTES`] the bytes are copied
/// into a V8-owned Buffer instead; larger ones are handed over without a copy.
pub struct JsBytes(Vec<u8>);

const COPY_MAX_BYTES: usize = 256 << 10;

impl TypeName for JsBytes {
    fn type_name() -> &'static str {
        "Buffer"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for JsBytes {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
        let bytes = val.0;
        if bytes.is_empty() || bytes.len() > COPY_MAX_BYTES {
            return unsafe { Buffer::to_napi_value(env, Buffer::from(bytes)) };
        }
        unsafe { v8_copy(env, &bytes) }
    }
}

/// Output bytes for JavaScript in V8's own memory, whatever their size: for bytes made from
/// remote input (decompressed messages). V8 collects garbage when it allocates ArrayBuffers,
/// but not for external Buffers, which it only learns about: a burst of requests that each
/// decompress to megabytes, all handled in one turn of the event loop, held every one of
/// them until the next collection (120 x 16 MiB zstd bombs: 2 GB). Copied, the Rust bytes
/// are freed at once and the copy is V8's to collect as it allocates.
pub struct V8Bytes(Vec<u8>);

impl TypeName for V8Bytes {
    fn type_name() -> &'static str {
        "Buffer"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for V8Bytes {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
        unsafe { v8_copy(env, &val.0) }
    }
}

/// A V8-owned Buffer holding a copy of `bytes`.
unsafe fn v8_copy(env: napi::sys::napi_env, bytes: &[u8]) -> Result<napi::sys::napi_value> {
    let mut out = std::ptr::null_mut();
    let status = unsafe { napi::sys::napi_create_buffer_copy(env, bytes.len(), bytes.as_ptr().cast(), std::ptr::null_mut(), &mut out) };
    if status != napi::sys::Status::napi_ok {
        return Err(Error::new(Status::GenericFailure, format!("could not create a Buffer of {} bytes (napi status {status})", bytes.len())));
    }
    Ok(out)
}

fn closed(what: &str) -> Error {
    Error::new(Status::GenericFailure, format!("{what} is closed"))
}

/// `f()`, or an error when it panics: a panic unwinding out of a Node-API call aborts the
/// process, and the input may be a remote peer's. The caller drops the state `f` worked on.
fn unwind_safe<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        Error::new(Status::GenericFailure, format!("the {what} panicked ({msg}) and is closed: create a new one. This is a bug: please report it with the input"))
    })
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

/// OTLP request bytes -> BatchArrowRecords bytes, with one gRPC stream's state. The core
/// encoder sits behind a mutex so that `encodeAsync` can run it on the encoder's own thread;
/// the JS side does not mix sync calls with async ones still outstanding (its dictionaries
/// make the calls ordered), so the lock is not contended there.
#[napi(js_name = "Encoder")]
pub struct JsEncoder {
    inner: Arc<Mutex<Option<CoreEncoder>>>,
    /// The encoder thread's queue, started by the first `encodeAsync`.
    thread: Option<mpsc::Sender<EncodeJob>>,
    closed: bool,
}

type Settle = Box<dyn FnOnce(Env) -> Result<Encoded> + Send>;

/// What an async encode settles with: the BatchArrowRecords bytes; (`encodeCountedAsync`)
/// them with their items as `{ bar, items }`; or (`encodeFramedAsync`) them as a
/// zstd-compressed gRPC message with the batch id and the uncompressed size, as
/// `{ frame, batchId, barBytes, items }`.
enum Encoded {
    Bytes(Vec<u8>),
    Counted { bar: Vec<u8>, items: f64 },
    Framed { frame: Vec<u8>, batch_id: i64, bar_bytes: f64, items: f64 },
    Held(JsHeldBar),
}

/// What the caller of an async encode asked to be answered with (see `Encoded`).
#[derive(Clone, Copy)]
enum Reply {
    Bytes,
    Counted,
    /// The gRPC message, compressed at this zstd level.
    Framed(i32),
    /// The bytes kept in Rust memory (`HeldBar`).
    Held,
}

impl ToNapiValue for Encoded {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
        let check = |status: napi::sys::napi_status, what: &str| {
            if status == napi::sys::Status::napi_ok {
                Ok(())
            } else {
                Err(Error::new(Status::GenericFailure, format!("could not build the encode result ({what}: napi status {status})")))
            }
        };
        let set_number = |obj: napi::sys::napi_value, name: &std::ffi::CStr, value: f64| {
            let mut n = std::ptr::null_mut();
            let what = name.to_str().unwrap_or("number");
            check(unsafe { napi::sys::napi_create_double(env, value, &mut n) }, what)?;
            check(unsafe { napi::sys::napi_set_named_property(env, obj, name.as_ptr(), n) }, what)
        };
        let mut obj = std::ptr::null_mut();
        match val {
            Encoded::Bytes(bytes) => unsafe { JsBytes::to_napi_value(env, JsBytes(bytes)) },
            Encoded::Counted { bar, items } => {
                check(unsafe { napi::sys::napi_create_object(env, &mut obj) }, "object")?;
                let bar = unsafe { JsBytes::to_napi_value(env, JsBytes(bar))? };
                check(unsafe { napi::sys::napi_set_named_property(env, obj, c"bar".as_ptr(), bar) }, "bar")?;
                set_number(obj, c"items", items)?;
                Ok(obj)
            }
            Encoded::Held(held) => unsafe { JsHeldBar::to_napi_value(env, held) },
            Encoded::Framed { frame, batch_id, bar_bytes, items } => {
                check(unsafe { napi::sys::napi_create_object(env, &mut obj) }, "object")?;
                let frame = unsafe { JsBytes::to_napi_value(env, JsBytes(frame))? };
                check(unsafe { napi::sys::napi_set_named_property(env, obj, c"frame".as_ptr(), frame) }, "frame")?;
                let mut id = std::ptr::null_mut();
                check(unsafe { napi::sys::napi_create_bigint_int64(env, batch_id, &mut id) }, "batchId")?;
                check(unsafe { napi::sys::napi_set_named_property(env, obj, c"batchId".as_ptr(), id) }, "batchId")?;
                set_number(obj, c"barBytes", bar_bytes)?;
                set_number(obj, c"items", items)?;
                Ok(obj)
            }
        }
    }
}

/// What an async call encodes: OTLP request bytes of a signal, or an SDK columns buffer.
enum JobKind {
    Otlp(Signal),
    Columns,
    /// Tests: panics on the encoder thread (`debugPanicAsync`).
    DebugPanic,
}

/// One `encodeAsync` / `encodeColumnsAsync` call: its input, copied (a JS buffer may not be
/// read off the JS thread without holding a reference there; the copy costs about 1% of an
/// encode), and the promise to settle.
struct EncodeJob {
    kind: JobKind,
    input: Vec<u8>,
    reply: Reply,
    deferred: JsDeferred<Encoded, Settle>,
}

/// A signal's OTLP request, or (None) an SDK columns buffer.
fn job_kind(signal: Option<String>) -> Result<JobKind> {
    Ok(match signal {
        Some(s) => JobKind::Otlp(parse_signal(&s)?),
        None => JobKind::Columns,
    })
}

/// Runs one job on the core encoder (the encoder thread holds the lock).
fn run_job(enc: &mut CoreEncoder, kind: &JobKind, input: &[u8], reply: Reply) -> std::result::Result<Encoded, OtapError> {
    let input = match *kind {
        JobKind::Otlp(signal) => EncodeInput::Otlp(signal, input),
        JobKind::Columns => EncodeInput::Columns(input),
        JobKind::DebugPanic => panic!("debugPanicAsync"),
    };
    Ok(match reply {
        Reply::Bytes => Encoded::Bytes(enc.encode_input(input)?),
        Reply::Counted => {
            let bar = enc.encode_input(input)?;
            Encoded::Counted { bar, items: enc.last_item_count() as f64 }
        }
        Reply::Held => {
            let b = enc.encode_reported(input)?;
            Encoded::Held(JsHeldBar { bar_bytes: b.bar.len() as f64, bar: Some(b.bar), batch_id: b.batch_id, items: b.items as f64 })
        }
        Reply::Framed(level) => {
            let f = enc.encode_framed(input, level)?;
            Encoded::Framed { frame: f.frame, batch_id: f.batch_id, bar_bytes: f.bar_bytes as f64, items: f.items as f64 }
        }
    })
}

impl JsEncoder {
    fn with<T>(&self, env: &Env, f: impl FnOnce(&mut CoreEncoder) -> std::result::Result<T, OtapError>) -> Result<T> {
        if self.closed {
            return Err(closed("Encoder"));
        }
        let mut guard = self.inner.lock().map_err(|_| poisoned())?;
        let enc = guard.as_mut().ok_or_else(|| closed("Encoder"))?;
        let run = unwind_safe("Encoder", || f(enc));
        if run.is_err() {
            *guard = None;
        }
        run?.map_err(|e| throw(env, e))
    }

    /// Encodes the jobs in the order they were queued, settling each promise on the JS thread;
    /// ends, dropping the core encoder, when the encoder is closed or collected (its sender
    /// dropped).
    fn spawn_thread(inner: Arc<Mutex<Option<CoreEncoder>>>) -> Result<mpsc::Sender<EncodeJob>> {
        let (tx, rx) = mpsc::channel::<EncodeJob>();
        std::thread::Builder::new()
            .name("otap-encoder".into())
            .spawn(move || {
                for job in rx {
                    // None: the encoder is gone (closed, or poisoned by a panic).
                    let result = inner.lock().ok().and_then(|mut guard| {
                        let enc = guard.as_mut()?;
                        let run = unwind_safe("Encoder", || run_job(enc, &job.kind, &job.input, job.reply));
                        if run.is_err() {
                            *guard = None; // its state is whatever the panic left
                        }
                        Some(run)
                    });
                    drop(job.input);
                    job.deferred.resolve(Box::new(move |env| match result {
                        Some(Ok(Ok(encoded))) => Ok(encoded),
                        // Rejects with the same Error object (code, table, column) the sync call throws.
                        Some(Ok(Err(e))) => Err(Error::from(error_object(&env, &e)?.into_unknown(&env)?)),
                        Some(Err(panicked)) => Err(panicked),
                        None => Err(closed("Encoder")),
                    }));
                }
                if let Ok(mut guard) = inner.lock() {
                    *guard = None;
                }
            })
            .map_err(|e| Error::new(Status::GenericFailure, format!("could not start the encoder thread: {e}")))?;
        Ok(tx)
    }

    /// Queues one job on the encoder thread (started on first use); the promise it settles.
    fn queue<'e>(&mut self, env: &'e Env, kind: JobKind, input: &[u8], reply: Reply) -> Result<Object<'e>> {
        // No lock here: the encoder thread holds it for whole encodes.
        if self.closed {
            return Err(closed("Encoder"));
        }
        if self.thread.is_none() {
            self.thread = Some(Self::spawn_thread(Arc::clone(&self.inner))?);
        }
        let (deferred, promise) = env.create_deferred::<Encoded, Settle>()?;
        let job = EncodeJob { kind, input: input.to_vec(), reply, deferred };
        if let Err(mpsc::SendError(job)) = self.thread.as_ref().expect("started above").send(job) {
            job.deferred.reject(Error::new(Status::GenericFailure, "the encoder thread has stopped"));
        }
        Ok(promise)
    }
}

fn poisoned() -> Error {
    Error::new(Status::GenericFailure, "Encoder is unusable: an earlier call panicked; create a new one")
}

#[napi]
impl JsEncoder {
    #[napi(constructor)]
    pub fn new(options: Option<EncoderConfig>) -> Self {
        let (zstd_level, metric_metadata) = match options {
            Some(o) => (o.zstd_level, o.metric_metadata.unwrap_or(true)),
            None => (None, true),
        };
        let enc = CoreEncoder::new(EncoderOptions { zstd_level, metric_metadata });
        JsEncoder { inner: Arc::new(Mutex::new(Some(enc))), thread: None, closed: false }
    }

    #[napi]
    pub fn encode(&self, env: Env, signal: String, otlp: &[u8]) -> Result<JsBytes> {
        let signal = parse_signal(&signal)?;
        self.with(&env, |enc| enc.encode(signal, otlp)).map(JsBytes)
    }

    /// `encode` on the encoder's own thread: the promise settles with the same bytes (or
    /// rejects with the same error). Calls queue there and run in the order made, so a stream
    /// can have several batches in the encoder while JavaScript does other work.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn encode_async<'e>(&mut self, env: &'e Env, signal: String, otlp: &[u8]) -> Result<Object<'e>> {
        let signal = parse_signal(&signal)?;
        self.queue(env, JobKind::Otlp(signal), otlp, Reply::Bytes)
    }

    /// `encodeAsync` (a signal) or `encodeColumnsAsync` (null) settling with `{ bar, items }`:
    /// the BatchArrowRecords bytes and its items (spans, log records, metric data points), so
    /// that the caller need not count them. Queued with the other async calls.
    #[napi(ts_return_type = "Promise<{ bar: Buffer; items: number }>")]
    pub fn encode_counted_async<'e>(&mut self, env: &'e Env, signal: Option<String>, input: &[u8]) -> Result<Object<'e>> {
        let kind = job_kind(signal)?;
        self.queue(env, kind, input, Reply::Counted)
    }

    /// `encodeAsync` (a signal) or `encodeColumnsAsync` (null) for a gRPC stream with zstd
    /// message compression: settles with `{ frame, batchId, barBytes, items }`, the
    /// BatchArrowRecords compressed at `level` and framed as a gRPC message on the encoder
    /// thread, its batch id, its size before compression and its items (spans, log records,
    /// metric data points). Queued with the other async calls.
    #[napi(ts_return_type = "Promise<{ frame: Buffer; batchId: bigint; barBytes: number; items: number }>")]
    pub fn encode_framed_async<'e>(&mut self, env: &'e Env, signal: Option<String>, input: &[u8], level: i32) -> Result<Object<'e>> {
        let kind = job_kind(signal)?;
        self.queue(env, kind, input, Reply::Framed(level))
    }

    /// `encodeAsync` (a signal) or `encodeColumnsAsync` (null) settling with a `HeldBar`: the
    /// BatchArrowRecords kept in Rust memory with its batch id, size and items, for a caller
    /// that compresses it into a gRPC message itself (see `HeldBar.zstdGrpcMessage`). Queued
    /// with the other async calls.
    #[napi(ts_return_type = "Promise<HeldBar>")]
    pub fn encode_held_async<'e>(&mut self, env: &'e Env, signal: Option<String>, input: &[u8]) -> Result<Object<'e>> {
        let kind = job_kind(signal)?;
        self.queue(env, kind, input, Reply::Held)
    }

    /// `encode` of the request with the editor's renames and deletions applied as it is
    /// parsed (one pass; the same bytes as encoding `editor.editOtlp`'s output).
    #[napi]
    pub fn encode_edited(&self, env: Env, signal: String, otlp: &[u8], editor: &JsAttributeEditor) -> Result<JsBytes> {
        let signal = parse_signal(&signal)?;
        self.with(&env, |enc| enc.encode_edited(signal, otlp, &editor.inner)).map(JsBytes)
    }

    /// An SDK columns buffer (src/sdk/columns/FORMAT.md) -> BatchArrowRecords bytes; the
    /// signal is the buffer's.
    #[napi]
    pub fn encode_columns(&self, env: Env, columns: &[u8]) -> Result<JsBytes> {
        self.with(&env, |enc| enc.encode_columns(columns)).map(JsBytes)
    }

    /// `encodeColumns` on the encoder's thread, queued with the `encodeAsync` calls.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn encode_columns_async<'e>(&mut self, env: &'e Env, columns: &[u8]) -> Result<Object<'e>> {
        self.queue(env, JobKind::Columns, columns, Reply::Bytes)
    }

    /// Received tables (a `Tables` from a Decoder) -> BatchArrowRecords bytes, without the
    /// OTLP conversion.
    #[napi]
    pub fn encode_tables(&self, env: Env, tables: &JsTables) -> Result<JsBytes> {
        self.with(&env, |enc| enc.encode_tables(&tables.inner)).map(JsBytes)
    }

    /// Tests only: panics inside the encoder, which must come out as an error that closes it.
    #[napi]
    pub fn debug_panic(&self, env: Env) -> Result<()> {
        self.with(&env, |_| -> std::result::Result<(), OtapError> { panic!("debugPanic") })
    }

    /// Tests only: a job that panics on the encoder thread: its promise rejects, the encoder
    /// closes, and the jobs behind it reject as closed.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn debug_panic_async<'e>(&mut self, env: &'e Env) -> Result<Object<'e>> {
        self.queue(env, JobKind::DebugPanic, &[], Reply::Bytes)
    }

    /// Drops the core encoder now instead of at garbage collection (its thread drops it
    /// after the `encodeAsync` calls still queued, so this never waits for an encode).
    #[napi]
    pub fn close(&mut self) {
        self.closed = true;
        if self.thread.take().is_none() {
            if let Ok(mut guard) = self.inner.lock() {
                *guard = None;
            }
        }
    }
}

/// A BatchArrowRecords an encoder made and keeps in Rust memory (`encodeHeldAsync`): the
/// caller that compresses it on its own thread frames it straight from there, so the bytes
/// never become a V8 buffer of their own (64 KB per batch of 512 metric points, external
/// memory that only a major GC reclaims). Used once: by `zstdGrpcMessage` or `take`.
#[napi(js_name = "HeldBar")]
pub struct JsHeldBar {
    bar: Option<Vec<u8>>,
    batch_id: i64,
    bar_bytes: f64,
    items: f64,
}

#[napi]
impl JsHeldBar {
    #[napi(getter)]
    pub fn batch_id(&self) -> BigInt {
        BigInt::from(self.batch_id)
    }

    /// Size of the BatchArrowRecords.
    #[napi(getter)]
    pub fn bar_bytes(&self) -> f64 {
        self.bar_bytes
    }

    /// Spans, log records or metric data points.
    #[napi(getter)]
    pub fn items(&self) -> f64 {
        self.items
    }

    /// The bytes as a zstd-compressed gRPC message at `level` (as `zstdGrpcMessage`); frees them.
    #[napi]
    pub fn zstd_grpc_message(&mut self, env: Env, level: i32) -> Result<JsBytes> {
        let bar = self.bar.take().ok_or_else(used)?;
        otap_core::grpc_zstd_message(&bar, level).map(JsBytes).map_err(|e| throw(&env, e))
    }

    /// The bytes themselves.
    #[napi]
    pub fn take(&mut self) -> Result<JsBytes> {
        self.bar.take().map(JsBytes).ok_or_else(used)
    }
}

fn used() -> Error {
    Error::new(Status::GenericFailure, "HeldBar was already used")
}

#[napi(object, object_from_js = false)]
pub struct DecodeResult {
    /// "traces" | "logs" | "metrics", absent for a batch without payloads.
    pub signal: Option<String>,
    /// OTLP Export*ServiceRequest protobuf bytes.
    pub otlp: JsBytes,
}

#[napi(object)]
pub struct DecoderConfig {
    pub max_message_bytes: Option<f64>,
}

/// BatchArrowRecords bytes -> OTLP request bytes, with one gRPC stream's state.
#[napi(js_name = "Decoder")]
pub struct JsDecoder {
    inner: Option<CoreDecoder>,
}

#[napi]
impl JsDecoder {
    /// `maxMessageBytes`: largest IPC message (metadata + decompressed body) per payload.
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new(options: Option<DecoderConfig>) -> Self {
        let dec = match options.and_then(|o| o.max_message_bytes) {
            Some(max) if max > 0.0 => CoreDecoder::with_max_message_bytes(max.min(usize::MAX as f64) as usize),
            _ => CoreDecoder::new(),
        };
        JsDecoder { inner: Some(dec) }
    }

    /// Bytes of schemas and dictionaries the stream keeps between batches.
    #[napi]
    pub fn state_bytes(&self) -> f64 {
        self.inner.as_ref().map_or(0, |d| d.state_bytes()) as f64
    }

    #[napi]
    pub fn decode(&mut self, env: Env, bar: &[u8]) -> Result<DecodeResult> {
        match self.guarded(|dec| dec.decode(bar))? {
            Ok(d) => Ok(DecodeResult { signal: d.signal.map(|s| signal_name(s).to_string()), otlp: JsBytes(d.otlp) }),
            Err(e) => Err(throw(&env, e)),
        }
    }

    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
    }

    /// Tests only: panics inside the decoder, which must come out as an error that closes it.
    #[napi]
    pub fn debug_panic(&mut self) -> Result<()> {
        self.guarded(|_| panic!("debugPanic"))
    }
}

impl JsDecoder {
    /// `f` on the core decoder, which a panic drops (see `unwind_safe`).
    fn guarded<T>(&mut self, f: impl FnOnce(&mut CoreDecoder) -> T) -> Result<T> {
        let dec = self.inner.as_mut().ok_or_else(|| closed("Decoder"))?;
        let run = unwind_safe("Decoder", || f(dec));
        if run.is_err() {
            self.inner = None;
        }
        run
    }
}

// ---------------------------------------------------------------------------------------
// Arrow record batches without serialising: every Arrow buffer becomes an external
// ArrayBuffer over Rust memory whose finalizer drops its reference to the buffer (an
// `arrow_buffer::Buffer` clone), so the memory lives exactly as long as JS can reach it.
// V8 must never see two live external ArrayBuffers over the same address: addresses in
// use are tracked, and a buffer whose address is already exported is copied instead.

static LIVE_EXTERNALS: Mutex<Option<HashSet<usize>>> = Mutex::new(None);

fn live_insert(addr: usize) -> bool {
    let mut g = LIVE_EXTERNALS.lock().unwrap_or_else(|e| e.into_inner());
    g.get_or_insert_with(HashSet::new).insert(addr)
}

fn live_remove(addr: usize) {
    let mut g = LIVE_EXTERNALS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(set) = g.as_mut() {
        set.remove(&addr);
    }
}

fn export_buffer<'e>(env: &'e Env, buf: &ArrowBuffer) -> Result<ArrayBuffer<'e>> {
    let len = buf.len();
    if len == 0 {
        return ArrayBuffer::from_data(env, Vec::<u8>::new());
    }
    let addr = buf.as_ptr() as usize;
    if !live_insert(addr) {
        return ArrayBuffer::copy_from(env, buf.as_slice());
    }
    let keep = buf.clone();
    // SAFETY: `keep` owns a reference to the memory at `addr..addr+len`, which Arrow never
    // mutates; it is dropped by the finalizer, after V8 stops using the memory.
    unsafe {
        ArrayBuffer::from_external(env, addr as *mut u8, len, keep, move |_env, keep: ArrowBuffer| {
            live_remove(addr);
            drop(keep);
        })
    }
}

/// The validity bitmap of `data`, with bit 0 at element `data.offset()` (as the JS side
/// applies one offset to every buffer); None when there are no nulls.
fn validity(data: &ArrayData) -> Option<ArrowBuffer> {
    let nulls = data.nulls()?;
    if nulls.null_count() == 0 {
        return None;
    }
    if nulls.offset() == data.offset() {
        return Some(nulls.buffer().clone());
    }
    let mut bits = MutableBuffer::from_len_zeroed(bit_util::ceil(data.offset() + data.len(), 8));
    for i in 0..data.len() {
        if nulls.is_valid(i) {
            bit_util::set_bit(bits.as_slice_mut(), data.offset() + i);
        }
    }
    Some(bits.into())
}

/// C Data Interface format string of a (non-dictionary) type, e.g. "u", "tsn:UTC", "+s".
fn format_of(dt: &DataType) -> Result<String> {
    FFI_ArrowSchema::try_from(dt)
        .map(|s| s.format().to_string())
        .map_err(|e| Error::new(Status::GenericFailure, format!("unsupported Arrow type {dt}: {e}")))
}

/// `{ name, nullable, format, length, offset, nullCount, buffers, children, dictionary? }`
/// with buffers in C Data Interface order (validity first; null when absent).
fn export_array<'e>(env: &'e Env, name: &str, nullable: bool, data: &ArrayData) -> Result<Object<'e>> {
    let mut obj = Object::new(env)?;
    obj.set("name", name)?;
    obj.set("nullable", nullable)?;
    obj.set("length", data.len() as f64)?;
    obj.set("offset", data.offset() as f64)?;
    obj.set("nullCount", data.null_count() as f64)?;
    let mut buffers = env.create_array(0)?;
    match validity(data) {
        Some(v) => buffers.insert(export_buffer(env, &v)?)?,
        None => buffers.insert(Null)?,
    }
    for b in data.buffers() {
        buffers.insert(export_buffer(env, b)?)?;
    }
    obj.set("buffers", buffers)?;
    let mut children = env.create_array(0)?;
    match data.data_type() {
        DataType::Dictionary(key, value) => {
            obj.set("format", format_of(key)?)?;
            let values = data.child_data().first().ok_or_else(|| Error::new(Status::GenericFailure, "dictionary array without values"))?;
            let _ = value;
            obj.set("dictionary", export_array(env, "", true, values)?)?;
        }
        DataType::Struct(fields) => {
            obj.set("format", "+s")?;
            for (f, child) in fields.iter().zip(data.child_data()) {
                children.insert(export_array(env, f.name(), f.is_nullable(), child)?)?;
            }
        }
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) | DataType::Map(f, _) => {
            obj.set("format", format_of(data.data_type())?)?;
            if let Some(child) = data.child_data().first() {
                children.insert(export_array(env, f.name(), f.is_nullable(), child)?)?;
            }
        }
        dt => obj.set("format", format_of(dt)?)?,
    }
    obj.set("children", children)?;
    Ok(obj)
}

#[napi]
impl JsDecoder {
    /// Like `decode`, plus `batches: [{ payloadType, batch }]` where `batch` describes the
    /// record batch as a struct array (see `export_array`) over external ArrayBuffers.
    #[napi(ts_return_type = "{ signal?: string; otlp: Buffer; batches: { payloadType: number; batch: unknown }[] }")]
    pub fn decode_arrow<'e>(&mut self, env: &'e Env, bar: &[u8]) -> Result<Object<'e>> {
        let d = match self.guarded(|dec| dec.decode(bar))? {
            Ok(d) => d,
            Err(e) => return Err(throw(env, e)),
        };
        let mut out = Object::new(env)?;
        if let Some(s) = d.signal {
            out.set("signal", signal_name(s))?;
        }
        out.set("otlp", JsBytes(d.otlp))?;
        out.set("batches", export_batches(env, d.batches)?)?;
        Ok(out)
    }

    /// Reads one BAR into Rust-owned tables without converting them to OTLP (null for a
    /// batch without payloads); see `Tables`.
    #[napi]
    pub fn decode_tables(&mut self, env: Env, bar: &[u8]) -> Result<Option<JsTables>> {
        match self.guarded(|dec| dec.decode_tables(bar))? {
            Ok(Some(inner)) => Ok(Some(JsTables::hold(&env, inner)?)),
            Ok(None) => Ok(None),
            Err(e) => Err(throw(&env, e)),
        }
    }
}

/// `[{ payloadType, batch }]`, each batch a struct array description (see `export_array`).
fn export_batches<'e>(env: &'e Env, batches: Vec<(i32, RecordBatch)>) -> Result<Array<'e>> {
    let mut out = env.create_array(0)?;
    for (payload_type, batch) in batches {
        let data = StructArray::from(batch).into_data();
        let mut entry = Object::new(env)?;
        entry.set("payloadType", payload_type)?;
        entry.set("batch", export_array(env, "", false, &data)?)?;
        out.insert(entry)?;
    }
    Ok(out)
}

/// One received batch as Rust-owned OTAP tables: counted and sized without conversion,
/// turned into OTLP bytes or Arrow views on request. Freed when JS drops it.
#[napi(js_name = "Tables", custom_finalize)]
pub struct JsTables {
    inner: DecodedTables,
    /// Bytes reported to V8 with `adjust_external_memory`.
    external: i64,
}

impl ObjectFinalize for JsTables {
    fn finalize(self, env: Env) -> Result<()> {
        env.adjust_external_memory(-self.external)?;
        Ok(())
    }
}

impl JsTables {
    /// Tells V8 what the handle keeps alive, so that its GC (which frees the tables) runs as
    /// often as for memory it allocated itself; undone in `finalize`.
    fn hold(env: &Env, inner: DecodedTables) -> Result<JsTables> {
        let external = inner.byte_size() as i64;
        env.adjust_external_memory(external)?;
        Ok(JsTables { inner, external })
    }
}

/// Held tables of one signal joined into as few batches as their u16 ids allow, in order,
/// without the OTLP conversion (processor:batch).
#[napi(ts_args_type = "tables: Tables[]")]
pub fn concat_tables(env: Env, tables: Vec<ClassInstance<JsTables>>) -> Result<Vec<JsTables>> {
    let refs: Vec<&DecodedTables> = tables.iter().map(|t| &t.inner).collect();
    let out = otap_core::concat_tables(&refs).map_err(|e| throw(&env, e))?;
    out.into_iter().map(|t| JsTables::hold(&env, t)).collect()
}

/// Held tables cut into pieces of at most `max` items, the first at most `firstMax` (a metric
/// is never cut), without the OTLP conversion.
#[napi]
pub fn split_tables(env: Env, tables: &JsTables, first_max: u32, max: u32) -> Result<Vec<JsTables>> {
    let out = otap_core::split_tables(&tables.inner, first_max as usize, max as usize).map_err(|e| throw(&env, e))?;
    out.into_iter().map(|t| JsTables::hold(&env, t)).collect()
}

/// The first `n` records (root rows) of held tables with their child rows, without the OTLP
/// conversion (what a sampler keeps).
#[napi]
pub fn head_tables(env: Env, tables: &JsTables, n: u32) -> Result<JsTables> {
    let out = otap_core::rebatch::head_roots(&tables.inner, n as usize).map_err(|e| throw(&env, e))?;
    JsTables::hold(&env, out)
}

/// processor:filter's rules for one signal, compiled once (regular expressions included).
#[napi(js_name = "Filter")]
pub struct JsFilter {
    spec: otap_core::filter::FilterSpec,
    /// Dictionaries of the tables `apply_otlp` builds, kept across calls.
    builder: otap_core::encode::TablesBuilder,
}

#[napi]
impl JsFilter {
    /// `spec`: the byte form `FilterSpec::parse` reads; throws on an invalid rule.
    #[napi(constructor)]
    pub fn new(env: Env, spec: &[u8]) -> Result<JsFilter> {
        Ok(JsFilter { spec: otap_core::filter::FilterSpec::parse(spec).map_err(|e| throw(&env, e))?, builder: Default::default() })
    }

    /// The tables with only the records the rules keep (possibly none).
    #[napi]
    pub fn apply(&self, env: Env, tables: &JsTables) -> Result<JsTables> {
        let out = otap_core::filter::filter_tables(&tables.inner, &self.spec).map_err(|e| throw(&env, e))?;
        JsTables::hold(&env, out)
    }

    /// The OTAP tables of an OTLP request's records the rules keep, the rules applied to the
    /// parsed request before any table is built (what `apply(tablesFromOtlp(..))` gives), with
    /// dictionaries that continue the previous call's.
    #[napi]
    pub fn apply_otlp(&mut self, env: Env, signal: String, otlp: &[u8], metric_metadata: bool) -> Result<JsTables> {
        let out = otap_core::filter::filter_otlp(&mut self.builder, parse_signal(&signal)?, otlp, metric_metadata, &self.spec).map_err(|e| throw(&env, e))?;
        JsTables::hold(&env, out)
    }

    /// The OTLP request cut down to the records the rules keep, as OTLP protobuf: null when
    /// every record is kept (the request as it came), no records when none is.
    #[napi]
    pub fn keep_otlp(&self, env: Env, signal: String, otlp: &[u8]) -> Result<Option<JsBytes>> {
        match otap_core::filter::filter_otlp_request(parse_signal(&signal)?, otlp, &self.spec).map_err(|e| throw(&env, e))? {
            otap_core::filter::KeptRequest::All => Ok(None),
            otap_core::filter::KeptRequest::Some(bytes) => Ok(Some(JsBytes(bytes))),
        }
    }
}

/// An OTLP request's OTAP tables, built as the encoder builds them (fresh dictionaries) and
/// held without IPC: how an OTLP batch enters a processor that works on tables.
#[napi]
pub fn tables_from_otlp(env: Env, signal: String, otlp: &[u8], metric_metadata: bool) -> Result<JsTables> {
    let out = otap_core::encode::otlp_to_tables(parse_signal(&signal)?, otlp, metric_metadata).map_err(|e| throw(&env, e))?;
    JsTables::hold(&env, out)
}

/// OTLP requests' OTAP tables whose dictionaries continue from call to call
/// (`otap_core::encode::TablesBuilder`): forwarded, they cost deltas.
#[napi(js_name = "TablesBuilder")]
pub struct JsTablesBuilder {
    inner: otap_core::encode::TablesBuilder,
}

#[napi]
impl JsTablesBuilder {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> JsTablesBuilder {
        JsTablesBuilder { inner: Default::default() }
    }

    #[napi]
    pub fn build(&mut self, env: Env, signal: String, otlp: &[u8], metric_metadata: bool) -> Result<JsTables> {
        let out = self.inner.build_otlp(parse_signal(&signal)?, otlp, metric_metadata).map_err(|e| throw(&env, e))?;
        JsTables::hold(&env, out)
    }
}

/// processor:attribute's renames and deletions, compiled once, for OTLP requests' bytes
/// (`otap_core::attributes::OtlpKeyEditor`).
#[napi(js_name = "AttributeEditor")]
pub struct JsAttributeEditor {
    inner: otap_core::attributes::OtlpKeyEditor,
}

#[napi]
impl JsAttributeEditor {
    /// `actions`: the byte form `AttributeActions::parse` reads; throws on actions other than
    /// rename and delete.
    #[napi(constructor)]
    pub fn new(env: Env, actions: &[u8]) -> Result<JsAttributeEditor> {
        Ok(JsAttributeEditor { inner: otap_core::attributes::OtlpKeyEditor::parse(actions).map_err(|e| throw(&env, e))? })
    }

    /// The request with the actions applied, as OTLP protobuf; null when they change nothing.
    #[napi]
    pub fn edit_otlp(&self, env: Env, signal: String, otlp: &[u8]) -> Result<Option<JsBytes>> {
        let out = self.inner.edit(parse_signal(&signal)?, otlp).map_err(|e| throw(&env, e))?;
        Ok(out.map(JsBytes))
    }
}

/// Held tables with processor:attribute's actions applied to their attribute tables
/// (`actions`: the byte form `otap_core::attributes::AttributeActions::parse` reads).
#[napi]
pub fn transform_attributes(env: Env, tables: &JsTables, actions: &[u8]) -> Result<JsTables> {
    let actions = otap_core::attributes::AttributeActions::parse(actions).map_err(|e| throw(&env, e))?;
    let out = otap_core::attributes::transform_attributes(&tables.inner, &actions).map_err(|e| throw(&env, e))?;
    JsTables::hold(&env, out)
}

#[napi]
impl JsTables {
    /// Frees the tables now instead of at garbage collection (the JS wrapper refuses later
    /// calls); Arrow views already exported keep their own buffers.
    #[napi]
    pub fn release(&mut self, env: Env) -> Result<()> {
        self.inner.batches = Vec::new();
        env.adjust_external_memory(-self.external)?;
        self.external = 0;
        Ok(())
    }

    #[napi(getter)]
    pub fn signal(&self) -> &'static str {
        signal_name(self.inner.signal)
    }

    #[napi]
    pub fn item_count(&self) -> f64 {
        self.inner.item_count() as f64
    }

    #[napi]
    pub fn byte_size(&self) -> f64 {
        self.inner.byte_size() as f64
    }

    #[napi]
    pub fn to_otlp(&self, env: Env) -> Result<JsBytes> {
        self.inner.to_otlp().map(JsBytes).map_err(|e| throw(&env, e))
    }

    /// JSON array, one entry per resource: the string value of its first attribute `key`,
    /// null when it has none, false when the value is not a string (content_router).
    #[napi]
    pub fn resource_attribute_values(&self, env: Env, key: String) -> Result<String> {
        otap_core::route::resource_attribute_values(&self.inner, &key)
            .map(|v| otap_core::route::resource_values_json(&v))
            .map_err(|e| throw(&env, e))
    }

    #[napi(ts_return_type = "{ payloadType: number; batch: unknown }[]")]
    pub fn export_arrow<'e>(&self, env: &'e Env) -> Result<Array<'e>> {
        export_batches(env, self.inner.batches.clone())
    }
}

// ---------------------------------------------------------------------------------------
// Parquet file sets (otap_core::parquet): one file per payload type, bytes handed to JS

#[napi(object)]
pub struct ParquetWriterConfig {
    /// zstd level of the column chunks (default 3).
    pub zstd_level: Option<i32>,
    /// Rows per row group (default 131072).
    pub row_group_rows: Option<f64>,
    /// Schema-level metadata of the root table's file (e.g. `_part_id`).
    pub root_metadata: Option<std::collections::HashMap<String, String>>,
}

/// Bytes of one payload type's file.
#[napi(object)]
pub struct ParquetBytes {
    pub payload_type: i32,
    pub bytes: Buffer,
}

#[napi(object)]
pub struct ParquetRows {
    pub payload_type: i32,
    pub rows: f64,
}

/// One file set of a signal written incrementally (`otap_core::parquet::ParquetSetWriter`).
#[napi(js_name = "ParquetWriter")]
pub struct JsParquetWriter {
    inner: Option<otap_core::parquet::ParquetSetWriter>,
}

fn finished() -> Error {
    Error::new(Status::GenericFailure, "ParquetWriter is finished")
}

fn parquet_bytes(out: Vec<(i32, Vec<u8>)>) -> Vec<ParquetBytes> {
    out.into_iter().map(|(payload_type, bytes)| ParquetBytes { payload_type, bytes: Buffer::from(bytes) }).collect()
}

#[napi]
impl JsParquetWriter {
    #[napi(constructor)]
    pub fn new(env: Env, signal: String, options: Option<ParquetWriterConfig>) -> Result<Self> {
        let signal = parse_signal(&signal)?;
        let mut o = otap_core::parquet::ParquetWriteOptions::default();
        if let Some(c) = options {
            if let Some(level) = c.zstd_level {
                o.zstd_level = level;
            }
            if let Some(rows) = c.row_group_rows {
                o.row_group_rows = rows.clamp(0.0, usize::MAX as f64) as usize;
            }
            o.root_metadata = c.root_metadata.unwrap_or_default().into_iter().collect();
        }
        let inner = otap_core::parquet::ParquetSetWriter::new(signal, o).map_err(|e| throw(&env, e))?;
        Ok(JsParquetWriter { inner: Some(inner) })
    }

    /// Appends held tables (of this addon) to the set; throws ID_OVERFLOW when the set's ids
    /// are used up (nothing written: finish this set, write to a new one).
    #[napi]
    pub fn write(&mut self, env: Env, tables: &JsTables) -> Result<()> {
        let w = self.inner.as_mut().ok_or_else(finished)?;
        w.write(&tables.inner).map_err(|e| throw(&env, e))
    }

    /// The bytes produced since the last call, per payload type.
    #[napi]
    pub fn take_output(&mut self, env: Env) -> Result<Vec<ParquetBytes>> {
        let w = self.inner.as_mut().ok_or_else(finished)?;
        w.take_output().map(parquet_bytes).map_err(|e| throw(&env, e))
    }

    #[napi]
    pub fn rows(&self) -> Result<Vec<ParquetRows>> {
        let w = self.inner.as_ref().ok_or_else(finished)?;
        Ok(w.rows().into_iter().map(|(payload_type, rows)| ParquetRows { payload_type, rows: rows as f64 }).collect())
    }

    #[napi]
    pub fn buffered_bytes(&self) -> Result<f64> {
        let w = self.inner.as_ref().ok_or_else(finished)?;
        Ok(w.buffered_bytes() as f64)
    }

    /// Closes every file; the remaining bytes per payload type. The writer is unusable after.
    #[napi]
    pub fn finish(&mut self, env: Env) -> Result<Vec<ParquetBytes>> {
        let w = self.inner.take().ok_or_else(finished)?;
        w.finish().map(parquet_bytes).map_err(|e| throw(&env, e))
    }
}

/// A file set (whole files by payload type) read back as held tables of at most `maxItems`
/// items each.
#[napi(ts_args_type = "signal: string, files: { payloadType: number; bytes: Uint8Array }[], maxItems: number")]
pub fn read_parquet_set(env: Env, signal: String, files: Vec<ParquetBytes>, max_items: f64) -> Result<Vec<JsTables>> {
    let signal = parse_signal(&signal)?;
    let list: Vec<(i32, &[u8])> = files.iter().map(|f| (f.payload_type, f.bytes.as_ref())).collect();
    let max = max_items.clamp(1.0, u32::MAX as f64) as usize;
    let out = otap_core::parquet::read_parquet_set(signal, &list, max).map_err(|e| throw(&env, e))?;
    out.into_iter().map(|t| JsTables::hold(&env, t)).collect()
}

#[napi(object)]
pub struct ParquetInfo {
    pub rows: f64,
    pub row_groups: u32,
    /// The footer's key/value metadata (without ARROW:schema), in file order.
    pub metadata: Vec<Vec<String>>,
}

/// Rows, row groups and key/value metadata of one whole Parquet file (its footer only).
#[napi(ts_return_type = "{ rows: number; rowGroups: number; metadata: [string, string][] }")]
pub fn parquet_file_info(env: Env, bytes: &[u8]) -> Result<ParquetInfo> {
    let info = otap_core::parquet::parquet_file_info(bytes).map_err(|e| throw(&env, e))?;
    Ok(ParquetInfo { rows: info.rows as f64, row_groups: info.row_groups as u32, metadata: info.metadata.into_iter().map(|(k, v)| vec![k, v]).collect() })
}

#[napi]
pub fn zstd_compress(env: Env, data: &[u8], level: Option<i32>) -> Result<JsBytes> {
    otap_core::zstd_compress(data, level.unwrap_or(3)).map(JsBytes).map_err(|e| throw(&env, e))
}

/// `data` as a zstd-compressed gRPC message: flag 1, the frame's u32 big-endian length, one
/// zstd frame at `level`; made in one buffer rather than compressed, then copied behind a
/// prefix.
#[napi]
pub fn zstd_grpc_message(env: Env, data: &[u8], level: i32) -> Result<JsBytes> {
    otap_core::grpc_zstd_message(data, level).map(JsBytes).map_err(|e| throw(&env, e))
}

/// `max_size` caps the decompressed size (default 256 MiB). The result is in V8's memory
/// ([`V8Bytes`]): its callers decompress remote input.
#[napi]
pub fn zstd_decompress(env: Env, data: &[u8], max_size: Option<f64>) -> Result<V8Bytes> {
    let max = max_size.map(|m| m.max(0.0) as usize).unwrap_or(256 << 20);
    otap_core::zstd_decompress(data, max).map(V8Bytes).map_err(|e| throw(&env, e))
}

/// Decompresses `data` into `out`: the decompressed length, or -1 when it does not fit.
#[napi]
pub fn zstd_decompress_into(env: Env, data: &[u8], mut out: Buffer) -> Result<i64> {
    match otap_core::zstd_decompress_into(data, &mut out) {
        Ok(Some(n)) => Ok(n as i64),
        Ok(None) => Ok(-1),
        Err(e) => Err(throw(&env, e)),
    }
}

/// The binding's version, to check that the loaded .node matches the package.
#[napi]
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Returns free memory to the OS: the addon's own (mimalloc's `mi_collect`) and the C
/// library's (glibc `malloc_trim`: glibc keeps what Node's threads freed in their arenas,
/// which after start-up is megabytes an idle process never reuses). False where the C
/// library has no such call.
#[napi]
pub fn release_free_memory() -> bool {
    // SAFETY: mi_collect only frees what the allocator no longer uses.
    unsafe { libmimalloc_sys::mi_collect(true) };
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only returns free memory to the OS; it takes the arenas' locks.
        unsafe { libc::malloc_trim(0) };
        true
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
