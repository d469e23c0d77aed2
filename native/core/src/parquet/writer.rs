//! `ParquetSetWriter`: one file set (one Parquet file per payload type of one signal), written
//! incrementally into in-memory sinks the caller drains; the core does no file I/O.

use std::sync::Arc;

use ::parquet::arrow::ArrowWriter;
use ::parquet::basic::{Compression, Encoding, ZstdLevel};
use ::parquet::schema::types::ColumnPath;
use ::parquet::file::metadata::KeyValue;
use ::parquet::file::properties::{EnabledStatistics, WriterProperties};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Fields, Schema, SchemaRef};

use super::ids::{check_and_max, overflow, shift_all};
use super::integrity::Running;
use super::layout::to_file_layout;
use super::schema::schema_with_metadata;
use super::write_error;
use crate::decode::{allowed, table_name, DecodedTables};
use crate::error::OtapError;
use crate::rebatch::{root_type, to_plain};
use crate::Signal;

/// How a file set is written.
#[derive(Debug, Clone)]
pub struct ParquetWriteOptions {
    /// zstd level of the column chunks (default 3; zstd's range, up to 22).
    pub zstd_level: i32,
    /// Rows per row group (default 131072): a row group is written out when it has this many.
    pub row_group_rows: usize,
    /// Schema-level metadata of the root table's file (e.g. `_part_id` = a UUID): in its Arrow
    /// schema and in the Parquet footer's key/value metadata (sorted by key).
    pub root_metadata: Vec<(String, String)>,
}

impl Default for ParquetWriteOptions {
    fn default() -> Self {
        ParquetWriteOptions { zstd_level: 3, row_group_rows: 131_072, root_metadata: Vec::new() }
    }
}

/// One payload type's file.
struct File {
    payload_type: i32,
    schema: SchemaRef,
    writer: ArrowWriter<Vec<u8>>,
    rows: u64,
    /// Checksum of the bytes handed out (all of the data region until `finish`).
    checksum: Running,
}

impl File {
    /// The bytes the writer produced since the last call (its buffer flushed first).
    fn drain(&mut self) -> Result<Vec<u8>, OtapError> {
        self.writer.sync().map_err(|e| OtapError::invalid_payload(format!("parquet sink: {e}")).in_table(table_name(self.payload_type)))?;
        Ok(std::mem::take(self.writer.inner_mut()))
    }
}

/// One Parquet file per payload type of one signal, written incrementally.
///
/// `write` appends a batch of tables: ids made absolute and shifted past the ids the set
/// already holds (unique in every file of the set), each table laid out as its payload type's
/// Parquet schema (`parquet_schema`). A payload type's file starts the first time the set sees
/// it. Bytes accumulate in memory: `take_output` hands over what was produced since the last
/// call (Parquet writes a row group when it is full, so little appears in between), `finish`
/// closes every file (last row group and footer) and hands over the rest. Concatenating a
/// payload type's outputs in order gives its file.
pub struct ParquetSetWriter {
    signal: Signal,
    options: ParquetWriteOptions,
    compression: Compression,
    files: Vec<File>,
    /// Ids below this are taken in every file of the set.
    offset: u64,
}

impl ParquetSetWriter {
    /// A new, empty file set. A zstd level zstd refuses or 0 rows per row group is UNSUPPORTED.
    pub fn new(signal: Signal, options: ParquetWriteOptions) -> Result<ParquetSetWriter, OtapError> {
        let level = ZstdLevel::try_new(options.zstd_level)
            .map_err(|_| OtapError::unsupported(format!("zstd level {} is outside zstd's range (up to 22)", options.zstd_level)))?;
        if options.row_group_rows == 0 {
            return Err(OtapError::unsupported("row groups need at least one row"));
        }
        let mut options = options;
        // Sorted by key (a key given twice: its last value), so that equal inputs give equal bytes.
        options.root_metadata.reverse();
        options.root_metadata.sort_by(|a, b| a.0.cmp(&b.0));
        options.root_metadata.dedup_by(|a, b| a.0 == b.0);
        Ok(ParquetSetWriter { signal, options, compression: Compression::ZSTD(level), files: Vec::new(), offset: 0 })
    }

    pub fn signal(&self) -> Signal {
        self.signal
    }

    fn properties(&self, root: bool, schema: &Schema) -> WriterProperties {
        let metadata = root.then(|| self.options.root_metadata.iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())).collect());
        let mut builder = WriterProperties::builder()
            .set_compression(self.compression)
            .set_max_row_group_row_count(Some(self.options.row_group_rows))
            .set_statistics_enabled(EnabledStatistics::Page)
            .set_key_value_metadata(metadata);
        // Ids and timestamps rise steadily and rarely repeat: a dictionary only falls back to
        // plain values, while delta packing stores them in a few bits (OTAP's own transport
        // encodes ids as deltas for the same reason).
        for path in sequence_columns(schema.fields(), &[]) {
            builder = builder.set_column_dictionary_enabled(path.clone(), false).set_column_encoding(path, Encoding::DELTA_BINARY_PACKED);
        }
        builder.build()
    }

    /// The tables of `tables` as the batches their files take, ids shifted; and the set's
    /// offset after them. Changes nothing.
    fn prepare(&self, tables: &DecodedTables) -> Result<(Vec<(i32, RecordBatch)>, u64), OtapError> {
        if tables.signal != self.signal {
            return Err(OtapError::invalid_payload(format!("{} tables cannot go to a {} Parquet file set", tables.signal.name(), self.signal.name())));
        }
        let ok_types = allowed(self.signal);
        if let Some((t, _)) = tables.batches.iter().find(|(t, _)| !ok_types.contains(t)) {
            return Err(OtapError::new(crate::error::codes::UNKNOWN_PAYLOAD_TYPE, format!("payload type {} is not part of {}", table_name(*t), self.signal.name())).in_table(table_name(*t)));
        }
        let plain = to_plain(root_type(self.signal), &tables.batches)?;
        let Some(max) = check_and_max(&plain)? else {
            // No ids at all: no rows.
            return Ok((Vec::new(), self.offset));
        };
        if self.offset + max as u64 > u32::MAX as u64 {
            return Err(overflow(self.offset, max));
        }
        let shifted = shift_all(plain, self.offset as i64)?;
        let mut out = Vec::with_capacity(shifted.len());
        for (t, b) in shifted {
            let schema = match self.files.iter().find(|f| f.payload_type == t) {
                Some(f) => f.schema.clone(),
                None => Arc::new(self.schema_of(t)?),
            };
            out.push((t, to_file_layout(&table_name(t), &b, &schema)?));
        }
        Ok((out, self.offset + max as u64 + 1))
    }

    fn schema_of(&self, t: i32) -> Result<arrow_schema::Schema, OtapError> {
        let root = t == root_type(self.signal);
        let metadata: &[(String, String)] = if root { &self.options.root_metadata } else { &[] };
        schema_with_metadata(t, metadata).ok_or_else(|| OtapError::new(crate::error::codes::UNKNOWN_PAYLOAD_TYPE, "no Parquet schema").in_table(table_name(t)))
    }

    /// Appends one batch of tables to the set. Refused (the set unchanged and still usable):
    /// tables of another signal, a parent id that names no row, a column of another type than
    /// the Parquet schema's (INVALID_PAYLOAD naming table and column), and ids that would
    /// exceed u32 after the shift (ID_OVERFLOW: finish this set and write the batch to a new
    /// one; never for the first batch of a set).
    pub fn write(&mut self, tables: &DecodedTables) -> Result<(), OtapError> {
        let (batches, offset) = self.prepare(tables)?;
        for (t, batch) in batches {
            let i = match self.files.iter().position(|f| f.payload_type == t) {
                Some(i) => i,
                None => {
                    let schema = batch.schema();
                    let props = self.properties(t == root_type(self.signal), &schema);
                    let writer = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props)).map_err(|e| write_error(e).in_table(table_name(t)))?;
                    self.files.push(File { payload_type: t, schema, writer, rows: 0, checksum: Running::new() });
                    self.files.len() - 1
                }
            };
            let f = &mut self.files[i];
            f.writer.write(&batch).map_err(|e| write_error(e).in_table(table_name(t)))?;
            f.rows += batch.num_rows() as u64;
        }
        self.offset = offset;
        Ok(())
    }

    /// The bytes produced since the last call, per payload type (types with none left out).
    pub fn take_output(&mut self) -> Result<Vec<(i32, Vec<u8>)>, OtapError> {
        let mut out = Vec::new();
        for f in &mut self.files {
            let bytes = f.drain()?;
            f.checksum.update(&bytes);
            if !bytes.is_empty() {
                out.push((f.payload_type, bytes));
            }
        }
        Ok(out)
    }

    /// Rows written per payload type, in the order the files started.
    pub fn rows(&self) -> Vec<(i32, u64)> {
        self.files.iter().map(|f| (f.payload_type, f.rows)).collect()
    }

    /// Memory the set holds: rows buffered in unfinished row groups (the encoders' estimate)
    /// and bytes produced but not yet taken.
    pub fn buffered_bytes(&self) -> usize {
        self.files.iter().map(|f| f.writer.memory_size() + f.writer.inner().len()).sum()
    }

    /// Closes every file (last row group, the checksums and the footer); the
    /// remaining bytes per payload type.
    pub fn finish(mut self) -> Result<Vec<(i32, Vec<u8>)>, OtapError> {
        let mut out = Vec::with_capacity(self.files.len());
        for f in &mut self.files {
            let table = table_name(f.payload_type);
            f.writer.flush().map_err(|e| write_error(e).in_table(&table))?;
            let mut bytes = f.drain()?;
            f.checksum.update(&bytes);
            let metadata: &[(String, String)] = if f.payload_type == root_type(self.signal) { &self.options.root_metadata } else { &[] };
            let entry = f.checksum.entry(f.writer.flushed_row_groups(), metadata);
            f.writer.append_key_value_metadata(entry);
            f.writer.finish().map_err(|e| write_error(e).in_table(&table))?;
            bytes.extend(f.drain()?);
            out.push((f.payload_type, bytes));
        }
        Ok(out)
    }
}

/// Leaf columns holding ids or times (`id`, `parent_id`, `*.id`, `*time_unix_nano`), outside lists.
fn sequence_columns(fields: &Fields, prefix: &[String]) -> Vec<ColumnPath> {
    let mut out = Vec::new();
    for f in fields {
        let mut path = prefix.to_vec();
        path.push(f.name().clone());
        match f.data_type() {
            DataType::Struct(children) => out.extend(sequence_columns(children, &path)),
            DataType::List(_) => {}
            _ if f.name() == "id" || f.name() == "parent_id" || f.name().ends_with("time_unix_nano") => out.push(ColumnPath::new(path)),
            _ => {}
        }
    }
    out
}
