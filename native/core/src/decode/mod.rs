//! The OTAP decoder: BatchArrowRecords -> OTLP `ExportXServiceRequest` protobuf, keeping the
//! Arrow IPC reader state of one gRPC stream. The Rust side of `src/otap/consumer.ts` and
//! `src/otap/decode/*.ts`, with the same rules and error codes:
//! - the signal is that of the root payload (LOGS, SPANS, UNIVARIATE_METRICS), found by
//!   type, not position; a BAR without payloads decodes to nothing (`signal: None`);
//! - only the payload types of that signal are allowed (UNKNOWN_PAYLOAD_TYPE), each at most
//!   once (INVALID_PAYLOAD), and each payload carries exactly one record batch;
//! - one IPC stream per schema_id; a schema_id not seen before starts a new stream and drops
//!   the older streams of the same payload type; a broken stream is forgotten.

pub(crate) mod attr_runs;
pub(crate) mod common;
mod logs;
pub(crate) mod metrics;
pub mod pb;
mod rev_writer;
pub(crate) mod table;
pub(crate) mod traces;

use std::collections::HashMap;

use arrow_array::RecordBatch;

use crate::array_bytes::{array_bytes, DictionaryValues};
use crate::bar::{payload_type as T, BarView, PayloadView};
use crate::error::OtapError;
use crate::ipc_reader::IpcStream;
use crate::Signal;

pub use table::TableView;

/// One decoded BatchArrowRecords.
#[derive(Debug)]
pub struct Decoded {
    /// The signal of the root payload; None for a BAR with no payloads.
    pub signal: Option<Signal>,
    /// `ExportTraceServiceRequest` / `ExportLogsServiceRequest` / `ExportMetricsServiceRequest`
    /// protobuf bytes (empty for `signal: None`).
    pub otlp: Vec<u8>,
    /// The record batch of every payload, in payload order, with its ArrowPayloadType.
    pub batches: Vec<(i32, RecordBatch)>,
}

/// The record batch of every payload of one BAR, with its ArrowPayloadType, in payload order.
pub type PayloadBatches = Vec<(i32, RecordBatch)>;

/// One BAR read into its OTAP tables (dictionaries resolved), not yet turned into OTLP: the
/// form a receiver can hold, count and forward without the OTLP conversion.
#[derive(Debug, Clone)]
pub struct DecodedTables {
    pub signal: Signal,
    pub batches: PayloadBatches,
}

/// Tables whose rows are the batch's items (spans, log records, metric data points).
pub(crate) fn item_tables(signal: Signal) -> &'static [i32] {
    match signal {
        Signal::Traces => &[T::SPANS],
        Signal::Logs => &[T::LOGS],
        Signal::Metrics => &[
            T::NUMBER_DATA_POINTS,
            T::SUMMARY_DATA_POINTS,
            T::HISTOGRAM_DATA_POINTS,
            T::EXP_HISTOGRAM_DATA_POINTS,
        ],
    }
}

/// Whether rows of payload type `ty` are items (of any signal: the item tables differ).
pub(crate) fn is_item_table(ty: i32) -> bool {
    [Signal::Traces, Signal::Logs, Signal::Metrics].iter().any(|&s| item_tables(s).contains(&ty))
}

impl DecodedTables {
    /// The OTLP Export*ServiceRequest protobuf bytes of these tables.
    pub fn to_otlp(&self) -> Result<Vec<u8>, OtapError> {
        let tables = Tables::new(&self.batches);
        Ok(match self.signal {
            Signal::Traces => traces::write_traces(&tables)?,
            Signal::Logs => logs::write_logs(&tables)?,
            Signal::Metrics => metrics::write_metrics(&tables)?,
        })
    }

    /// Spans / log records / metric data points: rows of the item tables.
    pub fn item_count(&self) -> usize {
        let wanted = item_tables(self.signal);
        self.batches.iter().filter(|(t, _)| wanted.contains(t)).map(|(_, b)| b.num_rows()).sum()
    }

    /// Bytes the tables' own buffers view, for memory accounting. Dictionary values are left
    /// out: they belong to the stream (its delta dictionaries, counted by
    /// `Decoder::state_bytes`) and every batch of the stream points at all of them.
    pub fn byte_size(&self) -> usize {
        self.batches
            .iter()
            .flat_map(|(_, b)| b.columns().iter())
            .map(|c| array_bytes(c.as_ref(), DictionaryValues::LeftOut))
            .sum()
    }
}

struct StreamState {
    payload_type: i32,
    reader: IpcStream,
}

/// The state of ONE incoming gRPC stream: schema_id -> IPC stream reader.
pub struct Decoder {
    streams: HashMap<String, StreamState>,
    /// Largest IPC message (metadata + decompressed body) any payload may hold.
    max_message_bytes: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::with_max_message_bytes(crate::ipc_reader::DEFAULT_MAX_MESSAGE_BYTES)
    }
}

const LOGS_TYPES: &[i32] = &[T::LOGS, T::RESOURCE_ATTRS, T::SCOPE_ATTRS, T::LOG_ATTRS];
const TRACES_TYPES: &[i32] = &[
    T::SPANS,
    T::RESOURCE_ATTRS,
    T::SCOPE_ATTRS,
    T::SPAN_ATTRS,
    T::SPAN_EVENTS,
    T::SPAN_LINKS,
    T::SPAN_EVENT_ATTRS,
    T::SPAN_LINK_ATTRS,
];
const METRICS_TYPES: &[i32] = &[
    T::UNIVARIATE_METRICS,
    T::RESOURCE_ATTRS,
    T::SCOPE_ATTRS,
    T::METRIC_ATTRS,
    T::NUMBER_DATA_POINTS,
    T::NUMBER_DP_ATTRS,
    T::NUMBER_DP_EXEMPLARS,
    T::NUMBER_DP_EXEMPLAR_ATTRS,
    T::SUMMARY_DATA_POINTS,
    T::SUMMARY_DP_ATTRS,
    T::HISTOGRAM_DATA_POINTS,
    T::HISTOGRAM_DP_ATTRS,
    T::HISTOGRAM_DP_EXEMPLARS,
    T::HISTOGRAM_DP_EXEMPLAR_ATTRS,
    T::EXP_HISTOGRAM_DATA_POINTS,
    T::EXP_HISTOGRAM_DP_ATTRS,
    T::EXP_HISTOGRAM_DP_EXEMPLARS,
    T::EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS,
];

/// "LOG_ATTRS" for 31; "PAYLOAD_TYPE_<n>" for a number the enum does not define (as the TS).
pub fn table_name(t: i32) -> String {
    let name = crate::bar::payload_type_name(t);
    if name.starts_with("UNKNOWN(") {
        format!("PAYLOAD_TYPE_{t}")
    } else {
        name
    }
}

pub(crate) fn allowed(signal: Signal) -> &'static [i32] {
    match signal {
        Signal::Traces => TRACES_TYPES,
        Signal::Logs => LOGS_TYPES,
        Signal::Metrics => METRICS_TYPES,
    }
}

pub(crate) fn error(code: &'static str, table: Option<String>, message: impl Into<String>) -> OtapError {
    OtapError::from(crate::error::ErrorInfo { code, table, column: None, message: message.into() })
}

/// The signal of a BAR: that of its root payload (by type, not position).
fn signal_of(payloads: &[PayloadView<'_>]) -> Result<Option<Signal>, OtapError> {
    for p in payloads {
        match p.payload_type {
            T::SPANS => return Ok(Some(Signal::Traces)),
            T::LOGS => return Ok(Some(Signal::Logs)),
            T::UNIVARIATE_METRICS => return Ok(Some(Signal::Metrics)),
            _ => {}
        }
    }
    match payloads.first() {
        None => Ok(None),
        Some(first) => Err(error(
            "UNKNOWN_PAYLOAD_TYPE",
            Some(table_name(first.payload_type)),
            "batch has no root payload (LOGS, SPANS or UNIVARIATE_METRICS)",
        )),
    }
}

/// The record batches of one BAR by payload type (borrowed views for the table decoders).
pub struct Tables<'a> {
    views: Vec<(i32, TableView<'a>)>,
}

impl<'a> Tables<'a> {
    pub fn new(batches: &'a [(i32, RecordBatch)]) -> Self {
        Tables { views: batches.iter().map(|(t, b)| (*t, TableView::new(table_name(*t), b))).collect() }
    }

    pub fn get(&self, t: i32) -> Option<&TableView<'a>> {
        self.views.iter().find(|(x, _)| *x == t).map(|(_, v)| v)
    }
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// A decoder whose IPC messages (metadata + decompressed body) may not exceed `max`.
    pub fn with_max_message_bytes(max: usize) -> Decoder {
        Decoder { streams: HashMap::new(), max_message_bytes: max }
    }

    /// Bytes the stream state holds between batches (schemas and dictionaries), so a
    /// receiver can bound the memory one gRPC stream keeps.
    pub fn state_bytes(&self) -> usize {
        self.streams.iter().map(|(id, s)| id.len() + s.reader.state_bytes()).sum()
    }

    /// Decodes one BatchArrowRecords (protobuf bytes).
    pub fn decode(&mut self, bar: &[u8]) -> Result<Decoded, OtapError> {
        let Some(tables) = self.decode_tables(bar)? else {
            return Ok(Decoded { signal: None, otlp: Vec::new(), batches: Vec::new() });
        };
        let otlp = tables.to_otlp()?;
        Ok(Decoded { signal: Some(tables.signal), otlp, batches: tables.batches })
    }

    /// Reads one BAR into its tables, advancing the stream state as `decode` does, without
    /// the OTLP conversion (None for a BAR without payloads). The tables are checked when
    /// converted (`DecodedTables::to_otlp`), not here.
    pub fn decode_tables(&mut self, bar: &[u8]) -> Result<Option<DecodedTables>, OtapError> {
        let bar = BarView::parse(bar)?;
        let Some(signal) = signal_of(&bar.payloads)? else { return Ok(None) };
        Ok(Some(DecodedTables { signal, batches: self.read_tables(&bar.payloads, signal)? }))
    }

    /// The Arrow record batches of one BAR (in payload order) and its signal, for callers
    /// that want Arrow, not OTLP. Advances the stream state exactly as `decode` does.
    pub fn read_batch(&mut self, bar: &[u8]) -> Result<(Option<Signal>, PayloadBatches), OtapError> {
        Ok(match self.decode_tables(bar)? {
            Some(t) => (Some(t.signal), t.batches),
            None => (None, Vec::new()),
        })
    }

    fn read_tables(&mut self, payloads: &[PayloadView<'_>], signal: Signal) -> Result<Vec<(i32, RecordBatch)>, OtapError> {
        let mut out: Vec<(i32, RecordBatch)> = Vec::with_capacity(payloads.len());
        for p in payloads {
            let t = p.payload_type;
            if !allowed(signal).contains(&t) {
                return Err(error(
                    "UNKNOWN_PAYLOAD_TYPE",
                    Some(table_name(t)),
                    format!("payload type {} is not allowed in a {} batch", table_name(t), signal.name()),
                ));
            }
            if out.iter().any(|(x, _)| *x == t) {
                return Err(error("INVALID_PAYLOAD", Some(table_name(t)), "payload type appears twice in one batch"));
            }
            let batch = self.read_record_batch(p.schema_id, t, p.record)?;
            out.push((t, batch));
        }
        Ok(out)
    }

    fn read_record_batch(&mut self, schema_id: &str, t: i32, record: &[u8]) -> Result<RecordBatch, OtapError> {
        let table = table_name(t);
        match self.streams.get(schema_id) {
            Some(state) if state.payload_type != t => {
                return Err(error(
                    "INVALID_PAYLOAD",
                    Some(table),
                    format!("schema_id \"{schema_id}\" already belongs to {}", table_name(state.payload_type)),
                ));
            }
            Some(_) => {}
            None => {
                self.streams.retain(|_, s| s.payload_type != t);
                self.streams.insert(schema_id.to_string(), StreamState { payload_type: t, reader: IpcStream::with_max_message_bytes(self.max_message_bytes) });
            }
        }
        let Some(state) = self.streams.get_mut(schema_id) else {
            return Err(error("MALFORMED_IPC", Some(table), "stream state lost"));
        };
        let mut batches = match state.reader.read(record) {
            Ok(b) => b,
            Err(e) => {
                // A broken IPC stream cannot be resumed: forget it so the sender's next schema reset works.
                self.streams.remove(schema_id);
                return Err(e.in_table(table));
            }
        };
        if batches.len() != 1 {
            return Err(error(
                "INVALID_PAYLOAD",
                Some(table),
                format!("expected exactly one record batch per payload, found {}", batches.len()),
            ));
        }
        Ok(batches.remove(0))
    }
}
