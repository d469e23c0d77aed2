//! OTLP protobuf types and parsing.
