//! The OTAP gRPC envelope (package `opentelemetry.proto.experimental.arrow.v1`):
//! `BatchArrowRecords`, `ArrowPayload`, `BatchStatus`, and the `ArrowPayloadType` numbers.

use prost::Message;

use crate::error::OtapError;
use crate::otlp::wire::{self, Reader};

#[derive(Clone, PartialEq, prost::Message)]
pub struct BatchArrowRecords {
    #[prost(int64, tag = "1")]
    pub batch_id: i64,
    #[prost(message, repeated, tag = "2")]
    pub arrow_payloads: Vec<ArrowPayload>,
    /// HPACK-encoded headers, or empty.
    #[prost(bytes = "vec", tag = "3")]
    pub headers: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ArrowPayload {
    #[prost(string, tag = "1")]
    pub schema_id: String,
    /// An `ArrowPayloadType` value (see [`payload_type`]); unknown values are kept as is.
    #[prost(int32, tag = "2")]
    pub r#type: i32,
    /// Arrow IPC stream bytes (the next chunk of this payload type's IPC stream).
    #[prost(bytes = "vec", tag = "3")]
    pub record: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct BatchStatus {
    #[prost(int64, tag = "1")]
    pub batch_id: i64,
    #[prost(int32, tag = "2")]
    pub status_code: i32,
    #[prost(string, tag = "3")]
    pub status_message: String,
}

/// `BatchStatus.status_code` values (gRPC status codes).
pub mod status_code {
    pub const OK: i32 = 0;
    pub const CANCELED: i32 = 1;
    pub const INVALID_ARGUMENT: i32 = 3;
    pub const DEADLINE_EXCEEDED: i32 = 4;
    pub const PERMISSION_DENIED: i32 = 7;
    pub const RESOURCE_EXHAUSTED: i32 = 8;
    pub const ABORTED: i32 = 10;
    pub const INTERNAL: i32 = 13;
    pub const UNAVAILABLE: i32 = 14;
    pub const UNAUTHENTICATED: i32 = 16;
}

/// `ArrowPayloadType` enum values.
pub mod payload_type {
    pub const UNKNOWN: i32 = 0;
    pub const RESOURCE_ATTRS: i32 = 1;
    pub const SCOPE_ATTRS: i32 = 2;
    pub const UNIVARIATE_METRICS: i32 = 10;
    pub const NUMBER_DATA_POINTS: i32 = 11;
    pub const SUMMARY_DATA_POINTS: i32 = 12;
    pub const HISTOGRAM_DATA_POINTS: i32 = 13;
    pub const EXP_HISTOGRAM_DATA_POINTS: i32 = 14;
    pub const NUMBER_DP_ATTRS: i32 = 15;
    pub const SUMMARY_DP_ATTRS: i32 = 16;
    pub const HISTOGRAM_DP_ATTRS: i32 = 17;
    pub const EXP_HISTOGRAM_DP_ATTRS: i32 = 18;
    pub const NUMBER_DP_EXEMPLARS: i32 = 19;
    pub const HISTOGRAM_DP_EXEMPLARS: i32 = 20;
    pub const EXP_HISTOGRAM_DP_EXEMPLARS: i32 = 21;
    pub const NUMBER_DP_EXEMPLAR_ATTRS: i32 = 22;
    pub const HISTOGRAM_DP_EXEMPLAR_ATTRS: i32 = 23;
    pub const EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS: i32 = 24;
    pub const MULTIVARIATE_METRICS: i32 = 25;
    pub const METRIC_ATTRS: i32 = 26;
    pub const LOGS: i32 = 30;
    pub const LOG_ATTRS: i32 = 31;
    pub const SPANS: i32 = 40;
    pub const SPAN_ATTRS: i32 = 41;
    pub const SPAN_EVENTS: i32 = 42;
    pub const SPAN_LINKS: i32 = 43;
    pub const SPAN_EVENT_ATTRS: i32 = 44;
    pub const SPAN_LINK_ATTRS: i32 = 45;
}

/// The name of a payload type (`"LOG_ATTRS"`), or `"UNKNOWN(<n>)"`.
pub fn payload_type_name(t: i32) -> String {
    use payload_type::*;
    let s = match t {
        UNKNOWN => "UNKNOWN",
        RESOURCE_ATTRS => "RESOURCE_ATTRS",
        SCOPE_ATTRS => "SCOPE_ATTRS",
        UNIVARIATE_METRICS => "UNIVARIATE_METRICS",
        NUMBER_DATA_POINTS => "NUMBER_DATA_POINTS",
        SUMMARY_DATA_POINTS => "SUMMARY_DATA_POINTS",
        HISTOGRAM_DATA_POINTS => "HISTOGRAM_DATA_POINTS",
        EXP_HISTOGRAM_DATA_POINTS => "EXP_HISTOGRAM_DATA_POINTS",
        NUMBER_DP_ATTRS => "NUMBER_DP_ATTRS",
        SUMMARY_DP_ATTRS => "SUMMARY_DP_ATTRS",
        HISTOGRAM_DP_ATTRS => "HISTOGRAM_DP_ATTRS",
        EXP_HISTOGRAM_DP_ATTRS => "EXP_HISTOGRAM_DP_ATTRS",
        NUMBER_DP_EXEMPLARS => "NUMBER_DP_EXEMPLARS",
        HISTOGRAM_DP_EXEMPLARS => "HISTOGRAM_DP_EXEMPLARS",
        EXP_HISTOGRAM_DP_EXEMPLARS => "EXP_HISTOGRAM_DP_EXEMPLARS",
        NUMBER_DP_EXEMPLAR_ATTRS => "NUMBER_DP_EXEMPLAR_ATTRS",
        HISTOGRAM_DP_EXEMPLAR_ATTRS => "HISTOGRAM_DP_EXEMPLAR_ATTRS",
        EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS => "EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS",
        MULTIVARIATE_METRICS => "MULTIVARIATE_METRICS",
        METRIC_ATTRS => "METRIC_ATTRS",
        LOGS => "LOGS",
        LOG_ATTRS => "LOG_ATTRS",
        SPANS => "SPANS",
        SPAN_ATTRS => "SPAN_ATTRS",
        SPAN_EVENTS => "SPAN_EVENTS",
        SPAN_LINKS => "SPAN_LINKS",
        SPAN_EVENT_ATTRS => "SPAN_EVENT_ATTRS",
        SPAN_LINK_ATTRS => "SPAN_LINK_ATTRS",
        other => return format!("UNKNOWN({other})"),
    };
    s.to_string()
}

/// A BatchArrowRecords read in place: its payloads borrow the message bytes, so a payload's
/// Arrow IPC bytes are copied once (into the IPC reader's aligned buffer), not twice. Reads
/// what prost reads (the last value of a repeated scalar field wins, unknown fields are
/// skipped) and fails with MALFORMED_PROTOBUF where it fails.
pub struct BarView<'a> {
    pub batch_id: i64,
    pub payloads: Vec<PayloadView<'a>>,
    /// HPACK-encoded headers, or empty.
    pub headers: &'a [u8],
}

pub struct PayloadView<'a> {
    pub schema_id: &'a str,
    /// An `ArrowPayloadType` value; unknown values are kept as is.
    pub payload_type: i32,
    /// Arrow IPC stream bytes.
    pub record: &'a [u8],
}

impl<'a> BarView<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<BarView<'a>, OtapError> {
        let mut r = Reader::new(bytes);
        let mut bar = BarView { batch_id: 0, payloads: Vec::new(), headers: &[] };
        while let Some((field, wt)) = r.tag()? {
            match field {
                1 => {
                    r.expect(wt, wire::VARINT)?;
                    bar.batch_id = r.varint()? as i64;
                }
                2 => {
                    r.expect(wt, wire::LEN)?;
                    // Not Reader::message: that counts toward an OTLP request's nesting budget.
                    bar.payloads.push(PayloadView::parse(r.bytes()?)?);
                }
                3 => {
                    r.expect(wt, wire::LEN)?;
                    bar.headers = r.bytes()?;
                }
                _ => r.skip(wt)?,
            }
        }
        Ok(bar)
    }
}

impl<'a> PayloadView<'a> {
    fn parse(bytes: &'a [u8]) -> Result<PayloadView<'a>, OtapError> {
        let mut r = Reader::new(bytes);
        let mut p = PayloadView { schema_id: "", payload_type: 0, record: &[] };
        while let Some((field, wt)) = r.tag()? {
            match field {
                1 => {
                    r.expect(wt, wire::LEN)?;
                    p.schema_id = r.string()?;
                }
                2 => {
                    r.expect(wt, wire::VARINT)?;
                    p.payload_type = r.varint()? as i32;
                }
                3 => {
                    r.expect(wt, wire::LEN)?;
                    p.record = r.bytes()?;
                }
                _ => r.skip(wt)?,
            }
        }
        Ok(p)
    }
}

impl BatchArrowRecords {
    pub fn decode_bytes(bytes: &[u8]) -> Result<Self, OtapError> {
        Ok(<Self as Message>::decode(bytes)?)
    }

    pub fn encode_to_vec_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }
}

impl BatchStatus {
    pub fn decode_bytes(bytes: &[u8]) -> Result<Self, OtapError> {
        Ok(<Self as Message>::decode(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let payload = |id: &str, t: i32, record: &[u8]| ArrowPayload { schema_id: id.into(), r#type: t, record: record.to_vec() };
        let bar = BatchArrowRecords {
            batch_id: -7,
            arrow_payloads: vec![payload("0:a", payload_type::SPANS, b"\xff\xff\xff\xff\x10\0\0\0ipc"), payload("1:é", 41, b""), payload("", -3, b"x")],
            headers: b"\x82\x86".to_vec(),
        };
        let mut bytes = bar.encode_to_vec();
        // An unknown field of each wire type, and a second batch_id (the last one wins).
        bytes.extend_from_slice(&[0x20, 0x05, 0x29, 1, 2, 3, 4, 5, 6, 7, 8, 0x35, 1, 2, 3, 4, 0x3a, 0x01, 0x00, 0x08, 0x2a]);
        bytes
    }

    fn same(view: &BarView<'_>, bar: &BatchArrowRecords) -> bool {
        view.batch_id == bar.batch_id
            && view.headers == bar.headers
            && view.payloads.len() == bar.arrow_payloads.len()
            && view.payloads.iter().zip(&bar.arrow_payloads).all(|(a, b)| {
                a.schema_id == b.schema_id && a.payload_type == b.r#type && a.record == b.record
            })
    }

    #[test]
    fn a_view_reads_what_prost_reads() {
        let bytes = sample();
        let bar = <BatchArrowRecords as Message>::decode(&bytes[..]).unwrap();
        assert_eq!(bar.batch_id, 42);
        let view = BarView::parse(&bytes).unwrap();
        assert!(same(&view, &bar));
        assert_eq!(view.payloads[1].schema_id, "1:é");
    }

    /// Every input prost decodes (the sample with one byte changed, or cut short) reads the
    /// same as a view; inputs a view refuses, prost refuses too.
    #[test]
    fn mutated_messages_read_as_prost_reads_them() {
        let bytes = sample();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut agreed, mut refused) = (0, 0);
        for i in 0..20_000 {
            let mut b = bytes.clone();
            if i % 10 == 0 {
                b.truncate((next() as usize) % bytes.len());
            } else {
                let at = (next() as usize) % b.len();
                b[at] = next() as u8;
            }
            match (<BatchArrowRecords as Message>::decode(&b[..]), BarView::parse(&b)) {
                (Ok(bar), Ok(view)) => {
                    assert!(same(&view, &bar), "input {b:?}");
                    agreed += 1;
                }
                (Ok(_), Err(e)) => panic!("prost reads {b:?}, the view refuses it: {}", e.message),
                (Err(_), Err(e)) => {
                    assert_eq!(e.code, "MALFORMED_PROTOBUF");
                    refused += 1;
                }
                // The view's varints ignore bits past 64 where prost refuses them.
                (Err(_), Ok(_)) => {}
            }
        }
        assert!(agreed > 1000 && refused > 1000, "agreed {agreed}, refused {refused}");
    }

    #[test]
    fn malformed_messages_are_refused() {
        for bad in [&b"\x12\x05\x0a"[..], b"\x12\x03\x0a\x01\xff", b"\x0a\x00", b"\x12\x02\x10\x80", b"\x0f", b"\x00"] {
            let e = BarView::parse(bad).err().unwrap_or_else(|| panic!("{bad:?} was read"));
            assert_eq!(e.code, "MALFORMED_PROTOBUF", "{bad:?}");
            assert!(<BatchArrowRecords as Message>::decode(bad).is_err(), "{bad:?}");
        }
    }
}
