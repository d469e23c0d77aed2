//! Checksums that `ParquetSetWriter` puts in every file's footer (key/value metadata
//! `otap.data_xxh64` = "<bytes>:<data xxh64>:<footer xxh64>", hex): one of the data region
//! (the magic and every row group: everything before the page indexes and the footer), one
//! of the footer fields the Parquet reader decodes pages by (the schema's leaves, every row
//! group's rows and every column chunk's codec, offsets, size and value count) and of the
//! other key/value metadata. The reader trusts those bytes and can panic on corrupt ones (a
//! trap in wasm): a file that carries the entry is verified before any page is decoded, so a
//! damaged file is an error.

use std::hash::Hasher;

use ::parquet::file::metadata::{KeyValue, ParquetMetaData, RowGroupMetaData};
use ::parquet::schema::types::SchemaDescriptor;
use twox_hash::XxHash64;

use crate::error::{codes, OtapError};

pub(super) const KEY: &str = "otap.data_xxh64";
/// Left out of the footer checksum: the embedded Arrow schema, which the reader ignores.
const ARROW_SCHEMA: &str = "ARROW:schema";

/// The checksum of the bytes handed out so far.
pub(super) struct Running {
    hasher: XxHash64,
    len: u64,
}

impl Running {
    pub(super) fn new() -> Running {
        Running { hasher: XxHash64::with_seed(0), len: 0 }
    }

    pub(super) fn update(&mut self, bytes: &[u8]) {
        self.hasher.write(bytes);
        self.len += bytes.len() as u64;
    }

    /// The footer entry for the bytes seen and the footer that will describe them.
    pub(super) fn entry(&self, row_groups: &[RowGroupMetaData], metadata: &[(String, String)]) -> KeyValue {
        let footer = row_groups.first().map_or(0, |rg| footer_digest(rg.schema_descr(), row_groups, metadata.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
        KeyValue::new(KEY.to_string(), format!("{}:{:016x}:{footer:016x}", self.len, self.hasher.finish()))
    }
}

/// The footer fields pages are decoded by, and the key/value metadata, as one digest.
fn footer_digest<'a>(schema: &SchemaDescriptor, row_groups: &[RowGroupMetaData], metadata: impl Iterator<Item = (&'a str, &'a str)>) -> u64 {
    let mut h = XxHash64::with_seed(0);
    let mut put = |s: String| {
        h.write(s.as_bytes());
        h.write_u8(0);
    };
    for c in schema.columns() {
        put(format!("{}|{}|{}|{}|{}", c.path().string(), c.physical_type(), c.type_length(), c.max_def_level(), c.max_rep_level()));
    }
    for rg in row_groups {
        put(format!("rows {}", rg.num_rows()));
        for c in rg.columns() {
            put(format!(
                "{}|{}|{:?}|{}|{}|{}|{}",
                c.column_path().string(),
                c.compression(),
                c.dictionary_page_offset(),
                c.data_page_offset(),
                c.compressed_size(),
                c.num_values(),
                c.file_path().unwrap_or("")
            ));
        }
    }
    for (k, v) in metadata.filter(|(k, _)| *k != KEY && *k != ARROW_SCHEMA) {
        put(format!("{k}={v}"));
    }
    h.finish()
}

fn malformed(message: impl Into<String>) -> OtapError {
    OtapError::new(codes::MALFORMED_PARQUET, message)
}

/// Verifies a file's entry (`value`) against its footer `md` and its first bytes; returns the
/// length of the data region it covers (`limit`: where the page indexes and footer start).
pub(super) fn verify(value: &str, md: &ParquetMetaData, file: &[u8], limit: usize) -> Result<usize, OtapError> {
    let mut parts = value.split(':');
    let (Some(len), Some(data), Some(footer), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(malformed(format!("{KEY} is not <bytes>:<hex>:<hex>")));
    };
    let parsed = (len.parse::<usize>(), u64::from_str_radix(data, 16), u64::from_str_radix(footer, 16));
    let (Ok(len), Ok(data), Ok(footer)) = parsed else { return Err(malformed(format!("{KEY} is not <bytes>:<hex>:<hex>"))) };
    let kv = md.file_metadata().key_value_metadata().map(|kv| kv.as_slice()).unwrap_or_default();
    let entries = kv.iter().map(|e| (e.key.as_str(), e.value.as_deref().unwrap_or("")));
    if footer_digest(md.file_metadata().schema_descr(), md.row_groups(), entries) != footer {
        return Err(malformed("the file's footer does not match its checksum (the file is damaged)"));
    }
    if !(4..=limit).contains(&len) {
        return Err(malformed(format!("{KEY} covers {len} bytes, outside the file's data region")));
    }
    if XxHash64::oneshot(0, &file[..len]) != data {
        return Err(malformed("the file's row groups do not match their checksum (the file is damaged)"));
    }
    Ok(len)
}
