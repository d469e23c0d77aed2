//! otap_core: the OTAP codec core shared by the N-API and WASM bindings.
//!
//! Encoder: `ExportXServiceRequest` protobuf -> `BatchArrowRecords` protobuf, keeping the
//! per-gRPC-stream state (one Arrow IPC stream per payload type, schema ids, batch ids)
//! exactly as the TypeScript `Producer` (src/otap/producer.ts) does.

mod append_store;
mod array_bytes;
pub mod attributes;
pub mod bar;
pub mod byte_form;
pub mod cell;
pub mod cbor_decode;
pub mod cbor_encode;
pub mod decode;
pub mod encode;
pub mod error;
pub mod filter;
mod ipc_batch_header;
mod ipc_batch_message;
mod ipc_dictionary_growth;
pub mod ipc_body_zstd;
pub mod ipc_reader;
pub mod ipc_writer;
pub mod json;
pub mod otlp;
pub mod parquet;
pub mod rebatch;
pub mod route;
pub mod schema;
pub mod sdk_columns;
mod zstd;

pub use crate::decode::{Decoded, DecodedTables, Decoder};
pub use crate::encode::{EncodeInput, EncodedBatch, Encoder, EncoderOptions, FramedBatch};
pub use crate::error::OtapError;
pub use crate::rebatch::{concat_tables, split_tables};
pub use crate::zstd::{grpc_zstd_message, zstd_compress, zstd_decompress, zstd_decompress_into};

/// The three OTLP signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    Traces,
    Logs,
    Metrics,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Logs => "logs",
            Signal::Metrics => "metrics",
        }
    }
}
