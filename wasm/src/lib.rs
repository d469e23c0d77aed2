//! WebAssembly binding of `otap_core` for wasm32-unknown-unknown, loaded by
//! `WebAssembly.instantiate` with no JS glue (src/backend/wasm.ts).
//!
//! Calling convention (all pointers and lengths are u32 offsets into linear memory):
//! - JS copies inputs into memory obtained from `otap_alloc(len)` and releases them with
//!   `otap_free(ptr, len)` after the call; calls never take ownership of their inputs.
//! - Every fallible call returns a pointer to an `OtapResult` (layout below) that JS reads
//!   and then releases with `otap_result_free`. Nothing in it may be used after that.
//! - Encoders and decoders are opaque handles freed with `otap_encoder_free` /
//!   `otap_decoder_free`.
//!
//! `OtapResult`, ten little-endian u32 words:
//!   0 status (0 ok, 1 error)      1 signal (-1 none, 0 traces, 1 logs, 2 metrics)
//!   2 data ptr   3 data len       (ok: the output bytes; error: the UTF-8 message)
//!   4 code ptr   5 code len       (error code, UTF-8; empty when ok)
//!   6 table ptr  7 table len      8 column ptr  9 column len (UTF-8, empty when absent)
//!
//! Built with panic=abort: a panic is a trap. The core never panics on input; should a trap
//! happen anyway, the JS side drops the instance and instantiates a fresh one.

use otap_core::{Decoder, Encoder, EncoderOptions, OtapError, Signal};
use std::alloc::{alloc, dealloc, Layout};

#[repr(C)]
pub struct OtapResult {
    status: u32,
    signal: i32,
    data_ptr: *mut u8,
    data_len: usize,
    code_ptr: *mut u8,
    code_len: usize,
    table_ptr: *mut u8,
    table_len: usize,
    column_ptr: *mut u8,
    column_len: usize,
}

fn leak(bytes: Vec<u8>) -> (*mut u8, usize) {
    let b = bytes.into_boxed_slice();
    let len = b.len();
    (Box::into_raw(b) as *mut u8, len)
}

unsafe fn unleak(ptr: *mut u8, len: usize) {
    if !ptr.is_null() {
        drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)));
    }
}

fn signal_code(s: Option<Signal>) -> i32 {
    match s {
        None => -1,
        Some(Signal::Traces) => 0,
        Some(Signal::Logs) => 1,
        Some(Signal::Metrics) => 2,
    }
}

fn ok(data: Vec<u8>, signal: Option<Signal>) -> *mut OtapResult {
    let (data_ptr, data_len) = leak(data);
    Box::into_raw(Box::new(OtapResult {
        status: 0,
        signal: signal_code(signal),
        data_ptr,
        data_len,
        code_ptr: std::ptr::null_mut(),
        code_len: 0,
        table_ptr: std::ptr::null_mut(),
        table_len: 0,
        column_ptr: std::ptr::null_mut(),
        column_len: 0,
    }))
}

fn err(e: OtapError) -> *mut OtapResult {
    let (data_ptr, data_len) = leak(e.message.into_bytes());
    let (code_ptr, code_len) = leak(e.code.as_bytes().to_vec());
    let (table_ptr, table_len) = leak(e.table.map(String::into_bytes).unwrap_or_default());
    let (column_ptr, column_len) = leak(e.column.map(String::into_bytes).unwrap_or_default());
    Box::into_raw(Box::new(OtapResult {
        status: 1,
        signal: -1,
        data_ptr,
        data_len,
        code_ptr,
        code_len,
        table_ptr,
        table_len,
        column_ptr,
        column_len,
    }))
}

fn bad_argument(message: &str) -> *mut OtapResult {
    err(OtapError { code: "INVALID_ARGUMENT", table: None, column: None, message: message.to_string() })
}

unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || ptr.is_null() {
        &[]
    } else {
        std::slice::from_raw_parts(ptr, len)
    }
}

// ---------------------------------------------------------------------------------------
// Memory

/// Allocates `len` bytes (alignment 8) for JS to write inputs into. 0 on failure.
#[no_mangle]
pub extern "C" fn otap_alloc(len: usize) -> *mut u8 {
    if len == 0 {
        return 8 as *mut u8;
    }
    match Layout::from_size_align(len, 8) {
        Ok(layout) => unsafe { alloc(layout) },
        Err(_) => std::ptr::null_mut(),
    }
}

/// Releases memory from `otap_alloc` (same `len`).
#[no_mangle]
pub unsafe extern "C" fn otap_free(ptr: *mut u8, len: usize) {
    if len == 0 || ptr.is_null() {
        return;
    }
    if let Ok(layout) = Layout::from_size_align(len, 8) {
        dealloc(ptr, layout);
    }
}

#[no_mangle]
pub unsafe extern "C" fn otap_result_free(res: *mut OtapResult) {
    if res.is_null() {
        return;
    }
    let r = Box::from_raw(res);
    unleak(r.data_ptr, r.data_len);
    unleak(r.code_ptr, r.code_len);
    unleak(r.table_ptr, r.table_len);
    unleak(r.column_ptr, r.column_len);
}

// ---------------------------------------------------------------------------------------
// Encoder

/// `has_level` 0: no zstd; otherwise `level` is the zstd level of IPC bodies.
#[no_mangle]
pub extern "C" fn otap_encoder_new(has_level: u32, level: i32, metric_metadata: u32) -> *mut Encoder {
    let options = EncoderOptions { zstd_level: (has_level != 0).then_some(level), metric_metadata: metric_metadata != 0 };
    Box::into_raw(Box::new(Encoder::new(options)))
}

/// `signal`: 0 traces, 1 logs, 2 metrics. Input: OTLP Export*ServiceRequest bytes.
/// Output data: BatchArrowRecords bytes.
#[no_mangle]
pub unsafe extern "C" fn otap_encoder_encode(enc: *mut Encoder, signal: u32, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(enc) = enc.as_mut() else { return bad_argument("null encoder") };
    let signal = match signal {
        0 => Signal::Traces,
        1 => Signal::Logs,
        2 => Signal::Metrics,
        _ => return bad_argument("unknown signal"),
    };
    match enc.encode(signal, input(ptr, len)) {
        Ok(bytes) => ok(bytes, Some(signal)),
        Err(e) => err(e),
    }
}

#[no_mangle]
pub unsafe extern "C" fn otap_encoder_free(enc: *mut Encoder) {
    if !enc.is_null() {
        drop(Box::from_raw(enc));
    }
}

// ---------------------------------------------------------------------------------------
// Decoder

#[no_mangle]
pub extern "C" fn otap_decoder_new() -> *mut Decoder {
    Box::into_raw(Box::new(Decoder::new()))
}

/// Input: BatchArrowRecords bytes. Output data: OTLP request bytes; signal set.
#[no_mangle]
pub unsafe extern "C" fn otap_decoder_decode(dec: *mut Decoder, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(dec) = dec.as_mut() else { return bad_argument("null decoder") };
    match dec.decode(input(ptr, len)) {
        Ok(d) => ok(d.otlp, d.signal),
        Err(e) => err(e),
    }
}

#[no_mangle]
pub unsafe extern "C" fn otap_decoder_free(dec: *mut Decoder) {
    if !dec.is_null() {
        drop(Box::from_raw(dec));
    }
}

// ---------------------------------------------------------------------------------------
// zstd

#[no_mangle]
pub unsafe extern "C" fn otap_zstd_compress(ptr: *const u8, len: usize, level: i32) -> *mut OtapResult {
    match otap_core::zstd_compress(input(ptr, len), level) {
        Ok(bytes) => ok(bytes, None),
        Err(e) => err(e),
    }
}

#[no_mangle]
pub unsafe extern "C" fn otap_zstd_decompress(ptr: *const u8, len: usize, max: usize) -> *mut OtapResult {
    match otap_core::zstd_decompress(input(ptr, len), max) {
        Ok(bytes) => ok(bytes, None),
        Err(e) => err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Tests of the JS side's trap recovery

/// Traps on purpose (panic with panic=abort), so tests can check that the JS side
/// re-instantiates the module and later calls work.
#[no_mangle]
pub extern "C" fn otap_debug_trap() {
    panic!("otap_debug_trap");
}
