//! Reader of the SDK columns buffer (src/sdk/columns/FORMAT.md, the contract): the column
//! buffers the JS SDK hooks fill, read into the same borrowed request model the OTLP
//! protobuf parser produces, so the encoder builds its tables from them with no OTLP
//! protobuf in between.

mod cursor;
mod ends;
mod heap;
mod ids;
mod kv;
mod logs;
mod refs;
mod roots;
mod traces;

use self::cursor::Cursor;
use self::heap::{Blobs, Strings};
use self::logs::LogCols;
use self::refs::Refs;
use self::roots::RootCols;
use self::traces::TraceCols;
use crate::error::{codes, OtapError};
use crate::otlp::model::{LogsRequest, TracesRequest};
use crate::otlp::wire;
use crate::Signal;

pub const MAGIC: &[u8; 8] = b"OTAPCOL1";
/// `signal` word values.
pub const SIGNAL_TRACES: u32 = 1;
pub const SIGNAL_LOGS: u32 = 2;

/// `rows` items made by `item(row)`, stopping at the first error. Unlike collecting a
/// fallible iterator (no size hint), the vector is allocated once, not grown by copying.
pub(crate) fn rows_of<T>(rows: usize, mut item: impl FnMut(usize) -> Result<T, OtapError>) -> Result<Vec<T>, OtapError> {
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        out.push(item(i)?);
    }
    Ok(out)
}

pub(crate) fn malformed(table: &'static str, column: &'static str, message: impl Into<String>) -> OtapError {
    OtapError::new(codes::MALFORMED_COLUMNS, message).in_table(table).in_column(column)
}

fn header(cur: &mut Cursor<'_>) -> Result<Signal, OtapError> {
    let bad = |m: String| OtapError::new(codes::MALFORMED_COLUMNS, m);
    if cur.take(8) != Some(MAGIC.as_slice()) {
        return Err(bad("not an SDK columns buffer (magic is not OTAPCOL1)".into()));
    }
    match cur.u32() {
        Some(SIGNAL_TRACES) => Ok(Signal::Traces),
        Some(SIGNAL_LOGS) => Ok(Signal::Logs),
        Some(s) => Err(bad(format!("signal {s}: expected 1 (traces) or 2 (logs)"))),
        None => Err(bad("buffer ends inside the header".into())),
    }
}

/// The signal of a buffer, from its header only.
pub fn columns_signal(buf: &[u8]) -> Result<Signal, OtapError> {
    header(&mut Cursor::new(buf))
}

enum Items<'a> {
    Traces(Box<TraceCols<'a>>),
    Logs(Box<LogCols<'a>>),
}

/// A checked buffer plus its decoded ids, which the requests borrow (the buffer holds the
/// ids as hex, the model as bytes).
pub struct SdkColumns<'a> {
    signal: Signal,
    refs: Refs<'a>,
    roots: RootCols<'a>,
    items: Items<'a>,
    ids: Vec<u8>,
}

impl<'a> SdkColumns<'a> {
    /// Reads and checks the whole buffer's layout, and decodes the ids.
    pub fn parse(buf: &'a [u8]) -> Result<SdkColumns<'a>, OtapError> {
        // Nested kvlist/array blobs are read later as protobuf: their budget is per request.
        wire::start_request();
        let mut cur = Cursor::new(buf);
        let signal = header(&mut cur)?;
        let refs = Refs { strings: Strings::read(&mut cur)?, blobs: Blobs::read(&mut cur)? };
        let roots = RootCols::read(&mut cur)?;
        let mut ids = Vec::new();
        let items = match signal {
            Signal::Logs => Items::Logs(Box::new(LogCols::read(&mut cur, &roots, &mut ids)?)),
            _ => Items::Traces(Box::new(TraceCols::read(&mut cur, &roots, &mut ids)?)),
        };
        if !cur.is_at_end() {
            return Err(OtapError::new(codes::MALFORMED_COLUMNS, "bytes left over after the last column"));
        }
        Ok(SdkColumns { signal, refs, roots, items, ids })
    }

    pub fn signal(&self) -> Signal {
        self.signal
    }

    pub fn traces_request(&self) -> Result<TracesRequest<'_>, OtapError> {
        match &self.items {
            Items::Traces(t) => t.request(&self.roots, &self.refs, &self.ids),
            Items::Logs(_) => Err(self.wrong_signal(Signal::Traces)),
        }
    }

    pub fn logs_request(&self) -> Result<LogsRequest<'_>, OtapError> {
        match &self.items {
            Items::Logs(l) => l.request(&self.roots, &self.refs, &self.ids),
            Items::Traces(_) => Err(self.wrong_signal(Signal::Logs)),
        }
    }

    fn wrong_signal(&self, wanted: Signal) -> OtapError {
        OtapError::new(codes::MALFORMED_COLUMNS, format!("the buffer holds {}, not {}", self.signal.name(), wanted.name()))
    }
}
