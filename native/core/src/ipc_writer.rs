//! One Arrow IPC stream per payload type, written as OTAP chunks (arrow-ipc's StreamWriter
//! with delta dictionaries): the first chunk holds the Schema, the dictionaries and one
//! RecordBatch; later chunks only the dictionary changes (a delta when the previous
//! dictionary is a prefix, nothing when unchanged, a replacement otherwise) and one
//! RecordBatch. No chunk carries the end-of-stream marker.

use arrow_array::RecordBatch;
use arrow_ipc::writer::{DictionaryHandling, IpcWriteOptions, StreamWriter};
use arrow_ipc::CompressionType;
use arrow_schema::Schema;

use crate::error::OtapError;

pub struct IpcChunkWriter {
    writer: StreamWriter<Vec<u8>>,
}

/// IPC write options of OTAP streams: metadata V5, delta dictionaries, optional zstd bodies.
pub fn write_options(zstd_level: Option<i32>) -> Result<IpcWriteOptions, OtapError> {
    let mut options = IpcWriteOptions::default().with_dictionary_handling(DictionaryHandling::Delta);
    if let Some(level) = zstd_level {
        options = options
            .try_with_compression(Some(CompressionType::ZSTD))
            .and_then(|o| o.try_with_compression_level(Some(level)))
            .map_err(|e| OtapError::unsupported(format!("zstd body compression: {e}")))?;
    }
    Ok(options)
}

impl IpcChunkWriter {
    pub fn new(schema: &Schema, options: IpcWriteOptions) -> Result<Self, OtapError> {
        let writer = StreamWriter::try_new_with_options(Vec::with_capacity(4096), schema, options)
            .map_err(|e| OtapError::malformed_ipc(format!("IPC schema: {e}")))?;
        Ok(IpcChunkWriter { writer })
    }

    /// Encodes one batch as the next chunk of the stream.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<Vec<u8>, OtapError> {
        self.writer.write(batch).map_err(|e| OtapError::malformed_ipc(format!("IPC write: {e}")))?;
        let buf = self.writer.get_mut();
        let cap = buf.capacity();
        Ok(std::mem::replace(buf, Vec::with_capacity(cap.min(1 << 20))))
    }
}
