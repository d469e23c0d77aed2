//! An encode whose output is already the gRPC message a zstd-compressing client sends: the
//! exporter's encoder thread (native) or worker (wasm) compresses too, so that the event
//! loop only writes the frame.

use super::Encoder;
use crate::error::OtapError;
use crate::zstd::grpc_zstd_message;
use crate::Signal;

/// What one encode takes.
#[derive(Clone, Copy)]
pub enum EncodeInput<'a> {
    /// An `ExportXServiceRequest`'s protobuf bytes.
    Otlp(Signal, &'a [u8]),
    /// An SDK columns buffer (src/sdk/columns/FORMAT.md).
    Columns(&'a [u8]),
}

/// A BatchArrowRecords with what a sender reports of it.
pub struct EncodedBatch {
    pub bar: Vec<u8>,
    pub batch_id: i64,
    /// Its spans / log records / metric data points.
    pub items: usize,
}

/// A BatchArrowRecords as a zstd-compressed gRPC message.
pub struct FramedBatch {
    /// Compressed flag, big-endian length, zstd frame ([`grpc_zstd_message`]).
    pub frame: Vec<u8>,
    pub batch_id: i64,
    /// The BatchArrowRecords' size before compression.
    pub bar_bytes: usize,
    /// Its spans / log records / metric data points.
    pub items: usize,
}

impl Encoder {
    /// [`Encoder::encode`] or [`Encoder::encode_columns`], as `input` says.
    pub fn encode_input(&mut self, input: EncodeInput<'_>) -> Result<Vec<u8>, OtapError> {
        match input {
            EncodeInput::Otlp(signal, otlp) => self.encode(signal, otlp),
            EncodeInput::Columns(columns) => self.encode_columns(columns),
        }
    }

    /// [`Encoder::encode_input`] with the batch id it took and the items it holds.
    pub fn encode_reported(&mut self, input: EncodeInput<'_>) -> Result<EncodedBatch, OtapError> {
        let batch_id = self.next_batch_id();
        let bar = self.encode_input(input)?;
        Ok(EncodedBatch { bar, batch_id, items: self.last_item_count() })
    }

    /// [`Encoder::encode_reported`], compressed at zstd `level` and framed as one gRPC message.
    pub fn encode_framed(&mut self, input: EncodeInput<'_>, level: i32) -> Result<FramedBatch, OtapError> {
        let b = self.encode_reported(input)?;
        Ok(FramedBatch { frame: grpc_zstd_message(&b.bar, level)?, batch_id: b.batch_id, bar_bytes: b.bar.len(), items: b.items })
    }
}

#[cfg(test)]
mod tests {
    use super::EncodeInput;
    use crate::bar::BatchArrowRecords;
    use crate::{zstd_decompress, Encoder, EncoderOptions, Signal};
    use prost::Message;

    #[test]
    fn the_frame_holds_the_bytes_encode_gives_with_their_batch_id() {
        let mut framed = Encoder::new(EncoderOptions::default());
        let mut plain = Encoder::new(EncoderOptions::default());
        // An empty logs request twice: ids 0 and 1, each frame the plain encoder's bytes.
        for id in 0..2 {
            let f = framed.encode_framed(EncodeInput::Otlp(Signal::Logs, &[]), 3).unwrap();
            let bar = plain.encode(Signal::Logs, &[]).unwrap();
            assert_eq!(f.batch_id, id);
            assert_eq!(f.bar_bytes, bar.len());
            assert_eq!(f.frame[0], 1);
            assert_eq!(u32::from_be_bytes(f.frame[1..5].try_into().unwrap()) as usize, f.frame.len() - 5);
            let body = zstd_decompress(&f.frame[5..], usize::MAX).unwrap();
            assert_eq!(body, bar);
            assert_eq!(BatchArrowRecords::decode(&body[..]).unwrap().batch_id, id);
        }
        // A failed encode takes no id.
        assert!(framed.encode_framed(EncodeInput::Otlp(Signal::Logs, &[0x0a, 0xff, 0xff, 0x01]), 3).is_err());
        assert_eq!(framed.encode_framed(EncodeInput::Columns(&[1, 2, 3]), 3).map(|f| f.batch_id).ok(), None);
        assert_eq!(framed.next_batch_id(), 2);
    }
}
