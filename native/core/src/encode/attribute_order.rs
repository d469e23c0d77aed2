//! The row order of an attribute table: by (value type, key, value, parent id), as Go sorts
//! them, with ties kept in input order. The comparison sort this replaces spent most of its
//! time comparing key bytes (every comparison starts with the keys, and equal keys compare
//! in full); here each key is hashed once to its rank among the distinct keys, and values
//! carry an order-preserving 8-byte prefix, so most comparisons are integer ones. The order
//! is exactly the one `compare_scalar` defines.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::common::compare_scalar;
use super::dict::FxBuild;
use crate::otlp::model::{AnyValue, KeyValue};

/// One row's sort key: `group` = type code << 32 | key rank; `prefix` orders values of the
/// group (exactly for ints and bools, up to a tie for strings, bytes and doubles).
struct SortKey {
    group: u64,
    prefix: u64,
    parent: u32,
    row: u32,
}

/// The first 8 bytes as a big-endian number, zero-padded: two byte strings whose prefixes
/// differ are ordered as the prefixes are; equal prefixes need the full comparison.
#[inline]
fn byte_prefix(b: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = b.len().min(8);
    buf[..n].copy_from_slice(&b[..n]);
    u64::from_be_bytes(buf)
}

#[inline]
fn value_prefix(v: &AnyValue<'_>) -> u64 {
    match *v {
        AnyValue::Str(s) => byte_prefix(s.as_bytes()),
        AnyValue::Bytes(b) => byte_prefix(b),
        AnyValue::Int(i) => (i as u64) ^ (1 << 63),
        AnyValue::Bool(b) => b as u64,
        _ => 0,
    }
}

/// Whether equal prefixes leave the order to `compare_scalar` ("a" and "a\0" share one).
#[inline]
fn prefix_is_partial(v: &AnyValue<'_>) -> bool {
    matches!(v, AnyValue::Str(_) | AnyValue::Bytes(_) | AnyValue::Double(_))
}

/// Indices of `attrs` (with `parents[i]` the parent id of row i) in table order.
pub fn attribute_order(attrs: &[KeyValue<'_>], parents: &[u32]) -> Vec<u32> {
    let mut ranks: HashMap<&[u8], u32, FxBuild> = HashMap::default();
    let key_ids: Vec<u32> = attrs
        .iter()
        .map(|kv| {
            let next = ranks.len() as u32;
            *ranks.entry(kv.key.as_bytes()).or_insert(next)
        })
        .collect();
    // Distinct keys in byte order: id -> rank.
    let mut distinct: Vec<(&[u8], u32)> = ranks.into_iter().collect();
    distinct.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut rank_of = vec![0u32; distinct.len()];
    for (rank, (_, id)) in distinct.iter().enumerate() {
        rank_of[*id as usize] = rank as u32;
    }
    let mut keys: Vec<SortKey> = attrs
        .iter()
        .enumerate()
        .map(|(i, kv)| SortKey {
            group: (u64::from(kv.value.type_code()) << 32) | u64::from(rank_of[key_ids[i] as usize]),
            prefix: value_prefix(&kv.value),
            parent: parents[i],
            row: i as u32,
        })
        .collect();
    keys.sort_by(|a, b| {
        a.group.cmp(&b.group).then(a.prefix.cmp(&b.prefix)).then_with(|| {
            let (x, y) = (&attrs[a.row as usize].value, &attrs[b.row as usize].value);
            if prefix_is_partial(x) {
                compare_scalar(x, y)
            } else {
                Ordering::Equal
            }
            .then(a.parent.cmp(&b.parent))
        })
    });
    keys.into_iter().map(|k| k.row).collect()
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
                attrs.push(KeyValue { key: keys[next(keys.len())], value });
                parents.push(next(if round % 2 == 0 { 4 } else { 1000 }) as u32);
            }
            assert_eq!(attribute_order(&attrs, &parents), reference(&attrs, &parents), "round {round}");
        }
    }
}
