//! Equality and hashing of short byte strings. Attribute keys, short string values and span
//! names are mostly under 17 bytes, and the encoder hashes them once per row and compares
//! them on every hash-table hit and run of equal values. Equality here avoids a libc `memcmp`
//! call (the call, not the comparison, was the cost: memcmp was 10-12% of encoding traces);
//! the hash reads at most two words and mixes them in one 128-bit product (two 64-bit ones on
//! wasm32, see [`fold`]), where the word-at-a-time hasher chained a multiply per 8 bytes.

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

const K1: u64 = 0xa076_1d64_78bd_642f;
const K2: u64 = 0xe703_7ed1_a0b4_28db;

/// The high and low halves of the 128-bit product, xored.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let p = (a as u128) * (b as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

/// wasm32 has no 64x64->128 multiply (the product above is a call to `__multi3`, four
/// multiplies): two 64-bit products instead, the high half folded down so that the low bits
/// (hashbrown's bucket index) depend on every input bit as the top ones (its tag) do.
#[cfg(target_arch = "wasm32")]
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let h = a.wrapping_mul(K1 | 1) ^ b.rotate_left(32).wrapping_mul(K2 | 1);
    h ^ (h >> 32)
}

/// A hash of `b` (not DoS-resistant, as the maps' FxHasher is not): strings up to 16 bytes
/// are read as two words (overlapping when shorter) mixed with their length in one [`fold`].
#[inline]
pub fn short_hash(b: &[u8]) -> u64 {
    let n = b.len();
    let (mut x, mut y) = match n {
        0 => (0, 0),
        1..=3 => (((b[0] as u64) << 16) | ((b[n / 2] as u64) << 8) | b[n - 1] as u64, 0),
        4..=7 => (half(b, 0) as u64, half(b, n - 4) as u64),
        8..=16 => (word(b, 0), word(b, n - 8)),
        _ => {
            let mut h = 0u64;
            let mut at = 0;
            while at + 16 < n {
                h = fold(word(b, at) ^ K1 ^ h, word(b, at + 8) ^ K2);
                at += 16;
            }
            (word(b, n - 16) ^ h, word(b, n - 8))
        }
    };
    x ^= K1;
    y ^= K2 ^ n as u64;
    fold(x, y)
}

/// A byte string as a hash-map key compared with [`bytes_eq`] and hashed with [`short_hash`].
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
        state.write_u64(short_hash(self.0))
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

    #[test]
    fn hash_tells_apart_strings_differing_in_one_byte_or_in_length() {
        let base: Vec<u8> = (0..70u8).map(|i| i.wrapping_mul(37)).collect();
        let mut seen = std::collections::HashSet::new();
        for n in 0..=70 {
            let a = &base[..n];
            assert_eq!(short_hash(a), short_hash(&a.to_vec()), "length {n}");
            assert!(seen.insert(short_hash(a)), "length {n} collides with a shorter prefix");
            for at in 0..n {
                let mut b = a.to_vec();
                b[at] ^= 1;
                assert_ne!(short_hash(a), short_hash(&b), "length {n}, bit flipped at {at}");
            }
        }
        // Zero bytes count: "" / "\0" / "\0\0" differ.
        assert!(short_hash(b"") != short_hash(b"\0") && short_hash(b"\0") != short_hash(b"\0\0"));
    }
}
