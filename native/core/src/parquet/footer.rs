//! A file's footer checked before any of its pages is decoded (the Parquet reader trusts the
//! footer: a negative offset or a physical type other than the column's makes it panic):
//! every column the payload type's schema knows has that column's physical type, every
//! column chunk lies in the file and is zstd or uncompressed, row counts agree, and a file
//! that carries our checksum (`integrity`) matches it with its column chunks tiling the data
//! region and its footer. Columns the schema does not know are not read at all.

use ::parquet::arrow::{ArrowSchemaConverter, ProjectionMask};
use ::parquet::basic::{Compression, Type as PhysicalType};
use ::parquet::file::metadata::ParquetMetaData;
use ::parquet::schema::types::{ColumnDescriptor, SchemaDescriptor};
use arrow_schema::Schema;

use super::integrity;
use crate::error::{codes, OtapError};

fn malformed(message: impl Into<String>) -> OtapError {
    OtapError::new(codes::MALFORMED_PARQUET, message)
}

fn describe(c: &ColumnDescriptor) -> String {
    match c.physical_type() {
        PhysicalType::FIXED_LEN_BYTE_ARRAY => format!("FIXED_LEN_BYTE_ARRAY({})", c.type_length()),
        t => t.to_string(),
    }
}

/// Where the page indexes and footer start: the file minus its metadata and 8-byte tail.
fn data_limit(file: &[u8]) -> Result<usize, OtapError> {
    let n = file.len();
    if n < 12 {
        return Err(malformed("too short for a Parquet file"));
    }
    let meta = u32::from_le_bytes([file[n - 8], file[n - 7], file[n - 6], file[n - 5]]) as usize;
    (n - 8).checked_sub(meta).ok_or_else(|| malformed("footer longer than the file"))
}

/// Checks `md` (the footer of `file`) against `schema` (the payload type's Parquet schema) and
/// returns the leaves to read: those `schema` has.
pub(super) fn check(md: &ParquetMetaData, file: &[u8], schema: &Schema) -> Result<ProjectionMask, OtapError> {
    let expected = ArrowSchemaConverter::new().convert(schema).map_err(|e| OtapError::unsupported(e.to_string()))?;
    let found: &SchemaDescriptor = md.file_metadata().schema_descr();
    let mut known = Vec::new();
    let mut repeated = Vec::with_capacity(found.num_columns());
    for (i, leaf) in found.columns().iter().enumerate() {
        repeated.push(leaf.max_rep_level() > 0);
        let path = leaf.path().string();
        let Some(want) = expected.columns().iter().find(|c| c.path().string() == path) else { continue };
        let same = leaf.physical_type() == want.physical_type()
            && (want.physical_type() != PhysicalType::FIXED_LEN_BYTE_ARRAY || leaf.type_length() == want.type_length())
            && leaf.max_rep_level() == want.max_rep_level();
        if !same {
            return Err(OtapError::invalid_payload(format!("column is {} in the file, the Parquet schema of this table has {}", describe(leaf), describe(want))).in_column(path));
        }
        known.push(i);
    }

    let limit = data_limit(file)?;
    let mut chunks: Vec<(i64, i64)> = Vec::new();
    let mut rows = 0i64;
    for rg in md.row_groups() {
        if rg.num_rows() < 0 || rg.columns().len() != found.num_columns() {
            return Err(malformed("row group does not match the file schema"));
        }
        rows = rows.checked_add(rg.num_rows()).ok_or_else(|| malformed("row count overflows"))?;
        for (c, rep) in rg.columns().iter().zip(&repeated) {
            let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
            let size = c.compressed_size();
            let end = start.checked_add(size).unwrap_or(i64::MAX);
            if start < 4 || size < 0 || end > limit as i64 {
                return Err(malformed(format!("column chunk {} at {start}+{size} lies outside the file's data", c.column_path().string())));
            }
            if !matches!(c.compression(), Compression::ZSTD(_) | Compression::UNCOMPRESSED) {
                return Err(malformed(format!("column chunk {} is {} compressed (zstd and uncompressed are read)", c.column_path().string(), c.compression())));
            }
            // One value (or level) per row; a repeated column at least one.
            if c.num_values() < 0 || (!rep && c.num_values() != rg.num_rows()) || (*rep && c.num_values() < rg.num_rows()) {
                return Err(malformed(format!("column chunk {} has {} values for {} rows", c.column_path().string(), c.num_values(), rg.num_rows())));
            }
            chunks.push((start, size));
        }
    }
    if rows != md.file_metadata().num_rows() {
        return Err(malformed(format!("row groups hold {rows} rows, the footer says {}", md.file_metadata().num_rows())));
    }

    let entry = md.file_metadata().key_value_metadata().and_then(|kv| kv.iter().find(|e| e.key == integrity::KEY));
    if let Some(entry) = entry {
        let covered = integrity::verify(entry.value.as_deref().unwrap_or(""), md, file, limit)? as i64;
        // Our files: column chunks back to back from the magic to the end of the data region.
        chunks.sort_unstable();
        let mut at = 4i64;
        for (start, size) in chunks {
            if start != at {
                return Err(malformed("column chunks do not tile the file's data region"));
            }
            at = start + size;
        }
        if at != covered {
            return Err(malformed("column chunks do not tile the file's data region"));
        }
    }
    Ok(ProjectionMask::leaves(found, known))
}
