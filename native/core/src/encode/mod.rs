//! OTLP -> OTAP encoder (the Rust counterpart of src/otap/producer.ts): one [`Encoder`] per
//! gRPC stream; per payload type a [`table::TableEncoder`] and an IPC stream; a schema id
//! counter shared by all payload types; batch ids from 0.

mod attribute_order;
pub(crate) mod short_bytes;
pub(crate) mod row_order;
pub mod common;
pub mod dict;
mod forward;
mod framed;
mod forward_dicts;
mod forward_sent;
pub mod input;
mod key_memo;
pub mod logs;
pub mod metrics;
pub mod table;
mod tables_builder;
pub mod traces;

pub use framed::{EncodeInput, EncodedBatch, FramedBatch};

pub use tables_builder::TablesBuilder;

use std::collections::HashMap;

use prost::Message;

use self::input::TableInput;
use self::table::{DictionaryLimits, TableEncoder};
use self::forward::ForwardStream;
use crate::attributes::OtlpKeyEditor;
use crate::bar::{payload_type_name, ArrowPayload, BatchArrowRecords};
use crate::decode::{is_item_table, DecodedTables};
use crate::error::{codes, OtapError};
use crate::ipc_writer::TableChunkWriter;
use crate::otlp::model;
use crate::schema::table_spec;
use crate::sdk_columns::SdkColumns;
use crate::Signal;

/// The tables of one batch, root first, children omitted when they have no rows.
pub type Tables<'a> = Vec<(i32, TableInput<'a>)>;

/// Options of one [`Encoder`].
#[derive(Debug, Clone)]
pub struct EncoderOptions {
    /// Arrow IPC body compression with zstd at this level; `None` = uncompressed.
    pub zstd_level: Option<i32>,
    /// Send `Metric.metadata` as METRIC_ATTRS (default true, as the TS Producer and the Rust
    /// engine; false for a Go reference consumer, which rejects that payload type).
    pub metric_metadata: bool,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        EncoderOptions { zstd_level: None, metric_metadata: true }
    }
}

struct PayloadStream {
    encoder: TableEncoder,
    writer: Option<TableChunkWriter>,
    schema_id: String,
}

/// The encoder state of ONE outgoing gRPC stream.
pub struct Encoder {
    options: EncoderOptions,
    limits: DictionaryLimits,
    streams: HashMap<i32, PayloadStream>,
    /// Streams of payload types last sent by [`Encoder::encode_tables`]. A payload type has
    /// a stream in at most one of the two maps: switching paths starts a new IPC stream.
    forward: HashMap<i32, ForwardStream>,
    next_schema_id: u64,
    next_batch_id: i64,
    /// Spans / log records / metric data points of the last BatchArrowRecords produced.
    last_items: usize,
}

impl Encoder {
    pub fn new(options: EncoderOptions) -> Encoder {
        Encoder::with_limits(options, DictionaryLimits::default())
    }

    /// An encoder with non-default dictionary limits (tests).
    pub fn with_limits(options: EncoderOptions, limits: DictionaryLimits) -> Encoder {
        Encoder { options, limits, streams: HashMap::new(), forward: HashMap::new(), next_schema_id: 0, next_batch_id: 0, last_items: 0 }
    }

    /// The batch_id the next BatchArrowRecords gets (ids advance only on success).
    pub fn next_batch_id(&self) -> i64 {
        self.next_batch_id
    }

    /// Spans / log records / metric data points (rows of the item tables) of the last
    /// BatchArrowRecords `encode` or `encode_columns` produced, so that a caller need not
    /// count them in the request again.
    pub fn last_item_count(&self) -> usize {
        self.last_items
    }

    /// `ExportXServiceRequest` protobuf in, `BatchArrowRecords` protobuf out.
    pub fn encode(&mut self, signal: Signal, otlp_request: &[u8]) -> Result<Vec<u8>, OtapError> {
        Ok(self.encode_batch(signal, otlp_request)?.encode_to_vec())
    }

    /// Like [`Encoder::encode`], returning the envelope unserialised.
    pub fn encode_batch(&mut self, signal: Signal, otlp_request: &[u8]) -> Result<BatchArrowRecords, OtapError> {
        let parsed = parse_request(signal, otlp_request)?;
        let tables = parsed.tables(self.options.metric_metadata, None)?;
        self.produce(tables)
    }

    /// Like [`Encoder::encode`] of the request `editor` edits ([`OtlpKeyEditor::edit`]),
    /// the same bytes, with the renames and deletions applied to the parsed request instead
    /// of to a copy of its bytes parsed again.
    pub fn encode_edited(&mut self, signal: Signal, otlp_request: &[u8], editor: &OtlpKeyEditor) -> Result<Vec<u8>, OtapError> {
        let mut parsed = parse_request(signal, otlp_request)?;
        editor.edit_parsed(&mut parsed);
        let tables = parsed.tables(self.options.metric_metadata, None)?;
        Ok(self.produce(tables)?.encode_to_vec())
    }

    /// An SDK columns buffer (src/sdk/columns/FORMAT.md) in, `BatchArrowRecords` protobuf
    /// out: the same bytes as [`Encoder::encode`] of the equivalent OTLP request.
    pub fn encode_columns(&mut self, columns: &[u8]) -> Result<Vec<u8>, OtapError> {
        let cols = SdkColumns::parse(columns)?;
        let batch = match cols.signal() {
            Signal::Traces => {
                let req = cols.traces_request()?;
                self.produce(traces::traces_tables(&req, None)?)?
            }
            // The reader only yields traces or logs.
            _ => {
                let req = cols.logs_request()?;
                self.produce(logs::logs_tables(&req, None)?)?
            }
        };
        Ok(batch.encode_to_vec())
    }

    /// Received OTAP tables out as the next BatchArrowRecords of this stream, without the
    /// OTLP conversion (see `forward.rs`). The tables are sent as they are: their integrity
    /// is the sender's, checked by whoever converts them.
    pub fn encode_tables(&mut self, tables: &DecodedTables) -> Result<Vec<u8>, OtapError> {
        let result = self.forward_all(tables);
        if result.is_err() {
            self.reset();
        }
        Ok(result?.encode_to_vec())
    }

    fn forward_all(&mut self, tables: &DecodedTables) -> Result<BatchArrowRecords, OtapError> {
        let mut arrow_payloads = Vec::with_capacity(tables.batches.len());
        for (ty, batch) in forward::forwarded(tables, self.options.metric_metadata) {
            self.streams.remove(ty);
            let mut stream = self.forward.remove(ty);
            let next_schema_id = &mut self.next_schema_id;
            let mut new_schema_id = || {
                *next_schema_id += 1;
                (*next_schema_id - 1).to_string()
            };
            let payload = forward::write_payload(&mut stream, *ty, batch, self.options.zstd_level, &mut new_schema_id);
            if let Some(s) = stream {
                self.forward.insert(*ty, s);
            }
            arrow_payloads.push(payload?);
        }
        Ok(self.envelope(arrow_payloads))
    }

    fn envelope(&mut self, arrow_payloads: Vec<ArrowPayload>) -> BatchArrowRecords {
        let batch_id = self.next_batch_id;
        self.next_batch_id += 1;
        BatchArrowRecords { batch_id, arrow_payloads, headers: Vec::new() }
    }

    /// Tables before a failing one already advanced their streams (schema and dictionaries
    /// sent in a batch nobody will see): every stream starts anew.
    fn reset(&mut self) {
        self.streams.clear();
        self.forward.clear();
    }

    fn produce(&mut self, tables: Tables<'_>) -> Result<BatchArrowRecords, OtapError> {
        let result = self.produce_all(tables);
        if result.is_err() {
            self.reset();
        }
        result
    }

    fn produce_all(&mut self, tables: Tables<'_>) -> Result<BatchArrowRecords, OtapError> {
        let mut arrow_payloads = Vec::with_capacity(tables.len());
        let mut items = 0;
        for (ty, input) in &tables {
            if is_item_table(*ty) {
                items += input.len;
            }
            let ty = *ty;
            self.forward.remove(&ty);
            if !self.streams.contains_key(&ty) {
                let spec = table_spec(ty).ok_or_else(|| {
                    OtapError::new(codes::UNKNOWN_PAYLOAD_TYPE, format!("no table for {}", payload_type_name(ty)))
                })?;
                let encoder = TableEncoder::for_ipc(spec, self.limits);
                self.streams.insert(ty, PayloadStream { encoder, writer: None, schema_id: String::new() });
            }
            let stream = self.streams.get_mut(&ty).unwrap();
            let encoded = stream.encoder.encode(input)?;
            if encoded.new_stream || stream.writer.is_none() {
                stream.schema_id = self.next_schema_id.to_string();
                self.next_schema_id += 1;
                stream.writer = Some(TableChunkWriter::new(&encoded.schema, self.options.zstd_level)?);
            }
            let name = stream.encoder.spec.name;
            let record = stream
                .writer
                .as_mut()
                .unwrap()
                .write(&encoded.dictionaries, &encoded.batch)
                .map_err(|e| e.in_table(name))?;
            arrow_payloads.push(ArrowPayload { schema_id: stream.schema_id.clone(), r#type: ty, record });
        }
        self.last_items = items;
        Ok(self.envelope(arrow_payloads))
    }
}

/// OTAP tables of an `ExportXServiceRequest`, built as the encoder builds them but not
/// written as IPC. Each call starts fresh dictionaries (no stream state); a processor that
/// forwards its tables keeps a [`TablesBuilder`] instead.
pub fn otlp_to_tables(signal: Signal, otlp_request: &[u8], metric_metadata: bool) -> Result<DecodedTables, OtapError> {
    TablesBuilder::new().build_otlp(signal, otlp_request, metric_metadata)
}

/// A parsed OTLP request of one signal.
pub enum ParsedRequest<'a> {
    Logs(model::LogsRequest<'a>),
    Traces(model::TracesRequest<'a>),
    Metrics(model::MetricsRequest<'a>),
}

impl<'a> ParsedRequest<'a> {
    pub fn signal(&self) -> Signal {
        match self {
            ParsedRequest::Logs(_) => Signal::Logs,
            ParsedRequest::Traces(_) => Signal::Traces,
            ParsedRequest::Metrics(_) => Signal::Metrics,
        }
    }

    /// The request's tables (of the items `keep` selects, in the request's order; `None` = all).
    pub fn tables(&'a self, metric_metadata: bool, keep: Option<&[bool]>) -> Result<Tables<'a>, OtapError> {
        match self {
            ParsedRequest::Logs(req) => logs::logs_tables(req, keep),
            ParsedRequest::Traces(req) => traces::traces_tables(req, keep),
            ParsedRequest::Metrics(req) => metrics::metrics_tables(req, metric_metadata, keep),
        }
    }

    /// Root items: log records, spans or metrics.
    pub fn item_count(&self) -> usize {
        match self {
            ParsedRequest::Logs(r) => r.roots.items.len(),
            ParsedRequest::Traces(r) => r.roots.items.len(),
            ParsedRequest::Metrics(r) => r.roots.items.len(),
        }
    }
}

pub fn parse_request(signal: Signal, otlp_request: &[u8]) -> Result<ParsedRequest<'_>, OtapError> {
    Ok(match signal {
        Signal::Logs => ParsedRequest::Logs(model::parse_logs(otlp_request)?),
        Signal::Traces => ParsedRequest::Traces(model::parse_traces(otlp_request)?),
        Signal::Metrics => ParsedRequest::Metrics(model::parse_metrics(otlp_request)?),
    })
}

#[allow(dead_code)]
fn _assert_message<M: Message>() {}
