//! `memcmp` and `bcmp` for wasm32, comparing eight bytes at a time. The builtins that
//! wasm32-unknown-unknown links otherwise (compiler_builtins, weak symbols that these replace)
//! compare byte by byte, and the encoder compares many short strings: attribute keys and
//! values when it groups, sorts and dictionary-encodes them (15% of a traces encode was that
//! loop). Only the wasm32 build exports them under these names; elsewhere they are ordinary
//! functions, tested against slice comparison.

/// Lexicographic comparison of `n` bytes: <0, 0 or >0 as C's memcmp.
///
/// # Safety
/// `a` and `b` must be valid for reads of `n` bytes.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        let x = (a.add(i) as *const u64).read_unaligned();
        let y = (b.add(i) as *const u64).read_unaligned();
        if x != y {
            // Little-endian: the lowest differing bit is in the first differing byte.
            let at = i + ((x ^ y).trailing_zeros() / 8) as usize;
            return i32::from(*a.add(at)) - i32::from(*b.add(at));
        }
        i += 8;
    }
    while i < n {
        let (x, y) = (*a.add(i), *b.add(i));
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// Equality of `n` bytes: 0 when equal (what slice `==` asks).
///
/// # Safety
/// `a` and `b` must be valid for reads of `n` bytes.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        if (a.add(i) as *const u64).read_unaligned() != (b.add(i) as *const u64).read_unaligned() {
            return 1;
        }
        i += 8;
    }
    while i < n {
        if *a.add(i) != *b.add(i) {
            return 1;
        }
        i += 1;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::{bcmp, memcmp};
    use std::cmp::Ordering;

    fn sign(x: i32) -> Ordering {
        x.cmp(&0)
    }

    #[test]
    fn agrees_with_slice_comparison_at_every_length_and_difference() {
        let base: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37)).collect();
        for n in 0..base.len() {
            let a = &base[..n];
            // Equal, and one byte changed at each position up and down.
            assert_eq!(unsafe { memcmp(a.as_ptr(), a.to_vec().as_ptr(), n) }, 0);
            assert_eq!(unsafe { bcmp(a.as_ptr(), a.to_vec().as_ptr(), n) }, 0);
            for at in 0..n {
                for delta in [1u8, 128, 255] {
                    let mut b = a.to_vec();
                    b[at] = b[at].wrapping_add(delta);
                    let got = unsafe { memcmp(a.as_ptr(), b.as_ptr(), n) };
                    assert_eq!(sign(got), a.cmp(&b[..]), "n {n} at {at} delta {delta}");
                    assert_ne!(unsafe { bcmp(a.as_ptr(), b.as_ptr(), n) }, 0);
                }
            }
        }
    }
}
