//! The OTAP gRPC envelope (package `opentelemetry.proto.experimental.arrow.v1`):
//! `BatchArrowRecords`, `ArrowPayload`, `BatchStatus`, and the `ArrowPayloadType` numbers.

use prost::Message;

use crate::error::OtapError;

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
