//! Sort keys of tables as integers. Go orders spans by name and trace id, log records by trace
//! id, metrics by name, span events by name and span links by trace id; comparing those bytes
//! inside the sort costs a memcmp per comparison. Names become their rank among the distinct
//! names (hashed once each), trace ids a big-endian u128, and the rows are sorted on the
//! precomputed keys.

use std::collections::HashMap;

use super::short_bytes::ShortBytes;
use super::dict::FxBuild;

/// Rank of each item in byte order among the distinct items (equal items share a rank).
pub fn byte_ranks<'a>(items: impl Iterator<Item = &'a [u8]>) -> Vec<u32> {
    let mut ids: HashMap<ShortBytes<'a>, u32, FxBuild> = HashMap::default();
    let item_ids: Vec<u32> = items
        .map(|b| {
            let next = ids.len() as u32;
            *ids.entry(ShortBytes(b)).or_insert(next)
        })
        .collect();
    let mut distinct: Vec<(&[u8], u32)> = ids.into_iter().map(|(b, id)| (b.0, id)).collect();
    distinct.sort_unstable();
    let mut rank_of = vec![0u32; distinct.len()];
    for (rank, (_, id)) in distinct.iter().enumerate() {
        rank_of[*id as usize] = rank as u32;
    }
    item_ids.into_iter().map(|id| rank_of[id as usize]).collect()
}

/// A 16-byte trace id (or an unset one, as zeros) as a number in byte order; `None` for any
/// other length, which the encoder rejects later (callers fall back to comparing bytes so
/// that the first bad id found is the same).
#[inline]
pub fn trace_id_key(id: &[u8]) -> Option<u128> {
    match id.len() {
        0 => Some(0),
        16 => Some(u128::from_be_bytes(id.try_into().ok()?)),
        _ => None,
    }
}

/// Trace id keys of all rows, or `None` if one is neither unset nor 16 bytes.
pub fn trace_id_keys<'a>(ids: impl Iterator<Item = &'a [u8]>) -> Option<Vec<u128>> {
    ids.map(trace_id_key).collect()
}

/// Sorts `rows` stably by `key(i, row)`, `i` being the row's position before sorting (the
/// index into per-row keys computed beforehand).
pub fn sort_rows<T: Copy, K: Ord>(rows: &mut [T], key: impl Fn(usize, &T) -> K) {
    let mut keyed: Vec<(K, u32)> = rows.iter().enumerate().map(|(i, r)| (key(i, r), i as u32)).collect();
    // The position makes every key distinct, so the unstable sort is stable.
    keyed.sort_unstable();
    let sorted: Vec<T> = keyed.iter().map(|&(_, i)| rows[i as usize]).collect();
    rows.copy_from_slice(&sorted);
}

/// `groups + 1` group starts of a stable counting sort of `keys` (each below `groups`).
pub fn group_starts(keys: impl Iterator<Item = u32>, groups: usize) -> Vec<u32> {
    let mut start = vec![0u32; groups + 1];
    for k in keys {
        start[k as usize + 1] += 1;
    }
    for g in 0..groups {
        start[g + 1] += start[g];
    }
    start
}

/// Row numbers in group order: row i goes to its group's next place (`starts[keys[i]]`
/// onwards), so each group keeps row order.
pub fn group_order(keys: impl ExactSizeIterator<Item = u32>, starts: &[u32]) -> Vec<u32> {
    let mut next = starts.to_vec();
    let mut order = vec![0u32; keys.len()];
    for (i, k) in keys.enumerate() {
        let slot = &mut next[k as usize];
        order[*slot as usize] = i as u32;
        *slot += 1;
    }
    order
}
