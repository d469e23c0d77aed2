//! A borrowed, arena-based view of one OTLP export request, parsed straight from the
//! protobuf bytes. Strings and byte fields point into the request buffer; every repeated
//! message lives in one flat Vec per kind and parents refer to it by index ranges, so parsing
//! a request allocates a handful of Vecs (sized up front from the last request of the signal
//! parsed on the thread, see `arena_sizes`), not one object per row. Nested AnyValues (arrays
//! and kvlists) stay as their raw protobuf bytes and are turned into CBOR directly from those
//! bytes.

use super::arena_sizes::{self, ArenaGuess, Kind};
use super::wire::{self, Reader, I32, I64, LEN, VARINT};
use crate::error::OtapError;

/// `start..end` into one of the arenas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span32 {
    pub start: u32,
    pub end: u32,
}

impl Span32 {
    #[inline]
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }
    #[inline]
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
    #[inline]
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    #[inline]
    fn extend_to<T>(&mut self, start: usize, arena: &[T]) {
        if self.is_empty() {
            self.start = start as u32;
        }
        self.end = arena.len() as u32;
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub enum AnyValue<'a> {
    #[default]
    Empty,
    Str(&'a str),
    Bool(bool),
    Int(i64),
    Double(f64),
    Bytes(&'a [u8]),
    /// Raw protobuf bytes of an `ArrayValue`.
    Array(&'a [u8]),
    /// Raw protobuf bytes of a `KeyValueList`.
    KvList(&'a [u8]),
}

impl AnyValue<'_> {
    /// The OTAP `type` column code (pdata ValueType numbering).
    #[inline]
    pub fn type_code(&self) -> u8 {
        match self {
            AnyValue::Empty => 0,
            AnyValue::Str(_) => 1,
            AnyValue::Int(_) => 2,
            AnyValue::Double(_) => 3,
            AnyValue::Bool(_) => 4,
            AnyValue::KvList(_) => 5,
            AnyValue::Array(_) => 6,
            AnyValue::Bytes(_) => 7,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct KeyValue<'a> {
    pub key: &'a str,
    pub value: AnyValue<'a>,
}

/// First guesses of `arena_sizes` for the attribute arenas: protobuf bytes per attribute, and
/// the most attributes reserved, so that a large request of large attributes reserves little.
const ATTR_GUESS: Option<(usize, usize)> = Some((48, 32768));

// The wasm build is not profile-guided, and its inliner kept these three as calls (18% of the
// wasm encoder's time on traces 512, their bodies included); forced inline, encoding takes
// about 0.93x the time there. The native build's profile inlines them already.
#[cfg_attr(target_arch = "wasm32", inline(always))]
#[cfg_attr(not(target_arch = "wasm32"), inline)]
pub fn parse_any_value<'a>(mut r: Reader<'a>) -> Result<AnyValue<'a>, OtapError> {
    let mut v = AnyValue::Empty;
    while let Some((f, wt)) = r.tag()? {
        v = match (f, wt) {
            (1, LEN) => AnyValue::Str(r.string()?),
            (2, VARINT) => AnyValue::Bool(r.varint()? != 0),
            (3, VARINT) => AnyValue::Int(r.varint()? as i64),
            (4, I64) => AnyValue::Double(r.double()?),
            (5, LEN) => AnyValue::Array(r.bytes()?),
            (6, LEN) => AnyValue::KvList(r.bytes()?),
            (7, LEN) => AnyValue::Bytes(r.bytes()?),
            (1..=7, _) => return Err(OtapError::malformed_protobuf(format!("AnyValue field {f} has wire type {wt}"))),
            _ => {
                r.skip(wt)?;
                continue;
            }
        };
    }
    Ok(v)
}

#[cfg_attr(target_arch = "wasm32", inline(always))]
#[cfg_attr(not(target_arch = "wasm32"), inline)]
pub fn parse_key_value<'a>(mut r: Reader<'a>) -> Result<KeyValue<'a>, OtapError> {
    let mut kv = KeyValue { key: "", value: AnyValue::Empty };
    while let Some((f, wt)) = r.tag()? {
        match f {
            1 => {
                r.expect(wt, LEN)?;
                kv.key = r.string()?;
            }
            2 => {
                r.expect(wt, LEN)?;
                kv.value = parse_any_value(r.message()?)?;
            }
            _ => r.skip(wt)?,
        }
    }
    Ok(kv)
}

#[cfg_attr(target_arch = "wasm32", inline(always))]
#[cfg_attr(not(target_arch = "wasm32"), inline)]
fn push_kv<'a>(r: &mut Reader<'a>, wt: u32, arena: &mut Vec<KeyValue<'a>>, span: &mut Span32) -> Result<(), OtapError> {
    r.expect(wt, LEN)?;
    let start = arena.len();
    arena.push(parse_key_value(r.message()?)?);
    span.extend_to(start, arena);
    Ok(())
}

#[inline]
fn u32_field(r: &mut Reader<'_>, wt: u32) -> Result<u32, OtapError> {
    r.expect(wt, VARINT)?;
    Ok(r.varint()? as u32)
}

#[inline]
fn fixed32_field(r: &mut Reader<'_>, wt: u32) -> Result<u32, OtapError> {
    match wt {
        I32 => r.fixed32(),
        VARINT => Ok(r.varint()? as u32),
        _ => Err(OtapError::malformed_protobuf(format!("fixed32 field with wire type {wt}"))),
    }
}

#[inline]
fn fixed64_field(r: &mut Reader<'_>, wt: u32) -> Result<u64, OtapError> {
    r.expect(wt, I64)?;
    r.fixed64()
}

#[inline]
fn str_field<'a>(r: &mut Reader<'a>, wt: u32) -> Result<&'a str, OtapError> {
    r.expect(wt, LEN)?;
    r.string()
}

#[inline]
fn bytes_field<'a>(r: &mut Reader<'a>, wt: u32) -> Result<&'a [u8], OtapError> {
    r.expect(wt, LEN)?;
    r.bytes()
}

// ---------------------------------------------------------------------------------------
// Resource / scope hierarchy shared by the three signals

#[derive(Debug, Clone, Copy, Default)]
pub struct ResourceGroup<'a> {
    pub attrs: Span32,
    pub dropped: u32,
    pub schema_url: &'a str,
    pub scopes: Span32,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ScopeGroup<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub attrs: Span32,
    pub dropped: u32,
    pub schema_url: &'a str,
    pub items: Span32,
}

#[derive(Debug, Default)]
pub struct Roots<'a, T> {
    pub resources: Vec<ResourceGroup<'a>>,
    pub scopes: Vec<ScopeGroup<'a>>,
    pub resource_attrs: Vec<KeyValue<'a>>,
    pub scope_attrs: Vec<KeyValue<'a>>,
    pub items: Vec<T>,
    /// Equal strings of this request are one slice (the SDK columns' string table); a hint
    /// that lets the encoder tell strings apart by place.
    pub interned_strings: bool,
}

impl<T> Roots<'_, T> {
    pub fn clear(&mut self) {
        self.resources.clear();
        self.scopes.clear();
        self.resource_attrs.clear();
        self.scope_attrs.clear();
        self.items.clear();
    }
}

/// Parses `Export*ServiceRequest { repeated Resource* = 1 }` where `Resource* { resource = 1;
/// repeated Scope* = 2; schema_url = 3 }` and `Scope* { scope = 1; repeated item = 2;
/// schema_url = 3 }`; `item` parses one item message and pushes it to `roots.items`.
fn parse_roots<'a, T>(
    buf: &'a [u8],
    roots: &mut Roots<'a, T>,
    mut item: impl FnMut(Reader<'a>, &mut Vec<T>) -> Result<(), OtapError>,
) -> Result<(), OtapError> {
    wire::start_request();
    let mut r = Reader::new(buf);
    while let Some((f, wt)) = r.tag()? {
        if f != 1 {
            r.skip(wt)?;
            continue;
        }
        r.expect(wt, LEN)?;
        let mut rr = r.message()?;
        let mut rg = ResourceGroup::default();
        while let Some((f, wt)) = rr.tag()? {
            match f {
                1 => {
                    r_expect(&rr, wt)?;
                    let mut res = rr.message()?;
                    while let Some((f, wt)) = res.tag()? {
                        match f {
                            1 => push_kv(&mut res, wt, &mut roots.resource_attrs, &mut rg.attrs)?,
                            2 => rg.dropped = u32_field(&mut res, wt)?,
                            _ => res.skip(wt)?,
                        }
                    }
                }
                2 => {
                    r_expect(&rr, wt)?;
                    let mut sr = rr.message()?;
                    let mut sg = ScopeGroup::default();
                    while let Some((f, wt)) = sr.tag()? {
                        match f {
                            1 => {
                                r_expect(&sr, wt)?;
                                let mut sc = sr.message()?;
                                while let Some((f, wt)) = sc.tag()? {
                                    match f {
                                        1 => sg.name = str_field(&mut sc, wt)?,
                                        2 => sg.version = str_field(&mut sc, wt)?,
                                        3 => push_kv(&mut sc, wt, &mut roots.scope_attrs, &mut sg.attrs)?,
                                        4 => sg.dropped = u32_field(&mut sc, wt)?,
                                        _ => sc.skip(wt)?,
                                    }
                                }
                            }
                            2 => {
                                r_expect(&sr, wt)?;
                                let start = roots.items.len();
                                item(sr.message()?, &mut roots.items)?;
                                sg.items.extend_to(start, &roots.items);
                            }
                            3 => sg.schema_url = str_field(&mut sr, wt)?,
                            _ => sr.skip(wt)?,
                        }
                    }
                    let start = roots.scopes.len();
                    roots.scopes.push(sg);
                    rg.scopes.extend_to(start, &roots.scopes);
                }
                3 => rg.schema_url = str_field(&mut rr, wt)?,
                _ => rr.skip(wt)?,
            }
        }
        roots.resources.push(rg);
    }
    Ok(())
}

#[inline]
fn r_expect(r: &Reader<'_>, wt: u32) -> Result<(), OtapError> {
    r.expect(wt, LEN)
}

// ---------------------------------------------------------------------------------------
// Logs

#[derive(Debug, Clone, Copy, Default)]
pub struct LogRecord<'a> {
    pub time_unix_nano: u64,
    pub observed_time_unix_nano: u64,
    pub severity_number: i32,
    pub severity_text: &'a str,
    pub body: AnyValue<'a>,
    pub attrs: Span32,
    pub dropped_attributes_count: u32,
    pub flags: u32,
    pub trace_id: &'a [u8],
    pub span_id: &'a [u8],
    pub event_name: &'a str,
}

#[derive(Debug, Default)]
pub struct LogsRequest<'a> {
    pub roots: Roots<'a, LogRecord<'a>>,
    pub attrs: Vec<KeyValue<'a>>,
}

pub fn parse_logs(buf: &[u8]) -> Result<LogsRequest<'_>, OtapError> {
    let mut req = LogsRequest::default();
    arena_sizes::presize(Kind::Logs, buf.len(), &mut req.arenas());
    let attrs = &mut req.attrs;
    parse_roots(buf, &mut req.roots, |r, items| {
        items.push(parse_log_record(r, attrs)?);
        Ok(())
    })?;
    arena_sizes::learn(Kind::Logs, buf.len(), &req.arenas());
    Ok(req)
}

impl LogsRequest<'_> {
    /// The arenas `arena_sizes` sizes, with their first guesses.
    fn arenas(&mut self) -> [ArenaGuess<'_>; 2] {
        [(&mut self.roots.items, Some((128, 8192))), (&mut self.attrs, ATTR_GUESS)]
    }
}

/// The LogRecord fields a first pass reads (see [`parse_logs_deferring_records`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogFields {
    pub severity_number: bool,
    pub severity_text: bool,
    pub body: bool,
}

/// [`parse_logs`] with only the `fields` of each log record (the others skipped by their
/// length prefixes, unchecked; `attrs` empty), plus each record's raw bytes for
/// [`LogsRequest::parse_kept_records`]: for a filter that decides on a few fields and then
/// needs whole records only for what it keeps. Resources and scopes are parsed in full.
pub fn parse_logs_deferring_records(buf: &[u8], fields: LogFields) -> Result<(LogsRequest<'_>, Vec<&[u8]>), OtapError> {
    let mut req = LogsRequest::default();
    let mut raw = Vec::new();
    parse_roots(buf, &mut req.roots, |r, items| {
        raw.push(r.rest());
        items.push(parse_log_record_fields(r, fields)?);
        Ok(())
    })?;
    Ok((req, raw))
}

impl<'a> LogsRequest<'a> {
    /// Parses in full, attributes included, the records `keep` selects, from their raw bytes
    /// (`raw`, from [`parse_logs_deferring_records`]).
    pub fn parse_kept_records(&mut self, raw: &[&'a [u8]], keep: &[bool]) -> Result<(), OtapError> {
        for (i, item) in self.roots.items.iter_mut().enumerate() {
            if keep[i] {
                *item = parse_log_record(Reader::new(raw[i]), &mut self.attrs)?;
            }
        }
        Ok(())
    }
}

/// A LogRecord's `want`ed fields; everything else skipped.
fn parse_log_record_fields(mut r: Reader<'_>, want: LogFields) -> Result<LogRecord<'_>, OtapError> {
    let mut l = LogRecord::default();
    while let Some((f, wt)) = r.tag()? {
        match f {
            2 if want.severity_number => l.severity_number = u32_field(&mut r, wt)? as i32,
            3 if want.severity_text => l.severity_text = str_field(&mut r, wt)?,
            5 if want.body => {
                r.expect(wt, LEN)?;
                l.body = parse_any_value(r.message()?)?;
            }
            _ => r.skip(wt)?,
        }
    }
    Ok(l)
}

/// One LogRecord; its attributes go to `attrs`.
fn parse_log_record<'a>(mut r: Reader<'a>, attrs: &mut Vec<KeyValue<'a>>) -> Result<LogRecord<'a>, OtapError> {
    let mut l = LogRecord::default();
    while let Some((f, wt)) = r.tag()? {
        match f {
            1 => l.time_unix_nano = fixed64_field(&mut r, wt)?,
            11 => l.observed_time_unix_nano = fixed64_field(&mut r, wt)?,
            2 => l.severity_number = u32_field(&mut r, wt)? as i32,
            3 => l.severity_text = str_field(&mut r, wt)?,
            5 => {
                r.expect(wt, LEN)?;
                l.body = parse_any_value(r.message()?)?;
            }
            6 => push_kv(&mut r, wt, attrs, &mut l.attrs)?,
            7 => l.dropped_attributes_count = u32_field(&mut r, wt)?,
            8 => l.flags = fixed32_field(&mut r, wt)?,
            9 => l.trace_id = bytes_field(&mut r, wt)?,
            10 => l.span_id = bytes_field(&mut r, wt)?,
            12 => l.event_name = str_field(&mut r, wt)?,
            _ => r.skip(wt)?,
        }
    }
    Ok(l)
}

// ---------------------------------------------------------------------------------------
// Traces

#[derive(Debug, Clone, Copy, Default)]
pub struct Span<'a> {
    pub trace_id: &'a [u8],
    pub span_id: &'a [u8],
    pub trace_state: &'a str,
    pub parent_span_id: &'a [u8],
    pub flags: u32,
    pub name: &'a str,
    pub kind: i32,
    pub start_time_unix_nano: u64,
    pub end_time_unix_nano: u64,
    pub attrs: Span32,
    pub dropped_attributes_count: u32,
    pub events: Span32,
    pub dropped_events_count: u32,
    pub links: Span32,
    pub dropped_links_count: u32,
    pub status_message: &'a str,
    pub status_code: i32,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SpanEvent<'a> {
    pub time_unix_nano: u64,
    pub name: &'a str,
    pub attrs: Span32,
    pub dropped_attributes_count: u32,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SpanLink<'a> {
    pub trace_id: &'a [u8],
    pub span_id: &'a [u8],
    pub trace_state: &'a str,
    pub attrs: Span32,
    pub dropped_attributes_count: u32,
    pub flags: u32,
}

#[derive(Debug, Default)]
pub struct TracesRequest<'a> {
    pub roots: Roots<'a, Span<'a>>,
    pub span_attrs: Vec<KeyValue<'a>>,
    pub events: Vec<SpanEvent<'a>>,
    pub event_attrs: Vec<KeyValue<'a>>,
    pub links: Vec<SpanLink<'a>>,
    pub link_attrs: Vec<KeyValue<'a>>,
}

pub fn parse_traces(buf: &[u8]) -> Result<TracesRequest<'_>, OtapError> {
    let mut req = TracesRequest::default();
    arena_sizes::presize(Kind::Traces, buf.len(), &mut req.arenas());
    let TracesRequest { roots, span_attrs, events, event_attrs, links, link_attrs } = &mut req;
    parse_roots(buf, roots, |mut r, items| {
        let mut s = Span::default();
        while let Some((f, wt)) = r.tag()? {
            match f {
                1 => s.trace_id = bytes_field(&mut r, wt)?,
                2 => s.span_id = bytes_field(&mut r, wt)?,
                3 => s.trace_state = str_field(&mut r, wt)?,
                4 => s.parent_span_id = bytes_field(&mut r, wt)?,
                16 => s.flags = fixed32_field(&mut r, wt)?,
                5 => s.name = str_field(&mut r, wt)?,
                6 => s.kind = u32_field(&mut r, wt)? as i32,
                7 => s.start_time_unix_nano = fixed64_field(&mut r, wt)?,
                8 => s.end_time_unix_nano = fixed64_field(&mut r, wt)?,
                9 => push_kv(&mut r, wt, span_attrs, &mut s.attrs)?,
                10 => s.dropped_attributes_count = u32_field(&mut r, wt)?,
                11 => {
                    r.expect(wt, LEN)?;
                    let mut er = r.message()?;
                    let mut e = SpanEvent::default();
                    while let Some((f, wt)) = er.tag()? {
                        match f {
                            1 => e.time_unix_nano = fixed64_field(&mut er, wt)?,
                            2 => e.name = str_field(&mut er, wt)?,
                            3 => push_kv(&mut er, wt, event_attrs, &mut e.attrs)?,
                            4 => e.dropped_attributes_count = u32_field(&mut er, wt)?,
                            _ => er.skip(wt)?,
                        }
                    }
                    let start = events.len();
                    events.push(e);
                    s.events.extend_to(start, events);
                }
                12 => s.dropped_events_count = u32_field(&mut r, wt)?,
                13 => {
                    r.expect(wt, LEN)?;
                    let mut lr = r.message()?;
                    let mut l = SpanLink::default();
                    while let Some((f, wt)) = lr.tag()? {
                        match f {
                            1 => l.trace_id = bytes_field(&mut lr, wt)?,
                            2 => l.span_id = bytes_field(&mut lr, wt)?,
                            3 => l.trace_state = str_field(&mut lr, wt)?,
                            4 => push_kv(&mut lr, wt, link_attrs, &mut l.attrs)?,
                            5 => l.dropped_attributes_count = u32_field(&mut lr, wt)?,
                            6 => l.flags = fixed32_field(&mut lr, wt)?,
                            _ => lr.skip(wt)?,
                        }
                    }
                    let start = links.len();
                    links.push(l);
                    s.links.extend_to(start, links);
                }
                14 => s.dropped_links_count = u32_field(&mut r, wt)?,
                15 => {
                    r.expect(wt, LEN)?;
                    let mut st = r.message()?;
                    while let Some((f, wt)) = st.tag()? {
                        match f {
                            2 => s.status_message = str_field(&mut st, wt)?,
                            3 => s.status_code = u32_field(&mut st, wt)? as i32,
                            _ => st.skip(wt)?,
                        }
                    }
                }
                _ => r.skip(wt)?,
            }
        }
        items.push(s);
        Ok(())
    })?;
    arena_sizes::learn(Kind::Traces, buf.len(), &req.arenas());
    Ok(req)
}

impl TracesRequest<'_> {
    /// The arenas `arena_sizes` sizes, with their first guesses.
    fn arenas(&mut self) -> [ArenaGuess<'_>; 6] {
        [
            (&mut self.roots.items, Some((192, 8192))),
            (&mut self.span_attrs, ATTR_GUESS),
            (&mut self.events, None),
            (&mut self.event_attrs, None),
            (&mut self.links, None),
            (&mut self.link_attrs, None),
        ]
    }
}

// ---------------------------------------------------------------------------------------
// Metrics

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum NumberValue {
    #[default]
    None,
    Int(i64),
    Double(f64),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MetricKind {
    #[default]
    Empty,
    Gauge,
    Sum,
    Histogram,
    ExponentialHistogram,
    Summary,
}

impl MetricKind {
    /// The `metric_type` column code.
    pub fn code(self) -> u8 {
        match self {
            MetricKind::Empty => 0,
            MetricKind::Gauge => 1,
            MetricKind::Sum => 2,
            MetricKind::Histogram => 3,
            MetricKind::ExponentialHistogram => 4,
            MetricKind::Summary => 5,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Metric<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub unit: &'a str,
    pub kind: MetricKind,
    pub aggregation_temporality: i32,
    pub is_monotonic: bool,
    /// Into the arena of this kind's points.
    pub points: Span32,
    pub metadata: Span32,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct NumberPoint {
    pub attrs: Span32,
    pub start_time_unix_nano: u64,
    pub time_unix_nano: u64,
    pub value: NumberValue,
    pub exemplars: Span32,
    pub flags: u32,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct HistogramPoint {
    pub attrs: Span32,
    pub start_time_unix_nano: u64,
    pub time_unix_nano: u64,
    pub count: u64,
    pub sum: Option<f64>,
    /// Into `u64s`.
    pub bucket_counts: Span32,
    /// Into `f64s`.
    pub explicit_bounds: Span32,
    pub exemplars: Span32,
    pub flags: u32,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Buckets {
    pub offset: i32,
    /// Into `u64s`.
    pub bucket_counts: Span32,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ExpHistogramPoint {
    pub attrs: Span32,
    pub start_time_unix_nano: u64,
    pub time_unix_nano: u64,
    pub count: u64,
    pub sum: Option<f64>,
    pub scale: i32,
    pub zero_count: u64,
    pub positive: Buckets,
    pub negative: Buckets,
    pub flags: u32,
    pub exemplars: Span32,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub zero_threshold: f64,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SummaryPoint {
    pub attrs: Span32,
    pub start_time_unix_nano: u64,
    pub time_unix_nano: u64,
    pub count: u64,
    pub sum: f64,
    /// Into `quantiles`.
    pub quantiles: Span32,
    pub flags: u32,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Exemplar<'a> {
    pub attrs: Span32,
    pub time_unix_nano: u64,
    pub value: NumberValue,
    pub span_id: &'a [u8],
    pub trace_id: &'a [u8],
}

#[derive(Debug, Default)]
pub struct MetricsRequest<'a> {
    pub roots: Roots<'a, Metric<'a>>,
    pub metadata_attrs: Vec<KeyValue<'a>>,
    pub number_points: Vec<NumberPoint>,
    pub histogram_points: Vec<HistogramPoint>,
    pub exp_points: Vec<ExpHistogramPoint>,
    pub summary_points: Vec<SummaryPoint>,
    pub point_attrs: Vec<KeyValue<'a>>,
    pub exemplars: Vec<Exemplar<'a>>,
    pub exemplar_attrs: Vec<KeyValue<'a>>,
    pub u64s: Vec<u64>,
    pub f64s: Vec<f64>,
    pub quantiles: Vec<(f64, f64)>,
}

struct PointArenas<'r, 'a> {
    point_attrs: &'r mut Vec<KeyValue<'a>>,
    exemplars: &'r mut Vec<Exemplar<'a>>,
    exemplar_attrs: &'r mut Vec<KeyValue<'a>>,
    u64s: &'r mut Vec<u64>,
    f64s: &'r mut Vec<f64>,
    quantiles: &'r mut Vec<(f64, f64)>,
}

impl<'a> PointArenas<'_, 'a> {
    fn exemplar(&mut self, r: &mut Reader<'a>, wt: u32, span: &mut Span32) -> Result<(), OtapError> {
        r.expect(wt, LEN)?;
        let mut er = r.message()?;
        let mut e = Exemplar::default();
        while let Some((f, wt)) = er.tag()? {
            match f {
                7 => push_kv(&mut er, wt, self.exemplar_attrs, &mut e.attrs)?,
                2 => e.time_unix_nano = fixed64_field(&mut er, wt)?,
                3 => e.value = NumberValue::Double(f64::from_bits(fixed64_field(&mut er, wt)?)),
                6 => e.value = NumberValue::Int(fixed64_field(&mut er, wt)? as i64),
                4 => e.span_id = bytes_field(&mut er, wt)?,
                5 => e.trace_id = bytes_field(&mut er, wt)?,
                _ => er.skip(wt)?,
            }
        }
        let start = self.exemplars.len();
        self.exemplars.push(e);
        span.extend_to(start, self.exemplars);
        Ok(())
    }

    fn u64s_fixed(&mut self, r: &mut Reader<'a>, wt: u32, span: &mut Span32) -> Result<(), OtapError> {
        let start = self.u64s.len();
        wire::read_packed_fixed64(r, wt, self.u64s)?;
        span.extend_to(start, self.u64s);
        Ok(())
    }

    fn f64s(&mut self, r: &mut Reader<'a>, wt: u32, span: &mut Span32) -> Result<(), OtapError> {
        let start = self.f64s.len();
        if wt == LEN {
            let b = r.bytes()?;
            if b.len() % 8 != 0 {
                return Err(OtapError::malformed_protobuf("packed double length is not a multiple of 8"));
            }
            self.f64s.extend(b.chunks_exact(8).map(|c| f64::from_le_bytes(wire::le8(c))));
        } else {
            r.expect(wt, I64)?;
            self.f64s.push(r.double()?);
        }
        span.extend_to(start, self.f64s);
        Ok(())
    }

    fn buckets(&mut self, r: &mut Reader<'a>, wt: u32, b: &mut Buckets) -> Result<(), OtapError> {
        r.expect(wt, LEN)?;
        let mut br = r.message()?;
        *b = Buckets::default();
        while let Some((f, wt)) = br.tag()? {
            match f {
                1 => {
                    br.expect(wt, VARINT)?;
                    b.offset = wire::zigzag32(br.varint()?);
                }
                2 => {
                    let start = self.u64s.len();
                    wire::read_packed_varint(&mut br, wt, self.u64s)?;
                    b.bucket_counts.extend_to(start, self.u64s);
                }
                _ => br.skip(wt)?,
            }
        }
        Ok(())
    }
}

pub fn parse_metrics(buf: &[u8]) -> Result<MetricsRequest<'_>, OtapError> {
    let mut req = MetricsRequest::default();
    arena_sizes::presize(Kind::Metrics, buf.len(), &mut req.arenas());
    let MetricsRequest {
        roots, metadata_attrs, number_points, histogram_points, exp_points, summary_points, point_attrs, exemplars,
        exemplar_attrs, u64s, f64s, quantiles,
    } = &mut req;
    let mut pa = PointArenas { point_attrs, exemplars, exemplar_attrs, u64s, f64s, quantiles };
    parse_roots(buf, roots, |mut r, items| {
        let mut m = Metric::default();
        while let Some((f, wt)) = r.tag()? {
            match f {
                1 => m.name = str_field(&mut r, wt)?,
                2 => m.description = str_field(&mut r, wt)?,
                3 => m.unit = str_field(&mut r, wt)?,
                12 => push_kv(&mut r, wt, metadata_attrs, &mut m.metadata)?,
                5 | 7 | 9 | 10 | 11 => {
                    r.expect(wt, LEN)?;
                    let mut dr = r.message()?;
                    m.kind = match f {
                        5 => MetricKind::Gauge,
                        7 => MetricKind::Sum,
                        9 => MetricKind::Histogram,
                        10 => MetricKind::ExponentialHistogram,
                        _ => MetricKind::Summary,
                    };
                    m.points = Span32::default();
                    m.aggregation_temporality = 0;
                    m.is_monotonic = false;
                    while let Some((f, wt)) = dr.tag()? {
                        match f {
                            1 => {
                                dr.expect(wt, LEN)?;
                                let pr = dr.message()?;
                                match m.kind {
                                    MetricKind::Gauge | MetricKind::Sum => {
                                        let p = parse_number_point(pr, &mut pa)?;
                                        let start = number_points.len();
                                        number_points.push(p);
                                        m.points.extend_to(start, number_points);
                                    }
                                    MetricKind::Histogram => {
                                        let p = parse_histogram_point(pr, &mut pa)?;
                                        let start = histogram_points.len();
                                        histogram_points.push(p);
                                        m.points.extend_to(start, histogram_points);
                                    }
                                    MetricKind::ExponentialHistogram => {
                                        let p = parse_exp_point(pr, &mut pa)?;
                                        let start = exp_points.len();
                                        exp_points.push(p);
                                        m.points.extend_to(start, exp_points);
                                    }
                                    _ => {
                                        let p = parse_summary_point(pr, &mut pa)?;
                                        let start = summary_points.len();
                                        summary_points.push(p);
                                        m.points.extend_to(start, summary_points);
                                    }
                                }
                            }
                            2 if matches!(m.kind, MetricKind::Sum | MetricKind::Histogram | MetricKind::ExponentialHistogram) => {
                                m.aggregation_temporality = u32_field(&mut dr, wt)? as i32;
                            }
                            3 if m.kind == MetricKind::Sum => m.is_monotonic = u32_field(&mut dr, wt)? != 0,
                            _ => dr.skip(wt)?,
                        }
                    }
                }
                _ => r.skip(wt)?,
            }
        }
        items.push(m);
        Ok(())
    })?;
    arena_sizes::learn(Kind::Metrics, buf.len(), &req.arenas());
    Ok(req)
}

impl MetricsRequest<'_> {
    /// The arenas `arena_sizes` sizes, with their first guesses (data point attributes are
    /// most of a metrics request).
    fn arenas(&mut self) -> [ArenaGuess<'_>; 12] {
        [
            (&mut self.roots.items, None),
            (&mut self.metadata_attrs, None),
            (&mut self.number_points, None),
            (&mut self.histogram_points, None),
            (&mut self.exp_points, None),
            (&mut self.summary_points, None),
            (&mut self.point_attrs, ATTR_GUESS),
            (&mut self.exemplars, None),
            (&mut self.exemplar_attrs, None),
            (&mut self.u64s, None),
            (&mut self.f64s, None),
            (&mut self.quantiles, None),
        ]
    }
}

fn parse_number_point<'a>(mut r: Reader<'a>, pa: &mut PointArenas<'_, 'a>) -> Result<NumberPoint, OtapError> {
    let mut p = NumberPoint::default();
    while let Some((f, wt)) = r.tag()? {
        match f {
            7 => push_kv(&mut r, wt, pa.point_attrs, &mut p.attrs)?,
            2 => p.start_time_unix_nano = fixed64_field(&mut r, wt)?,
            3 => p.time_unix_nano = fixed64_field(&mut r, wt)?,
            4 => p.value = NumberValue::Double(f64::from_bits(fixed64_field(&mut r, wt)?)),
            6 => p.value = NumberValue::Int(fixed64_field(&mut r, wt)? as i64),
            5 => pa.exemplar(&mut r, wt, &mut p.exemplars)?,
            8 => p.flags = u32_field(&mut r, wt)?,
            _ => r.skip(wt)?,
        }
    }
    Ok(p)
}

fn parse_histogram_point<'a>(mut r: Reader<'a>, pa: &mut PointArenas<'_, 'a>) -> Result<HistogramPoint, OtapError> {
    let mut p = HistogramPoint::default();
    while let Some((f, wt)) = r.tag()? {
        match f {
            9 => push_kv(&mut r, wt, pa.point_attrs, &mut p.attrs)?,
            2 => p.start_time_unix_nano = fixed64_field(&mut r, wt)?,
            3 => p.time_unix_nano = fixed64_field(&mut r, wt)?,
            4 => p.count = fixed64_field(&mut r, wt)?,
            5 => p.sum = Some(f64::from_bits(fixed64_field(&mut r, wt)?)),
            6 => pa.u64s_fixed(&mut r, wt, &mut p.bucket_counts)?,
            7 => pa.f64s(&mut r, wt, &mut p.explicit_bounds)?,
            8 => pa.exemplar(&mut r, wt, &mut p.exemplars)?,
            10 => p.flags = u32_field(&mut r, wt)?,
            11 => p.min = Some(f64::from_bits(fixed64_field(&mut r, wt)?)),
            12 => p.max = Some(f64::from_bits(fixed64_field(&mut r, wt)?)),
            _ => r.skip(wt)?,
        }
    }
    Ok(p)
}

fn parse_exp_point<'a>(mut r: Reader<'a>, pa: &mut PointArenas<'_, 'a>) -> Result<ExpHistogramPoint, OtapError> {
    let mut p = ExpHistogramPoint::default();
    while let Some((f, wt)) = r.tag()? {
        match f {
            1 => push_kv(&mut r, wt, pa.point_attrs, &mut p.attrs)?,
            2 => p.start_time_unix_nano = fixed64_field(&mut r, wt)?,
            3 => p.time_unix_nano = fixed64_field(&mut r, wt)?,
            4 => p.count = fixed64_field(&mut r, wt)?,
            5 => p.sum = Some(f64::from_bits(fixed64_field(&mut r, wt)?)),
            6 => {
                r.expect(wt, VARINT)?;
                p.scale = wire::zigzag32(r.varint()?);
            }
            7 => p.zero_count = fixed64_field(&mut r, wt)?,
            8 => pa.buckets(&mut r, wt, &mut p.positive)?,
            9 => pa.buckets(&mut r, wt, &mut p.negative)?,
            10 => p.flags = u32_field(&mut r, wt)?,
            11 => pa.exemplar(&mut r, wt, &mut p.exemplars)?,
            12 => p.min = Some(f64::from_bits(fixed64_field(&mut r, wt)?)),
            13 => p.max = Some(f64::from_bits(fixed64_field(&mut r, wt)?)),
            14 => p.zero_threshold = f64::from_bits(fixed64_field(&mut r, wt)?),
            _ => r.skip(wt)?,
        }
    }
    Ok(p)
}

fn parse_summary_point<'a>(mut r: Reader<'a>, pa: &mut PointArenas<'_, 'a>) -> Result<SummaryPoint, OtapError> {
    let mut p = SummaryPoint::default();
    while let Some((f, wt)) = r.tag()? {
        match f {
            7 => push_kv(&mut r, wt, pa.point_attrs, &mut p.attrs)?,
            2 => p.start_time_unix_nano = fixed64_field(&mut r, wt)?,
            3 => p.time_unix_nano = fixed64_field(&mut r, wt)?,
            4 => p.count = fixed64_field(&mut r, wt)?,
            5 => p.sum = f64::from_bits(fixed64_field(&mut r, wt)?),
            6 => {
                r.expect(wt, LEN)?;
                let mut qr = r.message()?;
                let (mut q, mut v) = (0.0, 0.0);
                while let Some((f, wt)) = qr.tag()? {
                    match f {
                        1 => q = f64::from_bits(fixed64_field(&mut qr, wt)?),
                        2 => v = f64::from_bits(fixed64_field(&mut qr, wt)?),
                        _ => qr.skip(wt)?,
                    }
                }
                let start = pa.quantiles.len();
                pa.quantiles.push((q, v));
                p.quantiles.extend_to(start, pa.quantiles);
            }
            8 => p.flags = u32_field(&mut r, wt)?,
            _ => r.skip(wt)?,
        }
    }
    Ok(p)
}

/// Iterates the entries of a raw `KeyValueList` message.
pub fn kvlist_entries(raw: &[u8], mut f: impl FnMut(KeyValue<'_>) -> Result<(), OtapError>) -> Result<(), OtapError> {
    let mut r = Reader::new(raw);
    while let Some((field, wt)) = r.tag()? {
        if field == 1 {
            r.expect(wt, LEN)?;
            f(parse_key_value(r.message()?)?)?;
        } else {
            r.skip(wt)?;
        }
    }
    Ok(())
}

/// Iterates the values of a raw `ArrayValue` message.
pub fn array_values(raw: &[u8], mut f: impl FnMut(AnyValue<'_>) -> Result<(), OtapError>) -> Result<(), OtapError> {
    let mut r = Reader::new(raw);
    while let Some((field, wt)) = r.tag()? {
        if field == 1 {
            r.expect(wt, LEN)?;
            f(parse_any_value(r.message()?)?)?;
        } else {
            r.skip(wt)?;
        }
    }
    Ok(())
}
