//! OTAP tables as Parquet files, keeping the OTAP star schema (the layout of the OTAP Dataflow
//! Engine's `exporter:parquet`): a "file set" is one Parquet file per payload type of one
//! signal, rows joined across tables by their `id` / `parent_id` columns (and the root
//! table's `resource.id` / `scope.id`), ids unique within the set.
//!
//! - `schema`: each payload type's Parquet schema, derived from `schema::table_spec`.
//! - `layout`: record batches laid out as that schema (and checked against it when read).
//! - `ids`: ids shifted to stay unique across a set's batches; renumbered when read back.
//! - `writer`: `ParquetSetWriter`, writing a set incrementally into in-memory sinks.
//! - `reader`: `read_parquet_set`, a set back into tables of a bounded number of items;
//!   `parquet_file_info`, a file's footer.
//! - `footer`, `integrity`: what is checked before the Parquet reader decodes a page (it
//!   trusts footers and pages and can panic on corrupt ones, a trap in wasm): the footer
//!   against the payload type's schema and the file, and our files' data-region checksum.
//!
//! The core does no file I/O: the caller appends the bytes it drains to its files.

mod footer;
mod ids;
mod integrity;
mod layout;
mod reader;
mod schema;
mod writer;

pub use reader::{parquet_file_info, read_parquet_set, ParquetFileInfo};
pub use schema::parquet_schema;
pub use writer::{ParquetSetWriter, ParquetWriteOptions};

use crate::error::{codes, OtapError};

/// An error of the Parquet reader: the bytes are not a readable Parquet file.
fn read_error(e: ::parquet::errors::ParquetError) -> OtapError {
    OtapError::new(codes::MALFORMED_PARQUET, e.to_string())
}

/// An error of the Parquet writer (the batch does not fit the file's schema).
fn write_error(e: ::parquet::errors::ParquetError) -> OtapError {
    OtapError::invalid_payload(format!("Parquet writer: {e}"))
}
