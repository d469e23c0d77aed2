//! Reading a file set back: each file's rows checked against its payload type's Parquet
//! schema, ids marked plain, the whole set cut into pieces of at most a number of items
//! (`rebatch::split_plain`, as processor:batch splits), each piece's ids renumbered densely
//! and transport-encoded again: tables the decoder and `Encoder::encode_tables` take as if
//! they came from the wire.

use std::panic::{catch_unwind, AssertUnwindSafe};

use std::sync::Arc;

use ::parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use ::parquet::file::metadata::{PageIndexPolicy, ParquetMetaDataReader};
use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::Schema;
use bytes::Bytes;

use super::footer;
use super::ids::renumber;
use super::layout::from_file_layout;
use super::read_error;
use super::schema::parquet_schema;
use crate::decode::{allowed, table_name, DecodedTables};
use crate::error::{codes, OtapError};
use crate::rebatch::{plain_parents_first, replace_column, root_type, split_plain, table_ids, to_transport};
use crate::Signal;

/// Rows read per step (the pieces of one file are joined afterwards).
const READ_BATCH_ROWS: usize = 8192;

/// A piece holds at most this many items: root, resource and scope ids must fit u16.
const MAX_PIECE_ITEMS: usize = u16::MAX as usize + 1;

/// What a file's footer says, read without its pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParquetFileInfo {
    pub rows: u64,
    pub row_groups: usize,
    /// The footer's key/value metadata (e.g. `_part_id`), without the `ARROW:schema` blob.
    pub metadata: Vec<(String, String)>,
}

/// The rows, row groups and key/value metadata of one whole Parquet file.
pub fn parquet_file_info(bytes: &[u8]) -> Result<ParquetFileInfo, OtapError> {
    let data = Bytes::copy_from_slice(bytes);
    let md = guarded(|| ParquetMetaDataReader::new().parse_and_finish(&data).map_err(read_error))?;
    let fm = md.file_metadata();
    let rows = u64::try_from(fm.num_rows()).map_err(|_| OtapError::new(codes::MALFORMED_PARQUET, format!("negative row count {}", fm.num_rows())))?;
    let metadata = fm
        .key_value_metadata()
        .map(|kv| kv.iter().filter(|e| e.key != "ARROW:schema").map(|e| (e.key.clone(), e.value.clone().unwrap_or_default())).collect())
        .unwrap_or_default();
    Ok(ParquetFileInfo { rows, row_groups: md.num_row_groups(), metadata })
}

/// Runs parquet code that reads untrusted bytes; a panic in it (a bug there) is reported as
/// MALFORMED_PARQUET where panics unwind (native; in wasm a panic is a trap).
fn guarded<T>(f: impl FnOnce() -> Result<T, OtapError>) -> Result<T, OtapError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(OtapError::new(codes::MALFORMED_PARQUET, "the Parquet reader failed on this file")))
}

/// Every row of one file as one record batch: the leaves `schema` knows, after the footer
/// checks (`footer::check`). Types come from the file's Parquet schema, not from its embedded
/// Arrow schema (a blob that could disagree with the pages).
fn read_rows(bytes: &[u8], schema: &Schema) -> Result<RecordBatch, OtapError> {
    let data = Bytes::copy_from_slice(bytes);
    guarded(|| {
        let md = ParquetMetaDataReader::new().with_page_index_policy(PageIndexPolicy::Skip).parse_and_finish(&data).map_err(read_error)?;
        let projection = footer::check(&md, bytes, schema)?;
        let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true).with_page_index_policy(PageIndexPolicy::Skip);
        let md = ArrowReaderMetadata::try_new(Arc::new(md), options).map_err(read_error)?;
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(data, md).with_projection(projection);
        let out_schema = builder.schema().clone();
        let reader = builder.with_batch_size(READ_BATCH_ROWS).build().map_err(read_error)?;
        let batches = reader.collect::<Result<Vec<RecordBatch>, _>>().map_err(|e| OtapError::new(codes::MALFORMED_PARQUET, e.to_string()))?;
        let schema = batches.first().map_or(out_schema, |b| b.schema());
        arrow_select::concat::concat_batches(&schema, &batches).map_err(|e| OtapError::new(codes::MALFORMED_PARQUET, e.to_string()))
    })
}

/// The column at `path` (top level or `struct.child`), if present.
fn column_at(batch: &RecordBatch, path: &str) -> Option<ArrayRef> {
    match path.split_once('.') {
        None => batch.column_by_name(path).cloned(),
        Some((parent, child)) => batch.column_by_name(parent)?.as_struct_opt()?.column_by_name(child).cloned(),
    }
}

/// `batch` with its id columns marked `encoding: plain` (their values are absolute ids).
fn mark_plain(t: i32, batch: RecordBatch) -> Result<RecordBatch, OtapError> {
    let spec = table_ids(t);
    let mut out = batch;
    for path in spec.ids.iter().map(|c| c.path).chain(spec.parent.map(|_| "parent_id")) {
        if let Some(values) = column_at(&out, path) {
            out = replace_column(&out, path, values, Some("plain")).map_err(|e| e.in_table(table_name(t)))?;
        }
    }
    Ok(out)
}

/// One file's rows, checked and with plain ids.
fn read_table(t: i32, bytes: &[u8]) -> Result<RecordBatch, OtapError> {
    let table = table_name(t);
    let schema = parquet_schema(t).ok_or_else(|| OtapError::new(codes::UNKNOWN_PAYLOAD_TYPE, "not an OTAP payload type").in_table(&table))?;
    let rows = read_rows(bytes, &schema).map_err(|e| e.in_table(&table))?;
    mark_plain(t, from_file_layout(&table, &rows, &schema)?)
}

/// A file set (`(payload type, whole file)`, one file per payload type of `signal`, the root
/// payload's included) read back as tables of at most `max_items` items each (root rows; for
/// metrics data points, a metric never cut; at most 65536), in file order. Refused: a file
/// that is not readable Parquet (MALFORMED_PARQUET), a payload type not of the signal
/// (UNKNOWN_PAYLOAD_TYPE), a column of another type than the payload type's Parquet schema,
/// a required column missing, a child row whose parent is not in the set, no root file
/// (INVALID_PAYLOAD).
pub fn read_parquet_set(signal: Signal, files: &[(i32, &[u8])], max_items: usize) -> Result<Vec<DecodedTables>, OtapError> {
    let root = root_type(signal);
    let ok_types = allowed(signal);
    for (i, (t, _)) in files.iter().enumerate() {
        if !ok_types.contains(t) {
            return Err(OtapError::new(codes::UNKNOWN_PAYLOAD_TYPE, format!("payload type {} is not part of {}", table_name(*t), signal.name())).in_table(table_name(*t)));
        }
        if files[..i].iter().any(|(x, _)| x == t) {
            return Err(OtapError::invalid_payload("two files of one payload type in a file set").in_table(table_name(*t)));
        }
    }
    if !files.iter().any(|(t, _)| *t == root) {
        return Err(OtapError::invalid_payload(format!("the {} file set has no {} file", signal.name(), table_name(root))).in_table(table_name(root)));
    }
    let batches = files.iter().map(|(t, bytes)| Ok((*t, read_table(*t, bytes)?))).collect::<Result<Vec<_>, OtapError>>()?;
    let plain = plain_parents_first(&DecodedTables { signal, batches })?;
    let max = max_items.clamp(1, MAX_PIECE_ITEMS);
    split_plain(signal, &plain, max, max)?
        .into_iter()
        .map(|piece| Ok(DecodedTables { signal, batches: to_transport(renumber(piece)?)? }))
        .collect()
}
