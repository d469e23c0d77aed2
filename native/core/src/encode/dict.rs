//! The cumulative, append-only value store of one dictionary-encoded column (the Rust
//! counterpart of src/otap/encode/dictionary-values.ts): it lives as long as the column's
//! IPC stream, so batch N's dictionary is every distinct value seen since the stream began,
//! in first-seen order, and the IPC writer sends only the new tail as a delta.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use hashbrown::HashTable;

use arrow_array::types::{DurationNanosecondType, Int32Type, Int64Type, UInt32Type};
use arrow_array::{ArrayRef, BinaryArray, FixedSizeBinaryArray, PrimitiveArray, StringArray};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};

use super::short_bytes::{bytes_eq, short_hash};
use crate::append_store::AppendStore;
use crate::schema::LeafKind;

/// A small, fast (non-DoS-resistant) hasher for memo tables: FxHash-style multiply-rotate.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    /// A byte string in one step ([`short_hash`]) rather than a multiply per 8 bytes chained
    /// through the state: encoding traces took 28% less time with it (this hasher keys the
    /// attribute-pair and name maps; whether its chain's latency or its mixing of similar
    /// strings cost more was not measured).
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.add(short_hash(bytes));
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;

/// Value number `i` of a byte-string store.
#[inline]
fn value_at<'a>(bytes: &'a [u8], offsets: &[i32], i: u32) -> &'a [u8] {
    &bytes[offsets[i as usize] as usize..offsets[i as usize + 1] as usize]
}

/// A fixed-size binary value (trace and span ids) as one number: hashed and compared without
/// a memcmp call per row.
#[inline]
fn fixed_key(v: &[u8]) -> u128 {
    let mut buf = [0u8; 16];
    buf[..v.len()].copy_from_slice(v);
    u128::from_le_bytes(buf)
}

pub struct DictValues {
    pub kind: LeafKind,
    /// Values appended since the store was created (repeats included): the reset ratio's denominator.
    pub inserted: u64,
    /// Strings and binaries: value numbers, hashed and compared by their bytes in `bytes`
    /// (no allocation per distinct value).
    bytes_memo: HashTable<u32>,
    /// Fixed-size binaries (8 or 16 bytes) as numbers.
    fixed_memo: HashMap<u128, u32, FxBuild>,
    num_memo: HashMap<u64, u32, FxBuild>,
    /// Byte-like values and their offsets, shared with the arrays handed out (no copy per batch).
    bytes: AppendStore<u8>,
    offsets: AppendStore<i32>,
    nums: Vec<i64>,
    /// The last array built, while no value was added since: an unchanged dictionary is the
    /// same array again, which the IPC writer recognises by pointer (no copy, no comparison).
    cached: Option<ArrayRef>,
}

impl DictValues {
    pub fn new(kind: LeafKind) -> Self {
        DictValues {
            kind,
            inserted: 0,
            bytes_memo: HashTable::new(),
            fixed_memo: HashMap::default(),
            num_memo: HashMap::default(),
            bytes: AppendStore::new(),
            offsets: {
                let mut o = AppendStore::new();
                o.push(0);
                o
            },
            nums: Vec::new(),
            cached: None,
        }
    }

    pub fn len(&self) -> usize {
        match self.kind {
            LeafKind::Utf8 | LeafKind::Binary | LeafKind::Fsb8 | LeafKind::Fsb16 => self.offsets.len() - 1,
            _ => self.num_memo.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index of a byte-like value, adding it when new. A fixed-size value of another width
    /// (which the encoder rejects before asking) would take the byte-string memo, never
    /// another value's number.
    #[inline]
    pub fn index_of_bytes(&mut self, v: &[u8]) -> u32 {
        self.inserted += 1;
        let next = (self.offsets.len() - 1) as u32;
        let fixed = matches!((self.kind, v.len()), (LeafKind::Fsb8, 8) | (LeafKind::Fsb16, 16));
        if fixed {
            let i = *self.fixed_memo.entry(fixed_key(v)).or_insert(next);
            if i == next {
                self.push_value(v);
            }
            return i;
        }
        let hash = short_hash(v);
        if let Some(&i) = self.bytes_memo.find(hash, |&i| bytes_eq(value_at(self.bytes.as_slice(), self.offsets.as_slice(), i), v)) {
            return i;
        }
        self.push_value(v);
        let (bytes, offsets) = (self.bytes.as_slice(), self.offsets.as_slice());
        self.bytes_memo.insert_unique(hash, next, |&i| short_hash(value_at(bytes, offsets, i)));
        next
    }

    fn push_value(&mut self, v: &[u8]) {
        self.bytes.extend_from_slice(v);
        self.offsets.push(self.bytes.len() as i32);
        self.cached = None;
    }

    /// Index of a numeric value (given as its i64 representation), adding it when new.
    #[inline]
    pub fn index_of_num(&mut self, v: i64) -> u32 {
        self.inserted += 1;
        let next = self.num_memo.len() as u32;
        let e = self.num_memo.entry(v as u64).or_insert(next);
        if *e == next {
            self.nums.push(v);
            self.cached = None;
        }
        *e
    }

    /// The dictionary values array (all values so far).
    pub fn to_array(&mut self) -> ArrayRef {
        if let Some(a) = &self.cached {
            return a.clone();
        }
        let a = self.values_from(0);
        self.cached = Some(a.clone());
        a
    }

    /// The values from number `start` on (the tail an IPC delta dictionary carries). Byte-like
    /// values are not copied: the array shares the store's memory, and the arrays of one
    /// store start at the same address until it moves to a larger block.
    pub fn values_from(&self, start: usize) -> ArrayRef {
        match self.kind {
            LeafKind::Utf8 | LeafKind::Binary => {
                let n = self.offsets.len() - 1 - start;
                let offsets = ScalarBuffer::new(self.offsets.buffer(start, self.offsets.len()), 0, n + 1);
                // Safety: offsets only grow, each one the end of a value (they need not start at 0).
                let offsets = unsafe { OffsetBuffer::new_unchecked(offsets) };
                let bytes = self.bytes.buffer(0, self.bytes.len());
                if self.kind == LeafKind::Utf8 {
                    // Safety: every value was valid UTF-8 (strings come from validated protobuf fields).
                    Arc::new(unsafe { StringArray::new_unchecked(offsets, bytes, None) })
                } else {
                    Arc::new(BinaryArray::new(offsets, bytes, None))
                }
            }
            LeafKind::Fsb8 | LeafKind::Fsb16 => {
                let size = if self.kind == LeafKind::Fsb8 { 8 } else { 16 };
                Arc::new(FixedSizeBinaryArray::new(size, self.bytes.buffer(start * size as usize, self.bytes.len()), None))
            }
            LeafKind::I32 => Arc::new(PrimitiveArray::<Int32Type>::from_iter_values(self.nums[start..].iter().map(|&v| v as i32))),
            LeafKind::U32 => Arc::new(PrimitiveArray::<UInt32Type>::from_iter_values(self.nums[start..].iter().map(|&v| v as u32))),
            LeafKind::Duration => {
                Arc::new(PrimitiveArray::<DurationNanosecondType>::from_iter_values(self.nums[start..].iter().copied()))
            }
            _ => Arc::new(PrimitiveArray::<Int64Type>::from_iter_values(self.nums[start..].iter().copied())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_numbered_in_first_seen_order_and_found_again() {
        let mut d = DictValues::new(LeafKind::Utf8);
        let words: [&[u8]; 5] = [b"GET", b"", b"POST", b"GET", b"a longer value than eight bytes"];
        let got: Vec<u32> = words.iter().map(|w| d.index_of_bytes(w)).collect();
        assert_eq!(got, [0, 1, 2, 0, 3]);
        assert_eq!((d.len(), d.inserted), (4, 5));
        // Enough distinct values to make the table grow (rehash from the stored bytes).
        for i in 0..10_000u32 {
            assert_eq!(d.index_of_bytes(format!("v{i}").as_bytes()), 4 + i);
        }
        assert_eq!(d.index_of_bytes(b"POST"), 2);
        assert_eq!(d.index_of_bytes(b"v9999"), 10_003);
        let a = d.to_array();
        let s = a.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!((s.value(0), s.value(3), s.value(10_003)), ("GET", "a longer value than eight bytes", "v9999"));
    }

    #[test]
    fn fixed_size_ids_by_number_and_a_stray_width_never_shares_a_number() {
        let mut d = DictValues::new(LeafKind::Fsb16);
        let id = |b: u8| [b; 16];
        assert_eq!(d.index_of_bytes(&id(1)), 0);
        assert_eq!(d.index_of_bytes(&id(2)), 1);
        assert_eq!(d.index_of_bytes(&id(1)), 0);
        // Zeros of 8 and of 16 bytes would be one u128; the 8-byte one is not a fixed value here.
        assert_eq!(d.index_of_bytes(&[0u8; 16]), 2);
        assert_eq!(d.index_of_bytes(&[0u8; 8]), 3);
        assert_eq!(d.index_of_bytes(&[0u8; 16]), 2);
        let mut s = DictValues::new(LeafKind::Fsb8);
        assert_eq!(s.index_of_bytes(&[7u8; 8]), 0);
        assert_eq!(s.index_of_bytes(&[7u8; 8]), 0);
        assert_eq!(s.len(), 1);
    }
}
