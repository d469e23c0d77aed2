//! OTLP protobuf: a zero-copy wire reader and an arena-based borrowed model of the three
//! export requests (what the encoder consumes).

mod arena_sizes;
pub mod model;
pub mod wire;
