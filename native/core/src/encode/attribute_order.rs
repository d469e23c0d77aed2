//! The row order of an attribute table: by (value type, key, value, parent id), as Go sorts
//! them, with ties kept in input order. A comparison sort over the rows spent most of its time
//! comparing bytes (keys first, then equal keys and equal string values in full). Here each
//! distinct (key, value) pair is hashed once; only the distinct pairs are sorted with
//! `compare_scalar`'s order (pairs it calls equal share a rank), and the rows are placed by a
//! counting sort on their pair's rank, which keeps input order within a rank. A rank's rows
//! are then ordered by parent id, which is a no-op when rows arrive in parent order.
//! When the strings are interned (one slice per distinct string, as the SDK columns hand
//! them over), a pair is identified by where its strings are, without reading them; two
//! equal strings at different places are then two pairs that get the same rank.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::short_bytes::ShortBytes;
use super::common::compare_scalar;
use super::dict::FxBuild;
use super::row_order::{group_order, group_starts};
use crate::otlp::model::{AnyValue, KeyValue};

/// A value's identity for hashing: equal identities are equal values. Maps, arrays and empty
/// values all compare equal, so only their type counts.
#[derive(PartialEq, Eq, Hash, Clone, Copy)]
enum Identity<'a> {
    Str(ShortBytes<'a>),
    Bytes(ShortBytes<'a>),
    Double(u64),
    Int(i64),
    Bool(bool),
    Unordered(u8),
    /// An interned string: its address and length.
    StrAt(usize, usize),
}

/// Where a string is: equal places are equal strings (the converse only when interned).
fn place(s: &[u8]) -> (usize, usize) {
    (s.as_ptr() as usize, s.len())
}

impl<'a> Identity<'a> {
    fn of(v: &AnyValue<'a>) -> Identity<'a> {
        match *v {
            AnyValue::Str(s) => Identity::Str(ShortBytes(s.as_bytes())),
            AnyValue::Bytes(b) => Identity::Bytes(ShortBytes(b)),
            AnyValue::Double(d) => Identity::Double(d.to_bits()),
            AnyValue::Int(i) => Identity::Int(i),
            AnyValue::Bool(b) => Identity::Bool(b),
            ref other => Identity::Unordered(other.type_code()),
        }
    }

    fn interned(v: &AnyValue<'a>) -> Identity<'a> {
        match *v {
            AnyValue::Str(s) => {
                let (at, len) = place(s.as_bytes());
                Identity::StrAt(at, len)
            }
            _ => Identity::of(v),
        }
    }
}

/// Row -> id of its (key, value) pair under `identity`, and the first row of each pair.
fn pair_ids<'a, K: std::hash::Hash + Eq>(attrs: &'a [KeyValue<'a>], identity: impl Fn(&'a KeyValue<'a>) -> K) -> (Vec<u32>, Vec<u32>) {
    // Sized for a small table's pairs up front: growing from empty rehashed about as often
    // as a 10-record batch has attribute rows. Large tables have far fewer pairs than rows.
    let mut ids: HashMap<K, u32, FxBuild> = HashMap::with_capacity_and_hasher(attrs.len().min(256), FxBuild::default());
    let mut firsts: Vec<u32> = Vec::new();
    let mut pair_of = Vec::with_capacity(attrs.len());
    for (i, kv) in attrs.iter().enumerate() {
        let next = firsts.len() as u32;
        let id = *ids.entry(identity(kv)).or_insert_with(|| {
            firsts.push(i as u32);
            next
        });
        pair_of.push(id);
    }
    (pair_of, firsts)
}

/// An attribute table's row order, with the rank of each placed row: rows of one rank have
/// the same value type, key and value (`compare_scalar` equal), so what depends only on those
/// is worked out once per rank.
pub struct AttributeOrder {
    /// Indices of the rows in table order.
    pub order: Vec<u32>,
    /// `ranks[i]`: the rank of row `order[i]`.
    pub ranks: Vec<u32>,
    /// A row of each rank.
    pub first: Vec<u32>,
}

/// The table order of `attrs` (with `parents[i]` the parent id of row i). `interned`: equal
/// strings are mostly the same slice (a hint for speed; the order is the same either way).
pub fn attribute_order<'a>(attrs: &'a [KeyValue<'a>], parents: &[u32], interned: bool) -> AttributeOrder {
    let (pair_of, firsts) = if interned {
        pair_ids(attrs, |kv| (place(kv.key.as_bytes()), Identity::interned(&kv.value)))
    } else {
        pair_ids(attrs, |kv| (ShortBytes(kv.key.as_bytes()), Identity::of(&kv.value)))
    };
    // Distinct pairs in table order (each represented by its first row), then ranked.
    let mut by_order: Vec<u32> = (0..firsts.len() as u32).collect();
    let cmp = |a: u32, b: u32| {
        let (x, y) = (&attrs[firsts[a as usize] as usize], &attrs[firsts[b as usize] as usize]);
        x.value
            .type_code()
            .cmp(&y.value.type_code())
            .then_with(|| x.key.as_bytes().cmp(y.key.as_bytes()))
            .then_with(|| compare_scalar(&x.value, &y.value))
    };
    by_order.sort_unstable_by(|&a, &b| cmp(a, b));
    let mut rank_of = vec![0u32; firsts.len()];
    let mut first = Vec::new();
    for (i, &p) in by_order.iter().enumerate() {
        if i == 0 || cmp(by_order[i - 1], p) != Ordering::Equal {
            first.push(firsts[p as usize]);
        }
        rank_of[p as usize] = first.len() as u32 - 1;
    }
    let ranks = first.len();
    // Counting sort of the rows by rank (stable).
    let bounds = group_starts(pair_of.iter().map(|&p| rank_of[p as usize]), ranks);
    let mut order = group_order(pair_of.iter().map(|&p| rank_of[p as usize]), &bounds);
    let mut row_ranks = Vec::with_capacity(order.len());
    for (rank, w) in bounds.windows(2).enumerate() {
        let run = &mut order[w[0] as usize..w[1] as usize];
        if run.windows(2).any(|r| parents[r[0] as usize] > parents[r[1] as usize]) {
            run.sort_by_key(|&i| parents[i as usize]);
        }
        row_ranks.resize(w[1] as usize, rank as u32);
    }
    AttributeOrder { order, ranks: row_ranks, first }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comparison sort this module replaces.
    fn reference(attrs: &[KeyValue<'_>], parents: &[u32]) -> Vec<u32> {
        let mut order: Vec<u32> = (0..attrs.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&attrs[a as usize], &attrs[b as usize]);
            x.value
                .type_code()
                .cmp(&y.value.type_code())
                .then_with(|| x.key.as_bytes().cmp(y.key.as_bytes()))
                .then_with(|| compare_scalar(&x.value, &y.value))
                .then_with(|| parents[a as usize].cmp(&parents[b as usize]))
        });
        order
    }

    #[test]
    fn same_order_as_the_comparison_sort_on_tricky_values() {
        let keys = ["", "a", "a\0", "ab", "abcdefgh", "abcdefghi", "abcdefgh\0", "b", "http.method"];
        let strs = ["", "a", "a\0", "a\0\0", "abcdefgh", "abcdefgh\0", "abcdefgi", "\u{ff}", "GET", "POST"];
        let bytes: [&[u8]; 6] = [b"", b"\0", b"\0\0", b"\xff\xff\xff\xff\xff\xff\xff\xff", b"\xff\xff\xff\xff\xff\xff\xff\xff\0", b"x"];
        let doubles = [0.0, -0.0, 1.5, -1.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MIN_POSITIVE];
        let ints = [0i64, -1, 1, i64::MIN, i64::MAX, 42];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |m: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m as u64) as usize
        };
        let copies: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        for round in 0..200 {
            let n = 1 + next(300);
            let mut attrs = Vec::with_capacity(n);
            let mut parents = Vec::with_capacity(n);
            for _ in 0..n {
                let value = match next(7) {
                    0 => AnyValue::Str(strs[next(strs.len())]),
                    1 => AnyValue::Int(ints[next(ints.len())]),
                    2 => AnyValue::Double(doubles[next(doubles.len())]),
                    3 => AnyValue::Bool(next(2) == 1),
                    4 => AnyValue::Bytes(bytes[next(bytes.len())]),
                    5 => AnyValue::Empty,
                    _ => AnyValue::Str(strs[next(3)]),
                };
                // Half the keys from copies: equal strings at different places.
                let k = next(keys.len());
                let key = if next(2) == 0 { keys[k] } else { copies[k].as_str() };
                attrs.push(KeyValue { key, value });
                parents.push(next(if round % 2 == 0 { 4 } else { 1000 }) as u32);
            }
            let expected = reference(&attrs, &parents);
            for interned in [false, true] {
                // Interned: equal strings at different places still share a rank.
                let got = attribute_order(&attrs, &parents, interned);
                assert_eq!(got.order, expected, "round {round}, interned {interned}");
                // Ranks count up by one where (type, key, value) changes, and each rank's
                // first row is one of its rows.
                let mut rank = 0u32;
                for (i, &r) in got.ranks.iter().enumerate() {
                    if i > 0 {
                        let (x, y) = (&attrs[expected[i - 1] as usize], &attrs[expected[i] as usize]);
                        let same = x.value.type_code() == y.value.type_code() && x.key == y.key && compare_scalar(&x.value, &y.value) == Ordering::Equal;
                        rank += u32::from(!same);
                    }
                    assert_eq!(r, rank, "round {round}, row {i}");
                    let (x, y) = (&attrs[got.first[r as usize] as usize], &attrs[expected[i] as usize]);
                    assert!(x.key == y.key && compare_scalar(&x.value, &y.value) == Ordering::Equal, "round {round}, row {i}");
                }
                assert_eq!(got.first.len() as u32, if n == 0 { 0 } else { rank + 1 });
            }
        }
    }
}
