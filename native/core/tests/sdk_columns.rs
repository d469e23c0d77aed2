//! The SDK columns reader (src/sdk/columns/FORMAT.md): `Encoder::encode_columns` of a
//! columns buffer gives the same BatchArrowRecords bytes as `Encoder::encode` of the OTLP
//! request it stands for, and every malformed buffer is a MALFORMED_COLUMNS error, never a
//! panic. The buffers come from a small writer below that turns an OTLP request (prost
//! types) into columns, emitting item rows interleaved across scopes.

mod decode_support;

use std::collections::HashMap;

use decode_support::{kv, s};
use otap_core::decode::pb::*;
use otap_core::sdk_columns::SdkColumns;
use otap_core::{Encoder, EncoderOptions, OtapError, Signal};
use prost::Message;

// ---------------------------------------------------------------------------------------
// A columns writer

#[derive(Clone, Copy, PartialEq, Debug)]
enum K {
    U8,
    U32,
    Slot,
    Hex(usize),
}

/// One table's columns, written in spec order; `marks` records each column's offset.
struct Table {
    name: &'static str,
    cols: Vec<(&'static str, K, u32, Vec<u8>)>,
}

impl Table {
    fn new(name: &'static str, spec: &[(&'static str, K)]) -> Table {
        Table { name, cols: spec.iter().map(|&(c, k)| (c, k, 0, Vec::new())).collect() }
    }
    fn kv(name: &'static str) -> Table {
        Table::new(name, &[("attributes.key", K::U32), ("attributes.type", K::U8), ("attributes.value", K::Slot)])
    }
    fn col(&mut self, name: &str, kind: K) -> &mut (&'static str, K, u32, Vec<u8>) {
        let t = self.name;
        let c = self.cols.iter_mut().find(|c| c.0 == name).unwrap_or_else(|| panic!("no column {t}.{name}"));
        assert_eq!(c.1, kind, "{t}.{name}");
        c.2 += 1;
        c
    }
    fn u8(&mut self, name: &str, v: u8) {
        self.col(name, K::U8).3.push(v);
    }
    fn u32(&mut self, name: &str, v: u32) {
        self.col(name, K::U32).3.extend_from_slice(&v.to_le_bytes());
    }
    fn slot(&mut self, name: &str, v: u64) {
        self.col(name, K::Slot).3.extend_from_slice(&v.to_le_bytes());
    }
    /// An id as hex (`upper`: capital digits); empty = absent = all '0'.
    fn hex(&mut self, name: &str, width: usize, id: &[u8], upper: bool) {
        let text = if id.is_empty() {
            "0".repeat(width)
        } else {
            let h: String = id.iter().map(|b| format!("{b:02x}")).collect();
            if upper {
                h.to_uppercase()
            } else {
                h
            }
        };
        assert_eq!(text.len(), width);
        self.col(name, K::Hex(width)).3.extend_from_slice(text.as_bytes());
    }
    fn rows(&self) -> u32 {
        self.cols[0].2
    }
    fn write(&self, out: &mut Vec<u8>, marks: &mut HashMap<String, usize>) {
        for (name, _, n, bytes) in &self.cols {
            marks.insert(format!("{}.{name}", self.name), out.len());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(bytes);
        }
    }
}

#[derive(Default)]
struct Heap {
    offsets: Vec<u32>,
    data: Vec<u8>,
    interned: HashMap<Vec<u8>, u32>,
}

impl Heap {
    fn new() -> Heap {
        Heap { offsets: vec![0, 0], ..Heap::default() }
    }
    fn add(&mut self, bytes: &[u8], intern: bool) -> u32 {
        if bytes.is_empty() {
            return 0;
        }
        if intern {
            if let Some(&r) = self.interned.get(bytes) {
                return r;
            }
        }
        self.data.extend_from_slice(bytes);
        self.offsets.push(self.data.len() as u32);
        let r = self.offsets.len() as u32 - 2;
        if intern {
            self.interned.insert(bytes.to_vec(), r);
        }
        r
    }
    fn write(&self, name: &str, out: &mut Vec<u8>, marks: &mut HashMap<String, usize>) {
        marks.insert(format!("{name}.offsets"), out.len());
        out.extend_from_slice(&(self.offsets.len() as u32).to_le_bytes());
        for o in &self.offsets {
            out.extend_from_slice(&o.to_le_bytes());
        }
        marks.insert(format!("{name}.data"), out.len());
        out.extend_from_slice(&(self.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.data);
    }
}

struct Columns {
    signal: u32,
    strings: Heap,
    blobs: Heap,
    /// RESOURCES and SCOPES, then the signal's tables, each a kv arena and its table.
    tables: Vec<Table>,
}

const SPEC_RESOURCES: &[(&str, K)] = &[("attr_end", K::U32), ("dropped", K::U32), ("schema_url", K::U32)];
const SPEC_SCOPES: &[(&str, K)] = &[
    ("resource", K::U32),
    ("name", K::U32),
    ("version", K::U32),
    ("schema_url", K::U32),
    ("attr_end", K::U32),
    ("dropped", K::U32),
];
const SPEC_SPANS: &[(&str, K)] = &[
    ("scope", K::U32),
    ("trace_id", K::Hex(32)),
    ("span_id", K::Hex(16)),
    ("parent_span_id", K::Hex(16)),
    ("trace_state", K::U32),
    ("flags", K::U32),
    ("name", K::U32),
    ("kind", K::U8),
    ("start_sec", K::U32),
    ("start_ns", K::U32),
    ("end_sec", K::U32),
    ("end_ns", K::U32),
    ("attr_end", K::U32),
    ("dropped_attributes", K::U32),
    ("event_end", K::U32),
    ("dropped_events", K::U32),
    ("link_end", K::U32),
    ("dropped_links", K::U32),
    ("status_code", K::U8),
    ("status_message", K::U32),
];
const SPEC_EVENTS: &[(&str, K)] =
    &[("time_sec", K::U32), ("time_ns", K::U32), ("name", K::U32), ("attr_end", K::U32), ("dropped", K::U32)];
const SPEC_LINKS: &[(&str, K)] = &[
    ("trace_id", K::Hex(32)),
    ("span_id", K::Hex(16)),
    ("trace_state", K::U32),
    ("flags", K::U32),
    ("attr_end", K::U32),
    ("dropped", K::U32),
];
const SPEC_LOGS: &[(&str, K)] = &[
    ("scope", K::U32),
    ("time_sec", K::U32),
    ("time_ns", K::U32),
    ("observed_sec", K::U32),
    ("observed_ns", K::U32),
    ("severity_number", K::U32),
    ("severity_text", K::U32),
    ("body_type", K::U8),
    ("body_value", K::Slot),
    ("attr_end", K::U32),
    ("dropped", K::U32),
    ("flags", K::U32),
    ("trace_id", K::Hex(32)),
    ("span_id", K::Hex(16)),
    ("event_name", K::U32),
];

impl Columns {
    fn new(signal: Signal) -> Columns {
        let mut tables =
            vec![Table::kv("RESOURCES"), Table::new("RESOURCES", SPEC_RESOURCES), Table::kv("SCOPES"), Table::new("SCOPES", SPEC_SCOPES)];
        match signal {
            Signal::Traces => {
                for (name, spec) in [("SPANS", SPEC_SPANS), ("EVENTS", SPEC_EVENTS), ("LINKS", SPEC_LINKS)] {
                    tables.push(Table::kv(name));
                    tables.push(Table::new(name, spec));
                }
            }
            _ => {
                tables.push(Table::kv("LOGS"));
                tables.push(Table::new("LOGS", SPEC_LOGS));
            }
        }
        let signal = if signal == Signal::Traces { 1 } else { 2 };
        Columns { signal, strings: Heap::new(), blobs: Heap::new(), tables }
    }

    /// The table `name` (`kv`: its attribute arena).
    fn t(&mut self, name: &str, kv: bool) -> &mut Table {
        let kv_name = "attributes.key";
        self.tables.iter_mut().find(|t| t.name == name && (t.cols[0].0 == kv_name) == kv).unwrap()
    }

    fn str(&mut self, v: &str) -> u32 {
        self.strings.add(v.as_bytes(), true)
    }

    /// (type, slot) of a value.
    fn value(&mut self, v: &Option<AnyValue>) -> (u8, u64) {
        use any_value::Value as V;
        match v.as_ref().and_then(|v| v.value.as_ref()) {
            None => (0, 0),
            Some(V::StringValue(x)) => (1, self.str(x) as u64),
            Some(V::IntValue(x)) => (2, *x as u64),
            Some(V::DoubleValue(x)) => (3, x.to_bits()),
            // A set high word must not matter for refs and bools.
            Some(V::BoolValue(x)) => (4, *x as u64 | 0xdead_0000_0000),
            Some(V::KvlistValue(x)) => (5, self.blobs.add(&x.encode_to_vec(), false) as u64),
            Some(V::ArrayValue(x)) => (6, self.blobs.add(&x.encode_to_vec(), false) as u64 | 0xbeef_0000_0000),
            Some(V::BytesValue(x)) => (7, self.blobs.add(x, false) as u64),
        }
    }

    /// Appends `attrs` to the arena of `table`; returns the arena's new end.
    fn attrs(&mut self, table: &str, attrs: &[KeyValue]) -> u32 {
        for a in attrs {
            let key = self.str(&a.key);
            let (ty, slot) = self.value(&a.value);
            let t = self.t(table, true);
            t.u32("attributes.key", key);
            t.u8("attributes.type", ty);
            t.slot("attributes.value", slot);
        }
        self.t(table, true).rows()
    }

    fn time(&mut self, table: &str, col: &str, nanos: u64) {
        let (sec, ns) = ((nanos / 1_000_000_000) as u32, (nanos % 1_000_000_000) as u32);
        let t = self.t(table, false);
        t.u32(&format!("{col}_sec"), sec);
        t.u32(&format!("{col}_ns"), ns);
    }

    fn resource(&mut self, r: &Option<Resource>, schema_url: &str) -> u32 {
        let r = r.clone().unwrap_or_default();
        let end = self.attrs("RESOURCES", &r.attributes);
        let url = self.str(schema_url);
        let t = self.t("RESOURCES", false);
        t.u32("attr_end", end);
        t.u32("dropped", r.dropped_attributes_count);
        t.u32("schema_url", url);
        t.rows() - 1
    }

    fn scope(&mut self, resource: u32, sc: &Option<InstrumentationScope>, schema_url: &str) -> u32 {
        let sc = sc.clone().unwrap_or_default();
        let end = self.attrs("SCOPES", &sc.attributes);
        let (name, version, url) = (self.str(&sc.name), self.str(&sc.version), self.str(schema_url));
        let t = self.t("SCOPES", false);
        t.u32("resource", resource);
        t.u32("name", name);
        t.u32("version", version);
        t.u32("schema_url", url);
        t.u32("attr_end", end);
        t.u32("dropped", sc.dropped_attributes_count);
        t.rows() - 1
    }

    fn span(&mut self, scope: u32, sp: &Span) {
        for e in &sp.events {
            let end = self.attrs("EVENTS", &e.attributes);
            self.time("EVENTS", "time", e.time_unix_nano);
            let name = self.str(&e.name);
            let t = self.t("EVENTS", false);
            t.u32("name", name);
            t.u32("attr_end", end);
            t.u32("dropped", e.dropped_attributes_count);
        }
        for l in &sp.links {
            let end = self.attrs("LINKS", &l.attributes);
            let state = self.str(&l.trace_state);
            let t = self.t("LINKS", false);
            t.hex("trace_id", 32, &l.trace_id, true);
            t.hex("span_id", 16, &l.span_id, false);
            t.u32("trace_state", state);
            t.u32("flags", l.flags);
            t.u32("attr_end", end);
            t.u32("dropped", l.dropped_attributes_count);
        }
        let event_end = self.t("EVENTS", false).rows();
        let link_end = self.t("LINKS", false).rows();
        let attr_end = self.attrs("SPANS", &sp.attributes);
        self.time("SPANS", "start", sp.start_time_unix_nano);
        self.time("SPANS", "end", sp.end_time_unix_nano);
        let status = sp.status.clone().unwrap_or_default();
        let (state, name, message) = (self.str(&sp.trace_state), self.str(&sp.name), self.str(&status.message));
        let t = self.t("SPANS", false);
        t.u32("scope", scope);
        t.hex("trace_id", 32, &sp.trace_id, false);
        t.hex("span_id", 16, &sp.span_id, true);
        t.hex("parent_span_id", 16, &sp.parent_span_id, false);
        t.u32("trace_state", state);
        t.u32("flags", sp.flags);
        t.u32("name", name);
        t.u8("kind", sp.kind as u8);
        t.u32("attr_end", attr_end);
        t.u32("dropped_attributes", sp.dropped_attributes_count);
        t.u32("event_end", event_end);
        t.u32("dropped_events", sp.dropped_events_count);
        t.u32("link_end", link_end);
        t.u32("dropped_links", sp.dropped_links_count);
        t.u8("status_code", status.code as u8);
        t.u32("status_message", message);
    }

    fn log(&mut self, scope: u32, l: &LogRecord) {
        let attr_end = self.attrs("LOGS", &l.attributes);
        self.time("LOGS", "time", l.time_unix_nano);
        self.time("LOGS", "observed", l.observed_time_unix_nano);
        let (body_type, body_value) = self.value(&l.body);
        let (text, event) = (self.str(&l.severity_text), self.str(&l.event_name));
        let t = self.t("LOGS", false);
        t.u32("scope", scope);
        t.u32("severity_number", l.severity_number as u32);
        t.u32("severity_text", text);
        t.u8("body_type", body_type);
        t.slot("body_value", body_value);
        t.u32("attr_end", attr_end);
        t.u32("dropped", l.dropped_attributes_count);
        t.u32("flags", l.flags);
        t.hex("trace_id", 32, &l.trace_id, false);
        t.hex("span_id", 16, &l.span_id, false);
        t.u32("event_name", event);
    }

    fn finish(&self) -> (Vec<u8>, HashMap<String, usize>) {
        let mut out = b"OTAPCOL1".to_vec();
        let mut marks = HashMap::new();
        out.extend_from_slice(&self.signal.to_le_bytes());
        self.strings.write("STRINGS", &mut out, &mut marks);
        self.blobs.write("BLOBS", &mut out, &mut marks);
        for t in &self.tables {
            t.write(&mut out, &mut marks);
        }
        (out, marks)
    }
}

/// Visits items in the SDK's interleaved order: round k takes item k of every scope, the
/// scopes column-major (scope 0 of each resource, then scope 1 of each, ...). Resources
/// and, per resource, scopes are first used in request order, as the grouping needs; scope
/// rows of different resources interleave.
fn interleaved(scope_items: &[Vec<usize>], mut visit: impl FnMut(usize, usize, usize)) {
    let rounds = scope_items.iter().flatten().copied().max().unwrap_or(0);
    let widest = scope_items.iter().map(Vec::len).max().unwrap_or(0);
    for k in 0..rounds {
        for c in 0..widest {
            for (r, scopes) in scope_items.iter().enumerate() {
                if scopes.get(c).is_some_and(|&n| k < n) {
                    visit(r, c, k);
                }
            }
        }
    }
}

fn traces_columns(req: &ExportTraceServiceRequest) -> Columns {
    let mut cols = Columns::new(Signal::Traces);
    let counts: Vec<Vec<usize>> = req.resource_spans.iter().map(|rs| rs.scope_spans.iter().map(|ss| ss.spans.len()).collect()).collect();
    let (mut res_rows, mut scope_rows) = (HashMap::new(), HashMap::new());
    interleaved(&counts, |r, c, k| {
        let rs = &req.resource_spans[r];
        let res = *res_rows.entry(r).or_insert_with(|| cols.resource(&rs.resource, &rs.schema_url));
        let ss = &rs.scope_spans[c];
        let scope = *scope_rows.entry((r, c)).or_insert_with(|| cols.scope(res, &ss.scope, &ss.schema_url));
        cols.span(scope, &ss.spans[k]);
    });
    cols
}

fn logs_columns(req: &ExportLogsServiceRequest) -> Columns {
    let mut cols = Columns::new(Signal::Logs);
    let counts: Vec<Vec<usize>> =
        req.resource_logs.iter().map(|rl| rl.scope_logs.iter().map(|sl| sl.log_records.len()).collect()).collect();
    let (mut res_rows, mut scope_rows) = (HashMap::new(), HashMap::new());
    interleaved(&counts, |r, c, k| {
        let rl = &req.resource_logs[r];
        let res = *res_rows.entry(r).or_insert_with(|| cols.resource(&rl.resource, &rl.schema_url));
        let sl = &rl.scope_logs[c];
        let scope = *scope_rows.entry((r, c)).or_insert_with(|| cols.scope(res, &sl.scope, &sl.schema_url));
        cols.log(scope, &sl.log_records[k]);
    });
    cols
}

// ---------------------------------------------------------------------------------------
// Fixtures

fn av(v: any_value::Value) -> Option<AnyValue> {
    Some(AnyValue { value: Some(v) })
}

fn every_type(tag: &str) -> Vec<KeyValue> {
    use any_value::Value as V;
    vec![
        kv("str", s(tag)),
        kv("int", V::IntValue(-42)),
        kv("double", V::DoubleValue(1.5)),
        kv("nan", V::DoubleValue(f64::NAN)),
        kv("bool", V::BoolValue(true)),
        kv("false", V::BoolValue(false)),
        kv("bytes", V::BytesValue(vec![0, 1, 254])),
        kv("empty.bytes", V::BytesValue(Vec::new())),
        kv("empty.str", s("")),
        kv(
            "kvlist",
            V::KvlistValue(KeyValueList {
                values: vec![kv("a", V::IntValue(1)), kv("b", V::ArrayValue(ArrayValue { values: vec![AnyValue { value: Some(s("x")) }, AnyValue { value: None }] }))],
            }),
        ),
        kv("array", V::ArrayValue(ArrayValue { values: vec![AnyValue { value: Some(V::DoubleValue(-0.5)) }, AnyValue { value: Some(V::BoolValue(false)) }] })),
        kv("empty.array", V::ArrayValue(ArrayValue::default())),
        KeyValue { key: "unset".into(), value: None },
        kv("ünïcødé", s("värde ✓")),
    ]
}

fn id(n: usize, seed: usize) -> Vec<u8> {
    (0..n).map(|k| ((seed * 37 + k * 11) % 255) as u8 + 1).collect()
}

fn span(k: usize) -> Span {
    let start = 1_700_000_000_123_456_789u64 + k as u64 * 1_000_003;
    Span {
        trace_id: id(16, k % 3),
        span_id: id(8, 100 + k),
        trace_state: if k.is_multiple_of(2) { "vendor=x".into() } else { String::new() },
        parent_span_id: if k.is_multiple_of(3) { Vec::new() } else { id(8, 200 + k) },
        flags: 0x100 | (k as u32 % 2),
        name: format!("op-{}", k % 4),
        kind: (k % 6) as i32,
        start_time_unix_nano: start,
        end_time_unix_nano: start + k as u64 * 999_999_937,
        attributes: if k % 4 == 3 { Vec::new() } else { every_type(&format!("span-{k}")) },
        dropped_attributes_count: k as u32 % 3,
        events: (0..k % 3)
            .map(|e| span::Event {
                time_unix_nano: start + e as u64 * 17,
                name: format!("ev-{e}"),
                attributes: if e == 0 { every_type("event") } else { Vec::new() },
                dropped_attributes_count: e as u32,
            })
            .collect(),
        dropped_events_count: k as u32 % 2,
        links: (0..(k + 1) % 3)
            .map(|l| span::Link {
                trace_id: if l == 1 { Vec::new() } else { id(16, 300 + l) },
                span_id: id(8, 400 + l + k),
                trace_state: if l == 0 { "l=1".into() } else { String::new() },
                attributes: if l == 0 { vec![kv("link", s("yes")), kv("n", any_value::Value::IntValue(k as i64))] } else { Vec::new() },
                dropped_attributes_count: l as u32,
                flags: 1,
            })
            .collect(),
        dropped_links_count: k as u32 % 2,
        status: (k % 3 != 1).then(|| Status { message: if k % 3 == 2 { "boom".into() } else { String::new() }, code: (k % 3) as i32 }),
    }
}

fn scope(name: &str, n: usize) -> InstrumentationScope {
    InstrumentationScope {
        name: name.into(),
        version: if n == 0 { String::new() } else { "1.2.3".into() },
        attributes: if n == 1 { Vec::new() } else { vec![kv("scope.n", any_value::Value::IntValue(n as i64))] },
        dropped_attributes_count: n as u32,
    }
}

fn resource(n: usize) -> Resource {
    Resource {
        attributes: vec![kv("service.name", s(&format!("svc-{n}"))), kv("host.name", s("h"))],
        dropped_attributes_count: n as u32,
    }
}

/// Two resources, three scopes (two under the first), spans of different counts per scope.
fn traces_fixture() -> ExportTraceServiceRequest {
    let mut k = 0;
    let mut spans = |n: usize| {
        (0..n)
            .map(|_| {
                k += 1;
                span(k)
            })
            .collect::<Vec<_>>()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![
            ResourceSpans {
                resource: Some(resource(0)),
                scope_spans: vec![
                    ScopeSpans { scope: Some(scope("a", 0)), spans: spans(4), schema_url: "https://a".into() },
                    ScopeSpans { scope: Some(scope("b", 1)), spans: spans(2), schema_url: String::new() },
                ],
                schema_url: "https://r0".into(),
            },
            ResourceSpans {
                resource: Some(resource(1)),
                // Same scope as the first: merged by key in the tables, still its own group here.
                scope_spans: vec![ScopeSpans { scope: Some(scope("a", 0)), spans: spans(3), schema_url: "https://a".into() }],
                schema_url: String::new(),
            },
        ],
    }
}

fn log(k: usize) -> LogRecord {
    use any_value::Value as V;
    let body = match k % 9 {
        0 => av(s(&format!("message {k}"))),
        1 => av(V::IntValue(k as i64 - 4)),
        2 => av(V::DoubleValue(k as f64 / 3.0)),
        3 => av(V::BoolValue(true)),
        4 => av(V::BytesValue(vec![k as u8; 3])),
        5 => av(V::KvlistValue(KeyValueList { values: every_type("body") })),
        6 => av(V::ArrayValue(ArrayValue { values: vec![AnyValue { value: Some(s("x")) }, AnyValue { value: Some(V::IntValue(2)) }] })),
        7 => av(V::BytesValue(Vec::new())),
        _ => None,
    };
    LogRecord {
        time_unix_nano: if k.is_multiple_of(5) { 0 } else { 1_700_000_000_000_000_000 + k as u64 * 123_457 },
        observed_time_unix_nano: 1_700_000_001_999_999_999 + k as u64,
        severity_number: (k % 24) as i32,
        severity_text: ["INFO", "WARN", ""][k % 3].into(),
        body,
        attributes: if k.is_multiple_of(2) { every_type(&format!("log-{k}")) } else { Vec::new() },
        dropped_attributes_count: (k % 2) as u32,
        flags: (k % 2) as u32,
        trace_id: if k.is_multiple_of(3) { Vec::new() } else { id(16, k) },
        span_id: if k.is_multiple_of(4) { Vec::new() } else { id(8, k) },
        event_name: if k % 5 == 1 { "evt".into() } else { String::new() },
    }
}

fn logs_fixture() -> ExportLogsServiceRequest {
    let mut k = 0;
    let mut logs = |n: usize| {
        (0..n)
            .map(|_| {
                k += 1;
                log(k)
            })
            .collect::<Vec<_>>()
    };
    ExportLogsServiceRequest {
        resource_logs: vec![
            ResourceLogs {
                resource: Some(resource(0)),
                scope_logs: vec![
                    ScopeLogs { scope: Some(scope("a", 0)), log_records: logs(5), schema_url: String::new() },
                    ScopeLogs { scope: Some(scope("b", 2)), log_records: logs(9), schema_url: "https://b".into() },
                ],
                schema_url: String::new(),
            },
            ResourceLogs {
                resource: Some(resource(1)),
                scope_logs: vec![ScopeLogs { scope: Some(scope("c", 1)), log_records: logs(4), schema_url: String::new() }],
                schema_url: "https://r1".into(),
            },
        ],
    }
}

fn traces_buffer() -> (Vec<u8>, HashMap<String, usize>) {
    traces_columns(&traces_fixture()).finish()
}

fn logs_buffer() -> (Vec<u8>, HashMap<String, usize>) {
    logs_columns(&logs_fixture()).finish()
}

fn encoder() -> Encoder {
    Encoder::new(EncoderOptions::default())
}

// ---------------------------------------------------------------------------------------
// Conformance: the same bytes as the OTLP path

fn assert_same(signal: Signal, columns: &[u8], otlp: &[u8]) {
    let a = encoder().encode_columns(columns).unwrap();
    let b = encoder().encode(signal, otlp).unwrap();
    assert!(a == b, "encode_columns differs from encode ({} vs {} bytes)", a.len(), b.len());
}

#[test]
fn the_fixtures_interleave_item_rows_across_scopes() {
    let (buf, _) = traces_buffer();
    let cols = SdkColumns::parse(&buf).unwrap();
    let req = cols.traces_request().unwrap();
    assert_eq!(req.roots.resources.len(), 2);
    assert_eq!(req.roots.scopes.len(), 3);
    // Scope rows were a(r0), a(r1), b(r0): grouped, r0 holds a then b.
    let names: Vec<_> = req.roots.scopes.iter().map(|s| s.name).collect();
    assert_eq!(names, ["a", "b", "a"]);
    assert_eq!(req.roots.resources[0].scopes.range(), 0..2);
    assert_eq!(req.roots.scopes[1].items.range(), 4..6);
    // The first span row was span 1 of scope a; the grouped items keep each scope's order.
    let starts: Vec<_> = req.roots.items.iter().map(|s| s.start_time_unix_nano).collect();
    let want: Vec<_> = (1..=9).map(|k| span(k).start_time_unix_nano).collect();
    assert_eq!(starts, want);
    assert!(req.roots.items[2].parent_span_id.is_empty(), "span 3 has no parent");
    assert_eq!(req.roots.items[0].span_id, &id(8, 101)[..]);
}

#[test]
fn traces_encode_as_the_otlp_request_does() {
    let req = traces_fixture();
    let (buf, _) = traces_columns(&req).finish();
    assert_same(Signal::Traces, &buf, &req.encode_to_vec());
}

#[test]
fn logs_encode_as_the_otlp_request_does() {
    let req = logs_fixture();
    let (buf, _) = logs_columns(&req).finish();
    assert_same(Signal::Logs, &buf, &req.encode_to_vec());
}

#[test]
fn shared_fixtures_encode_as_the_otlp_requests_do() {
    for per_scope in [1, 7] {
        let otlp = decode_support::traces_request(3, per_scope);
        let (buf, _) = traces_columns(&ExportTraceServiceRequest::decode(&otlp[..]).unwrap()).finish();
        assert_same(Signal::Traces, &buf, &otlp);
        let otlp = decode_support::logs_request(3, per_scope);
        let (buf, _) = logs_columns(&ExportLogsServiceRequest::decode(&otlp[..]).unwrap()).finish();
        assert_same(Signal::Logs, &buf, &otlp);
    }
}

#[test]
fn a_stream_of_batches_matches_and_mixes_with_the_otlp_path() {
    let batches: Vec<(Signal, Vec<u8>, Vec<u8>)> = (0..4)
        .flat_map(|b| {
            let t = decode_support::traces_request(b, 3 + b);
            let l = decode_support::logs_request(b, 2 + b);
            let tc = traces_columns(&ExportTraceServiceRequest::decode(&t[..]).unwrap()).finish().0;
            let lc = logs_columns(&ExportLogsServiceRequest::decode(&l[..]).unwrap()).finish().0;
            [(Signal::Traces, tc, t), (Signal::Logs, lc, l)]
        })
        .collect();
    let (mut cols, mut otlp, mut mixed) = (encoder(), encoder(), encoder());
    for (i, (signal, c, o)) in batches.iter().enumerate() {
        let want = otlp.encode(*signal, o).unwrap();
        assert!(cols.encode_columns(c).unwrap() == want, "batch {i}");
        let got = if i % 3 == 0 { mixed.encode(*signal, o) } else { mixed.encode_columns(c) };
        assert!(got.unwrap() == want, "mixed batch {i}");
    }
}

#[test]
fn an_empty_request_encodes_as_an_empty_otlp_request() {
    for signal in [Signal::Traces, Signal::Logs] {
        assert_same(signal, &Columns::new(signal).finish().0, &[]);
    }
}

#[test]
fn unused_rows_and_children_past_the_last_end_are_accepted() {
    // A resource and a scope no item uses, and an arena entry no row owns.
    let req = traces_fixture();
    let mut cols = traces_columns(&req);
    let res = cols.resource(&Some(resource(7)), "");
    cols.scope(res, &Some(scope("z", 3)), "");
    cols.attrs("SPANS", &[kv("orphan", s("x"))]);
    assert_same(Signal::Traces, &cols.finish().0, &req.encode_to_vec());
}

// ---------------------------------------------------------------------------------------
// Malformed buffers

fn err(buf: &[u8]) -> OtapError {
    let e = encoder().encode_columns(buf).expect_err("a malformed buffer must be refused");
    assert_eq!(e.code, "MALFORMED_COLUMNS", "{e}");
    e
}

fn at(e: &OtapError) -> String {
    format!("{}.{}", e.table.as_deref().unwrap_or(""), e.column.as_deref().unwrap_or(""))
}

fn put_u32(buf: &mut [u8], pos: usize, v: u32) {
    buf[pos..pos + 4].copy_from_slice(&v.to_le_bytes());
}

fn get_u32(buf: &[u8], pos: usize) -> u32 {
    u32::from_le_bytes(buf[pos..pos + 4].try_into().unwrap())
}

/// Offset of value `i` of column `name` (values of `width` bytes).
fn value_at(marks: &HashMap<String, usize>, name: &str, width: usize, i: usize) -> usize {
    marks[name] + 4 + width * i
}

#[test]
fn every_truncation_is_refused() {
    for (buf, _) in [traces_buffer(), logs_buffer()] {
        for len in 0..buf.len() {
            err(&buf[..len]);
        }
    }
}

#[test]
fn trailing_bytes_are_refused() {
    let (mut buf, _) = logs_buffer();
    buf.push(0);
    assert!(err(&buf).message.contains("left over"));
}

#[test]
fn a_bad_header_is_refused() {
    let (buf, _) = traces_buffer();
    let mut b = buf.clone();
    b[7] = b'2';
    assert!(err(&b).message.contains("magic"));
    for signal in [0, 3] {
        let mut b = buf.clone();
        put_u32(&mut b, 8, signal);
        assert!(err(&b).message.contains("signal"));
    }
    // A traces buffer read as logs: the columns do not line up.
    let mut b = buf.clone();
    put_u32(&mut b, 8, 2);
    err(&b);
}

#[test]
fn bad_hex_is_refused() {
    let (buf, m) = traces_buffer();
    for (col, width, row) in [("SPANS.trace_id", 32, 0), ("SPANS.parent_span_id", 16, 4), ("LINKS.trace_id", 32, 1)] {
        for bad in [b'g', b' ', b'x', 0xc3] {
            let mut b = buf.clone();
            b[value_at(&m, col, width, row) + width - 1] = bad;
            let e = err(&b);
            assert_eq!(at(&e), col);
            assert!(e.message.contains(&format!("row {row}")), "{e}");
        }
    }
}

#[test]
fn refs_and_rows_out_of_range_are_refused() {
    let (buf, m) = traces_buffer();
    let strings = get_u32(&buf, m["STRINGS.offsets"]) - 1;
    let blobs = get_u32(&buf, m["BLOBS.offsets"]) - 1;
    let resources = get_u32(&buf, m["RESOURCES.attr_end"]);
    let scopes = get_u32(&buf, m["SCOPES.resource"]);
    let cases: &[(&str, usize, u32)] = &[
        ("SPANS.name", 2, strings),
        ("SPANS.status_message", 0, u32::MAX),
        ("RESOURCES.schema_url", 1, strings),
        ("SCOPES.version", 2, strings + 7),
        ("EVENTS.name", 0, strings),
        ("LINKS.trace_state", 0, strings),
        ("SPANS.attributes.key", 3, strings),
        ("SCOPES.resource", 2, resources),
        ("SPANS.scope", 5, scopes),
    ];
    for &(col, row, v) in cases {
        let mut b = buf.clone();
        put_u32(&mut b, value_at(&m, col, 4, row), v);
        let e = err(&b);
        assert_eq!(at(&e), col, "{e}");
        assert!(e.message.contains(&format!("row {row}")), "{e}");
    }
    // Blob refs and the string ref of a string value, in value slots.
    let types = m["SPANS.attributes.type"] + 4;
    let slots = m["SPANS.attributes.value"] + 4;
    for (ty, v) in [(1u8, strings), (5, blobs), (6, blobs + 1), (7, u32::MAX)] {
        let row = (0..).find(|&i| buf[types + i] == ty).unwrap();
        let mut b = buf.clone();
        put_u32(&mut b, slots + 8 * row, v);
        let e = err(&b);
        assert_eq!(at(&e), "SPANS.attributes.value", "{e}");
    }
}

#[test]
fn unknown_value_types_are_refused() {
    let (buf, m) = logs_buffer();
    let mut b = buf.clone();
    b[value_at(&m, "LOGS.attributes.type", 1, 0)] = 8;
    assert_eq!(at(&err(&b)), "LOGS.attributes.value");
    let mut b = buf.clone();
    b[value_at(&m, "LOGS.body_type", 1, 1)] = 200;
    assert!(err(&b).message.contains("unknown value type 200"));
}

#[test]
fn bad_ends_are_refused() {
    let (buf, m) = traces_buffer();
    for col in ["SPANS.attr_end", "SPANS.event_end", "SPANS.link_end", "EVENTS.attr_end", "RESOURCES.attr_end", "SCOPES.attr_end"] {
        let rows = get_u32(&buf, m[col]) as usize;
        // Decreasing: the first end above the second.
        let mut b = buf.clone();
        let second = get_u32(&b, value_at(&m, col, 4, 1));
        put_u32(&mut b, value_at(&m, col, 4, 0), second + 1);
        let e = err(&b);
        assert_eq!(at(&e), col);
        assert!(e.message.contains("below"), "{e}");
        // Beyond the arena: the last end one past it.
        let mut b = buf.clone();
        let last = get_u32(&b, value_at(&m, col, 4, rows - 1));
        put_u32(&mut b, value_at(&m, col, 4, rows - 1), last + 1_000);
        let e = err(&b);
        assert_eq!(at(&e), col);
        assert!(e.message.contains("beyond"), "{e}");
    }
}

#[test]
fn bad_heaps_are_refused() {
    let (buf, m) = traces_buffer();
    let n = get_u32(&buf, m["STRINGS.offsets"]) as usize;
    // Last offset short of the data, decreasing offsets, ref 0 not empty.
    for (i, v) in [(n - 1, 1u32), (3, 0), (1, 1)] {
        let mut b = buf.clone();
        put_u32(&mut b, value_at(&m, "STRINGS.offsets", 4, i), v);
        assert_eq!(at(&err(&b)), "STRINGS.offsets");
    }
    let mut b = buf.clone();
    b[value_at(&m, "STRINGS.data", 1, 0)] = 0xff;
    assert_eq!(at(&err(&b)), "STRINGS.data");
    // An offset inside a multi-byte character ("ünïcødé" starts with 2 bytes).
    let data = value_at(&m, "STRINGS.data", 1, 0);
    let len = get_u32(&buf, m["STRINGS.data"]) as usize;
    let text = std::str::from_utf8(&buf[data..data + len]).unwrap();
    let split = text.find('ü').unwrap() as u32 + 1;
    let r = (1..n).find(|&i| get_u32(&buf, value_at(&m, "STRINGS.offsets", 4, i)) == split - 1).unwrap();
    let mut b = buf.clone();
    put_u32(&mut b, value_at(&m, "STRINGS.offsets", 4, r), split);
    assert!(err(&b).message.contains("splits"));
    let mut b = buf.clone();
    let blobs = get_u32(&buf, m["BLOBS.offsets"]) as usize;
    put_u32(&mut b, value_at(&m, "BLOBS.offsets", 4, blobs - 1), 0);
    assert_eq!(at(&err(&b)), "BLOBS.offsets");
    // No ref 0 at all.
    let mut cols = Columns::new(Signal::Logs);
    cols.strings.offsets = vec![0];
    assert_eq!(at(&err(&cols.finish().0)), "STRINGS.offsets");
}

#[test]
fn columns_of_different_lengths_are_refused() {
    for (table, col) in [("SPANS", "flags"), ("EVENTS", "dropped"), ("LINKS", "span_id"), ("SCOPES", "version"), ("RESOURCES", "dropped")] {
        let mut cols = traces_columns(&traces_fixture());
        let t = cols.t(table, false);
        match t.cols.iter().find(|c| c.0 == col).unwrap().1 {
            K::Hex(w) => t.hex(col, w, &[], false),
            _ => t.u32(col, 0),
        }
        let e = err(&cols.finish().0);
        assert_eq!(at(&e), format!("{table}.{col}"));
        assert!(e.message.contains("rows"), "{e}");
    }
    let mut cols = logs_columns(&logs_fixture());
    cols.t("LOGS", true).u8("attributes.type", 0);
    assert_eq!(at(&err(&cols.finish().0)), "LOGS.attributes.type");
}

#[test]
fn huge_counts_are_refused() {
    let (buf, m) = traces_buffer();
    for col in ["STRINGS.data", "SPANS.trace_id", "SPANS.attributes.value", "LINKS.dropped"] {
        let mut b = buf.clone();
        put_u32(&mut b, m[col], u32::MAX);
        err(&b);
    }
}

#[test]
fn flipped_bytes_never_panic() {
    // Any result is fine; a panic fails the test. A few items per scope: every kind of
    // column, and quick in a debug build.
    let mut traces = traces_fixture();
    traces.resource_spans.iter_mut().flat_map(|r| &mut r.scope_spans).for_each(|s| s.spans.truncate(1));
    let mut logs = logs_fixture();
    logs.resource_logs.iter_mut().flat_map(|r| &mut r.scope_logs).for_each(|s| s.log_records.truncate(3));
    for (buf, _) in [traces_columns(&traces).finish(), logs_columns(&logs).finish()] {
        let mut enc = encoder();
        for pos in 0..buf.len() {
            let mut b = buf.clone();
            b[pos] ^= [0x01u8, 0x80, 0xff][pos % 3];
            let _ = enc.encode_columns(&b);
        }
    }
}

#[test]
fn the_request_is_for_its_signal_only() {
    let (buf, _) = logs_buffer();
    let cols = SdkColumns::parse(&buf).unwrap();
    assert_eq!(cols.signal(), Signal::Logs);
    assert_eq!(cols.traces_request().unwrap_err().code, "MALFORMED_COLUMNS");
    assert_eq!(otap_core::sdk_columns::columns_signal(&buf).unwrap(), Signal::Logs);
}

