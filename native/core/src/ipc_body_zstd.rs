//! zstd body compression of the IPC messages our writer produces (Arrow's BodyCompression,
//! method BUFFER: each body buffer is `[uncompressed length: i64][zstd frame]`, or
//! `[-1][raw bytes]` when left uncompressed).
//!
//! arrow-ipc writes the messages uncompressed; this pass then compresses each buffer with the
//! thread's zstd context and rewrites the header. Done here, rather than by arrow-ipc, to
//! leave small buffers raw: a zstd frame has a fixed cost (entropy tables, a frame header)
//! that exceeds what it saves on a buffer of a few hundred bytes, and a small batch is made
//! of dozens of such buffers (its zstd frames cost more than the rest of its encoding). Any
//! Arrow reader takes `-1` buffers; arrow-ipc itself writes them for incompressible ones.

use arrow_ipc::MessageHeader;
use flatbuffers::{FlatBufferBuilder, WIPOffset};

use crate::error::OtapError;
use crate::ipc_batch_header::rebuilt_batch;
use crate::zstd::zstd_compress_append;

/// Buffers shorter than this stay raw.
pub const MIN_COMPRESSED_BUFFER: usize = 512;

const CONTINUATION: [u8; 4] = [0xff; 4];
const UNCOMPRESSED: [u8; 8] = (-1i64).to_le_bytes();

fn internal(message: impl Into<String>) -> OtapError {
    OtapError::malformed_ipc(format!(
        "internal: IPC body compression: {}",
        message.into()
    ))
}

/// `stream`: whole IPC messages (continuation marker, metadata length, Message flatbuffer,
/// body), as arrow-ipc's stream writer writes them without compression. Returns the same
/// messages with RecordBatch and DictionaryBatch bodies compressed at `level`; other
/// messages (the Schema) are copied unchanged.
pub fn compress_bodies(stream: &[u8], level: i32) -> Result<Vec<u8>, OtapError> {
    let mut out = Vec::with_capacity(stream.len() / 2 + 256);
    let mut body = Vec::new();
    let mut pos = 0;
    while pos < stream.len() {
        let (meta, message, body_in, next) = split_message(stream, pos)?;
        let mut fbb = FlatBufferBuilder::with_capacity(meta.len() + 64);
        body.clear();
        let header = match message.header_type() {
            MessageHeader::RecordBatch => {
                let batch = message
                    .header_as_record_batch()
                    .ok_or_else(|| internal("no record batch header"))?;
                compressed_batch(&mut fbb, batch, body_in, level, &mut body)?.as_union_value()
            }
            MessageHeader::DictionaryBatch => {
                let dict = message
                    .header_as_dictionary_batch()
                    .ok_or_else(|| internal("no dictionary header"))?;
                let batch = dict
                    .data()
                    .ok_or_else(|| internal("dictionary batch without data"))?;
                let data = compressed_batch(&mut fbb, batch, body_in, level, &mut body)?;
                let args = arrow_ipc::DictionaryBatchArgs {
                    id: dict.id(),
                    data: Some(data),
                    isDelta: dict.isDelta(),
                };
                arrow_ipc::DictionaryBatch::create(&mut fbb, &args).as_union_value()
            }
            _ => {
                out.extend_from_slice(&stream[pos..next]);
                pos = next;
                continue;
            }
        };
        let args = arrow_ipc::MessageArgs {
            version: message.version(),
            header_type: message.header_type(),
            header: Some(header),
            bodyLength: body.len() as i64,
            custom_metadata: None,
        };
        let m = arrow_ipc::Message::create(&mut fbb, &args);
        fbb.finish(m, None);
        frame(&mut out, fbb.finished_data(), &body);
        pos = next;
    }
    Ok(out)
}

/// One message of a stream: its metadata (raw and parsed), its body, where the next starts.
type Split<'a> = (&'a [u8], arrow_ipc::Message<'a>, &'a [u8], usize);

/// The message at `pos`.
fn split_message(stream: &[u8], pos: usize) -> Result<Split<'_>, OtapError> {
    let word = |at: usize| -> Result<i32, OtapError> {
        stream
            .get(at..at + 4)
            .map(|b| i32::from_le_bytes(b.try_into().expect("4 bytes")))
            .ok_or_else(|| internal("truncated message"))
    };
    let mut at = pos;
    let mut len = word(at)?;
    at += 4;
    if len == -1 {
        len = word(at)?;
        at += 4;
    }
    let len = usize::try_from(len).map_err(|_| internal("negative metadata length"))?;
    let meta = stream
        .get(at..at + len)
        .ok_or_else(|| internal("truncated metadata"))?;
    let message = arrow_ipc::root_as_message(meta).map_err(|e| internal(e.to_string()))?;
    let body_len =
        usize::try_from(message.bodyLength()).map_err(|_| internal("negative body length"))?;
    let body = stream
        .get(at + len..at + len + body_len)
        .ok_or_else(|| internal("truncated body"))?;
    Ok((meta, message, body, at + len + body_len))
}

/// Appends one framed message: continuation marker, metadata length (padded so the body
/// starts 8-byte aligned), the Message flatbuffer, its padding, the body.
fn frame(out: &mut Vec<u8>, meta: &[u8], body: &[u8]) {
    let padded = (meta.len() + 8).next_multiple_of(8) - 8;
    out.extend_from_slice(&CONTINUATION);
    out.extend_from_slice(&(padded as i32).to_le_bytes());
    out.extend_from_slice(meta);
    out.resize(out.len() + padded - meta.len(), 0);
    out.extend_from_slice(body);
}

/// The RecordBatch header of `batch` with its buffers compressed into `body`.
fn compressed_batch<'f>(
    fbb: &mut FlatBufferBuilder<'f>,
    batch: arrow_ipc::RecordBatch<'_>,
    body_in: &[u8],
    level: i32,
    body: &mut Vec<u8>,
) -> Result<WIPOffset<arrow_ipc::RecordBatch<'f>>, OtapError> {
    if batch.compression().is_some() {
        return Err(internal("the message is already compressed"));
    }
    let buffers = batch
        .buffers()
        .ok_or_else(|| internal("record batch without buffers"))?;
    let mut placed = Vec::with_capacity(buffers.len());
    for b in buffers.iter() {
        let (off, len) = (b.offset() as usize, b.length() as usize);
        let data = body_in
            .get(off..off + len)
            .ok_or_else(|| internal("buffer outside the body"))?;
        let start = body.len();
        if len > 0 {
            append_body_buffer(data, level, body)?;
        }
        placed.push(arrow_ipc::Buffer::new(
            start as i64,
            (body.len() - start) as i64,
        ));
        body.resize(body.len().next_multiple_of(8), 0);
    }
    Ok(rebuilt_batch(fbb, batch, &placed, true))
}

/// One non-empty buffer: a zstd frame when it is long enough and the frame is smaller,
/// the raw bytes otherwise.
pub(crate) fn append_body_buffer(data: &[u8], level: i32, body: &mut Vec<u8>) -> Result<(), OtapError> {
    let start = body.len();
    if data.len() >= MIN_COMPRESSED_BUFFER {
        body.extend_from_slice(&(data.len() as i64).to_le_bytes());
        let n = zstd_compress_append(data, level, body)?;
        if n < data.len() {
            return Ok(());
        }
        body.truncate(start);
    }
    body.extend_from_slice(&UNCOMPRESSED);
    body.extend_from_slice(data);
    Ok(())
}
