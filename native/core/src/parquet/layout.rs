//! Record batches laid out as a payload type's Parquet schema. Writing: dictionary columns
//! become plain arrays, absent optional columns (and struct children) null columns, columns
//! the schema does not know are dropped. Reading: the same check the other way, absent
//! optional columns staying absent. A column of another value type, a missing required
//! column or nulls in a required one are INVALID_PAYLOAD naming the column.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{make_array, new_null_array, Array, ArrayRef, ListArray, RecordBatch, RecordBatchOptions, StructArray};
use arrow_schema::{DataType, Field, FieldRef, Fields, Schema, SchemaRef, TimeUnit};

use crate::error::OtapError;

/// What an absent optional column becomes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Absent {
    /// A column of nulls (files always hold every column of the schema).
    Null,
    /// Nothing (tables read back hold the columns the file has).
    Omit,
}

fn bad(path: &str, message: impl Into<String>) -> OtapError {
    OtapError::invalid_payload(message).in_column(path)
}

/// A dictionary's values looked up by its keys; any other array as it is.
fn plain(path: &str, a: &ArrayRef) -> Result<ArrayRef, OtapError> {
    match a.data_type() {
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            arrow_select::take::take(d.values().as_ref(), d.keys(), None).map_err(|e| bad(path, e.to_string()))
        }
        _ => Ok(a.clone()),
    }
}

fn mismatch(path: &str, found: &DataType, want: &DataType) -> OtapError {
    bad(path, format!("column is {found}, the Parquet schema of this table has {want}"))
}

/// `a` (None: absent) as field `target`; None when absent and omitted.
fn conform(path: &str, a: Option<&ArrayRef>, len: usize, target: &Field, absent: Absent) -> Result<Option<ArrayRef>, OtapError> {
    let Some(a) = a else {
        if !target.is_nullable() {
            return Err(bad(path, "required column is missing"));
        }
        return Ok((absent == Absent::Null).then(|| new_null_array(target.data_type(), len)));
    };
    let a = plain(path, a)?;
    let out: ArrayRef = match (a.data_type(), target.data_type()) {
        (DataType::Struct(_), DataType::Struct(fields)) => {
            let s = a.as_struct();
            let mut kept: Vec<FieldRef> = Vec::with_capacity(fields.len());
            let mut columns: Vec<ArrayRef> = Vec::with_capacity(fields.len());
            for f in fields {
                let child = s.column_by_name(f.name());
                if let Some(c) = conform(&format!("{path}.{}", f.name()), child, s.len(), f, absent)? {
                    kept.push(f.clone());
                    columns.push(c);
                }
            }
            let nulls = s.nulls().cloned();
            if columns.is_empty() {
                Arc::new(StructArray::new_empty_fields(s.len(), nulls))
            } else {
                Arc::new(StructArray::try_new(Fields::from(kept), columns, nulls).map_err(|e| bad(path, e.to_string()))?)
            }
        }
        (DataType::List(_), DataType::List(item)) => {
            let l = a.as_list::<i32>();
            let values = conform(&format!("{path}.{}", item.name()), Some(l.values()), l.values().len(), item, Absent::Null)?
                .ok_or_else(|| bad(path, "list without values"))?;
            Arc::new(ListArray::try_new(item.clone(), l.offsets().clone(), values, l.nulls().cloned()).map_err(|e| bad(path, e.to_string()))?)
        }
        (found, want) if found == want => a,
        // Timestamps of another time zone label hold the same instants.
        (DataType::Timestamp(TimeUnit::Nanosecond, _), want @ DataType::Timestamp(TimeUnit::Nanosecond, _)) => {
            let data = a.to_data().into_builder().data_type(want.clone()).build().map_err(|e| bad(path, e.to_string()))?;
            make_array(data)
        }
        // Parquet has no duration type: files without an Arrow schema hold them as int64.
        (DataType::Int64, want @ DataType::Duration(TimeUnit::Nanosecond)) => {
            let data = a.to_data().into_builder().data_type(want.clone()).build().map_err(|e| bad(path, e.to_string()))?;
            make_array(data)
        }
        (found, want) => return Err(mismatch(path, found, want)),
    };
    if !target.is_nullable() && out.null_count() > 0 {
        return Err(bad(path, "null values in a required column"));
    }
    Ok(Some(out))
}

fn layout(batch: &RecordBatch, schema: &Schema, absent: Absent) -> Result<(Vec<FieldRef>, Vec<ArrayRef>), OtapError> {
    let in_schema = batch.schema();
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for f in schema.fields() {
        let column = in_schema.index_of(f.name()).ok().map(|i| batch.column(i));
        if let Some(c) = conform(f.name(), column, batch.num_rows(), f, absent)? {
            fields.push(f.clone());
            columns.push(c);
        }
    }
    Ok((fields, columns))
}

fn with_rows(schema: SchemaRef, columns: Vec<ArrayRef>, rows: usize) -> Result<RecordBatch, OtapError> {
    RecordBatch::try_new_with_options(schema, columns, &RecordBatchOptions::new().with_row_count(Some(rows)))
        .map_err(|e| OtapError::invalid_payload(e.to_string()))
}

/// `batch` (ids already absolute UInt32) with exactly the columns of the file schema `schema`.
pub(super) fn to_file_layout(table: &str, batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, OtapError> {
    let (_, columns) = layout(batch, schema, Absent::Null).map_err(|e| e.in_table(table))?;
    with_rows(schema.clone(), columns, batch.num_rows()).map_err(|e| e.in_table(table))
}

/// A batch read from a file, checked against the file schema `schema`: its columns of the
/// schema (absent optional ones stay absent), values of the schema's types, no schema metadata.
pub(super) fn from_file_layout(table: &str, batch: &RecordBatch, schema: &Schema) -> Result<RecordBatch, OtapError> {
    let (fields, columns) = layout(batch, schema, Absent::Omit).map_err(|e| e.in_table(table))?;
    with_rows(Arc::new(Schema::new(fields)), columns, batch.num_rows()).map_err(|e| e.in_table(table))
}
