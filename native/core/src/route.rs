//! What processor:content_router needs from a batch without converting it: the value of one
//! resource attribute for each resource of the batch, resources taken as the consumer groups
//! root rows (a new resource where the decoded resource id changes).

use crate::decode::common::{attribute_parents, delta_decode, ids_or_null, AttrColumns};
use crate::decode::pb::any_value::Value;
use crate::decode::{table_name, DecodedTables, TableView};
use crate::error::OtapError;
use crate::json::json_string;
use crate::rebatch::root_type;
use crate::bar::payload_type as T;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceValue {
    /// The resource has no attribute of that key.
    Missing,
    /// The attribute's value is not a string.
    NotString,
    Str(String),
}

/// The first attribute `key` of each resource of `tables`, in resource order.
pub fn resource_attribute_values(tables: &DecodedTables, key: &str) -> Result<Vec<ResourceValue>, OtapError> {
    let root_t = root_type(tables.signal);
    let Some((_, root)) = tables.batches.iter().find(|(t, _)| *t == root_t) else { return Ok(Vec::new()) };
    let root = TableView::new(table_name(root_t), root);
    let res_ids = delta_decode(ids_or_null(&root, "resource.id")?, root.encoding("resource.id"), 16);
    // Row of the first `key` attribute of each resource id (attribute table order).
    let mut first: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    let attrs = tables.batches.iter().find(|(t, _)| *t == T::RESOURCE_ATTRS).map(|(t, b)| TableView::new(table_name(*t), b));
    let cols = match &attrs {
        Some(view) if view.len > 0 => {
            let cols = AttrColumns::new(view)?;
            let parents = attribute_parents(view, Some(&cols), 16)?;
            for (row, parent) in parents.into_iter().enumerate() {
                if cols.keys[row] == key {
                    first.entry(parent).or_insert(row);
                }
            }
            Some(cols)
        }
        _ => None,
    };
    let mut out = Vec::new();
    let mut prev: Option<Option<i64>> = None;
    for rid in res_ids {
        if prev == Some(rid) {
            continue;
        }
        prev = Some(rid);
        let row = rid.and_then(|id| first.get(&id).copied());
        out.push(match (row, &cols, &attrs) {
            (Some(row), Some(cols), Some(view)) => match cols.values.value_at(view, row)?.value {
                Some(Value::StringValue(s)) => ResourceValue::Str(s),
                _ => ResourceValue::NotString,
            },
            _ => ResourceValue::Missing,
        });
    }
    Ok(out)
}

/// `values` as a JSON array for the bindings: a string, null (missing) or false (not a string).
pub fn resource_values_json(values: &[ResourceValue]) -> String {
    let mut s = String::from("[");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        match v {
            ResourceValue::Missing => s.push_str("null"),
            ResourceValue::NotString => s.push_str("false"),
            ResourceValue::Str(x) => s.push_str(&json_string(x)),
        }
    }
    s.push(']');
    s
}
