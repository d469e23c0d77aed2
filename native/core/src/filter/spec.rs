//! processor:filter's rules for one signal, as the core receives them (byte form, see
//! `FilterSpec::parse`): an include and/or an exclude match, each with a match type and the
//! categories the config lists.

use regex::Regex;

use crate::byte_form::{Fields, Literal};
use crate::cell::Cell;
use crate::error::OtapError;

/// Attribute pairs of one list are tracked as bits.
pub const MAX_PAIRS: usize = 64;

/// A string rule: exact (strict) or an unanchored regular expression search (regexp).
pub enum Pattern {
    Exact(String),
    Regex(Regex),
}

impl Pattern {
    fn new(s: String, regexp: bool) -> Result<Pattern, OtapError> {
        if !regexp {
            return Ok(Pattern::Exact(s));
        }
        Regex::new(&s).map(Pattern::Regex).map_err(|e| OtapError::invalid_payload(format!("filter: invalid regular expression {s:?}: {e}")))
    }

    pub fn matches(&self, s: &str) -> bool {
        match self {
            Pattern::Exact(x) => x == s,
            Pattern::Regex(r) => r.is_match(s),
        }
    }
}

/// Some pattern of `patterns` matches `s`.
pub fn any_matches(patterns: &[Pattern], s: &str) -> bool {
    patterns.iter().any(|p| p.matches(s))
}

/// A value rule: strings by the match type, other scalars by equality of the same type.
pub enum ValueRule {
    Str(Pattern),
    Int(i64),
    Double(f64),
    Bool(bool),
}

impl ValueRule {
    fn new(l: Literal, regexp: bool) -> Result<ValueRule, OtapError> {
        Ok(match l {
            Literal::Str(s) => ValueRule::Str(Pattern::new(s, regexp)?),
            Literal::Int(i) => ValueRule::Int(i),
            Literal::Double(d) => ValueRule::Double(d),
            Literal::Bool(b) => ValueRule::Bool(b),
        })
    }

    pub fn matches(&self, c: &Cell<'_>) -> bool {
        match (self, c) {
            (ValueRule::Str(p), Cell::Str(s)) => p.matches(s),
            (ValueRule::Int(a), Cell::Int(b)) => a == b,
            (ValueRule::Double(a), Cell::Double(b)) => a == b,
            (ValueRule::Bool(a), Cell::Bool(b)) => a == b,
            _ => false,
        }
    }
}

pub struct Pair {
    pub key: String,
    pub value: ValueRule,
}

#[derive(Default)]
pub struct Match {
    /// All must match (per resource).
    pub resource_attributes: Vec<Pair>,
    /// Any may match: log record or span attributes.
    pub record_attributes: Vec<Pair>,
    pub event_attributes: Vec<Pair>,
    pub link_attributes: Vec<Pair>,
    pub severity_texts: Vec<Pattern>,
    /// (min, match_undefined): severity >= min, or 0 (unspecified) when match_undefined.
    pub severity_number: Option<(i64, bool)>,
    pub bodies: Vec<ValueRule>,
    pub span_names: Vec<Pattern>,
    pub span_kinds: Vec<i64>,
    pub event_names: Vec<Pattern>,
    pub metric_names: Vec<Pattern>,
}

#[derive(Default)]
pub struct FilterSpec {
    pub include: Option<Match>,
    pub exclude: Option<Match>,
}

impl FilterSpec {
    pub fn is_empty(&self) -> bool {
        self.include.is_none() && self.exclude.is_none()
    }

    /// Reads the byte form: sections `include|exclude`, `strict|regexp`, then entries until
    /// `end`: `resource_attribute|record_attribute|event_attribute|link_attribute key literal`,
    /// `severity_text s`, `severity_number min 0|1`, `body literal`, `span_name s`,
    /// `span_kind n`, `event_name s`, `metric_name s`.
    pub fn parse(bytes: &[u8]) -> Result<FilterSpec, OtapError> {
        let mut f = Fields::new(bytes, "filter");
        let mut spec = FilterSpec::default();
        let bad = |m: String| OtapError::invalid_payload(format!("filter: {m}"));
        while !f.is_empty() {
            let section = f.text()?;
            let regexp = match f.text()?.as_str() {
                "strict" => false,
                "regexp" => true,
                other => return Err(bad(format!("unknown match_type {other:?}"))),
            };
            let mut m = Match::default();
            loop {
                let entry = f.text()?;
                let pair = |f: &mut Fields<'_>| -> Result<Pair, OtapError> { Ok(Pair { key: f.text()?, value: ValueRule::new(f.literal()?, regexp)? }) };
                match entry.as_str() {
                    "end" => break,
                    "resource_attribute" => m.resource_attributes.push(pair(&mut f)?),
                    "record_attribute" => m.record_attributes.push(pair(&mut f)?),
                    "event_attribute" => m.event_attributes.push(pair(&mut f)?),
                    "link_attribute" => m.link_attributes.push(pair(&mut f)?),
                    "severity_text" => m.severity_texts.push(Pattern::new(f.text()?, regexp)?),
                    "severity_number" => {
                        let min = f.text()?.parse().map_err(|_| bad("bad severity_number min".into()))?;
                        m.severity_number = Some((min, f.text()? == "1"));
                    }
                    "body" => m.bodies.push(ValueRule::new(f.literal()?, regexp)?),
                    "span_name" => m.span_names.push(Pattern::new(f.text()?, regexp)?),
                    "span_kind" => m.span_kinds.push(f.text()?.parse().map_err(|_| bad("bad span_kind".into()))?),
                    "event_name" => m.event_names.push(Pattern::new(f.text()?, regexp)?),
                    "metric_name" => m.metric_names.push(Pattern::new(f.text()?, regexp)?),
                    other => return Err(bad(format!("unknown entry {other:?}"))),
                }
            }
            if [&m.resource_attributes, &m.record_attributes, &m.event_attributes, &m.link_attributes].iter().any(|l| l.len() > MAX_PAIRS) {
                return Err(bad(format!("at most {MAX_PAIRS} attribute pairs per list")));
            }
            match section.as_str() {
                "include" => spec.include = Some(m),
                "exclude" => spec.exclude = Some(m),
                other => return Err(bad(format!("unknown section {other:?}"))),
            }
        }
        Ok(spec)
    }
}
