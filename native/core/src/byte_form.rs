//! The byte form in which the bindings hand processor configs to the core (both pass it
//! through unread): fields written as `<decimal byte length>:<bytes>`. Literals take two
//! fields, a type (`s` UTF-8, `i` decimal i64, `d` the f64 bits as 16 hex digits, `b`
//! `true`/`false`) and the value.

use crate::error::OtapError;

/// A configured scalar (an attribute value to write or to match).
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

/// Reads fields one after another.
pub struct Fields<'a> {
    rest: &'a [u8],
    /// What is being read, for errors.
    what: &'static str,
}

impl<'a> Fields<'a> {
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Fields { rest: bytes, what }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn bad(&self, message: String) -> OtapError {
        OtapError::invalid_payload(format!("{}: {message}", self.what))
    }

    pub fn field(&mut self) -> Result<&'a [u8], OtapError> {
        let colon = self.rest.iter().position(|&b| b == b':').ok_or_else(|| self.bad("truncated field".into()))?;
        let len: usize = std::str::from_utf8(&self.rest[..colon]).ok().and_then(|s| s.parse().ok()).ok_or_else(|| self.bad("bad field length".into()))?;
        let body = self.rest.get(colon + 1..colon + 1 + len).ok_or_else(|| self.bad("field runs past the end".into()))?;
        self.rest = &self.rest[colon + 1 + len..];
        Ok(body)
    }

    pub fn text(&mut self) -> Result<String, OtapError> {
        String::from_utf8(self.field()?.to_vec()).map_err(|_| self.bad("a field is not UTF-8".into()))
    }

    pub fn literal(&mut self) -> Result<Literal, OtapError> {
        let ty = self.text()?;
        let v = self.text()?;
        Ok(match ty.as_str() {
            "s" => Literal::Str(v),
            "i" => Literal::Int(v.parse().map_err(|_| self.bad(format!("bad int {v:?}")))?),
            "d" => Literal::Double(f64::from_bits(u64::from_str_radix(&v, 16).map_err(|_| self.bad(format!("bad double bits {v:?}")))?)),
            "b" => Literal::Bool(v == "true"),
            other => return Err(self.bad(format!("unknown value type {other:?}"))),
        })
    }
}
