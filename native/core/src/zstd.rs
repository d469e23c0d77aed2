//! Whole-buffer zstd helpers: gRPC message compression, and the Arrow IPC body buffers
//! compressed (ipc_body_zstd.rs) and decompressed (ipc_reader.rs) here rather than by arrow-ipc.
//!
//! Both keep one zstd context per thread: creating a context allocates and clears about
//! 100-200 KiB, which cost more than compressing a small gRPC message itself.

use std::cell::RefCell;

use zstd::zstd_safe::{self, DCtx, InBuffer, OutBuffer, ResetDirective};

use crate::error::{codes, OtapError};

thread_local! {
    static COMPRESSOR: RefCell<Option<(i32, zstd::bulk::Compressor<'static>)>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<DCtx<'static>>> = const { RefCell::new(None) };
}

fn compression_failed(e: impl std::fmt::Display) -> OtapError {
    OtapError::new(codes::UNSUPPORTED, format!("zstd compression failed: {e}"))
}

fn decompression_failed(code: usize) -> OtapError {
    OtapError::new(codes::DECOMPRESSION_FAILED, format!("zstd: {}", zstd_safe::get_error_name(code)))
}

/// Runs `f` with this thread's compressor at `level` (1..=22; 0 = zstd's default).
fn with_compressor<R>(level: i32, f: impl FnOnce(&mut zstd::bulk::Compressor<'static>) -> std::io::Result<R>) -> Result<R, OtapError> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(l, _)| *l != level) {
            // A failed level change leaves no half-configured context behind.
            *slot = None;
            *slot = Some((level, zstd::bulk::Compressor::new(level).map_err(compression_failed)?));
        }
        let (_, compressor) = slot.as_mut().expect("set above");
        f(compressor).map_err(compression_failed)
    })
}

/// One zstd frame of `data` at `level` (1..=22; 0 = zstd's default).
pub fn zstd_compress(data: &[u8], level: i32) -> Result<Vec<u8>, OtapError> {
    with_compressor(level, |c| c.compress(data))
}

/// A gRPC length-prefixed message of `message` compressed at `level`: the compressed flag (1),
/// the zstd frame's length (u32, big-endian), the frame. What a gRPC client with zstd message
/// compression writes, made where the message is encoded (an exporter's encoder thread).
pub fn grpc_zstd_message(message: &[u8], level: i32) -> Result<Vec<u8>, OtapError> {
    let mut out = Vec::with_capacity(5 + zstd_safe::compress_bound(message.len()));
    out.extend_from_slice(&[1, 0, 0, 0, 0]);
    let len = zstd_compress_append(message, level, &mut out)?;
    let len = u32::try_from(len).map_err(|_| OtapError::new(codes::LIMIT_EXCEEDED, format!("a gRPC message of {len} bytes does not fit its u32 length")))?;
    out[1..5].copy_from_slice(&len.to_be_bytes());
    Ok(out)
}

/// Appends one zstd frame of `data` at `level` to `out`; returns the frame's length.
pub(crate) fn zstd_compress_append(data: &[u8], level: i32, out: &mut Vec<u8>) -> Result<usize, OtapError> {
    let start = out.len();
    out.reserve(zstd_safe::compress_bound(data.len()));
    with_compressor(level, |c| {
        let mut cursor = std::io::Cursor::new(&mut *out);
        cursor.set_position(start as u64);
        c.compress_to_buffer(data, &mut cursor)
    })
}

/// Runs `f` with this thread's decompression context, reset first: a previous call may
/// have stopped mid-frame (an error, a size limit, an output that did not fit).
fn with_decompressor<R>(f: impl FnOnce(&mut DCtx<'static>) -> Result<R, OtapError>) -> Result<R, OtapError> {
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let dctx = slot.get_or_insert_with(DCtx::create);
        dctx.reset(ResetDirective::SessionOnly).map_err(decompression_failed)?;
        f(dctx)
    })
}

/// Decompresses `src` (whole frames) into exactly `dst`: an Arrow IPC body buffer whose
/// decompressed length was declared. Any other length is an error.
pub(crate) fn zstd_decompress_exact(src: &[u8], dst: &mut [u8]) -> Result<(), OtapError> {
    with_decompressor(|dctx| {
        let n = dctx.decompress(dst, src).map_err(decompression_failed)?;
        if n != dst.len() {
            return Err(OtapError::new(
                codes::DECOMPRESSION_FAILED,
                format!("zstd: buffer declares {} bytes but decompresses to {n}", dst.len()),
            ));
        }
        Ok(())
    })
}

/// Decompresses one or more concatenated zstd frames into `out`; `Ok(None)` when they
/// decompress to more than `out.len()` bytes (the caller then takes [`zstd_decompress`]).
pub fn zstd_decompress_into(data: &[u8], out: &mut [u8]) -> Result<Option<usize>, OtapError> {
    if data.is_empty() {
        return Ok(Some(0));
    }
    with_decompressor(|dctx| {
        let mut input = InBuffer::around(data);
        let mut output = OutBuffer::around(out);
        loop {
            let hint = dctx.decompress_stream(&mut output, &mut input).map_err(decompression_failed)?;
            let consumed = input.pos() == data.len();
            if consumed && hint == 0 {
                return Ok(Some(output.pos()));
            }
            if output.pos() == output.capacity() {
                return Ok(None);
            }
            if consumed {
                return Err(OtapError::new(codes::DECOMPRESSION_FAILED, "zstd: the compressed data ends in the middle of a frame"));
            }
        }
    })
}

/// Decompresses one or more concatenated zstd frames, refusing output beyond `max_size` bytes.
pub fn zstd_decompress(data: &[u8], max_size: usize) -> Result<Vec<u8>, OtapError> {
    if data.is_empty() {
        return Ok(Vec::new());
    }
    with_decompressor(|dctx| {
        let limit = max_size.saturating_add(1);
        let declared = zstd_safe::get_frame_content_size(data).ok().flatten().unwrap_or(0);
        let first = if declared > 0 { declared as usize } else { data.len().saturating_mul(4) };
        let mut out: Vec<u8> = Vec::with_capacity(first.max(64).min(limit).min(1 << 26));
        let mut input = InBuffer::around(data);
        loop {
            if out.len() == out.capacity() {
                let grow = out.capacity().max(1 << 16).min(limit - out.len());
                out.reserve_exact(grow);
            }
            let len = out.len();
            let hint = {
                let mut output = OutBuffer::around_pos(&mut out, len);
                dctx.decompress_stream(&mut output, &mut input).map_err(decompression_failed)?
            };
            if out.len() > max_size {
                return Err(OtapError::new(codes::LIMIT_EXCEEDED, format!("zstd: decompressed size exceeds {max_size} bytes")));
            }
            let consumed = input.pos() == data.len();
            if consumed && hint == 0 {
                return Ok(out);
            }
            // All input read, the frame unfinished and room left for output: the input ends early.
            if consumed && out.len() < out.capacity() {
                return Err(OtapError::new(codes::DECOMPRESSION_FAILED, "zstd: the compressed data ends in the middle of a frame"));
            }
        }
    })
}

#[cfg(test)]
mod grpc_message_tests {
    use super::{grpc_zstd_message, zstd_decompress};

    #[test]
    fn a_grpc_zstd_message_is_the_flag_the_length_and_the_frame() {
        let data: Vec<u8> = (0..5000u32).flat_map(|i| (i % 97).to_le_bytes()).collect();
        let m = grpc_zstd_message(&data, 3).unwrap();
        assert_eq!(m[0], 1);
        let len = u32::from_be_bytes(m[1..5].try_into().unwrap()) as usize;
        assert_eq!(len, m.len() - 5);
        assert_eq!(zstd_decompress(&m[5..], usize::MAX).unwrap(), data);
        assert_eq!(zstd_decompress(&grpc_zstd_message(&[], 3).unwrap()[5..], usize::MAX).unwrap(), Vec::<u8>::new());
    }
}
