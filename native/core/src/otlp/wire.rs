//! A minimal zero-copy protobuf wire reader.

use std::cell::Cell;

use crate::error::OtapError;

/// Nested messages one request may hold (same bound as the TS reader). Bytes alone do not
/// bound memory: an empty message costs 2 bytes on the wire but an arena entry once parsed,
/// so a request just under the size limit could otherwise hold tens of millions of them.
pub const MAX_NESTED_MESSAGES: usize = 4_000_000;

thread_local! {
    /// Nested messages read since the last `start_request` on this thread. Readers are
    /// `Copy` views, so the count lives here rather than in them; a request is parsed on one
    /// thread from start to end.
    static NESTED: Cell<usize> = const { Cell::new(0) };
}

/// Starts the nested-message budget of one top-level request.
pub fn start_request() {
    NESTED.with(|n| n.set(0));
}

pub const VARINT: u32 = 0;
pub const I64: u32 = 1;
pub const LEN: u32 = 2;
pub const I32: u32 = 5;

/// The bytes `r` read since it was at `start`: the fields in between, as they came.
#[inline]
pub fn consumed<'a>(start: &'a [u8], r: &Reader<'a>) -> &'a [u8] {
    &start[..start.len() - r.rest().len()]
}

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A length-delimited field `field` holding `body`.
pub fn append_message(out: &mut Vec<u8>, field: u32, body: &[u8]) {
    put_varint(out, u64::from(field << 3 | LEN));
    put_varint(out, body.len() as u64);
    out.extend_from_slice(body);
}

#[derive(Clone, Copy)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// The first 8 bytes of `b` (zero-padded when shorter; callers pass exactly 8), without a
/// fallible conversion.
#[inline]
pub fn le8(b: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    let n = b.len().min(8);
    out[..n].copy_from_slice(&b[..n]);
    out
}

#[cold]
fn too_many_messages() -> OtapError {
    OtapError::limit_exceeded(format!(
        "more than {MAX_NESTED_MESSAGES} nested messages in one protobuf message; send smaller requests"
    ))
}

/// simdutf8's validation (SIMD where the target has it) is several times std's on longer
/// strings; the error path asks std for nothing.
#[inline(never)]
fn utf8(b: &[u8]) -> Result<&str, OtapError> {
    simdutf8::basic::from_utf8(b).map_err(|_| OtapError::malformed_protobuf("string field is not valid UTF-8"))
}

/// Whether every byte of `b` is ASCII, or-ing 8-byte words (the last one overlapping): a
/// short string takes a load or two on every target, where std's `is_ascii` walks wasm32's
/// 4-byte words behind an alignment prologue.
#[inline(always)]
fn short_is_ascii(b: &[u8]) -> bool {
    let n = b.len();
    if n >= 8 {
        let word = |at: usize| u64::from_le_bytes(le8(&b[at..at + 8]));
        let mut acc = word(n - 8);
        let mut at = 0;
        while at + 8 < n {
            acc |= word(at);
            at += 8;
        }
        acc & 0x8080_8080_8080_8080 == 0
    } else if n >= 4 {
        let half = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        (half(0) | half(n - 4)) & 0x8080_8080 == 0
    } else {
        b.iter().fold(0u8, |acc, &x| acc | x) < 0x80
    }
}

#[cold]
fn truncated() -> OtapError {
    OtapError::malformed_protobuf("truncated protobuf message")
}

impl<'a> Reader<'a> {
    #[inline]
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// The bytes not read yet (a fresh message reader: the whole message).
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos.min(self.buf.len())..]
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// One-byte varints (field tags, short lengths, small enums: most of a request's) are
    /// read inline; longer ones out of line, so the fast path stays small enough to inline.
    #[inline(always)]
    pub fn varint(&mut self) -> Result<u64, OtapError> {
        if let Some(&b) = self.buf.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(b as u64);
            }
        }
        self.varint_multibyte()
    }

    #[inline(never)]
    fn varint_multibyte(&mut self) -> Result<u64, OtapError> {
        let buf = self.buf;
        let mut result: u64 = 0;
        let mut shift = 0u32;
        loop {
            let Some(&b) = buf.get(self.pos) else { return Err(truncated()) };
            self.pos += 1;
            if shift < 64 {
                result |= ((b & 0x7f) as u64) << shift;
            }
            if b < 0x80 {
                return Ok(result);
            }
            shift += 7;
            if shift >= 70 {
                return Err(OtapError::malformed_protobuf("varint longer than 10 bytes"));
            }
        }
    }

    /// The next field tag as (field number, wire type); `None` at the end.
    #[inline]
    pub fn tag(&mut self) -> Result<Option<(u32, u32)>, OtapError> {
        if self.is_empty() {
            return Ok(None);
        }
        let t = self.varint()?;
        let field = (t >> 3) as u32;
        if field == 0 {
            return Err(OtapError::malformed_protobuf("field number 0"));
        }
        Ok(Some((field, (t & 7) as u32)))
    }

    #[inline]
    pub fn fixed64(&mut self) -> Result<u64, OtapError> {
        let end = self.pos + 8;
        let Some(b) = self.buf.get(self.pos..end) else { return Err(truncated()) };
        self.pos = end;
        Ok(u64::from_le_bytes(le8(b)))
    }

    #[inline]
    pub fn fixed32(&mut self) -> Result<u32, OtapError> {
        let end = self.pos + 4;
        let Some(&[b0, b1, b2, b3]) = self.buf.get(self.pos..end) else { return Err(truncated()) };
        self.pos = end;
        Ok(u32::from_le_bytes([b0, b1, b2, b3]))
    }

    #[inline]
    pub fn double(&mut self) -> Result<f64, OtapError> {
        Ok(f64::from_bits(self.fixed64()?))
    }

    #[inline]
    pub fn bytes(&mut self) -> Result<&'a [u8], OtapError> {
        let len = self.varint()?;
        let len = usize::try_from(len).map_err(|_| truncated())?;
        let end = self.pos.checked_add(len).ok_or_else(truncated)?;
        let Some(b) = self.buf.get(self.pos..end) else { return Err(truncated()) };
        self.pos = end;
        Ok(b)
    }

    /// Inlined everywhere (the parsers call it for every key and string value): the length,
    /// the ASCII check of a short string, and the rest of the validation out of line.
    #[inline(always)]
    pub fn string(&mut self) -> Result<&'a str, OtapError> {
        let b = self.bytes()?;
        // Below 64 bytes simdutf8 hands over to std's byte-at-a-time validation; telemetry's
        // short strings are nearly all ASCII, which a few word loads settle.
        if b.len() < 64 && short_is_ascii(b) {
            // Safety: ASCII is valid UTF-8.
            return Ok(unsafe { std::str::from_utf8_unchecked(b) });
        }
        utf8(b)
    }

    #[inline(always)]
    pub fn message(&mut self) -> Result<Reader<'a>, OtapError> {
        let count = NESTED.with(|n| {
            let v = n.get().saturating_add(1);
            n.set(v);
            v
        });
        if count > MAX_NESTED_MESSAGES {
            return Err(too_many_messages());
        }
        Ok(Reader::new(self.bytes()?))
    }

    /// Skips one field's value: the common wire types inline (a filter skips most of a
    /// record's fields), groups and errors out of line.
    #[inline(always)]
    pub fn skip(&mut self, wire_type: u32) -> Result<(), OtapError> {
        let width = match wire_type {
            LEN => {
                let len = self.varint()?;
                usize::try_from(len).map_err(|_| truncated())?
            }
            VARINT => {
                self.varint()?;
                return Ok(());
            }
            I64 => 8,
            I32 => 4,
            _ => return self.skip_group_or_invalid(wire_type),
        };
        let end = self.pos.checked_add(width).filter(|&e| e <= self.buf.len()).ok_or_else(truncated)?;
        self.pos = end;
        Ok(())
    }

    #[inline(never)]
    fn skip_group_or_invalid(&mut self, wire_type: u32) -> Result<(), OtapError> {
        if wire_type != 3 {
            return Err(OtapError::malformed_protobuf(format!("invalid wire type {wire_type}")));
        }
        // Group: skip until the matching end-group tag.
        loop {
            match self.tag()? {
                None => return Err(truncated()),
                Some((_, 4)) => return Ok(()),
                Some((_, wt)) => self.skip(wt)?,
            }
        }
    }

    /// Checks the wire type of a known field (a mismatch is malformed input).
    #[inline]
    pub fn expect(&self, wire_type: u32, expected: u32) -> Result<(), OtapError> {
        if wire_type == expected {
            Ok(())
        } else {
            Err(OtapError::malformed_protobuf(format!("wire type {wire_type} where {expected} was expected")))
        }
    }
}

/// A 64-bit little-endian packed/unpacked repeated field reader helper.
pub fn read_packed_fixed64(r: &mut Reader<'_>, wt: u32, out: &mut Vec<u64>) -> Result<(), OtapError> {
    if wt == LEN {
        let b = r.bytes()?;
        if b.len() % 8 != 0 {
            return Err(OtapError::malformed_protobuf("packed fixed64 length is not a multiple of 8"));
        }
        out.extend(b.chunks_exact(8).map(|c| u64::from_le_bytes(le8(c))));
        Ok(())
    } else {
        r.expect(wt, I64)?;
        out.push(r.fixed64()?);
        Ok(())
    }
}

pub fn read_packed_varint(r: &mut Reader<'_>, wt: u32, out: &mut Vec<u64>) -> Result<(), OtapError> {
    if wt == LEN {
        let mut p = r.message()?;
        while !p.is_empty() {
            out.push(p.varint()?);
        }
        Ok(())
    } else {
        r.expect(wt, VARINT)?;
        out.push(r.varint()?);
        Ok(())
    }
}

#[inline]
pub fn zigzag32(v: u64) -> i32 {
    let v = v as u32;
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip_all(buf: &[u8]) -> Result<usize, OtapError> {
        let mut r = Reader::new(buf);
        let mut n = 0;
        while let Some((_, wt)) = r.tag()? {
            r.skip(wt)?;
            n += 1;
        }
        Ok(n)
    }

    #[test]
    fn varints_of_every_length() {
        for v in [0u64, 1, 127, 128, 300, 16_383, 16_384, u32::MAX as u64, u64::MAX] {
            let mut buf = Vec::new();
            let mut x = v;
            loop {
                let b = (x & 0x7f) as u8;
                x >>= 7;
                if x == 0 {
                    buf.push(b);
                    break;
                }
                buf.push(b | 0x80);
            }
            let mut r = Reader::new(&buf);
            assert_eq!(r.varint().unwrap(), v);
            assert!(r.is_empty());
        }
        assert!(Reader::new(&[0x80, 0x80]).varint().is_err(), "truncated");
        assert!(Reader::new(&[0xff; 11]).varint().is_err(), "longer than 10 bytes");
        assert!(Reader::new(&[]).varint().is_err(), "empty");
    }

    #[test]
    fn skip_every_wire_type() {
        // 1: varint 300, 2: fixed64, 3: LEN "abc", 4: fixed32, 5: group { 6: varint 1 }
        let buf = [
            0x08, 0xac, 0x02, //
            0x11, 1, 2, 3, 4, 5, 6, 7, 8, //
            0x1a, 3, b'a', b'b', b'c', //
            0x25, 1, 2, 3, 4, //
            0x2b, 0x30, 0x01, 0x2c,
        ];
        assert_eq!(skip_all(&buf).unwrap(), 5);
        // Every truncation of it is an error, never a panic or a silent success past the end.
        for cut in 1..buf.len() {
            let complete = [3, 12, 17, 22, buf.len()].contains(&cut);
            assert_eq!(skip_all(&buf[..cut]).is_ok(), complete, "cut at {cut}");
        }
        assert!(skip_all(&[0x0e]).is_err(), "wire type 6");
        assert!(skip_all(&[0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err(), "length past the end");
        assert!(skip_all(&[0x0b, 0x10, 0x01]).is_err(), "group without its end");
    }

    #[test]
    fn short_ascii_check_sees_every_byte() {
        for n in 0..64usize {
            let ascii = vec![b'a'; n];
            assert!(short_is_ascii(&ascii), "{n} ASCII bytes");
            for at in 0..n {
                let mut b = ascii.clone();
                b[at] = 0x80;
                assert!(!short_is_ascii(&b), "byte {at} of {n}");
            }
        }
    }

    #[test]
    fn strings_are_checked_utf8_short_and_long() {
        let field = |b: &[u8]| {
            let mut buf = vec![b.len() as u8];
            buf.extend_from_slice(b);
            Reader::new(&buf).string().map(str::to_owned)
        };
        let long = "é".repeat(40);
        for ok in ["", "GET", "héllo", "日本", long.as_str(), &"a".repeat(100)] {
            assert_eq!(field(ok.as_bytes()).unwrap(), ok);
        }
        let mut bad_long = "a".repeat(80).into_bytes();
        bad_long[70] = 0xff;
        for bad in [&[0xffu8][..], b"ab\xc3", &[b'a', 0xc0, 0x80], &bad_long] {
            assert!(field(bad).is_err(), "{bad:?}");
        }
    }
}
