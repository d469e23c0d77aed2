//! Concatenating record batches of one payload type whose schemas differ the ways OTAP
//! senders' schemas do: optional columns and struct children present in some batches only,
//! dictionary or plain columns, u8 or u16 dictionary keys. The result has the union of the
//! columns (absent -> null), and a dictionary key wide enough for every value it may hold
//! (plain when more than u16 can address).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{UInt16Type, UInt8Type};
use arrow_array::{new_null_array, Array, ArrayRef, DictionaryArray, PrimitiveArray, RecordBatch, StructArray};
use arrow_buffer::ScalarBuffer;
use arrow_schema::{DataType, Field, FieldRef, Fields, Schema};

use crate::error::OtapError;

/// Dictionaries hold at most this many values per key width; one below the key's range,
/// as arrow-rs mis-handles a full key space for some value types (the Rust engine's limit).
const U8_VALUES: usize = u8::MAX as usize;
const U16_VALUES: usize = u16::MAX as usize;

fn mismatch(path: &str, a: &DataType, b: &DataType) -> OtapError {
    OtapError::invalid_payload(format!("column {path} is {a} in one batch and {b} in another; batches of one payload type cannot be joined"))
}

fn value_type(t: &DataType) -> &DataType {
    match t {
        DataType::Dictionary(_, v) => v,
        t => t,
    }
}

/// The field every part converts to. `parts` has one entry per batch: the column there, if any.
fn unify_field(path: &str, name: &str, parts: &[Option<(&FieldRef, &ArrayRef)>]) -> Result<FieldRef, OtapError> {
    let present: Vec<(&FieldRef, &ArrayRef)> = parts.iter().flatten().copied().collect();
    let Some(&(first, _)) = present.first() else {
        return Err(OtapError::invalid_payload(format!("column {path} is in no batch")));
    };
    let nullable = present.len() < parts.len() || present.iter().any(|(f, _)| f.is_nullable());
    let metadata = first.metadata().clone();
    if let DataType::Struct(_) = first.data_type() {
        let mut names: Vec<&str> = Vec::new();
        for (f, _) in &present {
            let DataType::Struct(children) = f.data_type() else { return Err(mismatch(path, first.data_type(), f.data_type())) };
            for c in children {
                if !names.contains(&c.name().as_str()) {
                    names.push(c.name());
                }
            }
        }
        let mut children = Vec::with_capacity(names.len());
        for child in names {
            let child_parts: Vec<Option<(&FieldRef, &ArrayRef)>> = parts
                .iter()
                .map(|p| {
                    p.and_then(|(_, a)| {
                        let s = a.as_struct();
                        s.fields().iter().position(|f| f.name() == child).map(|i| (&s.fields()[i], &s.columns()[i]))
                    })
                })
                .collect();
            children.push(unify_field(&format!("{path}.{child}"), child, &child_parts)?);
        }
        return Ok(Arc::new(Field::new(name, DataType::Struct(children.into()), nullable).with_metadata(metadata)));
    }
    let values = value_type(first.data_type());
    let mut bound = 0usize;
    let mut all_dict = true;
    for (f, a) in &present {
        if value_type(f.data_type()) != values {
            return Err(mismatch(path, first.data_type(), f.data_type()));
        }
        match f.data_type() {
            DataType::Dictionary(_, _) => bound += a.as_any_dictionary().values().len(),
            _ => all_dict = false,
        }
    }
    let t = if !all_dict || bound > U16_VALUES {
        values.clone()
    } else if bound <= U8_VALUES && present.iter().all(|(f, _)| matches!(f.data_type(), DataType::Dictionary(k, _) if **k == DataType::UInt8)) {
        DataType::Dictionary(Box::new(DataType::UInt8), Box::new(values.clone()))
    } else {
        DataType::Dictionary(Box::new(DataType::UInt16), Box::new(values.clone()))
    };
    Ok(Arc::new(Field::new(name, t, nullable).with_metadata(metadata)))
}

/// A dictionary's keys as `K`, values unchanged.
fn rekey<K: arrow_array::types::ArrowDictionaryKeyType>(a: &dyn Array, narrow: impl Fn(usize) -> K::Native) -> Result<ArrayRef, OtapError> {
    let d = a.as_any_dictionary();
    let keys: Vec<K::Native> = if d.values().is_empty() { vec![narrow(0); a.len()] } else { d.normalized_keys().into_iter().map(narrow).collect() };
    let keys = PrimitiveArray::<K>::new(ScalarBuffer::from(keys), d.keys().nulls().cloned());
    DictionaryArray::<K>::try_new(keys, d.values().clone()).map(|d| Arc::new(d) as ArrayRef).map_err(|e| OtapError::invalid_payload(e.to_string()))
}

/// `a` (or nulls when absent) as type `target`.
fn conform(path: &str, a: Option<&ArrayRef>, len: usize, target: &DataType) -> Result<ArrayRef, OtapError> {
    let Some(a) = a else { return Ok(new_null_array(target, len)) };
    if a.data_type() == target {
        return Ok(a.clone());
    }
    let failed = |e: arrow_schema::ArrowError| OtapError::invalid_payload(format!("column {path}: {e}"));
    match (a.data_type(), target) {
        (DataType::Struct(_), DataType::Struct(fields)) => {
            let s = a.as_struct();
            let children = fields
                .iter()
                .map(|f| {
                    let child = s.fields().iter().position(|c| c.name() == f.name()).map(|i| &s.columns()[i]);
                    conform(&format!("{path}.{}", f.name()), child, len, f.data_type())
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Arc::new(StructArray::try_new(fields.clone(), children, s.nulls().cloned()).map_err(failed)?))
        }
        (DataType::Dictionary(_, _), DataType::Dictionary(k, _)) => match **k {
            DataType::UInt8 => rekey::<UInt8Type>(a.as_ref(), |k| k as u8),
            _ => rekey::<UInt16Type>(a.as_ref(), |k| k as u16),
        },
        (DataType::Dictionary(_, _), _) => {
            let d = a.as_any_dictionary();
            arrow_select::take::take(d.values().as_ref(), d.keys(), None).map_err(failed)
        }
        (from, to) => Err(mismatch(path, from, to)),
    }
}

/// One record batch holding the rows of `batches` in order.
pub fn concat_unified(batches: &[RecordBatch]) -> Result<RecordBatch, OtapError> {
    if batches.len() == 1 {
        return Ok(batches[0].clone());
    }
    let mut names: Vec<String> = Vec::new();
    for b in batches {
        for f in b.schema().fields() {
            if !names.contains(f.name()) {
                names.push(f.name().clone());
            }
        }
    }
    let mut fields: Vec<FieldRef> = Vec::with_capacity(names.len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(names.len());
    for name in &names {
        let schemas: Vec<_> = batches.iter().map(|b| b.schema()).collect();
        let parts: Vec<Option<(&FieldRef, &ArrayRef)>> = batches
            .iter()
            .zip(&schemas)
            .map(|(b, s)| s.index_of(name).ok().map(|i| (&s.fields()[i], b.column(i))))
            .collect();
        let field = unify_field(name, name, &parts)?;
        let arrays = batches
            .iter()
            .zip(&parts)
            .map(|(b, p)| conform(name, p.map(|(_, a)| a), b.num_rows(), field.data_type()))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&dyn Array> = arrays.iter().map(|a| a.as_ref()).collect();
        columns.push(arrow_select::concat::concat(&refs).map_err(|e| OtapError::invalid_payload(format!("column {name}: {e}")))?);
        fields.push(field);
    }
    let metadata = batches[0].schema().metadata().clone();
    let fields: Fields = fields.into();
    RecordBatch::try_new(Arc::new(Schema::new_with_metadata(fields, metadata)), columns).map_err(|e| OtapError::invalid_payload(e.to_string()))
}
