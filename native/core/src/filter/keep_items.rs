//! An OTLP `Export*ServiceRequest` cut down to the items a keep mask selects, as protobuf
//! bytes: the kept items' bytes are copied as they are (not parsed again or re-encoded), their
//! scope and resource fields with them, and the length prefixes above them rewritten. Scopes
//! and resources left without items disappear, as on the tables path. Items are numbered in
//! document order, as the parser numbers them: request.1 (resource_*) -> .2 (scope_*) -> .2
//! (log_records, spans or metrics), the same field numbers for the three signals.

use crate::error::OtapError;
use crate::otlp::wire::{append_message, consumed, Reader, LEN};

const RESOURCES: u32 = 1;
const SCOPES: u32 = 2;
const ITEMS: u32 = 2;

/// `request` with only the items `keep` selects; `keep` has one entry per item.
pub fn keep_items(request: &[u8], keep: &[bool]) -> Result<Vec<u8>, OtapError> {
    let mut out = Vec::with_capacity(request.len() / 4);
    let mut item = 0usize;
    cut(request, &[RESOURCES, SCOPES, ITEMS], keep, &mut item, &mut out)?;
    if item != keep.len() {
        return Err(OtapError::invalid_payload(format!("keep mask of {} entries for {item} items", keep.len())));
    }
    Ok(out)
}

/// Copies `msg`'s fields to `out`, descending into the `path[0]` fields: at the end of the
/// path they are items, kept as `keep` says; above it they are kept (rewritten) only when they
/// keep an item. Returns the items kept.
fn cut(msg: &[u8], path: &[u32], keep: &[bool], item: &mut usize, out: &mut Vec<u8>) -> Result<usize, OtapError> {
    let mut kept = 0;
    let mut body = Vec::new();
    let mut r = Reader::new(msg);
    loop {
        let start = r.rest();
        let Some((f, wt)) = r.tag()? else { break };
        if f != path[0] {
            r.skip(wt)?;
            out.extend_from_slice(consumed(start, &r));
            continue;
        }
        r.expect(wt, LEN)?;
        let inner = r.bytes()?;
        if path.len() == 1 {
            let k = *keep.get(*item).ok_or_else(|| mask_too_short(keep.len()))?;
            *item += 1;
            if k {
                kept += 1;
                out.extend_from_slice(consumed(start, &r));
            }
        } else {
            body.clear();
            let n = cut(inner, &path[1..], keep, item, &mut body)?;
            if n > 0 {
                kept += n;
                append_message(out, f, &body);
            }
        }
    }
    Ok(kept)
}

fn mask_too_short(n: usize) -> OtapError {
    OtapError::invalid_payload(format!("keep mask of {n} entries for more items"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::wire::put_varint;
    use crate::otlp::model::parse_logs;

    fn varint(v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        put_varint(&mut out, v);
        out
    }

    fn msg(field: u32, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        append_message(&mut out, field, body);
        out
    }

    /// A LogRecord with severity_number `n` and a body string of `pad` bytes (long bodies
    /// give multi-byte length prefixes above them).
    fn record(n: u64, pad: usize) -> Vec<u8> {
        let mut r = vec![0x10];
        r.extend(varint(n));
        let any = msg(1, &vec![b'x'; pad]); // AnyValue.string_value
        r.extend(msg(5, &any));
        r
    }

    /// resources x scopes x records, severities 1.., a resource attribute-free resource field,
    /// scope names and schema urls, plus an unknown top-level field.
    fn request(shape: &[&[usize]], pad: usize) -> (Vec<u8>, usize) {
        let mut out = Vec::new();
        let mut n = 0u64;
        for scopes in shape {
            let mut res = msg(1, &[0x10, 0x02]); // Resource { dropped_attributes_count: 2 }
            for &records in scopes.iter() {
                let mut sc = msg(1, &msg(1, b"scope")); // InstrumentationScope { name }
                for _ in 0..records {
                    n += 1;
                    sc.extend(msg(2, &record(n, pad)));
                }
                sc.extend(msg(3, b"https://schema/scope"));
                res.extend(msg(2, &sc));
            }
            res.extend(msg(3, b"https://schema/resource"));
            out.extend(msg(1, &res));
        }
        out.extend([0x38, 0x01]); // field 7, varint: unknown, kept
        (out, n as usize)
    }

    fn severities(bytes: &[u8]) -> (Vec<i32>, usize, usize) {
        let req = parse_logs(bytes).unwrap();
        (req.roots.items.iter().map(|l| l.severity_number).collect(), req.roots.resources.len(), req.roots.scopes.len())
    }

    #[test]
    fn keeps_the_selected_items_with_their_scopes_and_resources() {
        for pad in [3, 200, 20_000] {
            let (bytes, n) = request(&[&[2, 0, 3], &[1], &[4, 2]], pad);
            let (all, resources, scopes) = severities(&bytes);
            assert_eq!((all.len(), resources, scopes), (n, 3, 6));
            for pattern in 0u32..64 {
                let keep: Vec<bool> = (0..n).map(|i| (pattern >> (i % 6)) & 1 == 1 || (i * 7 + pattern as usize) % 5 == 0).collect();
                let out = keep_items(&bytes, &keep).unwrap();
                let (kept, _, _) = severities(&out);
                let want: Vec<i32> = all.iter().zip(&keep).filter(|(_, k)| **k).map(|(s, _)| *s).collect();
                assert_eq!(kept, want, "pad {pad} pattern {pattern}");
            }
            assert_eq!(keep_items(&bytes, &vec![true; n]).unwrap(), {
                // Everything kept: the same bytes, but for the empty scope, which goes.
                let (b, _) = request(&[&[2, 3], &[1], &[4, 2]], pad);
                b
            });
            let none = keep_items(&bytes, &vec![false; n]).unwrap();
            assert_eq!(none, vec![0x38, 0x01]);
        }
    }

    #[test]
    fn empty_scopes_and_resources_disappear() {
        let (bytes, n) = request(&[&[2], &[1, 1]], 5);
        // Keep only the last record: the first resource and the middle scope go.
        let mut keep = vec![false; n];
        keep[n - 1] = true;
        let (kept, resources, scopes) = severities(&keep_items(&bytes, &keep).unwrap());
        assert_eq!((kept, resources, scopes), (vec![4], 1, 1));
    }

    #[test]
    fn a_mask_of_the_wrong_length_or_broken_bytes_is_an_error() {
        let (bytes, n) = request(&[&[2, 1]], 5);
        assert!(keep_items(&bytes, &vec![true; n - 1]).is_err());
        assert!(keep_items(&bytes, &vec![true; n + 1]).is_err());
        for cut in 1..bytes.len() - 2 {
            // Truncated anywhere: an error or, where the cut ends a field, fewer items; never a panic.
            let _ = keep_items(&bytes[..cut], &vec![true; n]);
        }
        assert!(keep_items(&[0x0b], &[]).is_err()); // field 1 with wire type 3
    }
}
