//! OTLP -> OTAP encoder (the Rust counterpart of src/otap/producer.ts).

use crate::error::OtapError;
use crate::Signal;

/// Options of one [`Encoder`].
#[derive(Debug, Clone, Default)]
pub struct EncoderOptions {
    /// Arrow IPC body compression with zstd at this level; `None` = uncompressed.
    pub zstd_level: Option<i32>,
    /// Send `Metric.metadata` as METRIC_ATTRS (the Go reference consumer rejects it).
    pub metric_metadata: bool,
}

/// The encoder state of ONE outgoing gRPC stream.
pub struct Encoder {
    options: EncoderOptions,
    next_batch_id: i64,
}

impl Encoder {
    pub fn new(options: EncoderOptions) -> Encoder {
        Encoder { options, next_batch_id: 0 }
    }

    /// `ExportXServiceRequest` protobuf in, `BatchArrowRecords` protobuf out.
    pub fn encode(&mut self, signal: Signal, otlp_request: &[u8]) -> Result<Vec<u8>, OtapError> {
        let _ = (signal, otlp_request, &self.options, self.next_batch_id);
        Err(OtapError::unsupported("the Rust encoder is not implemented yet"))
    }
}
