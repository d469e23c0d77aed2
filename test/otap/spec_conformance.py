"""Checks OTAP payload streams against the payload tables of the OTAP specification.

Usage: spec_conformance.py DIR [--signal logs|traces|metrics]

DIR holds one Arrow IPC stream file per (payload type, schema id), named
`<PAYLOAD_TYPE_NAME>-<schemaId>.arrows`. Every file is read with pyarrow (so delta and
replacement dictionaries and zstd body compression go through an independent reader),
every record batch is validated in full, and the schema and the data are compared with the
tables below. Prints a JSON report {files, batches, rows, types, violations} and exits 1 when
there is any violation.

The tables were written by hand from docs/otap-spec.md section 5 (otel-arrow repository),
deliberately without looking at the TypeScript table definitions: they are a second opinion.
Where the Go reference producer (which we follow) departs from the spec text, Go's choice is
allowed as well, and the comment cites the item of shared/otap/SPEC-NOTES.md that records it.
"""
import json
import os
import re
import sys
from collections import OrderedDict

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

# --------------------------------------------------------------------------------------------
# Column model

D8 = "u8"    # Dictionary(UInt8, native) allowed
D16 = "u16"  # Dictionary(UInt16, native) allowed
ANY_DICT = (D8, D16)
NO_DICT = ()


class Col:
    """One column (or struct child / list element field) of a payload table.

    native: a type token (see NATIVE below), "struct" or "list".
    dicts: the dictionary key widths the column may use instead of its native type.
    required: spec "Required" column. Required columns must be present and hold no nulls
      (for a child of a struct: no nulls where the struct row is valid, spec section 5 intro).
    nullable: the nullable flag expected on the Arrow field. The spec says a column is nullable
      iff it is not required; None means "follow that rule", True/False pins a Go exception,
      "any" accepts both.
    children: for struct columns, the child Cols; for list columns, the element Col.
    metadata: field metadata keys the spec allows ("encoding" on id columns, section 6.4).
    """

    def __init__(self, native, dicts=NO_DICT, required=False, nullable=None, children=None, metadata=()):
        self.native = native
        self.dicts = tuple(dicts)
        self.required = required
        self.nullable = (not required) if nullable is None else nullable
        self.children = children
        self.metadata = tuple(metadata)


def struct(children, required=False):
    return Col("struct", required=required, children=OrderedDict(children))


def list_of(element):
    return Col("list", children=element)


ENC = ("encoding",)  # spec section 5 "Metadata" column: `encoding` on id / parent_id columns


def id_col(native, required=False, dicts=NO_DICT):
    return Col(native, dicts, required=required, metadata=ENC)


# Native type tokens -> predicate on a pyarrow type.
NATIVE = {
    "u8": pa.types.is_uint8,
    "u16": pa.types.is_uint16,
    "u32": pa.types.is_uint32,
    "u64": pa.types.is_uint64,
    "i32": pa.types.is_int32,
    "i64": pa.types.is_int64,
    "f64": pa.types.is_float64,
    "bool": pa.types.is_boolean,
    "utf8": lambda t: pa.types.is_string(t) and not pa.types.is_large_string(t),
    "binary": lambda t: pa.types.is_binary(t) and not pa.types.is_large_binary(t) and not pa.types.is_fixed_size_binary(t),
    "fsb16": lambda t: pa.types.is_fixed_size_binary(t) and t.byte_width == 16,
    "fsb8": lambda t: pa.types.is_fixed_size_binary(t) and t.byte_width == 8,
    # Timestamp(Nanosecond): any time zone (Go writes "UTC", Rust none; SPEC-NOTES section 3).
    "ts": lambda t: pa.types.is_timestamp(t) and t.unit == "ns",
    "dur": lambda t: pa.types.is_duration(t) and t.unit == "ns",
}

NATIVE_NAMES = {
    "u8": "uint8", "u16": "uint16", "u32": "uint32", "u64": "uint64", "i32": "int32", "i64": "int64",
    "f64": "double", "bool": "bool", "utf8": "string", "binary": "binary",
    "fsb16": "fixed_size_binary[16]", "fsb8": "fixed_size_binary[8]",
    "ts": "timestamp[ns, tz=*]", "dur": "duration[ns]",
}

# --------------------------------------------------------------------------------------------
# Tables (docs/otap-spec.md section 5)

# resource / scope structs shared by the three root tables (5.1.1, 5.2.1, 5.3.1).
RESOURCE = struct([
    ("id", id_col("u16")),
    ("schema_url", Col("utf8", ANY_DICT)),
    ("dropped_attributes_count", Col("u32")),
])
SCOPE = struct([
    ("id", id_col("u16")),
    ("name", Col("utf8", ANY_DICT)),
    ("version", Col("utf8", ANY_DICT)),
    ("dropped_attributes_count", Col("u32")),
])

# 5.1.1 LOGS
LOGS = OrderedDict([
    ("id", id_col("u16")),
    ("resource", RESOURCE),
    ("scope", SCOPE),
    ("schema_url", Col("utf8", ANY_DICT)),
    ("time_unix_nano", Col("ts")),
    ("observed_time_unix_nano", Col("ts")),
    ("trace_id", Col("fsb16", ANY_DICT)),
    ("span_id", Col("fsb8", ANY_DICT)),
    ("severity_number", Col("i32", ANY_DICT)),
    ("severity_text", Col("utf8", ANY_DICT)),
    ("event_name", Col("utf8", ANY_DICT)),
    ("body", struct([
        # Spec: body.type is required (so non-nullable). Go declares the field nullable
        # (SPEC-NOTES 6.2 row 11.1, and section 8 on the Rust check), so either flag is
        # accepted; nulls are still rejected wherever the body row itself is valid.
        ("type", Col("u8", required=True, nullable="any")),
        ("str", Col("utf8", (D16,))),
        ("int", Col("i64", (D16,))),
        ("double", Col("f64")),
        ("bool", Col("bool")),
        ("bytes", Col("binary", (D16,))),
        ("ser", Col("binary", (D16,))),
    ])),
    ("dropped_attributes_count", Col("u32")),
    ("flags", Col("u32")),
])

# 5.2.1 SPANS
SPANS = OrderedDict([
    ("id", id_col("u16")),
    ("resource", RESOURCE),
    ("scope", SCOPE),
    # SPEC-NOTES 9.4 (and 6.3): the spec gives schema_url, name, kind, duration and
    # trace_state no optimized encoding; Go writes them as Dict8 (u8, upgraded to u16).
    ("schema_url", Col("utf8", ANY_DICT)),
    ("start_time_unix_nano", Col("ts", required=True)),
    ("duration_time_unix_nano", Col("dur", ANY_DICT, required=True)),
    # Spec and Go: plain only (Rust would accept Dict; SPEC-NOTES 9.4 — not Go's choice).
    ("trace_id", Col("fsb16", required=True)),
    ("span_id", Col("fsb8", required=True)),
    ("trace_state", Col("utf8", ANY_DICT)),
    ("parent_span_id", Col("fsb8")),
    ("name", Col("utf8", ANY_DICT, required=True)),
    ("kind", Col("i32", ANY_DICT)),
    ("dropped_attributes_count", Col("u32")),
    ("dropped_events_count", Col("u32")),
    ("dropped_links_count", Col("u32")),
    ("status", struct([
        ("code", Col("i32", ANY_DICT)),
        ("status_message", Col("utf8", ANY_DICT)),
    ])),
    ("flags", Col("u32")),
])

# 5.2.2 SPAN_EVENTS
SPAN_EVENTS = OrderedDict([
    ("id", id_col("u32")),
    ("parent_id", id_col("u16", required=True)),
    ("time_unix_nano", Col("ts")),
    # Spec: no optimized encoding for name; Go: D8 (SPEC-NOTES 6.4 — not repeated in
    # section 9's list of disagreements).
    ("name", Col("utf8", ANY_DICT, required=True)),
    ("dropped_attributes_count", Col("u32")),
])

# 5.2.3 SPAN_LINKS
SPAN_LINKS = OrderedDict([
    ("id", id_col("u32")),
    ("parent_id", id_col("u16", required=True)),
    # Spec: trace_id / span_id / trace_state plain; Go: D8 (SPEC-NOTES 6.5 — not in section 9).
    ("trace_id", Col("fsb16", ANY_DICT, required=True)),
    ("span_id", Col("fsb8", ANY_DICT, required=True)),
    ("trace_state", Col("utf8", ANY_DICT)),
    ("dropped_attributes_count", Col("u32")),
    # The spec's "Optimized Encodings" cell reads "UInt32" (its native type): no dictionary.
    ("flags", Col("u32")),
])

# 5.3.1 UNIVARIATE_METRICS
METRICS = OrderedDict([
    # Spec 6.1: metric ids are the one required `id` column.
    ("id", id_col("u16", required=True)),
    ("resource", RESOURCE),
    ("scope", SCOPE),
    # SPEC-NOTES 9.5: schema_url, description, unit, aggregation_temporality are Dict8 in Go.
    ("schema_url", Col("utf8", ANY_DICT)),
    ("metric_type", Col("u8", required=True)),
    # Spec: name plain; Go: D8 (SPEC-NOTES 6.6 — item 9.5 omits `name`).
    ("name", Col("utf8", ANY_DICT, required=True)),
    ("description", Col("utf8", ANY_DICT)),
    ("unit", Col("utf8", ANY_DICT)),
    ("aggregation_temporality", Col("i32", ANY_DICT)),
    ("is_monotonic", Col("bool")),
])


def dp_common():
    return [
        ("id", id_col("u32")),
        ("parent_id", id_col("u16", required=True)),
        ("start_time_unix_nano", Col("ts")),
        ("time_unix_nano", Col("ts", required=True)),
    ]


# 5.3.2 NUMBER_DATA_POINTS
NUMBER_DP = OrderedDict(dp_common() + [
    ("int_value", Col("i64")),
    ("double_value", Col("f64")),
    ("flags", Col("u32")),
])

# 5.3.3 SUMMARY_DATA_POINTS
SUMMARY_DP = OrderedDict(dp_common() + [
    ("count", Col("u64")),
    ("sum", Col("f64")),
    # List(Struct) of {quantile, value}; the spec rows for the children name their native type
    # (Float64) in the "Optimized Encodings" cell: read as "no dictionary".
    ("quantile", list_of(struct([
        ("quantile", Col("f64")),
        ("value", Col("f64")),
    ]))),
    # The spec also lists `value` (native Float64, optimized List(Float64)); read as
    # List(Float64). Nothing produces it (SPEC-NOTES 9.11); allowed, never expected.
    ("value", list_of(Col("f64"))),
    ("flags", Col("u32")),
])

# 5.3.4 HISTOGRAM_DATA_POINTS
HISTOGRAM_DP = OrderedDict(dp_common() + [
    ("count", Col("u64")),
    ("sum", Col("f64")),
    ("bucket_counts", list_of(Col("u64"))),
    ("explicit_bounds", list_of(Col("f64"))),
    ("flags", Col("u32")),
    ("min", Col("f64")),
    ("max", Col("f64")),
])


def buckets():
    return struct([
        ("offset", Col("i32")),
        ("bucket_counts", list_of(Col("u64"))),
    ])


# 5.3.5 EXP_HISTOGRAM_DATA_POINTS
EXP_HISTOGRAM_DP = OrderedDict(dp_common() + [
    ("count", Col("u64")),
    ("sum", Col("f64")),
    ("scale", Col("i32")),
    ("zero_count", Col("u64")),
    ("positive", buckets()),
    ("negative", buckets()),
    ("flags", Col("u32")),
    ("min", Col("f64")),
    ("max", Col("f64")),
    ("zero_threshold", Col("f64")),
])

# 5.3.6 *_DP_EXEMPLARS
EXEMPLARS = OrderedDict([
    ("id", id_col("u32")),
    # Spec allows Dict for parent_id and int_value; Go writes both plain (SPEC-NOTES 9.6).
    ("parent_id", id_col("u32", required=True, dicts=ANY_DICT)),
    ("time_unix_nano", Col("ts", required=True)),
    ("int_value", Col("i64", ANY_DICT)),
    ("double_value", Col("f64")),
    ("span_id", Col("fsb8", ANY_DICT)),
    ("trace_id", Col("fsb16", ANY_DICT)),
])


def attributes(parent_native, parent_dicts):
    # 5.4.1 / 5.4.2. The `type` numbering in the spec's column description is superseded by
    # 5.5.1 (SPEC-NOTES 9.1); values are checked to lie in 0..7 either way.
    return OrderedDict([
        # 6.2: a u32 parent_id MAY be a dictionary (Go always starts it as Dict<u8,u32>,
        # SPEC-NOTES 9.7); a u16 parent_id never is.
        ("parent_id", id_col(parent_native, required=True, dicts=parent_dicts)),
        ("key", Col("utf8", ANY_DICT, required=True)),
        ("type", Col("u8", required=True)),
        # SPEC-NOTES 9.2: data_model.md calls `str` non-optional; spec 5.4 and the code do not.
        ("str", Col("utf8", (D16,))),
        ("int", Col("i64", (D16,))),
        ("double", Col("f64")),
        ("bool", Col("bool")),
        ("bytes", Col("binary", (D16,))),
        ("ser", Col("binary", (D16,))),
    ])


ATTRS16 = attributes("u16", NO_DICT)
ATTRS32 = attributes("u32", ANY_DICT)

TABLES = {
    "LOGS": LOGS,
    "SPANS": SPANS,
    "SPAN_EVENTS": SPAN_EVENTS,
    "SPAN_LINKS": SPAN_LINKS,
    "UNIVARIATE_METRICS": METRICS,
    "NUMBER_DATA_POINTS": NUMBER_DP,
    "SUMMARY_DATA_POINTS": SUMMARY_DP,
    "HISTOGRAM_DATA_POINTS": HISTOGRAM_DP,
    "EXP_HISTOGRAM_DATA_POINTS": EXP_HISTOGRAM_DP,
    "NUMBER_DP_EXEMPLARS": EXEMPLARS,
    "HISTOGRAM_DP_EXEMPLARS": EXEMPLARS,
    "EXP_HISTOGRAM_DP_EXEMPLARS": EXEMPLARS,
}
for _name in ("RESOURCE_ATTRS", "SCOPE_ATTRS", "LOG_ATTRS", "METRIC_ATTRS", "SPAN_ATTRS"):
    TABLES[_name] = ATTRS16
for _name in ("SPAN_EVENT_ATTRS", "SPAN_LINK_ATTRS", "NUMBER_DP_ATTRS", "SUMMARY_DP_ATTRS",
              "HISTOGRAM_DP_ATTRS", "EXP_HISTOGRAM_DP_ATTRS", "NUMBER_DP_EXEMPLAR_ATTRS",
              "HISTOGRAM_DP_EXEMPLAR_ATTRS", "EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS"):
    TABLES[_name] = ATTRS32

# Spec 3.1.1 - 3.1.3: payload types allowed per signal (METRIC_ATTRS is listed for metrics).
SIGNAL_TYPES = {
    "logs": {"LOGS", "LOG_ATTRS", "RESOURCE_ATTRS", "SCOPE_ATTRS"},
    "traces": {"SPANS", "SPAN_ATTRS", "SPAN_EVENTS", "SPAN_EVENT_ATTRS", "SPAN_LINKS",
               "SPAN_LINK_ATTRS", "RESOURCE_ATTRS", "SCOPE_ATTRS"},
    "metrics": {"UNIVARIATE_METRICS", "NUMBER_DATA_POINTS", "SUMMARY_DATA_POINTS",
                "HISTOGRAM_DATA_POINTS", "EXP_HISTOGRAM_DATA_POINTS", "NUMBER_DP_ATTRS",
                "SUMMARY_DP_ATTRS", "HISTOGRAM_DP_ATTRS", "EXP_HISTOGRAM_DP_ATTRS",
                "NUMBER_DP_EXEMPLARS", "HISTOGRAM_DP_EXEMPLARS", "EXP_HISTOGRAM_DP_EXEMPLARS",
                "NUMBER_DP_EXEMPLAR_ATTRS", "HISTOGRAM_DP_EXEMPLAR_ATTRS",
                "EXP_HISTOGRAM_DP_EXEMPLAR_ATTRS", "METRIC_ATTRS", "RESOURCE_ATTRS", "SCOPE_ATTRS"},
}

ATTR_TABLES = {name for name, t in TABLES.items() if t is ATTRS16 or t is ATTRS32}
ENCODING_VALUES = {"plain", "delta", "quasidelta"}  # spec 6.4

# --------------------------------------------------------------------------------------------
# Checks


class Report:
    def __init__(self):
        self.violations = []
        self._seen = set()
        self.dictionary_keys = {}  # "TABLE:path" -> index types seen (coverage, not a check)

    def add(self, file, table, column, kind, expected, found, batch=None):
        key = (file, column, kind, str(expected), str(found))
        if key in self._seen:  # per-batch findings: report the first batch only
            return
        self._seen.add(key)
        v = OrderedDict([("file", file), ("table", table), ("column", column), ("kind", kind),
                         ("expected", expected), ("found", found)])
        if batch is not None:
            v["batch"] = batch
        self.violations.append(v)


def describe(col):
    if col.native == "struct":
        return "struct<" + ", ".join(col.children) + ">"
    if col.native == "list":
        return "list<" + describe(col.children) + ">"
    out = NATIVE_NAMES[col.native]
    if col.dicts:
        out += " or dictionary<" + out + ", " + "|".join("uint" + d[1:] for d in col.dicts) + ">"
    return out


def check_field(rep, file, table, path, field, col):
    """Schema-level checks of one field against its spec Col (recursing into structs/lists)."""
    t = field.type
    # Nullability flag: spec section 5 intro, "a column is nullable iff it is not required".
    if col.nullable != "any" and field.nullable != col.nullable:
        rep.add(file, table, path, "nullable-flag", "nullable" if col.nullable else "non-nullable",
                "nullable" if field.nullable else "non-nullable")
    # Field metadata: only `encoding` on id columns, with a value from 6.4.
    for k, v in (field.metadata or {}).items():
        k, v = k.decode(errors="replace"), v.decode(errors="replace")
        if k == "encoding":
            if "encoding" not in col.metadata:
                rep.add(file, table, path, "metadata", "no `encoding` key on a non-id column", v)
            elif v not in ENCODING_VALUES:
                rep.add(file, table, path, "metadata", sorted(ENCODING_VALUES), v)
    if pa.types.is_dictionary(t):
        width = {pa.uint8(): D8, pa.uint16(): D16}.get(t.index_type)
        rep.dictionary_keys.setdefault(table + ":" + path, set()).add(str(t.index_type))
        if col.native in ("struct", "list") or not NATIVE[col.native](t.value_type):
            rep.add(file, table, path, "type", describe(col), str(t))
        elif width is None:
            rep.add(file, table, path, "dictionary-index", "uint8 or uint16 (unsigned)", str(t.index_type))
        elif width not in col.dicts:
            rep.add(file, table, path, "dictionary-not-allowed",
                    describe(col), str(t))
        return
    if col.native == "struct":
        if not pa.types.is_struct(t):
            rep.add(file, table, path, "type", describe(col), str(t))
            return
        names = [t.field(i).name for i in range(t.num_fields)]
        for i in range(t.num_fields):
            child = t.field(i)
            sub = col.children.get(child.name)
            if sub is None:
                rep.add(file, table, path + "." + child.name, "unknown-column", None, str(child.type))
            else:
                check_field(rep, file, table, path + "." + child.name, child, sub)
        for name, sub in col.children.items():
            if sub.required and name not in names:
                rep.add(file, table, path + "." + name, "missing-required", describe(sub), None)
        if len(set(names)) != len(names):
            rep.add(file, table, path, "duplicate-column", "unique names", names)
        return
    if col.native == "list":
        if not (pa.types.is_list(t) and not pa.types.is_large_list(t)):
            rep.add(file, table, path, "type", describe(col), str(t))
            return
        check_field(rep, file, table, path + "[]", t.value_field, col.children)
        return
    if not NATIVE[col.native](t):
        rep.add(file, table, path, "type", describe(col), str(t))


def check_schema(rep, file, table, schema, spec):
    names = schema.names
    for field in schema:
        col = spec.get(field.name)
        if col is None:
            rep.add(file, table, field.name, "unknown-column", None, str(field.type))
        else:
            check_field(rep, file, table, field.name, field, col)
    for name, col in spec.items():
        if col.required and name not in names:
            rep.add(file, table, name, "missing-required", describe(col), None)
    if len(set(names)) != len(names):
        rep.add(file, table, "", "duplicate-column", "unique names", names)


def plain(arr):
    return arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else arr


def check_values(rep, file, table, path, arr, col, valid, batch):
    """Data checks: nulls in required columns where the enclosing struct rows are valid."""
    arr = plain(arr)
    if col.required:
        nulls = arr.is_null()
        if valid is not None:
            nulls = pc.and_(nulls, valid)
        n = pc.sum(pc.cast(nulls, pa.int64())).as_py() or 0
        if n:
            rep.add(file, table, path, "null-in-required", "no nulls", f"{n} null(s)", batch)
    if col.native == "struct" and pa.types.is_struct(arr.type):
        mine = arr.is_valid()
        here = mine if valid is None else pc.and_(mine, valid)
        for i in range(arr.type.num_fields):
            sub = col.children.get(arr.type.field(i).name)
            if sub is not None:
                check_values(rep, file, table, path + "." + arr.type.field(i).name, arr.field(i), sub, here, batch)
    elif col.native == "list" and pa.types.is_list(arr.type):
        # Elements of null list rows are not reachable; flatten() yields the reachable ones.
        check_values(rep, file, table, path + "[]", arr.flatten(), col.children, None, batch)


def check_type_values(rep, file, table, batch_rb, batch):
    """AnyValue discriminants (spec 5.5.1): 0..7."""
    cols = []
    if table in ATTR_TABLES and "type" in batch_rb.schema.names:
        cols.append(("type", batch_rb.column("type")))
    if table == "LOGS" and "body" in batch_rb.schema.names:
        body = batch_rb.column("body")
        if pa.types.is_struct(body.type) and body.type.get_field_index("type") >= 0:
            cols.append(("body.type", pc.if_else(body.is_valid(), plain(body.field("type")), None)))
    for path, arr in cols:
        arr = plain(arr)
        if not pa.types.is_integer(arr.type):
            continue
        bad = pc.sum(pc.cast(pc.greater(arr, 7), pa.int64())).as_py() or 0
        if bad:
            rep.add(file, table, path, "type-out-of-range", "0..7 (spec 5.5.1)", f"{bad} row(s) > 7", batch)


FILE_RE = re.compile(r"^([A-Z0-9_]+)-(.+)\.arrows$")


def main(argv):
    """Checks a directory; returns the report (see the module docstring)."""
    args = list(argv)
    signal = None
    if "--signal" in args:
        i = args.index("--signal")
        signal = args[i + 1]
        del args[i:i + 2]
    directory = args[0]
    rep = Report()
    files = batches = rows = 0
    types = OrderedDict()
    for name in sorted(os.listdir(directory)):
        m = FILE_RE.match(name)
        if not m:
            continue
        table = m.group(1)
        files += 1
        stats = types.setdefault(table, OrderedDict([("files", 0), ("batches", 0), ("rows", 0)]))
        stats["files"] += 1
        spec = TABLES.get(table)
        if spec is None:
            rep.add(name, table, "", "unknown-payload-type", sorted(TABLES), table)
            continue
        if signal is not None and table not in SIGNAL_TYPES[signal]:
            rep.add(name, table, "", "payload-type-not-for-signal", sorted(SIGNAL_TYPES[signal]), table)
        try:
            with open(os.path.join(directory, name), "rb") as fh:
                reader = ipc.open_stream(fh)
                schema = reader.schema
                check_schema(rep, name, table, schema, spec)
                for index, rb in enumerate(reader):
                    batches += 1
                    rows += rb.num_rows
                    stats["batches"] += 1
                    stats["rows"] += rb.num_rows
                    try:
                        rb.validate(full=True)
                    except Exception as exc:  # noqa: BLE001 - report any validation failure
                        rep.add(name, table, "", "invalid-batch", "validate(full=True) passes", str(exc), index)
                        continue
                    for i, field in enumerate(schema):
                        col = spec.get(field.name)
                        if col is not None:
                            check_values(rep, name, table, field.name, rb.column(i), col, None, index)
                    check_type_values(rep, name, table, rb, index)
        except Exception as exc:  # noqa: BLE001 - unreadable stream
            rep.add(name, table, "", "unreadable-stream", "a readable Arrow IPC stream", f"{type(exc).__name__}: {exc}")
    keys = OrderedDict((k, sorted(v)) for k, v in sorted(rep.dictionary_keys.items()))
    return OrderedDict([("files", files), ("batches", batches), ("rows", rows), ("types", types),
                        ("dictionaryKeys", keys), ("violations", rep.violations)])


def write_stream(path, batches, schema):
    with open(path, "wb") as fh, ipc.new_stream(fh, schema) as writer:
        for b in batches:
            writer.write_batch(b)


def selftest():
    """Writes streams that break the tables in known ways (and one that does not) and checks
    that exactly the expected findings come out."""
    import tempfile

    def dic(index_type, values, indices):
        return pa.DictionaryArray.from_arrays(pa.array(indices, index_type), values)

    with tempfile.TemporaryDirectory() as d:
        # LOGS: unknown column, wrong type, signed dictionary keys, a width the spec does not
        # allow, a wrong nullable flag, a null body.type under a valid body row, type 9.
        body_t = pa.struct([pa.field("type", pa.uint8()), pa.field("str", pa.dictionary(pa.uint8(), pa.string()))])
        logs_schema = pa.schema([
            pa.field("id", pa.uint16(), nullable=False),
            pa.field("trace_id", pa.binary()),
            pa.field("severity_number", pa.dictionary(pa.int8(), pa.int32())),
            pa.field("time_unix_nano", pa.timestamp("ns", tz="UTC")),
            pa.field("body", body_t),
            pa.field("foo", pa.int64()),
        ])
        body = pa.StructArray.from_arrays(
            [pa.array([3, None, 9], pa.uint8()), dic(pa.uint8(), pa.array(["a"]), [0, 0, 0])],
            fields=list(body_t), mask=pa.array([True, False, False]))
        logs = pa.record_batch([
            pa.array([0, 1, 2], pa.uint16()), pa.array([b"x", b"y", b"z"]),
            dic(pa.int8(), pa.array([5], pa.int32()), [0, 0, 0]),
            pa.array([1, 2, 3], pa.timestamp("ns", tz="UTC")), body, pa.array([1, 2, 3], pa.int64()),
        ], schema=logs_schema)
        write_stream(os.path.join(d, "LOGS-0.arrows"), [logs], logs_schema)

        # SPANS (not a logs table): required `name` missing, null in required start time, millisecond durations.
        spans_schema = pa.schema([
            pa.field("start_time_unix_nano", pa.timestamp("ns"), nullable=False),
            pa.field("duration_time_unix_nano", pa.duration("ms"), nullable=False),
            pa.field("trace_id", pa.binary(16), nullable=False),
            pa.field("span_id", pa.binary(8), nullable=False),
        ])
        spans = pa.record_batch([
            pa.array([1, None], pa.timestamp("ns")), pa.array([1, 2], pa.duration("ms")),
            pa.array([b"a" * 16, b"b" * 16], pa.binary(16)), pa.array([b"c" * 8, b"d" * 8], pa.binary(8)),
        ], schema=spans_schema)
        write_stream(os.path.join(d, "SPANS-1.arrows"), [spans], spans_schema)

        # A conforming U32 attribute table (Dict<u8,u32> parent_id, Dict(u16) str, 0 rows too).
        attrs_schema = pa.schema([
            pa.field("parent_id", pa.dictionary(pa.uint8(), pa.uint32()), nullable=False),
            pa.field("key", pa.dictionary(pa.uint16(), pa.string()), nullable=False),
            pa.field("type", pa.uint8(), nullable=False),
            pa.field("str", pa.dictionary(pa.uint16(), pa.string())),
        ])
        def attrs(n):
            return pa.record_batch([
                dic(pa.uint8(), pa.array([7], pa.uint32()), [0] * n), dic(pa.uint16(), pa.array(["k"]), [0] * n),
                pa.array([1] * n, pa.uint8()), dic(pa.uint16(), pa.array(["v"]), [0] * n),
            ], schema=attrs_schema)
        write_stream(os.path.join(d, "SPAN_EVENT_ATTRS-2.arrows"), [attrs(3), attrs(0)], attrs_schema)
        # ... which does not belong to the logs signal, and an unknown payload type.
        write_stream(os.path.join(d, "NOT_A_TABLE-3.arrows"), [attrs(1)], attrs_schema)

        report = main([d, "--signal", "logs"])
    found = sorted({(v["table"], v["column"], v["kind"]) for v in report["violations"]})
    expected = sorted({
        ("LOGS", "id", "nullable-flag"),
        ("LOGS", "trace_id", "type"),
        ("LOGS", "severity_number", "dictionary-index"),
        ("LOGS", "body.str", "dictionary-not-allowed"),
        ("LOGS", "body.type", "null-in-required"),
        ("LOGS", "body.type", "type-out-of-range"),
        ("LOGS", "foo", "unknown-column"),
        ("SPANS", "name", "missing-required"),
        ("SPANS", "start_time_unix_nano", "null-in-required"),
        ("SPANS", "duration_time_unix_nano", "type"),
        ("SPANS", "", "payload-type-not-for-signal"),
        ("SPAN_EVENT_ATTRS", "", "payload-type-not-for-signal"),
        ("NOT_A_TABLE", "", "unknown-payload-type"),
    })
    if found != expected:
        sys.stderr.write("selftest: findings differ\nexpected %s\nfound    %s\n" % (expected, found))
        return 1
    if report["batches"] != 4 or report["rows"] != 8:
        sys.stderr.write("selftest: counted %d batches / %d rows\n" % (report["batches"], report["rows"]))
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--selftest"]:
        sys.exit(selftest())
    result = main(sys.argv[1:])
    print(json.dumps(result, indent=1))
    sys.exit(1 if result["violations"] else 0)
