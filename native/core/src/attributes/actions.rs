//! The actions of processor:attribute as the Rust engine gathers them: one map per action
//! kind, each key in at most one place, applied together (not in list order). Handed over by
//! the bindings in a byte form both of them pass through unread (see `parse`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

pub use crate::byte_form::Literal;
use crate::byte_form::Fields;
use crate::error::OtapError;

/// Which attribute tables the actions touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyTo {
    pub signal: bool,
    pub resource: bool,
    pub scope: bool,
}

#[derive(Debug, Clone)]
pub struct AttributeActions {
    pub apply_to: ApplyTo,
    pub rename: BTreeMap<String, String>,
    pub delete: BTreeSet<String>,
    pub insert: BTreeMap<String, Literal>,
    pub upsert: BTreeMap<String, Literal>,
    pub update: BTreeMap<String, Literal>,
    /// Key -> salt (SHA-256 of salt || value bytes).
    pub hash: BTreeMap<String, Vec<u8>>,
}

impl AttributeActions {
    pub fn is_empty(&self) -> bool {
        self.rename.is_empty() && self.delete.is_empty() && self.insert.is_empty() && self.upsert.is_empty() && self.update.is_empty() && self.hash.is_empty()
    }

    /// Whether rows may be added (insert / upsert for parents without the key).
    pub fn adds_rows(&self) -> bool {
        !self.insert.is_empty() || !self.upsert.is_empty()
    }

    /// The literal an existing row with `key` takes (upsert or update).
    pub fn replacement(&self, key: &str) -> Option<&Literal> {
        self.upsert.get(key).or_else(|| self.update.get(key))
    }

    /// Keys added where missing, with their values, in key order.
    pub fn additions(&self) -> impl Iterator<Item = (&str, &Literal)> {
        let mut all: Vec<(&str, &Literal)> = self.insert.iter().chain(self.upsert.iter()).map(|(k, v)| (k.as_str(), v)).collect();
        all.sort_by(|a, b| a.0.cmp(b.0));
        all.into_iter()
    }

    /// A key named twice across all actions (rename sources and destinations included) is a
    /// configuration error, as in the Rust engine: the outcome would depend on an order the
    /// actions are not applied in.
    fn validate(&self) -> Result<(), OtapError> {
        let mut seen: HashSet<&str> = HashSet::new();
        let keys = self
            .rename
            .iter()
            .flat_map(|(s, d)| [s.as_str(), d.as_str()])
            .chain(self.delete.iter().map(String::as_str))
            .chain(self.insert.keys().map(String::as_str))
            .chain(self.upsert.keys().map(String::as_str))
            .chain(self.update.keys().map(String::as_str))
            .chain(self.hash.keys().map(String::as_str));
        for k in keys {
            if !seen.insert(k) {
                return Err(OtapError::invalid_payload(format!("attribute actions: key {k:?} appears in more than one action; each key may be used once")));
            }
        }
        Ok(())
    }

    /// Reads the byte form: fields as `<decimal length>:<bytes>`; first the apply_to list
    /// (comma-separated), then per action its kind and arguments:
    /// `delete key` | `rename source destination` | `hash key salt` |
    /// `insert|upsert|update key type value` with type `s` (UTF-8), `i` (decimal), `d` (the
    /// f64 bits as 16 hex digits) or `b` (`true`/`false`).
    pub fn parse(bytes: &[u8]) -> Result<AttributeActions, OtapError> {
        let mut fields = Fields::new(bytes, "attribute actions");
        let mut apply_to = ApplyTo { signal: false, resource: false, scope: false };
        for part in fields.text()?.split(',').filter(|s| !s.is_empty()) {
            match part {
                "signal" => apply_to.signal = true,
                "resource" => apply_to.resource = true,
                "scope" => apply_to.scope = true,
                other => return Err(bad(format!("unknown apply_to {other:?}"))),
            }
        }
        let mut a = AttributeActions {
            apply_to,
            rename: BTreeMap::new(),
            delete: BTreeSet::new(),
            insert: BTreeMap::new(),
            upsert: BTreeMap::new(),
            update: BTreeMap::new(),
            hash: BTreeMap::new(),
        };
        while !fields.is_empty() {
            let kind = fields.text()?;
            let key = fields.text()?;
            let fresh = match kind.as_str() {
                "delete" => a.delete.insert(key.clone()),
                "rename" => a.rename.insert(key.clone(), fields.text()?).is_none(),
                "hash" => a.hash.insert(key.clone(), fields.field()?.to_vec()).is_none(),
                "insert" => a.insert.insert(key.clone(), fields.literal()?).is_none(),
                "upsert" => a.upsert.insert(key.clone(), fields.literal()?).is_none(),
                "update" => a.update.insert(key.clone(), fields.literal()?).is_none(),
                other => return Err(bad(format!("unknown action {other:?}"))),
            };
            if !fresh {
                return Err(OtapError::invalid_payload(format!("attribute actions: key {key:?} appears in more than one action; each key may be used once")));
            }
        }
        a.validate()?;
        Ok(a)
    }
}

fn bad(message: String) -> OtapError {
    OtapError::invalid_payload(format!("attribute actions: {message}"))
}
