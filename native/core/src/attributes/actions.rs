//! The actions of processor:attribute as the Rust engine gathers them: one map per action
//! kind, each key in at most one place, applied together (not in list order). Handed over by
//! the bindings in a byte form both of them pass through unread (see `parse`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::error::OtapError;

/// A configured value: its type is the new attribute type.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

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
        let mut fields = Fields { rest: bytes };
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
        while !fields.rest.is_empty() {
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

struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    fn field(&mut self) -> Result<&'a [u8], OtapError> {
        let colon = self.rest.iter().position(|&b| b == b':').ok_or_else(|| bad("truncated field".into()))?;
        let len: usize = std::str::from_utf8(&self.rest[..colon]).ok().and_then(|s| s.parse().ok()).ok_or_else(|| bad("bad field length".into()))?;
        let body = self.rest.get(colon + 1..colon + 1 + len).ok_or_else(|| bad("field runs past the end".into()))?;
        self.rest = &self.rest[colon + 1 + len..];
        Ok(body)
    }

    fn text(&mut self) -> Result<String, OtapError> {
        String::from_utf8(self.field()?.to_vec()).map_err(|_| bad("a key is not UTF-8".into()))
    }

    fn literal(&mut self) -> Result<Literal, OtapError> {
        let ty = self.text()?;
        let v = self.text()?;
        Ok(match ty.as_str() {
            "s" => Literal::Str(v),
            "i" => Literal::Int(v.parse().map_err(|_| bad(format!("bad int {v:?}")))?),
            "d" => Literal::Double(f64::from_bits(u64::from_str_radix(&v, 16).map_err(|_| bad(format!("bad double bits {v:?}")))?)),
            "b" => Literal::Bool(v == "true"),
            other => return Err(bad(format!("unknown value type {other:?}"))),
        })
    }
}
