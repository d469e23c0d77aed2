//! CBOR encoding of nested AnyValues (the `ser` columns), byte-identical to the TypeScript
//! encoder (src/otap/cbor.ts, lossless mode) and hence to the Go reference except for empty
//! nested byte strings, written as 0x40 (Go writes null):
//! kvlist -> indefinite map 0xBF..0xFF in insertion order; array -> indefinite array
//! 0x9F..0xFF; string -> text string; int -> major 0/1 shortest; double -> 0xFB + 8 bytes
//! except NaN -> F9 7E 00 and +-Inf -> F9 7C 00 / F9 FC 00; bool -> F5/F4; empty -> F6;
//! bytes -> major 2.
//!
//! Map and array values arrive as their raw protobuf bytes and are encoded straight from them.

use crate::cbor_decode::CBOR_MAX_DEPTH;
use crate::error::{codes, OtapError};
use crate::otlp::model::{array_values, kvlist_entries, AnyValue};

#[inline]
fn head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let m = major << 5;
    if arg < 24 {
        out.push(m | arg as u8);
    } else if arg < 0x100 {
        out.extend_from_slice(&[m | 24, arg as u8]);
    } else if arg < 0x10000 {
        out.push(m | 25);
        out.extend_from_slice(&(arg as u16).to_be_bytes());
    } else if arg < 0x1_0000_0000 {
        out.push(m | 26);
        out.extend_from_slice(&(arg as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}

/// Appends the CBOR encoding of `v` to `out`. Maps and arrays may nest [`CBOR_MAX_DEPTH`]
/// levels, as deep as the decoders read them; deeper values are refused (and the recursion
/// stays bounded whatever the input).
pub fn encode_any_value(v: &AnyValue<'_>, out: &mut Vec<u8>) -> Result<(), OtapError> {
    encode_nested(v, out, 0)
}

fn too_deep(depth: usize) -> Result<(), OtapError> {
    if depth >= CBOR_MAX_DEPTH {
        return Err(OtapError::new(
            codes::LIMIT_EXCEEDED,
            format!("AnyValue maps and arrays nested deeper than {CBOR_MAX_DEPTH} levels: OTAP carries them as CBOR, which decoders read to {CBOR_MAX_DEPTH} levels"),
        ));
    }
    Ok(())
}

fn encode_nested(v: &AnyValue<'_>, out: &mut Vec<u8>, depth: usize) -> Result<(), OtapError> {
    match *v {
        AnyValue::Empty => out.push(0xf6),
        AnyValue::Str(s) => {
            head(out, 3, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        AnyValue::Int(i) => {
            if i >= 0 {
                head(out, 0, i as u64);
            } else {
                head(out, 1, !(i as u64));
            }
        }
        AnyValue::Double(d) => {
            if d.is_nan() {
                out.extend_from_slice(&[0xf9, 0x7e, 0x00]);
            } else if d.is_infinite() {
                out.extend_from_slice(&[0xf9, if d > 0.0 { 0x7c } else { 0xfc }, 0x00]);
            } else {
                out.push(0xfb);
                out.extend_from_slice(&d.to_bits().to_be_bytes());
            }
        }
        AnyValue::Bool(b) => out.push(if b { 0xf5 } else { 0xf4 }),
        AnyValue::Bytes(b) => {
            head(out, 2, b.len() as u64);
            out.extend_from_slice(b);
        }
        AnyValue::Array(raw) => {
            too_deep(depth)?;
            out.push(0x9f);
            array_values(raw, |item| encode_nested(&item, out, depth + 1))?;
            out.push(0xff);
        }
        AnyValue::KvList(raw) => {
            too_deep(depth)?;
            out.push(0xbf);
            kvlist_entries(raw, |kv| {
                head(out, 3, kv.key.len() as u64);
                out.extend_from_slice(kv.key.as_bytes());
                encode_nested(&kv.value, out, depth + 1)
            })?;
            out.push(0xff);
        }
    }
    Ok(())
}

/// The CBOR encoding of `v` as a new Vec.
pub fn to_cbor(v: &AnyValue<'_>) -> Result<Vec<u8>, OtapError> {
    let mut out = Vec::with_capacity(64);
    encode_any_value(v, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars() {
        let enc = |v: AnyValue<'_>| to_cbor(&v).unwrap();
        assert_eq!(enc(AnyValue::Int(-1)), vec![0x20]);
        assert_eq!(enc(AnyValue::Int(500)), vec![0x19, 0x01, 0xf4]);
        assert_eq!(enc(AnyValue::Int(1 << 40)), vec![0x1b, 0, 0, 1, 0, 0, 0, 0, 0]);
        assert_eq!(enc(AnyValue::Int(i64::MIN)), vec![0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(enc(AnyValue::Double(1.5)), vec![0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
        assert_eq!(enc(AnyValue::Double(f64::NAN)), vec![0xf9, 0x7e, 0]);
        assert_eq!(enc(AnyValue::Double(f64::NEG_INFINITY)), vec![0xf9, 0xfc, 0]);
        assert_eq!(enc(AnyValue::Bytes(b"")), vec![0x40]);
        assert_eq!(enc(AnyValue::Str("a")), vec![0x61, b'a']);
        // kvlist { "k": [true] } as protobuf: KeyValueList{values=[KeyValue{key="k", value=AnyValue{array_value=ArrayValue{values=[AnyValue{bool_value=true}]}}}]}
        let inner_any = [0x10, 0x01];
        let array = [&[0x0a, inner_any.len() as u8][..], &inner_any].concat();
        let any = [&[0x2a, array.len() as u8][..], &array].concat();
        let kv = [&[0x0a, 0x01, b'k', 0x12, any.len() as u8][..], &any].concat();
        let list = [&[0x0a, kv.len() as u8][..], &kv].concat();
        assert_eq!(enc(AnyValue::KvList(&list)), vec![0xbf, 0x61, b'k', 0x9f, 0xf5, 0xff, 0xff]);
    }
}
