//! The one error type of the core, mirroring `src/errors.ts` (`OtelArrowError`): a stable
//! `code`, optional table/column context and a message. `Display` renders
//! `"TABLE.column: message"` (or just the message when there is no context).

use std::fmt;

/// Error codes (same strings as `src/errors.ts`).
pub mod codes {
    pub const MALFORMED_PROTOBUF: &str = "MALFORMED_PROTOBUF";
    pub const MALFORMED_IPC: &str = "MALFORMED_IPC";
    pub const DECOMPRESSION_FAILED: &str = "DECOMPRESSION_FAILED";
    pub const UNKNOWN_PAYLOAD_TYPE: &str = "UNKNOWN_PAYLOAD_TYPE";
    pub const INVALID_PAYLOAD: &str = "INVALID_PAYLOAD";
    pub const UNSUPPORTED: &str = "UNSUPPORTED";
    pub const LIMIT_EXCEEDED: &str = "LIMIT_EXCEEDED";
    pub const MALFORMED_COLUMNS: &str = "MALFORMED_COLUMNS";
    /// Parquet bytes that cannot be read (not Parquet, truncated, a corrupt page or footer).
    pub const MALFORMED_PARQUET: &str = "MALFORMED_PARQUET";
    /// A batch whose ids, shifted past the ids already in a Parquet file set, would exceed
    /// u32: nothing was written; finish the set and write the batch to a new one.
    pub const ID_OVERFLOW: &str = "ID_OVERFLOW";
}

/// Boxed so that every `Result<T, OtapError>` stays one pointer wider than `T`: the parsers
/// return one per field or row, and an 88-byte error variant made each of them a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtapError(Box<ErrorInfo>);

/// What an [`OtapError`] says (its fields are read through the error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub table: Option<String>,
    pub column: Option<String>,
    pub message: String,
}

impl std::ops::Deref for OtapError {
    type Target = ErrorInfo;
    fn deref(&self) -> &ErrorInfo {
        &self.0
    }
}

impl std::ops::DerefMut for OtapError {
    fn deref_mut(&mut self) -> &mut ErrorInfo {
        &mut self.0
    }
}

impl From<ErrorInfo> for OtapError {
    fn from(info: ErrorInfo) -> Self {
        OtapError(Box::new(info))
    }
}

impl OtapError {
    /// The fields, owned (bindings move the strings out).
    pub fn into_info(self) -> ErrorInfo {
        *self.0
    }

    #[cold]
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        ErrorInfo { code, table: None, column: None, message: message.into() }.into()
    }

    pub fn malformed_protobuf(message: impl Into<String>) -> Self {
        Self::new(codes::MALFORMED_PROTOBUF, message)
    }

    pub fn malformed_ipc(message: impl Into<String>) -> Self {
        Self::new(codes::MALFORMED_IPC, message)
    }

    pub fn invalid_payload(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PAYLOAD, message)
    }

    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new(codes::LIMIT_EXCEEDED, message)
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(codes::UNSUPPORTED, message)
    }

    /// Names the table, unless one is already named.
    pub fn in_table(mut self, table: impl Into<String>) -> Self {
        if self.table.is_none() {
            self.table = Some(table.into());
        }
        self
    }

    /// Names the column, unless one is already named.
    pub fn in_column(mut self, column: impl Into<String>) -> Self {
        if self.column.is_none() {
            self.column = Some(column.into());
        }
        self
    }
}

impl fmt::Display for OtapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.table, &self.column) {
            (Some(t), Some(c)) if !t.is_empty() && !c.is_empty() => write!(f, "{t}.{c}: {}", self.message),
            (Some(t), _) if !t.is_empty() => write!(f, "{t}: {}", self.message),
            (_, Some(c)) if !c.is_empty() => write!(f, "{c}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for OtapError {}

impl From<prost::DecodeError> for OtapError {
    fn from(e: prost::DecodeError) -> Self {
        OtapError::malformed_protobuf(e.to_string())
    }
}

impl From<arrow_schema::ArrowError> for OtapError {
    fn from(e: arrow_schema::ArrowError) -> Self {
        OtapError::malformed_ipc(e.to_string())
    }
}
