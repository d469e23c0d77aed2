//! The whole-buffer zstd helpers: round trips with the per-thread contexts reused across
//! calls, levels and failures.

use otap_core::{zstd_compress, zstd_decompress, zstd_decompress_into};

fn sample(n: usize) -> Vec<u8> {
    (0..n).map(|i| ((i * 7919) % 251) as u8 ^ (i / 97) as u8).collect()
}

fn code(r: Result<Vec<u8>, otap_core::OtapError>) -> String {
    r.expect_err("must fail").code.to_string()
}

#[test]
fn round_trips_across_sizes_and_levels() {
    for level in [1, 3, 9, 3, 0] {
        for n in [0, 1, 100, 4096, 300_000] {
            let data = sample(n);
            let z = zstd_compress(&data, level).unwrap();
            assert_eq!(zstd_decompress(&z, n).unwrap(), data, "level {level}, {n} bytes");
        }
    }
}

#[test]
fn reads_concatenated_frames_and_frames_without_a_size() {
    let (a, b) = (sample(5000), sample(70_000));
    let mut z = zstd_compress(&a, 3).unwrap();
    // A streamed frame does not declare its content size.
    let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
    encoder.include_contentsize(false).unwrap();
    std::io::Write::write_all(&mut encoder, &b).unwrap();
    let streamed = encoder.finish().unwrap();
    assert_eq!(zstd::zstd_safe::get_frame_content_size(&streamed).unwrap(), None);
    z.extend_from_slice(&streamed);
    let out = zstd_decompress(&z, a.len() + b.len()).unwrap();
    assert_eq!(out.len(), a.len() + b.len());
    assert_eq!(&out[..a.len()], &a[..]);
    assert_eq!(&out[a.len()..], &b[..]);
}

#[test]
fn refuses_output_beyond_the_limit_then_works_again() {
    let data = sample(100_000);
    let z = zstd_compress(&data, 3).unwrap();
    assert_eq!(code(zstd_decompress(&z, 99_999)), "LIMIT_EXCEEDED");
    assert_eq!(zstd_decompress(&z, 100_000).unwrap(), data);
}

#[test]
fn refuses_truncated_and_corrupt_input_then_works_again() {
    let data = sample(50_000);
    let z = zstd_compress(&data, 3).unwrap();
    assert_eq!(code(zstd_decompress(&z[..z.len() / 2], 1 << 20)), "DECOMPRESSION_FAILED");
    assert_eq!(code(zstd_decompress(b"not zstd at all", 1 << 20)), "DECOMPRESSION_FAILED");
    let mut bad = z.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0xff;
    bad[mid + 1] ^= 0x55;
    assert!(zstd_decompress(&bad, 1 << 20).map(|o| o != data).unwrap_or(true));
    assert_eq!(zstd_decompress(&z, 1 << 20).unwrap(), data);
}

#[test]
fn decompresses_into_a_given_buffer_or_says_it_does_not_fit() {
    let (a, b) = (sample(70_000), sample(5000));
    let mut z = zstd_compress(&a, 3).unwrap();
    z.extend(zstd_compress(&b, 3).unwrap());
    let want = [a.as_slice(), b.as_slice()].concat();
    // Exactly the size, and larger (the tail is left alone).
    for extra in [0, 1000] {
        let mut out = vec![0xAAu8; want.len() + extra];
        assert_eq!(zstd_decompress_into(&z, &mut out).unwrap(), Some(want.len()));
        assert_eq!(&out[..want.len()], want.as_slice());
        assert!(out[want.len()..].iter().all(|&x| x == 0xAA));
    }
    // One byte short: does not fit, and the next call is unaffected.
    let mut short = vec![0u8; want.len() - 1];
    assert_eq!(zstd_decompress_into(&z, &mut short).unwrap(), None);
    let mut out = vec![0u8; want.len()];
    assert_eq!(zstd_decompress_into(&z, &mut out).unwrap(), Some(want.len()));
    // Truncated and corrupt input fail; empty input is empty output.
    let e = zstd_decompress_into(&z[..z.len() - 3], &mut out).expect_err("truncated");
    assert_eq!(e.code.to_string(), "DECOMPRESSION_FAILED");
    let mut bad = z.clone();
    bad[20] ^= 0xFF;
    bad[21] ^= 0xFF;
    assert!(zstd_decompress_into(&bad, &mut out).is_err() || out[..want.len()] != want[..]);
    assert_eq!(zstd_decompress_into(&[], &mut out).unwrap(), Some(0));
    assert_eq!(zstd_decompress_into(&z, &mut out).unwrap(), Some(want.len()));
    assert_eq!(out, want);
}
