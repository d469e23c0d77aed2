//! Joining and splitting OTAP batches as Arrow tables, for processor:batch, without the
//! OTLP conversion: ids are made absolute, rows are moved, ids are transport-encoded again.

mod columns;
mod concat;
mod id_columns;
mod plain;
mod select;
mod split;
mod transport;
mod unify;

pub use concat::concat_tables;
pub(crate) use columns::{map_ids, replace_column};
pub(crate) use concat::shift;
pub(crate) use id_columns::{space_max, table_ids, ParentRule, Space};
pub(crate) use plain::{decode_parents, fill_null_runs, to_plain, Batches};
pub(crate) use split::{plain_parents_first, split_plain};
pub(crate) use transport::{id_array, to_transport};
pub use id_columns::root_type;
pub use select::{head_roots, select_roots};
pub use split::split_tables;
