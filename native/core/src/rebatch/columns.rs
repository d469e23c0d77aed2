//! Replacing one column of a record batch by path (`id`, or a struct child such as
//! `resource.id`), with the field metadata that says how ids are encoded.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{make_array, Array, ArrayRef, RecordBatch, StructArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{Field, FieldRef, Fields, Metadata, Schema};

use super::id_columns::{table_ids, Space};
use super::plain::Batches;
use crate::decode::common::ids_or_null;
use crate::decode::{table_name, TableView};
use crate::error::OtapError;

/// `metadata` with its `encoding` entry set to `encoding`, or removed for None.
fn with_encoding(metadata: &Metadata, encoding: Option<&str>) -> Metadata {
    let mut m = metadata.clone();
    match encoding {
        Some(e) => m.insert("encoding", e),
        None => m.remove("encoding"),
    };
    m
}

/// A struct whose own nulls are pushed down into its children (so a child can be given
/// values at rows where the struct was null without changing what the other children say).
fn fold_nulls(s: &StructArray) -> StructArray {
    let Some(nulls) = s.nulls().filter(|n| n.null_count() > 0) else { return s.clone() };
    let children: Vec<ArrayRef> = s
        .columns()
        .iter()
        .map(|c| {
            let merged = NullBuffer::union(Some(nulls), c.nulls());
            let data = c.to_data().into_builder().nulls(merged);
            // Only the validity changes, which keeps the data valid.
            make_array(data.build().unwrap_or_else(|_| c.to_data()))
        })
        .collect();
    let fields: Fields = s.fields().iter().map(|f| Arc::new(f.as_ref().clone().with_nullable(true)) as FieldRef).collect();
    StructArray::new(fields, children, None)
}

/// `batch` with column `path` (top level, or `struct.child`) set to `values`, its field's
/// `encoding` metadata set (or removed); an absent column or struct is added at the end.
pub fn replace_column(batch: &RecordBatch, path: &str, values: ArrayRef, encoding: Option<&str>) -> Result<RecordBatch, OtapError> {
    let schema = batch.schema();
    let mut fields: Vec<FieldRef> = schema.fields().iter().cloned().collect();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    match path.split_once('.') {
        None => {
            let old = schema.field_with_name(path).ok();
            let metadata = with_encoding(old.map_or(&Metadata::default(), |f| f.metadata()), encoding);
            let field = Arc::new(Field::new(path, values.data_type().clone(), values.null_count() > 0 || old.is_some_and(|f| f.is_nullable())).with_metadata(metadata));
            set(&mut fields, &mut columns, field, values);
        }
        Some((parent, child)) => {
            let (mut child_fields, mut child_columns, struct_meta) = match schema.index_of(parent) {
                Ok(i) => {
                    let s = fold_nulls(columns[i].as_struct());
                    (s.fields().iter().cloned().collect::<Vec<_>>(), s.columns().to_vec(), fields[i].metadata().clone())
                }
                Err(_) => (Vec::new(), Vec::new(), Metadata::default()),
            };
            let old = child_fields.iter().find(|f| f.name() == child);
            let metadata = with_encoding(old.map_or(&Metadata::default(), |f| f.metadata()), encoding);
            let field = Arc::new(Field::new(child, values.data_type().clone(), true).with_metadata(metadata));
            set(&mut child_fields, &mut child_columns, field, values);
            let s = StructArray::try_new(child_fields.into(), child_columns, None).map_err(|e| OtapError::invalid_payload(format!("{parent}: {e}")))?;
            let field = Arc::new(Field::new(parent, s.data_type().clone(), true).with_metadata(struct_meta));
            set(&mut fields, &mut columns, field, Arc::new(s));
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())), columns)
        .map_err(|e| OtapError::invalid_payload(format!("{path}: {e}")))
}

fn set(fields: &mut Vec<FieldRef>, columns: &mut Vec<ArrayRef>, field: FieldRef, values: ArrayRef) {
    match fields.iter().position(|f| f.name() == field.name()) {
        Some(i) => {
            fields[i] = field;
            columns[i] = values;
        }
        None => {
            fields.push(field);
            columns.push(values);
        }
    }
}

/// `batches` with each id column, and the parent id, replaced by what `f` makes of its ids
/// (`f` gets the table, the column's path and its id space), marked plain: one walk over the
/// id columns for every id rewrite (shifting for a join, renumbering for a Parquet piece).
pub(crate) fn map_ids(
    batches: Batches,
    mut f: impl FnMut(&TableView<'_>, &'static str, Space, Vec<Option<i64>>) -> Result<ArrayRef, OtapError>,
) -> Result<Batches, OtapError> {
    batches
        .into_iter()
        .map(|(t, b)| {
            let spec = table_ids(t);
            let view = TableView::new(table_name(t), &b);
            let columns = spec.ids.iter().map(|c| (c.path, c.space)).chain(spec.parent.map(|p| ("parent_id", p.space)));
            let mut out = b.clone();
            for (path, space) in columns {
                let values = f(&view, path, space, ids_or_null(&view, path)?)?;
                out = replace_column(&out, path, values, Some("plain")).map_err(|e| e.in_table(table_name(t)))?;
            }
            Ok((t, out))
        })
        .collect()
}
