//! Equality of short byte strings without a libc `memcmp` call. Attribute keys, short string
//! values and span names are mostly under 17 bytes, and the encoder compares them once or
//! more per row (hash-table hits, runs of equal values): the call, not the comparison, was
//! the cost (memcmp was 10-12% of encoding traces).

use std::hash::{Hash, Hasher};

#[inline(always)]
fn word(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

#[inline(always)]
fn half(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// `a == b`. Two slices at the same place are equal without reading them.
#[inline]
pub fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if a.as_ptr() == b.as_ptr() {
        return true;
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

/// A byte string as a hash-map key compared with [`bytes_eq`].
#[derive(Clone, Copy)]
pub struct ShortBytes<'a>(pub &'a [u8]);

impl PartialEq for ShortBytes<'_> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        bytes_eq(self.0, other.0)
    }
}

impl Eq for ShortBytes<'_> {}

impl Hash for ShortBytes<'_> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_slice_equality_on_every_length_and_difference_position() {
        let base: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37)).collect();
        for n in 0..=40 {
            let a = &base[..n];
            let copy = a.to_vec();
            assert!(bytes_eq(a, &copy), "equal, length {n}");
            assert!(bytes_eq(a, a), "same place, length {n}");
            for at in 0..n {
                let mut b = copy.clone();
                b[at] ^= 0x80;
                assert!(!bytes_eq(a, &b), "length {n}, difference at {at}");
            }
            if n > 0 {
                assert!(!bytes_eq(a, &base[..n - 1]), "length {n} against {}", n - 1);
            }
        }
    }
}
