//! One Arrow IPC stream per payload type, written as OTAP chunks (arrow-ipc's StreamWriter
//! with delta dictionaries): the first chunk holds the Schema, the dictionaries and one
//! RecordBatch; later chunks only the dictionary changes (a delta when the previous
//! dictionary is a prefix, nothing when unchanged, a replacement otherwise) and one
//! RecordBatch. No chunk carries the end-of-stream marker. zstd bodies are compressed after
//! arrow-ipc wrote the chunk (ipc_body_zstd.rs).

use arrow_array::RecordBatch;
use arrow_ipc::writer::{DictionaryHandling, IpcWriteOptions, StreamWriter};
use arrow_ipc::MetadataVersion;
use arrow_schema::Schema;

use crate::error::OtapError;
use crate::ipc_body_zstd::compress_bodies;

pub struct IpcChunkWriter {
    writer: StreamWriter<Vec<u8>>,
    zstd_level: Option<i32>,
}

/// IPC write options of OTAP streams: metadata V5, delta dictionaries. Buffers are padded to
/// arrow-ipc's usual 64 bytes in uncompressed streams; when the bodies are compressed
/// afterwards only their layout matters, and 8 bytes (the format's minimum) copies less.
fn write_options(compressed: bool) -> IpcWriteOptions {
    let alignment = if compressed { 8 } else { 64 };
    IpcWriteOptions::try_new(alignment, false, MetadataVersion::V5)
        .expect("8 and 64 are valid alignments")
        .with_dictionary_handling(DictionaryHandling::Delta)
}

impl IpcChunkWriter {
    /// `zstd_level`: compress record and dictionary bodies with zstd at this level.
    pub fn new(schema: &Schema, zstd_level: Option<i32>) -> Result<Self, OtapError> {
        if let Some(level) = zstd_level {
            if !zstd::compression_level_range().contains(&level) {
                let range = zstd::compression_level_range();
                return Err(OtapError::unsupported(format!(
                    "zstd body compression: level {level} is outside {}..={}",
                    range.start(),
                    range.end()
                )));
            }
        }
        let writer = StreamWriter::try_new_with_options(
            Vec::with_capacity(4096),
            schema,
            write_options(zstd_level.is_some()),
        )
        .map_err(|e| OtapError::malformed_ipc(format!("IPC schema: {e}")))?;
        Ok(IpcChunkWriter { writer, zstd_level })
    }

    /// Encodes one batch as the next chunk of the stream.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<Vec<u8>, OtapError> {
        self.writer
            .write(batch)
            .map_err(|e| OtapError::malformed_ipc(format!("IPC write: {e}")))?;
        let buf = self.writer.get_mut();
        match self.zstd_level {
            Some(level) => {
                let chunk = compress_bodies(buf, level);
                // Reused for the next chunk, but not holding on to more than 1 MiB between chunks.
                buf.clear();
                buf.shrink_to(1 << 20);
                chunk
            }
            None => {
                let cap = buf.capacity();
                Ok(std::mem::replace(buf, Vec::with_capacity(cap.min(1 << 20))))
            }
        }
    }
}
