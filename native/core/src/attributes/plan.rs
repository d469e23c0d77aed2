//! What the actions do to one attribute table, row by row: which rows go (delete, and the
//! destination rows a rename replaces), which keys change, which values change, and which
//! rows are added for parents that lack an inserted or upserted key.

use std::collections::{HashMap, HashSet};

use super::actions::{AttributeActions, Literal};
use crate::cell::Cell;
use super::hash::hash_cell;
use crate::decode::common::AttrColumns;
use crate::decode::TableView;
use crate::error::OtapError;

type ParentSet = HashSet<i64, std::hash::BuildHasherDefault<crate::decode::common::IdHasher>>;

/// A value an existing row takes.
pub enum NewValue<'a> {
    Literal(&'a Literal),
    Hashed(String),
}

pub struct Plan<'a> {
    /// Per input row: whether it stays.
    pub keep: Vec<bool>,
    pub dropped: usize,
    /// Whether a kept row's key changes.
    pub renamed: bool,
    /// Input row -> its new value.
    pub values: HashMap<usize, NewValue<'a>>,
    /// Rows to add: (parent id, key, value), grouped by key, parents ascending.
    pub additions: Vec<(u32, &'a str, &'a Literal)>,
}

impl Plan<'_> {
    pub fn changes_nothing(&self) -> bool {
        self.dropped == 0 && !self.renamed && self.values.is_empty() && self.additions.is_empty()
    }
}

/// The plan for a table with `rows` (none when the table is absent), whose rows' parents
/// are `parents`, and whose possible parents are `universe` (ascending, distinct).
pub fn plan<'a>(
    actions: &'a AttributeActions,
    rows: Option<(&TableView<'_>, &AttrColumns<'_>)>,
    parents: &[i64],
    universe: &[u32],
) -> Result<Plan<'a>, OtapError> {
    let n = parents.len();
    let mut p = Plan { keep: vec![true; n], dropped: 0, renamed: false, values: HashMap::new(), additions: Vec::new() };
    let mut has_key: HashMap<&str, ParentSet> = HashMap::new();
    if let Some((view, cols)) = rows {
        // Parents holding a rename source, by destination: their destination rows are replaced.
        let mut renamed_into: HashMap<&str, ParentSet> = HashMap::new();
        for (i, key) in cols.keys.iter().enumerate() {
            if let Some(dest) = actions.rename.get(*key) {
                renamed_into.entry(dest.as_str()).or_default().insert(parents[i]);
            }
        }
        for (i, &key) in cols.keys.iter().enumerate() {
            let replaced = renamed_into.get(key).is_some_and(|s| s.contains(&parents[i]));
            if actions.delete.contains(key) || replaced {
                p.keep[i] = false;
                p.dropped += 1;
                continue;
            }
            if actions.rename.contains_key(key) {
                p.renamed = true;
                continue;
            }
            if actions.adds_rows() && (actions.insert.contains_key(key) || actions.upsert.contains_key(key)) {
                has_key.entry(key).or_default().insert(parents[i]);
            }
            if let Some(l) = actions.replacement(key) {
                p.values.insert(i, NewValue::Literal(l));
            } else if let Some(salt) = actions.hash.get(key) {
                // The value as a consumer reads it (a null cell as its type's zero value),
                // so that every backend hashes what the OTLP form holds.
                if let Some(h) = hash_cell(&Cell::read(&cols.values, view, i)?, salt) {
                    p.values.insert(i, NewValue::Hashed(h));
                }
            }
        }
    }
    for (key, value) in actions.additions() {
        let present = has_key.get(key);
        for &parent in universe {
            if !present.is_some_and(|s| s.contains(&(parent as i64))) {
                p.additions.push((parent, key, value));
            }
        }
    }
    Ok(p)
}
