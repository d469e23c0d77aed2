//! One incoming Arrow IPC stream delivered in chunks (OTAP: one `ArrowPayload.record` each).
//!
//! arrow-ipc does the decoding (schema, replacement and delta dictionaries, zstd bodies)
//! through its message-level functions (`read_dictionary`, `read_record_batch`); delta
//! dictionaries are then appended in place (ipc_dictionary_growth.rs). Its
//! `StreamDecoder` is not used because it leaves a body-less message that ends a chunk
//! pending until more bytes arrive. This wrapper splits each chunk into whole messages and
//! checks what arrow-ipc would otherwise trust (or panic on) before handing a message over:
//! - every message is complete inside its chunk (a chunk never ends mid-message);
//! - the flatbuffer header verifies, has the header union it announces, and every body
//!   buffer lies inside the body;
//! - declared decompressed sizes stay within `max_message_bytes` (a forged length would
//!   otherwise become one huge allocation);
//! - the schema uses only the Arrow types OTAP uses (anything else is `UNSUPPORTED`);
//! - a new Schema message starts a new stream (earlier dictionaries no longer apply), and
//!   an end-of-stream marker ends it (later data is an error).
//!
//! Errors carry no table: the caller names it.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{new_empty_array, Array, ArrayRef, RecordBatch};
use arrow_buffer::Buffer;
use arrow_ipc::reader::{read_dictionary, read_record_batch};
use arrow_ipc::{CompressionType, MessageHeader};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use flatbuffers::{FlatBufferBuilder, WIPOffset};

use crate::array_bytes::{array_bytes, DictionaryValues};
use crate::error::OtapError;
use crate::ipc_batch_header::rebuilt_batch;
use crate::ipc_dictionary_growth::{extend_dictionary, GrowingDictionary};
use crate::zstd::zstd_decompress_exact;

/// Cap on one message's metadata + body, and on what its body may decompress to.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// Deepest nesting of struct/list types accepted in a schema.
const MAX_TYPE_DEPTH: usize = 64;

fn err(code: &'static str, message: impl Into<String>) -> OtapError {
    OtapError::new(code, message)
}

fn malformed(message: impl Into<String>) -> OtapError {
    err("MALFORMED_IPC", message)
}

/// Maps an arrow-ipc error to our codes: decompression problems are DECOMPRESSION_FAILED.
fn from_arrow(e: ArrowError) -> OtapError {
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    let decompression = matches!(e, ArrowError::IoError(..) | ArrowError::ExternalError(_))
        || lower.contains("decompress");
    err(if decompression { "DECOMPRESSION_FAILED" } else { "MALFORMED_IPC" }, text)
}

fn internal_fb(e: flatbuffers::InvalidFlatbuffer) -> OtapError {
    malformed(format!("internal: rewritten record batch header: {e}"))
}

/// A zstd-compressed record batch (checked by `check_batch`) as an uncompressed one: every
/// buffer decompressed into one new body (8-byte aligned), and a header without compression
/// pointing into it. arrow-ipc would decompress it too, but with a new zstd context per
/// message, which costs more than a small message's data; this uses the thread's context.
fn plain_batch<'f>(
    fbb: &mut FlatBufferBuilder<'f>,
    batch: arrow_ipc::RecordBatch<'_>,
    body: &Buffer,
) -> Result<(WIPOffset<arrow_ipc::RecordBatch<'f>>, Buffer), OtapError> {
    let buffers = batch.buffers().ok_or_else(|| malformed("record batch without buffers"))?;
    // (offset in the new body, its length, the source bytes, compressed?)
    let mut layout = Vec::with_capacity(buffers.len());
    let mut total = 0usize;
    for b in buffers.iter() {
        let (off, len) = (b.offset() as usize, b.length() as usize);
        let (data_len, src, packed) = if len == 0 {
            (0, &body[0..0], false)
        } else {
            let declared = i64::from_le_bytes(body[off..off + 8].try_into().expect("8 bytes"));
            match declared {
                -1 => (len - 8, &body[off + 8..off + len], false),
                0 => (0, &body[0..0], false),
                _ => (declared as usize, &body[off + 8..off + len], true),
            }
        };
        layout.push((total, data_len, src, packed));
        total += data_len.next_multiple_of(8);
    }
    let mut out = vec![0u8; total];
    let mut fb_buffers = Vec::with_capacity(layout.len());
    for &(at, len, src, packed) in &layout {
        let dst = &mut out[at..at + len];
        if packed {
            zstd_decompress_exact(src, dst)?;
        } else {
            dst.copy_from_slice(src);
        }
        fb_buffers.push(arrow_ipc::Buffer::new(at as i64, len as i64));
    }
    Ok((rebuilt_batch(fbb, batch, &fb_buffers, false), Buffer::from_vec(out)))
}

pub struct IpcStream {
    schema: Option<SchemaRef>,
    /// Derived from the schema once, not per message: the buffer widths of a record batch,
    /// and of each dictionary id's values.
    batch_widths: Vec<usize>,
    dictionary_widths: HashMap<i64, Vec<usize>>,
    dictionaries: HashMap<i64, ArrayRef>,
    /// Dictionaries that received deltas, appended in place (ipc_dictionary_growth.rs).
    growing: HashMap<i64, Option<GrowingDictionary>>,
    ended: bool,
    max_message_bytes: usize,
    /// `state_bytes`, kept until the schema or a dictionary changes: the receiver asks after
    /// every batch, and most batches change neither.
    state_bytes: Cell<Option<usize>>,
}

impl Default for IpcStream {
    fn default() -> Self {
        Self::new()
    }
}

impl IpcStream {
    pub fn new() -> IpcStream {
        IpcStream::with_max_message_bytes(DEFAULT_MAX_MESSAGE_BYTES)
    }

    pub fn with_max_message_bytes(max_message_bytes: usize) -> IpcStream {
        IpcStream {
            schema: None,
            batch_widths: Vec::new(),
            dictionary_widths: HashMap::new(),
            dictionaries: HashMap::new(),
            growing: HashMap::new(),
            ended: false,
            max_message_bytes,
            state_bytes: Cell::new(None),
        }
    }

    /// Bytes held between messages: the dictionaries' buffers plus a fixed cost per field of
    /// the schema.
    pub fn state_bytes(&self) -> usize {
        if let Some(n) = self.state_bytes.get() {
            return n;
        }
        let dicts: usize = self.dictionaries.values().map(|a| array_bytes(a.as_ref(), DictionaryValues::Counted)).sum();
        let fields = self.schema.as_ref().map_or(0, |s| s.flattened_fields().len());
        let n = dicts + fields * 64;
        self.state_bytes.set(Some(n));
        n
    }

    /// True once an end-of-stream marker was read.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Decodes every message of `chunk` and returns its record batches.
    pub fn read(&mut self, chunk: &[u8]) -> Result<Vec<RecordBatch>, OtapError> {
        if self.ended && !chunk.is_empty() {
            return Err(malformed("data after the end-of-stream marker"));
        }
        // One copy of the chunk; every message is a zero-copy slice of it.
        let all = Buffer::from(chunk.to_vec());
        let mut batches = Vec::new();
        let n = chunk.len();
        let mut pos = 0usize;
        while pos < n {
            let mut meta_len = read_i32(chunk, pos).ok_or_else(|| malformed("truncated message length"))?;
            pos += 4;
            if meta_len == -1 {
                meta_len = read_i32(chunk, pos).ok_or_else(|| malformed("truncated message length"))?;
                pos += 4;
            }
            if meta_len == 0 {
                self.ended = true;
                break;
            }
            let meta_len = usize::try_from(meta_len).map_err(|_| malformed(format!("negative metadata length {meta_len}")))?;
            if meta_len > n - pos {
                return Err(malformed(format!("metadata length {meta_len} exceeds the {} bytes left", n - pos)));
            }
            if meta_len > self.max_message_bytes {
                return Err(too_big(meta_len, self.max_message_bytes));
            }
            let meta = &chunk[pos..pos + meta_len];
            pos += meta_len;
            let message = arrow_ipc::root_as_message(meta).map_err(|e| malformed(format!("bad message flatbuffer: {e}")))?;
            let body_len = usize::try_from(message.bodyLength())
                .map_err(|_| malformed(format!("negative body length {}", message.bodyLength())))?;
            if body_len > n - pos {
                return Err(malformed(format!("body length {body_len} exceeds the {} bytes left", n - pos)));
            }
            if meta_len + body_len > self.max_message_bytes {
                return Err(too_big(meta_len + body_len, self.max_message_bytes));
            }
            pos += body_len;

            let body = all.slice_with_length(pos - body_len, body_len);
            let version = message.version();
            match message.header_type() {
                MessageHeader::Schema => {
                    self.state_bytes.set(None);
                    let fb = message.header_as_schema().ok_or_else(|| malformed("schema message without a schema"))?;
                    let schema = arrow_ipc::convert::try_fb_to_schema(fb).map_err(from_arrow)?;
                    for f in schema.fields() {
                        check_field(f, 0)?;
                    }
                    // The Go producer writes nulls into columns it declares non-nullable (an
                    // empty name, a 0.0 bound); arrow-rs would reject those batches, so every
                    // field is read as nullable (what a null means is the table decoder's call).
                    let schema = Schema::new_with_metadata(
                        schema.fields().iter().map(|f| Arc::new(nullable(f))).collect::<Vec<_>>(),
                        schema.metadata().clone(),
                    );
                    // A new Schema starts a new stream: earlier dictionaries no longer apply.
                    self.batch_widths.clear();
                    for f in schema.fields() {
                        buffer_widths(f.data_type(), &mut self.batch_widths);
                    }
                    self.dictionary_widths = dictionary_widths(&schema);
                    self.schema = Some(Arc::new(schema));
                    self.dictionaries.clear();
                    self.growing.clear();
                }
                MessageHeader::RecordBatch => {
                    let batch = message.header_as_record_batch().ok_or_else(|| malformed("record batch message without a header"))?;
                    let schema = self.schema.clone().ok_or_else(|| malformed("record batch before the schema"))?;
                    self.check_batch(batch, &body, &self.batch_widths)?;
                    let rb = if batch.compression().is_some() {
                        let mut fbb = FlatBufferBuilder::new();
                        let (plain, body) = plain_batch(&mut fbb, batch, &body)?;
                        fbb.finish_minimal(plain);
                        let plain = flatbuffers::root::<arrow_ipc::RecordBatch>(fbb.finished_data()).map_err(internal_fb)?;
                        read_record_batch(&body, plain, schema, &self.dictionaries, None, &version)
                    } else {
                        read_record_batch(&body, batch, schema, &self.dictionaries, None, &version)
                    };
                    batches.push(rb.map_err(from_arrow)?);
                }
                MessageHeader::DictionaryBatch => {
                    self.state_bytes.set(None);
                    let dict = message.header_as_dictionary_batch().ok_or_else(|| malformed("dictionary message without a header"))?;
                    let schema = self.schema.clone().ok_or_else(|| malformed("dictionary batch before the schema"))?;
                    let batch = dict.data().ok_or_else(|| malformed("dictionary batch without data"))?;
                    let widths = self
                        .dictionary_widths
                        .get(&dict.id())
                        .ok_or_else(|| malformed(format!("dictionary batch for unknown id {}", dict.id())))?;
                    self.check_batch(batch, &body, widths)?;
                    let id = dict.id();
                    // A delta is read on its own (an empty dictionary stands in for the one it
                    // extends, so arrow-ipc copies only the delta), then appended in place.
                    let extended = match self.dictionaries.get(&id) {
                        Some(existing) if dict.isDelta() => {
                            let existing = existing.clone();
                            self.dictionaries.insert(id, new_empty_array(existing.data_type()));
                            Some(existing)
                        }
                        _ => None,
                    };
                    let read = read_dictionary_message(&body, dict, batch, &schema, &mut self.dictionaries, &version);
                    match extended {
                        Some(existing) => {
                            let delta = self.dictionaries.insert(id, existing.clone()).expect("the placeholder, or the delta read over it");
                            read?;
                            let growing = self.growing.entry(id).or_default();
                            let combined = extend_dictionary(growing, &existing, &delta)
                                .map_err(|e| malformed(format!("delta dictionary {id}: {e}")))?;
                            self.dictionaries.insert(id, combined);
                        }
                        None => {
                            read?;
                            self.growing.remove(&id);
                        }
                    }
                }
                MessageHeader::NONE => {}
                other => {
                    return Err(err("UNSUPPORTED", format!("Arrow message header type {} is not supported", other.0)));
                }
            }
        }
        Ok(batches)
    }

    /// Checks a RecordBatch header against its body before arrow-ipc reads it.
    /// `widths`: the element width of each buffer the schema implies (1 = any length).
    fn check_batch(&self, batch: arrow_ipc::RecordBatch<'_>, body: &Buffer, widths: &[usize]) -> Result<(), OtapError> {
        if batch.length() < 0 {
            return Err(malformed(format!("negative record batch length {}", batch.length())));
        }
        let nodes = batch.nodes().ok_or_else(|| malformed("record batch without field nodes"))?;
        for node in nodes.iter() {
            if node.length() < 0 || node.null_count() < 0 || node.null_count() > node.length() || node.length() > i64::from(i32::MAX) {
                return Err(malformed(format!("bad field node (length {}, null count {})", node.length(), node.null_count())));
            }
        }
        let buffers = batch.buffers().ok_or_else(|| malformed("record batch without buffers"))?;
        let compressed = match batch.compression() {
            None => false,
            Some(c) => {
                if c.method() != arrow_ipc::BodyCompressionMethod::BUFFER {
                    return Err(err("UNSUPPORTED", "body compression method other than BUFFER"));
                }
                match c.codec() {
                    CompressionType::ZSTD => true,
                    CompressionType::LZ4_FRAME => return Err(err("UNSUPPORTED", "LZ4_FRAME body compression is not supported")),
                    other => return Err(err("UNSUPPORTED", format!("body compression codec {} is not supported", other.0))),
                }
            }
        };
        let mut budget = self.max_message_bytes;
        // Bytes the buffers hold once decompressed (as declared), to bound the row count.
        let mut capacity: u64 = 0;
        for (i, b) in buffers.iter().enumerate() {
            let (offset, length) = (b.offset(), b.length());
            let end = offset.checked_add(length);
            let ok = offset >= 0 && length >= 0 && end.is_some_and(|e| usize::try_from(e).is_ok_and(|e| e <= body.len()));
            if !ok {
                return Err(malformed(format!("buffer {offset}+{length} lies outside the {}-byte body", body.len())));
            }
            // The length of the buffer as arrow will see it (after decompression).
            let mut data_len = length as usize;
            if compressed && length > 0 {
                let off = offset as usize;
                if length < 8 {
                    return Err(err("DECOMPRESSION_FAILED", format!("compressed buffer of {length} bytes has no length prefix")));
                }
                let mut prefix = [0u8; 8];
                prefix.copy_from_slice(&body[off..off + 8]);
                let declared = i64::from_le_bytes(prefix);
                data_len = match declared {
                    -1 => data_len - 8,
                    0 => 0,
                    _ => {
                        let declared = usize::try_from(declared)
                            .map_err(|_| err("DECOMPRESSION_FAILED", format!("bad decompressed length {declared}")))?;
                        if declared > budget {
                            return Err(err("LIMIT_EXCEEDED", "decompressed message body exceeds the maxMessageBytes limit"));
                        }
                        budget -= declared;
                        declared
                    }
                };
            }
            // arrow reads offsets, ints and keys as typed slices, which must not end mid-value.
            let width = widths.get(i).copied().unwrap_or(1);
            if width > 1 && !data_len.is_multiple_of(width) {
                return Err(malformed(format!("buffer {i} of {data_len} bytes is not a whole number of {width}-byte values")));
            }
            capacity = capacity.saturating_add(data_len as u64);
        }
        // Every row of a real column takes at least one bit of some buffer (a validity bit, a
        // boolean, a key, an offset): more rows than 8 x the buffer bytes is a forged count
        // (no columns, childless structs, zero-width values) that would make consumers loop
        // over rows that do not exist.
        let rows = batch.length() as u64;
        if rows > capacity.saturating_mul(8) {
            return Err(malformed(format!("batch declares {rows} rows but its buffers hold only {capacity} bytes")));
        }
        Ok(())
    }
}

/// Reads one DictionaryBatch message into `dictionaries` (a compressed body decompressed
/// first, under a header rewritten to match).
fn read_dictionary_message(
    body: &Buffer,
    dict: arrow_ipc::DictionaryBatch<'_>,
    batch: arrow_ipc::RecordBatch<'_>,
    schema: &Schema,
    dictionaries: &mut HashMap<i64, ArrayRef>,
    version: &arrow_ipc::MetadataVersion,
) -> Result<(), OtapError> {
    if batch.compression().is_none() {
        return read_dictionary(body, dict, schema, dictionaries, version).map_err(from_arrow);
    }
    let mut fbb = FlatBufferBuilder::new();
    let (plain, body) = plain_batch(&mut fbb, batch, body)?;
    let args = arrow_ipc::DictionaryBatchArgs { id: dict.id(), data: Some(plain), isDelta: dict.isDelta() };
    let plain = arrow_ipc::DictionaryBatch::create(&mut fbb, &args);
    fbb.finish_minimal(plain);
    let plain = flatbuffers::root::<arrow_ipc::DictionaryBatch>(fbb.finished_data()).map_err(internal_fb)?;
    read_dictionary(&body, plain, schema, dictionaries, version).map_err(from_arrow)
}

/// Appends the element width of each IPC buffer of a column of type `t` (validity bitmaps,
/// booleans and bytes: 1), in the order the IPC format lays them out.
fn buffer_widths(t: &DataType, out: &mut Vec<usize>) {
    let fixed = |w: usize, out: &mut Vec<usize>| out.extend_from_slice(&[1, w]);
    match t {
        DataType::Int16 | DataType::UInt16 => fixed(2, out),
        DataType::Int32 | DataType::UInt32 => fixed(4, out),
        DataType::Int64 | DataType::UInt64 | DataType::Float64 | DataType::Timestamp(..) | DataType::Duration(_) => fixed(8, out),
        DataType::Utf8 | DataType::Binary => out.extend_from_slice(&[1, 4, 1]),
        DataType::Struct(children) => {
            out.push(1);
            for c in children {
                buffer_widths(c.data_type(), out);
            }
        }
        DataType::List(child) => {
            out.extend_from_slice(&[1, 4]);
            buffer_widths(child.data_type(), out);
        }
        DataType::Dictionary(key, _) => buffer_widths(key, out),
        _ => fixed(1, out),
    }
}

/// Each dictionary id of `schema` with the buffer widths of its values (the first field using
/// the id, as arrow-ipc resolves ids).
fn dictionary_widths(schema: &Schema) -> HashMap<i64, Vec<usize>> {
    let mut out = HashMap::new();
    for f in schema.flattened_fields() {
        #[allow(deprecated)]
        if let (DataType::Dictionary(_, value), Some(id)) = (f.data_type(), f.dict_id()) {
            out.entry(id).or_insert_with(|| {
                let mut widths = Vec::new();
                buffer_widths(value, &mut widths);
                widths
            });
        }
    }
    out
}

/// `f` and everything nested in it, nullable (dictionary ids and metadata kept).
fn nullable(f: &Field) -> Field {
    let t = match f.data_type() {
        DataType::Struct(children) => DataType::Struct(children.iter().map(|c| Arc::new(nullable(c))).collect()),
        DataType::List(child) => DataType::List(Arc::new(nullable(child))),
        other => other.clone(),
    };
    f.clone().with_nullable(true).with_data_type(t)
}

fn too_big(size: usize, max: usize) -> OtapError {
    err("LIMIT_EXCEEDED", format!("IPC message of {size} bytes exceeds maxMessageBytes ({max})"))
}

fn read_i32(b: &[u8], pos: usize) -> Option<i32> {
    let s = b.get(pos..pos.checked_add(4)?)?;
    Some(i32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// The Arrow types an OTAP table may use (the TS reader's set); anything else is UNSUPPORTED.
fn check_field(f: &Field, depth: usize) -> Result<(), OtapError> {
    if depth > MAX_TYPE_DEPTH {
        return Err(malformed("schema nests types too deeply"));
    }
    check_type(f.name(), f.data_type(), depth)
}

fn check_type(name: &str, t: &DataType, depth: usize) -> Result<(), OtapError> {
    match t {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float64
        | DataType::Boolean
        | DataType::Utf8
        | DataType::Binary
        | DataType::Timestamp(..)
        | DataType::Duration(_) => Ok(()),
        DataType::FixedSizeBinary(w) if *w >= 0 => Ok(()),
        DataType::Struct(children) => children.iter().try_for_each(|c| check_field(c, depth + 1)),
        DataType::List(child) => check_field(child, depth + 1),
        DataType::Dictionary(key, value) => {
            if !key.is_dictionary_key_type() {
                return Err(err("UNSUPPORTED", format!("field \"{name}\": dictionary key type {key} is not supported")));
            }
            if matches!(value.as_ref(), DataType::Dictionary(..)) {
                return Err(err("UNSUPPORTED", format!("field \"{name}\": nested dictionaries are not supported")));
            }
            check_type(name, value, depth + 1)
        }
        other => Err(err("UNSUPPORTED", format!("field \"{name}\": Arrow type {other} is not supported"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipc_writer::IpcChunkWriter;
    use arrow_array::types::UInt8Type;
    use arrow_array::{DictionaryArray, PrimitiveArray, StringArray};

    fn chunk(writer: &mut IpcChunkWriter, schema: &SchemaRef, values: &[&str]) -> Vec<u8> {
        let keys = PrimitiveArray::<UInt8Type>::from_iter_values(0..values.len() as u8);
        let dict = DictionaryArray::<UInt8Type>::try_new(keys, Arc::new(StringArray::from(values.to_vec()))).unwrap();
        writer.write(&RecordBatch::try_new(schema.clone(), vec![Arc::new(dict)]).unwrap()).unwrap()
    }

    /// A delta whose body cannot be read is an error that loses nothing: the dictionary it
    /// would have extended is intact, and the same delta sent again decodes.
    #[test]
    fn a_corrupt_delta_leaves_the_dictionary_it_extends() {
        let dt = DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8));
        let schema: SchemaRef = Arc::new(Schema::new(vec![Field::new("k", dt, true)]));
        let mut writer = IpcChunkWriter::new(&schema, Some(3)).unwrap();
        let first = chunk(&mut writer, &schema, &["a", "b"]);
        let delta = chunk(&mut writer, &schema, &["a", "b", "c"]);
        // The delta's first compressed buffer: after the message's 8-byte prefix and metadata,
        // an 8-byte uncompressed length, then the zstd frame (its magic number broken here).
        let meta_len = i32::from_le_bytes(delta[4..8].try_into().unwrap()) as usize;
        let mut corrupt = delta.clone();
        corrupt[8 + meta_len + 8] ^= 0xff;
        let mut stream = IpcStream::new();
        stream.read(&first).unwrap();
        assert!(stream.read(&corrupt).is_err());
        let batches = stream.read(&delta).unwrap();
        let values = batches[0].column(0).as_any().downcast_ref::<DictionaryArray<UInt8Type>>().unwrap().values().clone();
        let values: Vec<_> = values.as_any().downcast_ref::<StringArray>().unwrap().iter().flatten().collect();
        assert_eq!(values, ["a", "b", "c"]);
    }
}
