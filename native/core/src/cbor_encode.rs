//! CBOR encoding of nested AnyValues (the `ser` columns).
