//! Resource and scope identity keys (`common::flatten`), remembered per thread by the exact
//! contents they were rendered from. A stream's requests carry the same few resources and
//! scopes again and again, and rendering their keys (attributes escaped, rendered and sorted)
//! cost a 10-record log batch about a sixth of its encoding; a lookup costs a copy of the
//! attributes' bytes.

use std::cell::RefCell;
use std::collections::HashMap;

use super::dict::FxBuild;
use crate::otlp::model::{AnyValue, KeyValue};

/// Beyond this many bytes of fingerprints and keys the memo starts over (a stream whose
/// resources never repeat gains nothing from it, and must not grow it without bound).
const MAX_BYTES: usize = 1 << 20;

#[derive(Default)]
struct Memo {
    keys: HashMap<Box<[u8]>, String, FxBuild>,
    bytes: usize,
    scratch: Vec<u8>,
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// `parts` (the key's kind first, then its other fields), then the attributes in order, every
/// piece tagged or length-prefixed: equal fingerprints are equal inputs (the converse need not
/// hold: a NaN's other bit patterns only miss).
fn fingerprint(out: &mut Vec<u8>, parts: &[&[u8]], attrs: &[KeyValue<'_>]) {
    for p in parts {
        put(out, p);
    }
    for kv in attrs {
        put(out, kv.key.as_bytes());
        match kv.value {
            AnyValue::Empty => out.push(0),
            AnyValue::Str(s) => {
                out.push(1);
                put(out, s.as_bytes());
            }
            AnyValue::Bool(b) => out.extend_from_slice(&[2, b as u8]),
            AnyValue::Int(i) => {
                out.push(3);
                out.extend_from_slice(&i.to_le_bytes());
            }
            AnyValue::Double(d) => {
                out.push(4);
                out.extend_from_slice(&d.to_bits().to_le_bytes());
            }
            AnyValue::Bytes(b) => {
                out.push(5);
                put(out, b);
            }
            AnyValue::Array(raw) => {
                out.push(6);
                put(out, raw);
            }
            AnyValue::KvList(raw) => {
                out.push(7);
                put(out, raw);
            }
        }
    }
}

/// `render()`, or the key it gave before on this thread for the same `parts` and `attrs`
/// (what it renders from; `parts[0]` names the kind of key, so kinds never share one).
pub(crate) fn memoized(parts: &[&[u8]], attrs: &[KeyValue<'_>], render: impl FnOnce() -> String) -> String {
    // The borrow is not held while rendering: nothing here may be re-entered.
    let mut scratch = MEMO.with(|m| std::mem::take(&mut m.borrow_mut().scratch));
    scratch.clear();
    fingerprint(&mut scratch, parts, attrs);
    let known = MEMO.with(|m| m.borrow().keys.get(scratch.as_slice()).cloned());
    let key = known.unwrap_or_else(|| {
        let key = render();
        MEMO.with(|m| {
            let mut m = m.borrow_mut();
            let size = scratch.len() + key.len();
            if m.bytes + size > MAX_BYTES {
                m.keys.clear();
                m.bytes = 0;
            }
            if size <= MAX_BYTES {
                m.bytes += size;
                m.keys.insert(scratch.as_slice().into(), key.clone());
            }
        });
        key
    });
    if scratch.capacity() <= 1 << 16 {
        MEMO.with(|m| m.borrow_mut().scratch = scratch);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv<'a>(key: &'a str, value: AnyValue<'a>) -> KeyValue<'a> {
        KeyValue { key, value }
    }

    /// Lists that differ anywhere (a key, a value, a type, where one part ends and the next
    /// begins) have different fingerprints, so none can be given another's key.
    #[test]
    fn different_lists_have_different_fingerprints() {
        let lists: Vec<Vec<KeyValue<'_>>> = vec![
            vec![],
            vec![kv("a", AnyValue::Str("b"))],
            vec![kv("ab", AnyValue::Str(""))],
            vec![kv("a", AnyValue::Str("")), kv("b", AnyValue::Empty)],
            vec![kv("a", AnyValue::Bytes(b"b"))],
            vec![kv("a", AnyValue::Array(b"b"))],
            vec![kv("a", AnyValue::KvList(b"b"))],
            vec![kv("a", AnyValue::Int(1))],
            vec![kv("a", AnyValue::Double(1.0))],
            vec![kv("a", AnyValue::Double(-0.0))],
            vec![kv("a", AnyValue::Double(0.0))],
            vec![kv("a", AnyValue::Bool(true))],
            vec![kv("a", AnyValue::Bool(false))],
            vec![kv("a", AnyValue::Empty)],
            vec![kv("a", AnyValue::Str("b")), kv("c", AnyValue::Str("d"))],
            vec![kv("c", AnyValue::Str("d")), kv("a", AnyValue::Str("b"))],
        ];
        let prints: Vec<Vec<u8>> = lists
            .iter()
            .map(|l| {
                let mut out = Vec::new();
                fingerprint(&mut out, &[b"k"], l);
                out
            })
            .collect();
        for i in 0..prints.len() {
            for j in i + 1..prints.len() {
                assert_ne!(prints[i], prints[j], "lists {i} and {j}");
            }
        }
    }

    #[test]
    fn a_key_is_rendered_once_and_then_remembered() {
        let attrs = [kv("service.name", AnyValue::Str("memo-test")), kv("n", AnyValue::Int(7))];
        let mut renders = 0;
        for _ in 0..3 {
            let key = memoized(&[b"k"], &attrs, || {
                renders += 1;
                "rendered".to_string()
            });
            assert_eq!(key, "rendered");
        }
        assert_eq!(renders, 1);
        let other = [kv("service.name", AnyValue::Str("memo-test-2"))];
        assert_eq!(memoized(&[b"k"], &other, || "other".to_string()), "other");
        // The same attributes under another kind of key, or other fields, are another key.
        assert_eq!(memoized(&[b"j"], &attrs, || "kind j".to_string()), "kind j");
        assert_eq!(memoized(&[b"k", b"x"], &attrs, || "with x".to_string()), "with x");
        let mut a = Vec::new();
        let mut b = Vec::new();
        fingerprint(&mut a, &[b"k", b"ab"], &[]);
        fingerprint(&mut b, &[b"k", b"a"], &[kv("b", AnyValue::Empty)]);
        assert_ne!(a, b, "parts and attributes do not run into each other");
    }
}
