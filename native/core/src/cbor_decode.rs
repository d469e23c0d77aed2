//! CBOR (RFC 8949) -> OTLP AnyValue, the decode half of `src/otap/cbor.ts`: the `ser`
//! column of attribute tables and log bodies holds Map (kvlist) and Slice (array) values as
//! CBOR.
//!
//! Accepts every well-formed encoding of these values: definite or indefinite lengths,
//! chunked strings, half/single/double floats, tags (skipped), null/undefined (empty).
//! Everything else is `INVALID_PAYLOAD` ("invalid CBOR: ..."), never a panic: lengths are
//! checked against the bytes left before anything is allocated, nesting is limited to
//! [`CBOR_MAX_DEPTH`], trailing bytes are an error. Callers add table/column context.

use crate::decode::pb::{any_value, AnyValue, ArrayValue, KeyValue, KeyValueList};
use crate::error::OtapError;

/// Maximum nesting of arrays and maps accepted by the decoder.
pub const CBOR_MAX_DEPTH: usize = 128;

fn fail<T>(message: impl Into<String>) -> Result<T, OtapError> {
    Err(OtapError::new("INVALID_PAYLOAD", format!("invalid CBOR: {}", message.into())))
}

fn half_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let mant = f64::from(h & 0x3ff);
    if exp == 0 {
        sign * mant * 2f64.powi(-24)
    } else if exp == 31 {
        if mant == 0.0 {
            sign * f64::INFINITY
        } else {
            f64::NAN
        }
    } else {
        sign * (mant + 1024.0) * 2f64.powi(exp - 25)
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.b.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], OtapError> {
        if n > self.left() {
            return fail(format!("truncated at offset {} (need {n} more bytes)", self.pos));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn byte(&mut self) -> Result<u8, OtapError> {
        match self.b.get(self.pos) {
            Some(&x) => {
                self.pos += 1;
                Ok(x)
            }
            None => fail(format!("truncated at offset {}", self.pos)),
        }
    }

    /// The argument for additional information 0..27.
    fn arg(&mut self, ai: u8) -> Result<u64, OtapError> {
        match ai {
            0..=23 => Ok(u64::from(ai)),
            24 => Ok(u64::from(self.byte()?)),
            25 => {
                let s = self.take(2)?;
                Ok(u64::from(u16::from_be_bytes([s[0], s[1]])))
            }
            26 => {
                let s = self.take(4)?;
                Ok(u64::from(u32::from_be_bytes([s[0], s[1], s[2], s[3]])))
            }
            27 => {
                let s = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(s);
                Ok(u64::from_be_bytes(a))
            }
            _ => fail(format!("reserved additional information {ai} at offset {}", self.pos.saturating_sub(1))),
        }
    }

    /// A definite length, checked so that `length * min_item_bytes` bytes remain.
    fn length(&mut self, ai: u8, min_item_bytes: u64, what: &str) -> Result<usize, OtapError> {
        let start = self.pos.saturating_sub(1);
        let n = self.arg(ai)?;
        let left = self.left() as u64;
        if n.checked_mul(min_item_bytes).is_none_or(|need| need > left) {
            return fail(format!("{what} length {n} at offset {start} exceeds the remaining {left} bytes"));
        }
        // n <= left, so it fits in usize.
        Ok(n as usize)
    }

    /// The payload of a byte or text string (major 2 or 3) whose head was just read.
    fn string_bytes(&mut self, major: u8, ai: u8) -> Result<Vec<u8>, OtapError> {
        if ai != 31 {
            let what = if major == 2 { "byte string" } else { "text string" };
            let n = self.length(ai, 1, what)?;
            return Ok(self.take(n)?.to_vec());
        }
        let mut out = Vec::new();
        loop {
            let ib = self.byte()?;
            if ib == 0xff {
                break;
            }
            if ib >> 5 != major || ib & 31 == 31 {
                return fail(format!("bad chunk 0x{ib:x} in indefinite-length string at offset {}", self.pos - 1));
            }
            let n = self.length(ib & 31, 1, "string chunk")?;
            out.extend_from_slice(self.take(n)?);
        }
        Ok(out)
    }

    fn text(&mut self, major_ai: u8) -> Result<String, OtapError> {
        let bytes = self.string_bytes(3, major_ai)?;
        String::from_utf8(bytes).or_else(|_| fail(format!("text string is not valid UTF-8 (before offset {})", self.pos)))
    }

    fn item(&mut self, depth: usize) -> Result<AnyValue, OtapError> {
        let mut start = self.pos;
        let mut ib = self.byte()?;
        // Tags: skip the tag number and decode the tagged item (a loop: no stack per tag).
        while ib >> 5 == 6 {
            let ai = ib & 31;
            if ai == 31 {
                return fail(format!("indefinite-length tag at offset {start}"));
            }
            self.arg(ai)?;
            start = self.pos;
            ib = self.byte()?;
        }
        let major = ib >> 5;
        let ai = ib & 31;
        let value = match major {
            0 | 1 => {
                if ai > 27 {
                    return fail(format!("bad additional information {ai} for an integer at offset {start}"));
                }
                let n = self.arg(ai)?;
                let Ok(n) = i64::try_from(n) else {
                    return if major == 0 {
                        fail(format!("unsigned integer {n} at offset {start} overflows int64"))
                    } else {
                        fail(format!("negative integer -1-{n} at offset {start} overflows int64"))
                    };
                };
                any_value::Value::IntValue(if major == 0 { n } else { -1 - n })
            }
            2 => any_value::Value::BytesValue(self.string_bytes(2, ai)?),
            3 => any_value::Value::StringValue(self.text(ai)?),
            4 => {
                if depth >= CBOR_MAX_DEPTH {
                    return fail(format!("nesting deeper than {CBOR_MAX_DEPTH} at offset {start}"));
                }
                let mut values = Vec::new();
                if ai == 31 {
                    loop {
                        match self.b.get(self.pos) {
                            None => return fail(format!("truncated indefinite-length array starting at offset {start}")),
                            Some(0xff) => {
                                self.pos += 1;
                                break;
                            }
                            Some(_) => values.push(self.item(depth + 1)?),
                        }
                    }
                } else {
                    let n = self.length(ai, 1, "array")?;
                    values.reserve(n);
                    for _ in 0..n {
                        values.push(self.item(depth + 1)?);
                    }
                }
                any_value::Value::ArrayValue(ArrayValue { values })
            }
            5 => {
                if depth >= CBOR_MAX_DEPTH {
                    return fail(format!("nesting deeper than {CBOR_MAX_DEPTH} at offset {start}"));
                }
                let mut values = Vec::new();
                if ai == 31 {
                    loop {
                        match self.b.get(self.pos) {
                            None => return fail(format!("truncated indefinite-length map starting at offset {start}")),
                            Some(0xff) => {
                                self.pos += 1;
                                break;
                            }
                            Some(_) => values.push(self.entry(depth)?),
                        }
                    }
                } else {
                    let n = self.length(ai, 2, "map")?;
                    values.reserve(n);
                    for _ in 0..n {
                        values.push(self.entry(depth)?);
                    }
                }
                any_value::Value::KvlistValue(KeyValueList { values })
            }
            _ => return self.simple(ai, start),
        };
        Ok(AnyValue { value: Some(value) })
    }

    fn entry(&mut self, depth: usize) -> Result<KeyValue, OtapError> {
        let start = self.pos;
        let ib = self.byte()?;
        if ib >> 5 != 3 {
            return fail(format!("map key at offset {start} is not a text string (initial byte 0x{ib:x})"));
        }
        let key = self.text(ib & 31)?;
        let value = self.item(depth + 1)?;
        Ok(KeyValue { key, value: Some(value) })
    }

    /// Major type 7: simple values and floats.
    fn simple(&mut self, ai: u8, start: usize) -> Result<AnyValue, OtapError> {
        let v = match ai {
            20 => Some(any_value::Value::BoolValue(false)),
            21 => Some(any_value::Value::BoolValue(true)),
            22 | 23 => None,
            24 => {
                let v = self.byte()?;
                return if v < 32 {
                    fail(format!("simple value {v} encoded in two bytes at offset {start}"))
                } else {
                    fail(format!("unsupported simple value {v} at offset {start}"))
                };
            }
            25 => {
                let s = self.take(2)?;
                Some(any_value::Value::DoubleValue(half_to_f64(u16::from_be_bytes([s[0], s[1]]))))
            }
            26 => {
                let s = self.take(4)?;
                Some(any_value::Value::DoubleValue(f64::from(f32::from_be_bytes([s[0], s[1], s[2], s[3]]))))
            }
            27 => {
                let s = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(s);
                Some(any_value::Value::DoubleValue(f64::from_be_bytes(a)))
            }
            31 => return fail(format!("unexpected break at offset {start}")),
            0..=19 => return fail(format!("unsupported simple value {ai} at offset {start}")),
            _ => return fail(format!("reserved additional information {ai} at offset {start}")),
        };
        Ok(AnyValue { value: v })
    }
}

/// Decodes one CBOR data item into an AnyValue. Any item is decoded (as Go's consumer
/// does); callers that require a container check the variant. Trailing bytes are an error.
pub fn decode_any_value_cbor(bytes: &[u8]) -> Result<AnyValue, OtapError> {
    let mut r = Reader { b: bytes, pos: 0 };
    let v = r.item(0)?;
    if r.pos != bytes.len() {
        return fail(format!("{} trailing bytes after the data item at offset {}", bytes.len() - r.pos, r.pos));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(b: &[u8]) -> AnyValue {
        decode_any_value_cbor(b).expect("decodes")
    }

    #[test]
    fn scalars_and_floats() {
        assert_eq!(ok(&[0x18, 100]).value, Some(any_value::Value::IntValue(100)));
        assert_eq!(ok(&[0x38, 99]).value, Some(any_value::Value::IntValue(-100)));
        assert_eq!(ok(&[0xf9, 0x3c, 0x00]).value, Some(any_value::Value::DoubleValue(1.0)));
        assert_eq!(ok(&[0xfa, 0x3f, 0xc0, 0, 0]).value, Some(any_value::Value::DoubleValue(1.5)));
        assert_eq!(ok(&[0xf9, 0x7c, 0x00]).value, Some(any_value::Value::DoubleValue(f64::INFINITY)));
        assert!(matches!(ok(&[0xf9, 0x7e, 0x00]).value, Some(any_value::Value::DoubleValue(d)) if d.is_nan()));
        assert_eq!(ok(&[0xf6]).value, None);
        assert_eq!(ok(&[0xf7]).value, None);
        // tag 1 (epoch time) is skipped
        assert_eq!(ok(&[0xc1, 0x01]).value, Some(any_value::Value::IntValue(1)));
        assert_eq!(ok(&[0x1b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).value, Some(any_value::Value::IntValue(i64::MAX)));
        assert_eq!(ok(&[0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).value, Some(any_value::Value::IntValue(i64::MIN)));
    }

    #[test]
    fn containers_definite_and_indefinite() {
        // {"a": [1, "x"]} definite, and the same indefinite with a chunked key.
        let def = ok(&[0xa1, 0x61, b'a', 0x82, 0x01, 0x61, b'x']);
        let indef = ok(&[0xbf, 0x7f, 0x61, b'a', 0xff, 0x9f, 0x01, 0x61, b'x', 0xff, 0xff]);
        assert_eq!(def, indef);
        let Some(any_value::Value::KvlistValue(kv)) = def.value else { panic!("kvlist") };
        assert_eq!(kv.values[0].key, "a");
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            &[][..],
            &[0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0],          // > i64::MAX
            &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // forged array length
            &[0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // forged map length
            &[0x5a, 0xff, 0xff, 0xff, 0xff],             // forged byte string length
            &[0x9f, 0x01],                               // unterminated
            &[0xa1, 0x01, 0x02],                         // non-text key
            &[0x62, 0xff, 0xfe],                         // bad UTF-8
            &[0x01, 0x02],                               // trailing
            &[0xff],                                     // stray break
            &[0xf8, 0x10],                               // two-byte simple < 32
            &[0x1c],                                     // reserved ai
            &[0xdf, 0x01],                               // indefinite tag
            &[0x5f, 0x61, b'a', 0xff],                   // wrong chunk major
        ] {
            let e = decode_any_value_cbor(bad).expect_err("must fail");
            assert_eq!(e.code, "INVALID_PAYLOAD");
        }
        let mut deep = vec![0x81u8; CBOR_MAX_DEPTH + 1];
        deep.push(0x01);
        assert!(decode_any_value_cbor(&deep).is_err());
        let mut ok_depth = vec![0x81u8; CBOR_MAX_DEPTH];
        ok_depth.push(0x01);
        assert!(decode_any_value_cbor(&ok_depth).is_ok());
    }
}
