//! What a forwarded batch's dictionaries add to its IPC stream. arrow-ipc's StreamWriter
//! finds that out by comparing each dictionary with the last one it sent, value by value: a
//! cost that grows with the dictionary, paid per batch, for the life of the stream. Here the
//! decision is the same one (the first dictionary whole; the same values: nothing; the last
//! one's values followed by more: a delta of the new ones; anything else: a replacement), so
//! the bytes are the StreamWriter's, but a dictionary lying over the memory of the last one
//! sent (the decoder's delta dictionaries and a TablesBuilder's hand those out) is known to
//! extend it without reading a value. The batch written then carries the dictionary columns'
//! keys only ([`crate::ipc_writer::TableChunkWriter`]).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{make_array, Array, ArrayRef, RecordBatch, RecordBatchOptions, StructArray};
use arrow_data::ArrayData;
use arrow_schema::{DataType, Fields, SchemaRef};

use super::forward_dicts::shares_prefix;
use crate::error::OtapError;
use crate::ipc_writer::DictionaryMessage;

/// Per IPC dictionary id (the schema's dictionary columns, depth first): the values last sent.
#[derive(Default)]
pub(crate) struct SentDictionaries {
    sent: Vec<Option<ArrayData>>,
}

impl SentDictionaries {
    /// The dictionary messages `batch` needs and the batch as written: each dictionary column
    /// replaced by its keys, under `keys_schema` (`crate::ipc_writer::keys_schema` of its schema).
    pub(crate) fn split(
        &mut self,
        batch: &RecordBatch,
        keys_schema: &SchemaRef,
    ) -> Result<(Vec<DictionaryMessage>, RecordBatch), OtapError> {
        let mut messages = Vec::new();
        let mut next_id = 0usize;
        let columns = self.columns(keys_schema.fields(), batch.columns(), &mut next_id, &mut messages)?;
        let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
        let keys = RecordBatch::try_new_with_options(keys_schema.clone(), columns, &options)
            .map_err(|e| OtapError::invalid_payload(format!("forwarded batch: {e}")))?;
        Ok((messages, keys))
    }

    fn columns(
        &mut self,
        fields: &Fields,
        columns: &[ArrayRef],
        next_id: &mut usize,
        messages: &mut Vec<DictionaryMessage>,
    ) -> Result<Vec<ArrayRef>, OtapError> {
        let mut out = Vec::with_capacity(columns.len());
        for (field, column) in fields.iter().zip(columns) {
            out.push(match (column.data_type(), field.data_type()) {
                (DataType::Dictionary(..), _) => {
                    let dict = column.as_any_dictionary();
                    let id = *next_id;
                    *next_id += 1;
                    if let Some(message) = self.update(id, dict.values()) {
                        messages.push(message);
                    }
                    make_array(dict.keys().to_data())
                }
                (DataType::Struct(_), DataType::Struct(keys_fields)) => {
                    let s = column.as_struct();
                    let children = self.columns(keys_fields, s.columns(), next_id, messages)?;
                    let rebuilt = StructArray::try_new_with_length(keys_fields.clone(), children, s.nulls().cloned(), s.len())
                        .map_err(|e| OtapError::invalid_payload(format!("forwarded column {}: {e}", field.name())))?;
                    Arc::new(rebuilt)
                }
                _ => column.clone(),
            });
        }
        Ok(out)
    }

    /// What dictionary `id` needs sent before a batch whose dictionary holds `values`.
    fn update(&mut self, id: usize, values: &ArrayRef) -> Option<DictionaryMessage> {
        if self.sent.len() <= id {
            self.sent.resize(id + 1, None);
        }
        let new = values.to_data();
        let whole = |slot: &mut Option<ArrayData>, new: ArrayData| {
            *slot = Some(new);
            Some(DictionaryMessage { id: id as i64, values: values.clone(), is_delta: false })
        };
        let slot = &mut self.sent[id];
        let Some(old) = slot.as_ref() else { return whole(slot, new) };
        let n = old.len();
        if ArrayData::ptr_eq(old, &new) || (new.len() == n && (shares_prefix(old, &new) || *old == new)) {
            // Unchanged; what was sent stays the reference (as in arrow-ipc).
            return None;
        }
        if new.len() > n && (shares_prefix(old, &new) || new.slice(0, n) == *old) {
            let delta = values.slice(n, new.len() - n);
            *slot = Some(new);
            return Some(DictionaryMessage { id: id as i64, values: delta, is_delta: true });
        }
        whole(slot, new)
    }
}
