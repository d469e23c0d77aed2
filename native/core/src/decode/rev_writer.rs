//! A protobuf writer that fills its buffer from the end towards the start. Written back to
//! front (last field first, last element first), a nested message's length is known the
//! moment its fields are written, so one pass produces the canonical encoding: no
//! `encoded_len` walk of the children before writing them (prost computes the length of a
//! message once per enclosing level), and no owned message structs to build first.
//!
//! Fields are skipped as proto3 (and prost) skip defaults: zero scalars, empty strings and
//! bytes; `0.0` and `-0.0` doubles. Callers write fields in descending field number order so
//! that the result reads in ascending order, as prost writes it.

use std::cell::RefCell;

thread_local! {
    /// The last writer's buffer, kept for the next one: growing (and zeroing) a fresh buffer
    /// for every message costs more than writing small messages.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Scratch buffers above this size are released after use rather than kept.
const KEEP_AT_MOST: usize = 16 << 20;

pub struct RevWriter {
    buf: Vec<u8>,
    /// The written bytes are `buf[pos..]`.
    pos: usize,
}

const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LEN: u32 = 2;
const FIXED32: u32 = 5;

impl RevWriter {
    #[cfg(test)]
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(64);
        RevWriter { buf: vec![0; capacity], pos: capacity }
    }

    /// A writer on this thread's scratch buffer (at least `capacity` bytes).
    pub fn scratch(capacity: usize) -> Self {
        let mut buf = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
        if buf.len() < capacity {
            buf = vec![0; capacity.max(64)];
        }
        let pos = buf.len();
        RevWriter { buf, pos }
    }

    /// Bytes written so far; a message's start mark for [`RevWriter::end_message`].
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len() - self.pos
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    #[cold]
    fn grow(&mut self, need: usize) {
        let used = self.len();
        let capacity = (self.buf.len() * 2).max(used + need);
        let mut next = vec![0u8; capacity];
        next[capacity - used..].copy_from_slice(&self.buf[self.pos..]);
        self.pos = capacity - used;
        self.buf = next;
    }

    /// Bytes already encoded (fields of the message being written), placed as they are.
    #[inline]
    pub fn prepend_raw(&mut self, bytes: &[u8]) {
        self.prepend(bytes);
    }

    #[inline]
    fn prepend(&mut self, bytes: &[u8]) {
        if self.pos < bytes.len() {
            self.grow(bytes.len());
        }
        self.pos -= bytes.len();
        self.buf[self.pos..self.pos + bytes.len()].copy_from_slice(bytes);
    }

    #[inline]
    pub fn varint(&mut self, mut v: u64) {
        if v < 0x80 {
            if self.pos == 0 {
                self.grow(1);
            }
            self.pos -= 1;
            self.buf[self.pos] = v as u8;
            return;
        }
        let n = ((64 - v.leading_zeros()) as usize).div_ceil(7);
        if self.pos < n {
            self.grow(n);
        }
        self.pos -= n;
        let out = &mut self.buf[self.pos..self.pos + n];
        for b in &mut out[..n - 1] {
            *b = (v as u8) | 0x80;
            v >>= 7;
        }
        out[n - 1] = v as u8;
    }

    #[inline]
    fn key(&mut self, field: u32, wire_type: u32) {
        self.varint(u64::from((field << 3) | wire_type));
    }

    /// Closes a length-delimited field whose contents were written since `mark` (a `len()`).
    #[inline]
    pub fn end_message(&mut self, field: u32, mark: usize) {
        let n = self.len() - mark;
        self.varint(n as u64);
        self.key(field, LEN);
    }

    /// A length-delimited field, written even when empty (oneof members, repeated elements).
    #[inline]
    pub fn bytes_always(&mut self, field: u32, v: &[u8]) {
        self.prepend(v);
        self.varint(v.len() as u64);
        self.key(field, LEN);
    }

    #[inline]
    pub fn bytes(&mut self, field: u32, v: &[u8]) {
        if !v.is_empty() {
            self.bytes_always(field, v);
        }
    }

    #[inline]
    pub fn string(&mut self, field: u32, v: &str) {
        self.bytes(field, v.as_bytes());
    }

    /// uint32 / uint64 / bool / enum values as unsigned, int32 and int64 as sign-extended u64.
    #[inline]
    pub fn varint_always(&mut self, field: u32, v: u64) {
        self.varint(v);
        self.key(field, VARINT);
    }

    #[inline]
    pub fn uint(&mut self, field: u32, v: u64) {
        if v != 0 {
            self.varint_always(field, v);
        }
    }

    #[inline]
    pub fn int(&mut self, field: u32, v: i64) {
        self.uint(field, v as u64);
    }

    #[inline]
    pub fn fixed64_always(&mut self, field: u32, v: u64) {
        self.raw_fixed64(v);
        self.key(field, FIXED64);
    }

    /// 8 little-endian bytes, no key (an element of a packed repeated fixed64/double field).
    #[inline]
    pub fn raw_fixed64(&mut self, v: u64) {
        self.prepend(&v.to_le_bytes());
    }

    #[inline]
    pub fn fixed64(&mut self, field: u32, v: u64) {
        if v != 0 {
            self.fixed64_always(field, v);
        }
    }

    #[inline]
    pub fn fixed32(&mut self, field: u32, v: u32) {
        if v != 0 {
            self.prepend(&v.to_le_bytes());
            self.key(field, FIXED32);
        }
    }

    #[inline]
    pub fn double_always(&mut self, field: u32, v: f64) {
        self.fixed64_always(field, v.to_bits());
    }

    /// Skipped when `v == 0.0` (so `-0.0` too, as prost's default check); NaN is written.
    #[inline]
    pub fn double(&mut self, field: u32, v: f64) {
        if v != 0.0 {
            self.double_always(field, v);
        }
    }

    /// The encoded message; the buffer goes back to the thread's scratch slot.
    pub fn finish(self) -> Vec<u8> {
        let out = self.buf[self.pos..].to_vec();
        if self.buf.len() <= KEEP_AT_MOST {
            SCRATCH.with(|s| *s.borrow_mut() = self.buf);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[derive(Clone, PartialEq, prost::Message)]
    struct Inner {
        #[prost(string, tag = "1")]
        name: String,
        #[prost(double, tag = "2")]
        x: f64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct Outer {
        #[prost(fixed64, tag = "1")]
        t: u64,
        #[prost(int32, tag = "2")]
        n: i32,
        #[prost(message, repeated, tag = "3")]
        inner: Vec<Inner>,
        #[prost(fixed32, tag = "4")]
        flags: u32,
        #[prost(bytes = "vec", tag = "5")]
        id: Vec<u8>,
        #[prost(uint64, tag = "200")]
        big: u64,
    }

    fn write(o: &Outer, capacity: usize) -> Vec<u8> {
        let mut w = RevWriter::with_capacity(capacity);
        w.uint(200, o.big);
        w.bytes(5, &o.id);
        w.fixed32(4, o.flags);
        for i in o.inner.iter().rev() {
            let mark = w.len();
            w.double(2, i.x);
            w.string(1, &i.name);
            w.end_message(3, mark);
        }
        w.int(2, i64::from(o.n));
        w.fixed64(1, o.t);
        w.finish()
    }

    #[test]
    fn matches_prost_byte_for_byte_and_grows_from_any_capacity() {
        let long = "x".repeat(300);
        let cases = [
            Outer::default(),
            Outer {
                t: 7,
                n: -1,
                inner: vec![
                    Inner { name: long.clone(), x: f64::NAN },
                    Inner::default(),
                    Inner { name: "a".into(), x: -0.0 },
                    Inner { name: String::new(), x: 1.5 },
                ],
                flags: 1,
                id: vec![0, 1, 2],
                big: u64::MAX,
            },
        ];
        for o in &cases {
            for capacity in [0, 1, 7, 64, 4096] {
                assert_eq!(write(o, capacity), o.encode_to_vec(), "capacity {capacity}");
            }
        }
        // Every varint length, 1 to 10 bytes.
        for shift in 0..64 {
            let o = Outer { big: 1u64 << shift, ..Outer::default() };
            assert_eq!(write(&o, 1), o.encode_to_vec(), "1 << {shift}");
        }
    }
}
