//! Whole-buffer zstd helpers (gRPC message compression, tests). Arrow IPC body compression
//! goes through arrow-ipc's own zstd support.

use crate::error::{codes, OtapError};

/// One zstd frame of `data` at `level` (1..=22; 0 = zstd's default).
pub fn zstd_compress(data: &[u8], level: i32) -> Result<Vec<u8>, OtapError> {
    zstd::bulk::compress(data, level).map_err(|e| OtapError::new(codes::UNSUPPORTED, format!("zstd compression failed: {e}")))
}

/// Decompresses one or more concatenated zstd frames, refusing output beyond `max_size` bytes.
pub fn zstd_decompress(data: &[u8], max_size: usize) -> Result<Vec<u8>, OtapError> {
    use std::io::Read;
    let mut decoder = zstd::stream::read::Decoder::with_buffer(data)
        .map_err(|e| OtapError::new(codes::DECOMPRESSION_FAILED, format!("zstd: {e}")))?;
    let mut out = Vec::new();
    let limit = (max_size as u64).saturating_add(1);
    (&mut decoder)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| OtapError::new(codes::DECOMPRESSION_FAILED, format!("zstd: {e}")))?;
    if out.len() > max_size {
        return Err(OtapError::new(codes::LIMIT_EXCEEDED, format!("zstd: decompressed size exceeds {max_size} bytes")));
    }
    Ok(out)
}
