//! One Arrow IPC stream per payload type, written as OTAP chunks: the first chunk holds the
//! Schema, the dictionaries and one RecordBatch; later chunks only the dictionary changes (a
//! delta when the previous dictionary is a prefix, nothing when unchanged, a replacement
//! otherwise) and one RecordBatch. No chunk carries the end-of-stream marker. zstd bodies
//! leave small buffers raw (ipc_body_zstd.rs).
//!
//! Two writers give the same bytes for the same tables:
//! - [`IpcChunkWriter`], arrow-ipc's StreamWriter with delta dictionaries, for any tables
//!   (forwarded ones): it finds each dictionary's changes by comparing it with the previous
//!   batch's, a cost that grows with the dictionary;
//! - [`TableChunkWriter`], for the encoder's tables: the table encoder says which values are
//!   new ([`DictionaryMessage`]), so nothing is compared and no dictionary is copied whole;
//!   its messages are laid out and compressed in one pass (ipc_batch_message.rs).

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_ipc::writer::{
    write_message, DictionaryHandling, DictionaryTracker, IpcDataGenerator, IpcWriteContext, IpcWriteOptions,
    StreamWriter,
};
use arrow_ipc::MetadataVersion;
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema};
use flatbuffers::FlatBufferBuilder;

use crate::error::OtapError;
use crate::ipc_batch_message::{BatchKind, BatchMessageWriter};
use crate::ipc_body_zstd::compress_bodies;

pub struct IpcChunkWriter {
    writer: StreamWriter<Vec<u8>>,
    zstd_level: Option<i32>,
}

/// IPC write options of OTAP streams: metadata V5, delta dictionaries. Buffers are padded to
/// arrow-ipc's usual 64 bytes in uncompressed streams; when the bodies are compressed
/// afterwards only their layout matters, and 8 bytes (the format's minimum) copies less.
pub(crate) fn write_options(compressed: bool) -> IpcWriteOptions {
    let alignment = if compressed { 8 } else { 64 };
    IpcWriteOptions::try_new(alignment, false, MetadataVersion::V5)
        .expect("8 and 64 are valid alignments")
        .with_dictionary_handling(DictionaryHandling::Delta)
}

fn check_zstd_level(zstd_level: Option<i32>) -> Result<(), OtapError> {
    if let Some(level) = zstd_level {
        let range = zstd::compression_level_range();
        if !range.contains(&level) {
            return Err(OtapError::unsupported(format!(
                "zstd body compression: level {level} is outside {}..={}",
                range.start(),
                range.end()
            )));
        }
    }
    Ok(())
}

/// The chunk written into `buf` (bodies compressed at `zstd_level`); `buf` is left empty
/// for the next chunk, keeping at most 1 MiB of capacity.
fn take_chunk(buf: &mut Vec<u8>, zstd_level: Option<i32>) -> Result<Vec<u8>, OtapError> {
    match zstd_level {
        Some(level) => {
            let chunk = compress_bodies(buf, level);
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

fn ipc_error(what: &str, e: ArrowError) -> OtapError {
    OtapError::malformed_ipc(format!("IPC {what}: {e}"))
}

impl IpcChunkWriter {
    /// `zstd_level`: compress record and dictionary bodies with zstd at this level.
    pub fn new(schema: &Schema, zstd_level: Option<i32>) -> Result<Self, OtapError> {
        check_zstd_level(zstd_level)?;
        let writer = StreamWriter::try_new_with_options(
            Vec::with_capacity(4096),
            schema,
            write_options(zstd_level.is_some()),
        )
        .map_err(|e| ipc_error("schema", e))?;
        Ok(IpcChunkWriter { writer, zstd_level })
    }

    /// Encodes one batch as the next chunk of the stream.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<Vec<u8>, OtapError> {
        self.writer.write(batch).map_err(|e| ipc_error("write", e))?;
        take_chunk(self.writer.get_mut(), self.zstd_level)
    }
}

/// `schema` with every dictionary column as its key type: what an IPC record batch body holds
/// for it (the values go in dictionary messages).
pub(crate) fn keys_schema(schema: &Schema) -> Schema {
    fn physical(fields: &Fields) -> Fields {
        fields
            .iter()
            .map(|f| match f.data_type() {
                DataType::Dictionary(key, _) => Arc::new(Field::new(f.name(), (**key).clone(), f.is_nullable())),
                DataType::Struct(children) => {
                    Arc::new(Field::new(f.name(), DataType::Struct(physical(children)), f.is_nullable()))
                }
                _ => f.clone(),
            })
            .collect()
    }
    Schema::new(physical(schema.fields()))
}

/// Whether every dictionary column of `fields` is a top-level or struct field whose values
/// hold no dictionary: the schemas [`TableChunkWriter`] numbers dictionaries of (depth first,
/// as arrow-ipc does). OTAP's are; a peer's schema may not be.
pub(crate) fn dictionaries_in_structs_only(fields: &Fields) -> bool {
    fn has_dictionary(t: &DataType) -> bool {
        match t {
            DataType::Dictionary(..) => true,
            DataType::Struct(f) => f.iter().any(|f| has_dictionary(f.data_type())),
            DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) | DataType::Map(f, _) => {
                has_dictionary(f.data_type())
            }
            _ => false,
        }
    }
    fields.iter().all(|f| match f.data_type() {
        DataType::Dictionary(_, values) => !has_dictionary(values),
        DataType::Struct(children) => dictionaries_in_structs_only(children),
        other => !has_dictionary(other),
    })
}

/// The values a dictionary message carries: all of the dictionary (`is_delta` false: the
/// stream's first, or a restarted dictionary) or the values added since the last message.
pub struct DictionaryMessage {
    /// IPC dictionary id: the column's place among the schema's dictionary columns, depth first.
    pub id: i64,
    pub values: ArrayRef,
    pub is_delta: bool,
}

/// The IPC stream of one table encoder ([`crate::encode::table::TableEncoder::for_ipc`]).
pub struct TableChunkWriter {
    options: IpcWriteOptions,
    generator: IpcDataGenerator,
    context: IpcWriteContext,
    /// Stays empty: the batches written have no dictionary columns (only their keys).
    no_dictionaries: DictionaryTracker,
    messages: BatchMessageWriter,
    /// The chunk being written: whole messages, bodies already compressed.
    buf: Vec<u8>,
    zstd_level: Option<i32>,
}

impl TableChunkWriter {
    /// `schema`: the stream's schema, dictionary columns as dictionaries; its message opens
    /// the first chunk.
    pub fn new(schema: &Schema, zstd_level: Option<i32>) -> Result<Self, OtapError> {
        check_zstd_level(zstd_level)?;
        let options = write_options(zstd_level.is_some());
        let generator = IpcDataGenerator::default();
        let mut tracker = DictionaryTracker::new(false);
        let message = generator.schema_to_bytes_with_dictionary_tracker(schema, &mut tracker, &options);
        let mut buf = Vec::with_capacity(4096);
        write_message(&mut buf, message, &options).map_err(|e| ipc_error("schema", e))?;
        Ok(TableChunkWriter {
            options,
            generator,
            context: IpcWriteContext::default(),
            no_dictionaries: DictionaryTracker::new(false),
            messages: BatchMessageWriter::default(),
            buf,
            zstd_level,
        })
    }

    /// The next chunk: `dictionaries`, then `batch` (dictionary columns as their keys).
    /// Messages are written by [`BatchMessageWriter`] in one pass, compressed as they go; a
    /// column layout it does not know takes arrow-ipc and `compress_bodies` (same bytes).
    pub fn write(&mut self, dictionaries: &[DictionaryMessage], batch: &RecordBatch) -> Result<Vec<u8>, OtapError> {
        for dict in dictionaries {
            let kind = BatchKind::Dictionary { id: dict.id, is_delta: dict.is_delta };
            let values = std::slice::from_ref(&dict.values);
            if !self.messages.write(&mut self.buf, values, dict.values.len(), kind, self.zstd_level)? {
                let message = self.dictionary_message(dict).map_err(|e| ipc_error("dictionary", e))?;
                self.append_general(message)?;
            }
        }
        if !self.messages.write(&mut self.buf, batch.columns(), batch.num_rows(), BatchKind::Records, self.zstd_level)? {
            let (_, message) = self
                .generator
                .encode(batch, &mut self.no_dictionaries, &self.options, &mut self.context)
                .map_err(|e| ipc_error("write", e))?;
            self.append_general(message)?;
        }
        // The messages are compressed already: the chunk is taken as it is.
        take_chunk(&mut self.buf, None)
    }

    /// A message from arrow-ipc's writer, its buffers then compressed if zstd is on.
    fn append_general(&mut self, message: arrow_ipc::writer::EncodedData) -> Result<(), OtapError> {
        match self.zstd_level {
            None => write_message(&mut self.buf, message, &self.options).map(|_| ()).map_err(|e| ipc_error("write", e)),
            Some(level) => {
                let mut plain = Vec::with_capacity(message.ipc_message.len() + message.arrow_data.len() + 16);
                write_message(&mut plain, message, &self.options).map_err(|e| ipc_error("write", e))?;
                self.buf.extend_from_slice(&compress_bodies(&plain, level)?);
                Ok(())
            }
        }
    }

    /// A DictionaryBatch message: the values encoded as a one-column record batch, whose
    /// header is then wrapped in a DictionaryBatch (built in the order arrow-ipc builds one,
    /// so the bytes are the StreamWriter's).
    pub(crate) fn dictionary_message(&mut self, dict: &DictionaryMessage) -> Result<arrow_ipc::writer::EncodedData, ArrowError> {
        let field = Field::new("", dict.values.data_type().clone(), true);
        let values = RecordBatch::try_new(Arc::new(Schema::new(vec![field])), vec![dict.values.clone()])?;
        let (_, encoded) = self.generator.encode(&values, &mut self.no_dictionaries, &self.options, &mut self.context)?;
        let message = arrow_ipc::root_as_message(&encoded.ipc_message)
            .map_err(|e| ArrowError::IpcError(format!("own record batch header: {e}")))?;
        let batch = message
            .header_as_record_batch()
            .ok_or_else(|| ArrowError::IpcError("own record batch header: not a record batch".into()))?;
        let mut fbb = FlatBufferBuilder::with_capacity(encoded.ipc_message.len() + 64);
        let buffers: Vec<arrow_ipc::Buffer> = batch.buffers().map(|b| b.iter().copied().collect()).unwrap_or_default();
        let nodes: Vec<arrow_ipc::FieldNode> = batch.nodes().map(|n| n.iter().copied().collect()).unwrap_or_default();
        let buffers = fbb.create_vector(&buffers);
        let nodes = fbb.create_vector(&nodes);
        let mut rb = arrow_ipc::RecordBatchBuilder::new(&mut fbb);
        rb.add_length(batch.length());
        rb.add_nodes(nodes);
        rb.add_buffers(buffers);
        let data = rb.finish();
        let mut db = arrow_ipc::DictionaryBatchBuilder::new(&mut fbb);
        db.add_id(dict.id);
        db.add_data(data);
        db.add_isDelta(dict.is_delta);
        let header = db.finish().as_union_value();
        let mut mb = arrow_ipc::MessageBuilder::new(&mut fbb);
        mb.add_version(message.version());
        mb.add_header_type(arrow_ipc::MessageHeader::DictionaryBatch);
        mb.add_bodyLength(message.bodyLength());
        mb.add_header(header);
        let root = mb.finish();
        fbb.finish(root, None);
        Ok(arrow_ipc::writer::EncodedData { ipc_message: fbb.finished_data().to_vec(), arrow_data: encoded.arrow_data })
    }
}
