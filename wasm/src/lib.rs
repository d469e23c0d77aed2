//! WebAssembly binding of `otap_core` for wasm32-unknown-unknown, loaded by
//! `WebAssembly.instantiate` with no JS glue (src/backend/wasm.ts).
//!
//! Calling convention (all pointers and lengths are u32 offsets into linear memory):
//! - JS copies inputs into memory obtained from `otap_alloc(len)` and releases them with
//!   `otap_free(ptr, len)` after the call; calls never take ownership of their inputs.
//! - Every fallible call returns a pointer to an `OtapResult` (layout below) that JS reads
//!   and then releases with `otap_result_free`. Nothing in it may be used after that.
//! - Encoders and decoders are opaque handles freed with `otap_encoder_free` /
//!   `otap_decoder_free`; Parquet writers likewise (`otap_parquet_writer_free`).
//!
//! `OtapResult`, eleven little-endian u32 words:
//!   0 status (0 ok, 1 error)      1 signal (-1 none, 0 traces, 1 logs, 2 metrics)
//!   2 data ptr   3 data len       (ok: the output bytes; error: the UTF-8 message)
//!   4 code ptr   5 code len       (error code, UTF-8; empty when ok)
//!   6 table ptr  7 table len      8 column ptr  9 column len (UTF-8, empty when absent)
//!   10 handle: an ArrowExport (otap_decoder_decode_arrow, otap_tables_export_arrow; freed
//!      by otap_arrow_free) or a DecodedTables (otap_decoder_decode_tables; freed by
//!      otap_tables_free); 0 otherwise
//!
//! Built with panic=abort: a panic is a trap. The core never panics on input; should a trap
//! happen anyway, the JS side drops the instance and instantiates a fresh one.

/// The module's Rust allocations go to talc rather than std's default for wasm32 (dlmalloc):
/// an encode is thousands of small vectors and strings, as on native, where the addon uses
/// mimalloc for the same reason. Single-threaded (the module is built without atomics; each
/// worker has its own instance).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

// Off wasm32 only its tests use it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod mem;

use arrow_array::{Array, StructArray};
use arrow_data::ffi::FFI_ArrowArray;
use arrow_schema::ffi::FFI_ArrowSchema;
use otap_core::sdk_columns::columns_signal;
use otap_core::encode::TablesBuilder;
use otap_core::{DecodedTables, Decoder, EncodeInput, Encoder, EncoderOptions, OtapError, Signal};
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
    /// `ArrowExport` or `DecodedTables` handle (see the module docs), else 0. Not freed with
    /// the result.
    handle: usize,
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
        handle: 0,
    }))
}

fn err(e: OtapError) -> *mut OtapResult {
    let e = e.into_info();
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
        handle: 0,
    }))
}

fn bad_argument(message: &str) -> *mut OtapResult {
    err(OtapError::new("INVALID_ARGUMENT", message))
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
///
/// # Safety
/// `ptr` must come from `otap_alloc(len)` with the same `len` and not be freed twice.
#[no_mangle]
pub unsafe extern "C" fn otap_free(ptr: *mut u8, len: usize) {
    if len == 0 || ptr.is_null() {
        return;
    }
    if let Ok(layout) = Layout::from_size_align(len, 8) {
        dealloc(ptr, layout);
    }
}

/// # Safety
/// `res` must be null or a result returned by this module, freed once.
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

/// The signal of a code (0 traces, 1 logs, 2 metrics).
fn signal_of(code: u32) -> Option<Signal> {
    match code {
        0 => Some(Signal::Traces),
        1 => Some(Signal::Logs),
        2 => Some(Signal::Metrics),
        _ => None,
    }
}

/// `signal`: 0 traces, 1 logs, 2 metrics. Input: OTLP Export*ServiceRequest bytes.
/// Output data: BatchArrowRecords bytes.
///
/// # Safety
/// `enc` must be null or a live encoder from `otap_encoder_new`; `ptr`/`len` must describe readable memory (from `otap_alloc`) or `len` must be 0.
#[no_mangle]
pub unsafe extern "C" fn otap_encoder_encode(enc: *mut Encoder, signal: u32, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(enc) = enc.as_mut() else { return bad_argument("null encoder") };
    let Some(signal) = signal_of(signal) else { return bad_argument("unknown signal") };
    match enc.encode(signal, input(ptr, len)) {
        Ok(bytes) => ok(bytes, Some(signal)),
        Err(e) => err(e),
    }
}

/// As `otap_encoder_encode`, of the request with the attribute editor's renames and deletions
/// applied as it is parsed (`Encoder::encode_edited`).
///
/// # Safety
/// As `otap_encoder_encode`; `a` null or a live handle from `otap_attribute_editor_new`.
#[no_mangle]
pub unsafe extern "C" fn otap_encoder_encode_edited(enc: *mut Encoder, signal: u32, a: *const otap_core::attributes::OtlpKeyEditor, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(enc) = enc.as_mut() else { return bad_argument("null encoder") };
    let Some(a) = a.as_ref() else { return bad_argument("null attribute editor") };
    let Some(signal) = signal_of(signal) else { return bad_argument("unknown signal") };
    match enc.encode_edited(signal, input(ptr, len), a) {
        Ok(bytes) => ok(bytes, Some(signal)),
        Err(e) => err(e),
    }
}

/// Input: an SDK columns buffer (src/sdk/columns/FORMAT.md). Output data: BatchArrowRecords
/// bytes; the result's signal is the buffer's.
///
/// # Safety
/// `enc` must be null or a live encoder from `otap_encoder_new`; `ptr`/`len` must describe readable memory (from `otap_alloc`) or `len` must be 0.
#[no_mangle]
pub unsafe extern "C" fn otap_encoder_encode_columns(enc: *mut Encoder, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(enc) = enc.as_mut() else { return bad_argument("null encoder") };
    let columns = input(ptr, len);
    match enc.encode_columns(columns) {
        Ok(bytes) => ok(bytes, columns_signal(columns).ok()),
        Err(e) => err(e),
    }
}

/// `otap_encoder_encode` (`signal` 0-2) or `otap_encoder_encode_columns` (`signal` 3) as the
/// gRPC message a zstd-compressing client sends (`Encoder::encode_framed` at `level`).
/// Output data: the batch id (i64 LE), the BatchArrowRecords' uncompressed size (u32 LE), its
/// items (u32 LE), then the frame (compressed flag, u32 BE length, zstd frame).
///
/// # Safety
/// As `otap_encoder_encode`.
#[no_mangle]
pub unsafe extern "C" fn otap_encoder_encode_framed(enc: *mut Encoder, signal: u32, ptr: *const u8, len: usize, level: i32) -> *mut OtapResult {
    let Some(enc) = enc.as_mut() else { return bad_argument("null encoder") };
    let data = input(ptr, len);
    let source = match signal {
        3 => EncodeInput::Columns(data),
        code => match signal_of(code) {
            Some(s) => EncodeInput::Otlp(s, data),
            None => return bad_argument("unknown signal"),
        },
    };
    match enc.encode_framed(source, level) {
        Ok(f) => {
            let mut out = Vec::with_capacity(16 + f.frame.len());
            out.extend_from_slice(&f.batch_id.to_le_bytes());
            // A wasm32 BatchArrowRecords is below 4 GiB, so are its items.
            out.extend_from_slice(&(f.bar_bytes as u32).to_le_bytes());
            out.extend_from_slice(&(f.items as u32).to_le_bytes());
            out.extend_from_slice(&f.frame);
            ok(out, None)
        }
        Err(e) => err(e),
    }
}

/// Items (spans, log records, metric data points) of the encoder's last batch; 0 for a null
/// encoder.
///
/// # Safety
/// `enc` must be null or a live encoder from `otap_encoder_new`.
#[no_mangle]
pub unsafe extern "C" fn otap_encoder_last_items(enc: *const Encoder) -> usize {
    enc.as_ref().map_or(0, Encoder::last_item_count)
}

/// Held tables (from `otap_decoder_decode_tables`) out as the encoder's next
/// BatchArrowRecords, without the OTLP conversion. Output data: BatchArrowRecords bytes.
///
/// # Safety
/// `enc` must be null or a live encoder; `t` null or a live handle from `otap_decoder_decode_tables`.
#[no_mangle]
pub unsafe extern "C" fn otap_encoder_encode_tables(enc: *mut Encoder, t: *const DecodedTables) -> *mut OtapResult {
    let Some(enc) = enc.as_mut() else { return bad_argument("null encoder") };
    let Some(t) = t.as_ref() else { return bad_argument("null tables") };
    match enc.encode_tables(t) {
        Ok(bytes) => ok(bytes, Some(t.signal)),
        Err(e) => err(e),
    }
}

/// # Safety
/// `enc` must be null or an encoder from `otap_encoder_new`, freed once and not used after.
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

/// A decoder whose IPC messages (metadata + decompressed body) may not exceed `max` bytes.
#[no_mangle]
pub extern "C" fn otap_decoder_new_limited(max: usize) -> *mut Decoder {
    Box::into_raw(Box::new(Decoder::with_max_message_bytes(max)))
}

/// Bytes of schemas and dictionaries the decoder keeps between batches (0 for null).
///
/// # Safety
/// `dec` must be null or a live decoder from `otap_decoder_new*`.
#[no_mangle]
pub unsafe extern "C" fn otap_decoder_state_bytes(dec: *const Decoder) -> usize {
    dec.as_ref().map_or(0, |d| d.state_bytes())
}

/// Input: BatchArrowRecords bytes. Output data: OTLP request bytes; signal set.
///
/// # Safety
/// `dec` must be null or a live decoder from `otap_decoder_new`; `ptr`/`len` must describe readable memory (from `otap_alloc`) or `len` must be 0.
#[no_mangle]
pub unsafe extern "C" fn otap_decoder_decode(dec: *mut Decoder, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(dec) = dec.as_mut() else { return bad_argument("null decoder") };
    match dec.decode(input(ptr, len)) {
        Ok(d) => ok(d.otlp, d.signal),
        Err(e) => err(e),
    }
}

/// # Safety
/// `dec` must be null or a decoder from `otap_decoder_new`, freed once and not used after.
#[no_mangle]
pub unsafe extern "C" fn otap_decoder_free(dec: *mut Decoder) {
    if !dec.is_null() {
        drop(Box::from_raw(dec));
    }
}

// ---------------------------------------------------------------------------------------
// Arrow C Data Interface export

/// One payload's record batch, as C Data Interface structs (a struct array + its schema).
#[repr(C)]
pub struct ArrowEntry {
    payload_type: i32,
    schema: *mut FFI_ArrowSchema,
    array: *mut FFI_ArrowArray,
}

/// The record batches of one decoded BAR. JS reads `count` and `entries` (two u32 words),
/// builds its views, and calls `otap_arrow_free` when they are no longer used.
#[repr(C)]
pub struct ArrowExport {
    count: usize,
    entries: *mut ArrowEntry,
}

/// Like `otap_decoder_decode`, and also exports the payloads' record batches: on success
/// word 10 of the result is an `ArrowExport` handle (0 when there are no batches), which
/// outlives the result and is released with `otap_arrow_free`.
///
/// # Safety
/// `dec` must be null or a live decoder from `otap_decoder_new`; `ptr`/`len` must describe readable memory (from `otap_alloc`) or `len` must be 0.
#[no_mangle]
pub unsafe extern "C" fn otap_decoder_decode_arrow(dec: *mut Decoder, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(dec) = dec.as_mut() else { return bad_argument("null decoder") };
    let d = match dec.decode(input(ptr, len)) {
        Ok(d) => d,
        Err(e) => return err(e),
    };
    let export = match export_batches(d.batches) {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let res = ok(d.otlp, d.signal);
    (*res).handle = export as usize;
    res
}

/// The batches as C Data Interface structs in an `ArrowExport` (null when there are none).
unsafe fn export_batches(batches: Vec<(i32, arrow_array::RecordBatch)>) -> Result<*mut ArrowExport, OtapError> {
    let mut entries = Vec::with_capacity(batches.len());
    for (payload_type, batch) in batches {
        let schema = match FFI_ArrowSchema::try_from(batch.schema().as_ref()) {
            Ok(s) => s,
            Err(e) => {
                free_entries(entries);
                return Err(OtapError::from(e));
            }
        };
        let data = StructArray::from(batch).into_data();
        entries.push(ArrowEntry {
            payload_type,
            schema: Box::into_raw(Box::new(schema)),
            array: Box::into_raw(Box::new(FFI_ArrowArray::new(&data))),
        });
    }
    if entries.is_empty() {
        return Ok(std::ptr::null_mut());
    }
    let boxed = entries.into_boxed_slice();
    let count = boxed.len();
    Ok(Box::into_raw(Box::new(ArrowExport { count, entries: Box::into_raw(boxed) as *mut ArrowEntry })))
}

// ---------------------------------------------------------------------------------------
// Held tables: one BAR read into its record batches, kept in wasm memory unconverted

/// Reads one BAR into its tables without the OTLP conversion, advancing the stream state as
/// `otap_decoder_decode` does. Ok: signal set and word 10 a `DecodedTables` handle (for
/// signal -1, a batch without payloads, no handle); free it with `otap_tables_free`.
///
/// # Safety
/// `dec` must be null or a live decoder from `otap_decoder_new*`; `ptr`/`len` must describe readable memory (from `otap_alloc`) or `len` must be 0.
#[no_mangle]
pub unsafe extern "C" fn otap_decoder_decode_tables(dec: *mut Decoder, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(dec) = dec.as_mut() else { return bad_argument("null decoder") };
    match dec.decode_tables(input(ptr, len)) {
        Ok(None) => ok(Vec::new(), None),
        Ok(Some(t)) => {
            let res = ok(Vec::new(), Some(t.signal));
            (*res).handle = Box::into_raw(Box::new(t)) as usize;
            res
        }
        Err(e) => err(e),
    }
}

/// Spans / log records / metric data points of held tables (0 for null).
///
/// # Safety
/// `t` must be null or a live handle from `otap_decoder_decode_tables`.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_item_count(t: *const DecodedTables) -> usize {
    t.as_ref().map_or(0, |t| t.item_count())
}

/// Bytes of the held tables' own buffers (0 for null).
///
/// # Safety
/// `t` must be null or a live handle from `otap_decoder_decode_tables`.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_byte_size(t: *const DecodedTables) -> usize {
    t.as_ref().map_or(0, |t| t.byte_size())
}

/// The OTLP request bytes of held tables (the conversion `otap_decoder_decode` does).
///
/// # Safety
/// `t` must be null or a live handle from `otap_decoder_decode_tables`.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_to_otlp(t: *const DecodedTables) -> *mut OtapResult {
    let Some(t) = t.as_ref() else { return bad_argument("null tables") };
    match t.to_otlp() {
        Ok(bytes) => ok(bytes, Some(t.signal)),
        Err(e) => err(e),
    }
}

/// The held tables as an `ArrowExport` in word 10 (freed by `otap_arrow_free`; the tables
/// stay held).
///
/// # Safety
/// `t` must be null or a live handle from `otap_decoder_decode_tables`.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_export_arrow(t: *const DecodedTables) -> *mut OtapResult {
    let Some(t) = t.as_ref() else { return bad_argument("null tables") };
    match export_batches(t.batches.clone()) {
        Ok(export) => {
            let res = ok(Vec::new(), Some(t.signal));
            (*res).handle = export as usize;
            res
        }
        Err(e) => err(e),
    }
}

/// The value of resource attribute `key` (UTF-8 at `ptr`/`len`) for each resource of held
/// tables, as the JSON of `otap_core::route::resource_values_json`.
///
/// # Safety
/// `t` must be null or a live handle of held tables; `ptr`/`len` readable memory or `len` 0.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_resource_values(t: *const DecodedTables, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(t) = t.as_ref() else { return bad_argument("null tables") };
    let Ok(key) = std::str::from_utf8(input(ptr, len)) else { return bad_argument("key is not UTF-8") };
    match otap_core::route::resource_attribute_values(t, key) {
        Ok(v) => ok(otap_core::route::resource_values_json(&v).into_bytes(), Some(t.signal)),
        Err(e) => err(e),
    }
}

/// Result data: the new tables' handles as little-endian u32s (each freed by `otap_tables_free`).
fn table_handles(tables: Vec<DecodedTables>, signal: Signal) -> *mut OtapResult {
    let handles: Vec<u8> = tables.into_iter().flat_map(|t| (Box::into_raw(Box::new(t)) as u32).to_le_bytes()).collect();
    ok(handles, Some(signal))
}

/// Joins `count` held tables (their handles as little-endian u32s at `ptr`) into as few
/// batches as their u16 ids allow; result data: the new handles (see `table_handles`).
///
/// # Safety
/// `ptr` must hold `count` u32 handles of live tables from this module.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_concat(ptr: *const u8, count: usize) -> *mut OtapResult {
    let words = input(ptr, count * 4);
    let mut refs: Vec<&DecodedTables> = Vec::with_capacity(count);
    for w in words.chunks_exact(4) {
        let h = u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize as *const DecodedTables;
        let Some(t) = h.as_ref() else { return bad_argument("null tables") };
        refs.push(t);
    }
    let Some(signal) = refs.first().map(|t| t.signal) else { return ok(Vec::new(), None) };
    match otap_core::concat_tables(&refs) {
        Ok(out) => table_handles(out, signal),
        Err(e) => err(e),
    }
}

/// Cuts held tables into pieces of at most `max` items, the first at most `first_max`;
/// result data: the new handles (see `table_handles`).
///
/// # Safety
/// `t` must be null or a live handle of held tables.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_split(t: *const DecodedTables, first_max: usize, max: usize) -> *mut OtapResult {
    let Some(t) = t.as_ref() else { return bad_argument("null tables") };
    match otap_core::split_tables(t, first_max, max) {
        Ok(out) => table_handles(out, t.signal),
        Err(e) => err(e),
    }
}

/// The first `n` records of held tables with their children; result data: the new handle.
///
/// # Safety
/// `t` must be a live handle from this module.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_head(t: *const DecodedTables, n: usize) -> *mut OtapResult {
    let Some(t) = t.as_ref() else { return bad_argument("null tables") };
    match otap_core::rebatch::head_roots(t, n) {
        Ok(out) => table_handles(vec![out], t.signal),
        Err(e) => err(e),
    }
}

/// A filter's rules and the builder of the tables `otap_filter_otlp` makes.
pub struct FilterHandle {
    spec: otap_core::filter::FilterSpec,
    builder: TablesBuilder,
}

/// Compiles processor:filter's rules (byte form at `ptr`); result data: the filter's handle
/// as a little-endian u32 (freed by `otap_filter_free`).
///
/// # Safety
/// `ptr` must hold `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn otap_filter_new(ptr: *const u8, len: usize) -> *mut OtapResult {
    match otap_core::filter::FilterSpec::parse(input(ptr, len)) {
        Ok(spec) => ok((Box::into_raw(Box::new(FilterHandle { spec, builder: TablesBuilder::new() })) as u32).to_le_bytes().to_vec(), None),
        Err(e) => err(e),
    }
}

/// The tables with only the records the filter keeps; result data: the new handle.
///
/// # Safety
/// `f` and `t` must be live handles from this module.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_filter(t: *const DecodedTables, f: *const FilterHandle) -> *mut OtapResult {
    let (Some(t), Some(f)) = (t.as_ref(), f.as_ref()) else { return bad_argument("null tables or filter") };
    match otap_core::filter::filter_tables(t, &f.spec) {
        Ok(out) => table_handles(vec![out], t.signal),
        Err(e) => err(e),
    }
}

/// The OTAP tables of the OTLP request's records the filter keeps (signal 0 traces, 1 logs,
/// 2 metrics), the rules applied before any table is built, dictionaries continuing the
/// previous call's; result data: the new handle.
///
/// # Safety
/// `f` must be a live handle from `otap_filter_new`; `ptr` must hold `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn otap_filter_otlp(f: *mut FilterHandle, signal: u32, ptr: *const u8, len: usize, metric_metadata: u32) -> *mut OtapResult {
    let Some(f) = f.as_mut() else { return bad_argument("null filter") };
    let Some(signal) = signal_of(signal) else { return bad_argument("unknown signal") };
    match otap_core::filter::filter_otlp(&mut f.builder, signal, input(ptr, len), metric_metadata != 0, &f.spec) {
        Ok(out) => table_handles(vec![out], signal),
        Err(e) => err(e),
    }
}

/// The OTLP request cut down to the records the filter keeps, as OTLP protobuf; result data:
/// those bytes with the request's signal, or no bytes and signal -1 when every record is kept
/// (the request as it came).
///
/// # Safety
/// `f` must be a live handle from `otap_filter_new`; `ptr` must hold `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn otap_filter_keep_otlp(f: *const FilterHandle, signal: u32, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(f) = f.as_ref() else { return bad_argument("null filter") };
    let Some(signal) = signal_of(signal) else { return bad_argument("unknown signal") };
    match otap_core::filter::filter_otlp_request(signal, input(ptr, len), &f.spec) {
        Ok(otap_core::filter::KeptRequest::All) => ok(Vec::new(), None),
        Ok(otap_core::filter::KeptRequest::Some(bytes)) => ok(bytes, Some(signal)),
        Err(e) => err(e),
    }
}

/// # Safety
/// `f` must be null or a handle from `otap_filter_new`, freed once.
#[no_mangle]
pub unsafe extern "C" fn otap_filter_free(f: *mut FilterHandle) {
    if !f.is_null() {
        drop(Box::from_raw(f));
    }
}

/// An OTLP request's OTAP tables (signal 0 traces, 1 logs, 2 metrics), built as the encoder
/// builds them, held without IPC; result data: the new handle (see `table_handles`).
///
/// # Safety
/// `ptr` must hold `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_from_otlp(signal: u32, ptr: *const u8, len: usize, metric_metadata: u32) -> *mut OtapResult {
    let Some(signal) = signal_of(signal) else { return bad_argument("unknown signal") };
    match otap_core::encode::otlp_to_tables(signal, input(ptr, len), metric_metadata != 0) {
        Ok(out) => table_handles(vec![out], signal),
        Err(e) => err(e),
    }
}

/// A `TablesBuilder`: OTLP requests' tables whose dictionaries continue from call to call
/// (freed by `otap_tables_builder_free`).
#[no_mangle]
pub extern "C" fn otap_tables_builder_new() -> *mut TablesBuilder {
    Box::into_raw(Box::new(TablesBuilder::new()))
}

/// The OTLP request's OTAP tables (signal 0 traces, 1 logs, 2 metrics) from the builder;
/// result data: the new handle (see `table_handles`).
///
/// # Safety
/// `b` must be a live handle from `otap_tables_builder_new`; `ptr` must hold `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_builder_build(b: *mut TablesBuilder, signal: u32, ptr: *const u8, len: usize, metric_metadata: u32) -> *mut OtapResult {
    let Some(b) = b.as_mut() else { return bad_argument("null tables builder") };
    let Some(signal) = signal_of(signal) else { return bad_argument("unknown signal") };
    match b.build_otlp(signal, input(ptr, len), metric_metadata != 0) {
        Ok(out) => table_handles(vec![out], signal),
        Err(e) => err(e),
    }
}

/// # Safety
/// `b` must be null or a handle from `otap_tables_builder_new`, freed once.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_builder_free(b: *mut TablesBuilder) {
    if !b.is_null() {
        drop(Box::from_raw(b));
    }
}

/// Compiles processor:attribute's renames and deletions (byte form at `ptr`, see
/// `AttributeActions::parse`) for OTLP bytes; result data: the handle as a little-endian u32
/// (freed by `otap_attribute_editor_free`). Other actions are an error.
///
/// # Safety
/// `ptr` must hold `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn otap_attribute_editor_new(ptr: *const u8, len: usize) -> *mut OtapResult {
    match otap_core::attributes::OtlpKeyEditor::parse(input(ptr, len)) {
        Ok(editor) => ok((Box::into_raw(Box::new(editor)) as u32).to_le_bytes().to_vec(), None),
        Err(e) => err(e),
    }
}

/// The OTLP request (signal 0 traces, 1 logs, 2 metrics) with the editor's actions applied;
/// result data: those bytes with the signal, or no bytes and signal -1 when nothing changes.
///
/// # Safety
/// `a` must be a live handle from `otap_attribute_editor_new`; `ptr` must hold `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn otap_attribute_editor_edit_otlp(a: *const otap_core::attributes::OtlpKeyEditor, signal: u32, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(a) = a.as_ref() else { return bad_argument("null attribute editor") };
    let Some(signal) = signal_of(signal) else { return bad_argument("unknown signal") };
    match a.edit(signal, input(ptr, len)) {
        Ok(None) => ok(Vec::new(), None),
        Ok(Some(bytes)) => ok(bytes, Some(signal)),
        Err(e) => err(e),
    }
}

/// # Safety
/// `a` must be null or a handle from `otap_attribute_editor_new`, freed once.
#[no_mangle]
pub unsafe extern "C" fn otap_attribute_editor_free(a: *mut otap_core::attributes::OtlpKeyEditor) {
    if !a.is_null() {
        drop(Box::from_raw(a));
    }
}

/// Held tables with processor:attribute's actions (their byte form at `ptr`, see
/// `AttributeActions::parse`) applied; result data: the new handle (see `table_handles`).
///
/// # Safety
/// `t` must be a live handle from this module; `ptr` must hold `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_transform_attributes(t: *const DecodedTables, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(t) = t.as_ref() else { return bad_argument("null tables") };
    let result = otap_core::attributes::AttributeActions::parse(input(ptr, len)).and_then(|a| otap_core::attributes::transform_attributes(t, &a));
    match result {
        Ok(out) => table_handles(vec![out], t.signal),
        Err(e) => err(e),
    }
}

/// # Safety
/// `t` must be null or a handle from `otap_decoder_decode_tables`, freed once.
#[no_mangle]
pub unsafe extern "C" fn otap_tables_free(t: *mut DecodedTables) {
    if !t.is_null() {
        drop(Box::from_raw(t));
    }
}

unsafe fn free_entries(entries: Vec<ArrowEntry>) {
    for e in entries {
        // Dropping the FFI structs calls their release callbacks (frees the Arrow buffers).
        drop(Box::from_raw(e.schema));
        drop(Box::from_raw(e.array));
    }
}

/// Releases the record batches of an `ArrowExport`: JS views over them become invalid.
///
/// # Safety
/// `export` must be null or a handle from `otap_decoder_decode_arrow`, freed once; JS views over it are invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn otap_arrow_free(export: *mut ArrowExport) {
    if export.is_null() {
        return;
    }
    let export = Box::from_raw(export);
    let entries = Box::from_raw(std::ptr::slice_from_raw_parts_mut(export.entries, export.count));
    free_entries(entries.into_vec());
}

// ---------------------------------------------------------------------------------------
// Parquet file sets (otap_core::parquet)
//
// Byte layouts (little-endian): a "file list" is entries of [i32 payload type, u32 length,
// bytes]; a "key/value list" entries of [u32 length, key, u32 length, value] (UTF-8).

/// A `ParquetSetWriter`, kept after `finish` so that JS frees every handle the same way.
pub struct ParquetWriterHandle {
    inner: Option<otap_core::parquet::ParquetSetWriter>,
}

fn finished() -> *mut OtapResult {
    bad_argument("ParquetWriter is finished")
}

fn file_list(files: Vec<(i32, Vec<u8>)>) -> Vec<u8> {
    let mut out = Vec::with_capacity(files.iter().map(|(_, b)| b.len() + 8).sum());
    for (t, bytes) in files {
        out.extend(t.to_le_bytes());
        out.extend((bytes.len() as u32).to_le_bytes());
        out.extend(bytes);
    }
    out
}

fn take_u32(data: &mut &[u8]) -> Option<u32> {
    let (head, rest) = data.split_first_chunk::<4>()?;
    *data = rest;
    Some(u32::from_le_bytes(*head))
}

fn take_bytes<'a>(data: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = take_u32(data)? as usize;
    if data.len() < len {
        return None;
    }
    let (head, rest) = data.split_at(len);
    *data = rest;
    Some(head)
}

/// A new file set writer; `meta` is a key/value list (the root file's schema metadata).
/// Result data: the writer's handle as a little-endian u32 (freed by `otap_parquet_writer_free`).
///
/// # Safety
/// `ptr` must hold `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn otap_parquet_writer_new(signal: u32, zstd_level: i32, row_group_rows: usize, ptr: *const u8, len: usize) -> *mut OtapResult {
    let Some(signal) = signal_of(signal) else { return bad_argument("unknown signal") };
    let mut data = input(ptr, len);
    let mut root_metadata = Vec::new();
    while !data.is_empty() {
        let (Some(k), Some(v)) = (take_bytes(&mut data), take_bytes(&mut data)) else { return bad_argument("malformed metadata list") };
        let (Ok(k), Ok(v)) = (std::str::from_utf8(k), std::str::from_utf8(v)) else { return bad_argument("metadata is not UTF-8") };
        root_metadata.push((k.to_string(), v.to_string()));
    }
    let options = otap_core::parquet::ParquetWriteOptions { zstd_level, row_group_rows, root_metadata };
    match otap_core::parquet::ParquetSetWriter::new(signal, options) {
        Ok(w) => ok((Box::into_raw(Box::new(ParquetWriterHandle { inner: Some(w) })) as u32).to_le_bytes().to_vec(), Some(signal)),
        Err(e) => err(e),
    }
}

/// Appends held tables to the set (ID_OVERFLOW: nothing written; finish and start a new set).
///
/// # Safety
/// `w` and `t` must be null or live handles from this module.
#[no_mangle]
pub unsafe extern "C" fn otap_parquet_writer_write(w: *mut ParquetWriterHandle, t: *const DecodedTables) -> *mut OtapResult {
    let (Some(w), Some(t)) = (w.as_mut(), t.as_ref()) else { return bad_argument("null writer or tables") };
    let Some(inner) = w.inner.as_mut() else { return finished() };
    match inner.write(t) {
        Ok(()) => ok(Vec::new(), Some(t.signal)),
        Err(e) => err(e),
    }
}

/// Result data: a file list of the bytes produced since the last call.
///
/// # Safety
/// `w` must be null or a live writer handle.
#[no_mangle]
pub unsafe extern "C" fn otap_parquet_writer_take_output(w: *mut ParquetWriterHandle) -> *mut OtapResult {
    let Some(w) = w.as_mut() else { return bad_argument("null writer") };
    let Some(inner) = w.inner.as_mut() else { return finished() };
    match inner.take_output() {
        Ok(files) => ok(file_list(files), Some(inner.signal())),
        Err(e) => err(e),
    }
}

/// Result data: entries of [i32 payload type, u64 rows] (rows written per payload type).
///
/// # Safety
/// `w` must be null or a live writer handle.
#[no_mangle]
pub unsafe extern "C" fn otap_parquet_writer_rows(w: *const ParquetWriterHandle) -> *mut OtapResult {
    let Some(w) = w.as_ref() else { return bad_argument("null writer") };
    let Some(inner) = w.inner.as_ref() else { return finished() };
    let data: Vec<u8> = inner.rows().into_iter().flat_map(|(t, n)| t.to_le_bytes().into_iter().chain(n.to_le_bytes())).collect();
    ok(data, Some(inner.signal()))
}

/// Bytes held in unfinished row groups and not yet taken output (0 for null or finished).
///
/// # Safety
/// `w` must be null or a live writer handle.
#[no_mangle]
pub unsafe extern "C" fn otap_parquet_writer_buffered_bytes(w: *const ParquetWriterHandle) -> usize {
    w.as_ref().and_then(|w| w.inner.as_ref()).map_or(0, |w| w.buffered_bytes())
}

/// Closes every file; result data: a file list of the remaining bytes. The writer refuses
/// further calls (free it with `otap_parquet_writer_free` as usual).
///
/// # Safety
/// `w` must be null or a live writer handle.
#[no_mangle]
pub unsafe extern "C" fn otap_parquet_writer_finish(w: *mut ParquetWriterHandle) -> *mut OtapResult {
    let Some(w) = w.as_mut() else { return bad_argument("null writer") };
    let Some(inner) = w.inner.take() else { return finished() };
    let signal = inner.signal();
    match inner.finish() {
        Ok(files) => ok(file_list(files), Some(signal)),
        Err(e) => err(e),
    }
}

/// # Safety
/// `w` must be null or a handle from `otap_parquet_writer_new`, freed once.
#[no_mangle]
pub unsafe extern "C" fn otap_parquet_writer_free(w: *mut ParquetWriterHandle) {
    if !w.is_null() {
        drop(Box::from_raw(w));
    }
}

/// Reads a file set (a file list of whole files at `ptr`) back as held tables of at most
/// `max_items` items each; result data: the new handles (see `table_handles`).
///
/// # Safety
/// `ptr` must hold `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn otap_parquet_read_set(signal: u32, ptr: *const u8, len: usize, max_items: usize) -> *mut OtapResult {
    let Some(signal) = signal_of(signal) else { return bad_argument("unknown signal") };
    let mut data = input(ptr, len);
    let mut files: Vec<(i32, &[u8])> = Vec::new();
    while !data.is_empty() {
        let (Some(t), Some(bytes)) = (take_u32(&mut data), take_bytes(&mut data)) else { return bad_argument("malformed file list") };
        files.push((t as i32, bytes));
    }
    match otap_core::parquet::read_parquet_set(signal, &files, max_items) {
        Ok(out) => table_handles(out, signal),
        Err(e) => err(e),
    }
}

/// A whole Parquet file's footer; result data: [u64 rows, u32 row groups] then a key/value
/// list of its metadata (without ARROW:schema).
///
/// # Safety
/// `ptr` must hold `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn otap_parquet_file_info(ptr: *const u8, len: usize) -> *mut OtapResult {
    match otap_core::parquet::parquet_file_info(input(ptr, len)) {
        Ok(info) => {
            let mut data = Vec::new();
            data.extend(info.rows.to_le_bytes());
            data.extend((info.row_groups as u32).to_le_bytes());
            for (k, v) in info.metadata {
                data.extend((k.len() as u32).to_le_bytes());
                data.extend(k.into_bytes());
                data.extend((v.len() as u32).to_le_bytes());
                data.extend(v.into_bytes());
            }
            ok(data, None)
        }
        Err(e) => err(e),
    }
}

// ---------------------------------------------------------------------------------------
// zstd

/// # Safety
/// `ptr`/`len` must describe readable memory (from `otap_alloc`) or `len` must be 0.
#[no_mangle]
pub unsafe extern "C" fn otap_zstd_compress(ptr: *const u8, len: usize, level: i32) -> *mut OtapResult {
    match otap_core::zstd_compress(input(ptr, len), level) {
        Ok(bytes) => ok(bytes, None),
        Err(e) => err(e),
    }
}

/// # Safety
/// `ptr`/`len` must describe readable memory (from `otap_alloc`) or `len` must be 0.
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
