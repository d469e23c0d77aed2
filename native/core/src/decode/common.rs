//! Shared decode-side pieces: transport-optimized id decoding (OTAP spec 6.4), AnyValue
//! columns, attribute tables, and the resource/scope grouping of root tables
//! (`src/otap/decode/{id-decoding,ids,attributes,any-value-columns,root-groups}.ts`).

use std::collections::HashMap;

use super::pb::{any_value::Value, AnyValue, ArrayValue, KeyValueList};
use super::rev_writer::RevWriter;
use super::table::{Res, TableView};
use super::Tables;
use crate::bar::payload_type as T;
use crate::cbor_decode::decode_any_value_cbor;
use crate::cell::Cell;

// ---------------------------------------------------------------------------------------
// Ids

/// `encoding` metadata "plain": ids are sent as is. Absent (Go) means the transport encoding.
pub fn is_plain(encoding: Option<&str>) -> bool {
    encoding == Some("plain")
}

fn wrap(v: i64, bits: u32) -> i64 {
    if bits == 16 {
        v & 0xffff
    } else {
        v.rem_euclid(1 << 32)
    }
}

/// Running sum over non-null cells (u16/u32 wrap-around as the sender's unsigned math).
pub fn delta_decode(values: Vec<Option<i64>>, encoding: Option<&str>, bits: u32) -> Vec<Option<i64>> {
    if is_plain(encoding) {
        return values;
    }
    let mut acc = 0i64;
    values
        .into_iter()
        .map(|v| {
            v.map(|v| {
                acc = wrap(acc.wrapping_add(v), bits);
                acc
            })
        })
        .collect()
}

/// Quasi-delta: delta from the previous row's parent when `same_group(i)`, else absolute.
pub fn quasi_delta_decode(values: Vec<i64>, encoding: Option<&str>, bits: u32, mut same_group: impl FnMut(usize) -> bool) -> Vec<i64> {
    if is_plain(encoding) {
        return values;
    }
    let mut out: Vec<i64> = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let x = match out.last() {
            Some(&prev) if same_group(i) => wrap(prev.wrapping_add(v), bits),
            _ => v,
        };
        out.push(x);
    }
    out
}

/// A column of ids, or all-null when the column is absent.
pub fn ids_or_null(view: &TableView<'_>, path: &str) -> Res<Vec<Option<i64>>> {
    Ok(view.ints(path)?.unwrap_or_else(|| vec![None; view.len]))
}

pub fn non_null(view: &TableView<'_>, path: &str, values: Vec<Option<i64>>) -> Res<Vec<i64>> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| v.ok_or_else(|| view.error(path, format!("row {i}: null in a required column"))))
        .collect()
}

/// A required, non-null parent id column (before id decoding).
pub fn parent_ids(view: &TableView<'_>) -> Res<Vec<i64>> {
    let raw = view.ints("parent_id")?;
    let raw = view.required("parent_id", raw)?;
    non_null(view, "parent_id", raw)
}

/// OTAP writes unset trace/span ids as zero bytes; OTLP's unset id is empty.
pub fn nonzero_id(id: Option<&[u8]>) -> &[u8] {
    match id {
        Some(b) if b.iter().any(|&x| x != 0) => b,
        _ => &[],
    }
}

// ---------------------------------------------------------------------------------------
// Rows grouped by parent id, in order of first appearance

/// Hasher for i64 ids (multiply-shift; ids are small integers, no DoS concern inside one batch).
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_i64(&mut self, v: i64) {
        self.0 = (v as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(26);
    }
}

pub type IdMap<V> = HashMap<i64, V, std::hash::BuildHasherDefault<IdHasher>>;

/// Values grouped by the id they hang off, each group in push order. Stored flat (one array
/// and group offsets, sealed at the first read) rather than one Vec per id: a batch has as
/// many groups as parent rows, and a Vec each was most of the cost of grouping.
pub struct Grouped<V> {
    /// Slot of each id; slots are in order of first appearance.
    index: IdMap<u32>,
    ids: Vec<i64>,
    used: Vec<bool>,
    /// Per pushed value its slot, in push order (emptied when sealed).
    slot_of: Vec<u32>,
    /// The pushed values; once sealed, grouped by slot.
    values: Vec<V>,
    /// Once sealed: slot s holds values[starts[s]..starts[s + 1]].
    starts: Vec<u32>,
}

impl<V: Copy> Grouped<V> {
    pub fn new() -> Self {
        Grouped { index: IdMap::default(), ids: Vec::new(), used: Vec::new(), slot_of: Vec::new(), values: Vec::new(), starts: Vec::new() }
    }

    pub fn push(&mut self, id: i64, v: V) {
        debug_assert!(self.starts.is_empty(), "push after the first read");
        let next = self.ids.len() as u32;
        let slot = *self.index.entry(id).or_insert(next);
        if slot == next {
            self.ids.push(id);
            self.used.push(false);
        }
        self.slot_of.push(slot);
        self.values.push(v);
    }

    /// Groups the values by slot (stable); a no-op when they already are (children sorted
    /// by parent, the usual case).
    fn seal(&mut self) {
        let mut starts = vec![0u32; self.ids.len() + 1];
        for &s in &self.slot_of {
            starts[s as usize + 1] += 1;
        }
        for s in 1..starts.len() {
            starts[s] += starts[s - 1];
        }
        if !self.slot_of.windows(2).all(|w| w[0] <= w[1]) {
            let mut fill = starts.clone();
            let mut grouped = self.values.clone();
            for (&s, &v) in self.slot_of.iter().zip(&self.values) {
                grouped[fill[s as usize] as usize] = v;
                fill[s as usize] += 1;
            }
            self.values = grouped;
        }
        self.slot_of = Vec::new();
        self.starts = starts;
    }

    /// The values of `id`, borrowed, marking `id` used.
    pub fn rows(&mut self, id: i64) -> &[V] {
        let Some(&slot) = self.index.get(&id) else { return &[] };
        if self.starts.is_empty() {
            self.seal();
        }
        self.used[slot as usize] = true;
        let (from, to) = (self.starts[slot as usize] as usize, self.starts[slot as usize + 1] as usize);
        &self.values[from..to]
    }

    /// The first id (in table order) that was never taken.
    pub fn first_unused(&self) -> Option<i64> {
        self.used.iter().position(|u| !u).map(|slot| self.ids[slot])
    }
}

// ---------------------------------------------------------------------------------------
// AnyValue columns (type/str/int/double/bool/bytes/ser)

pub const T_EMPTY: i64 = 0;
pub const T_STR: i64 = 1;
pub const T_INT: i64 = 2;
pub const T_DOUBLE: i64 = 3;
pub const T_BOOL: i64 = 4;
pub const T_MAP: i64 = 5;
pub const T_SLICE: i64 = 6;
pub const T_BYTES: i64 = 7;

pub struct AnyValueColumns<'a> {
    prefix: &'static str,
    pub(crate) ty: Vec<Option<i64>>,
    pub(crate) str: Option<Vec<Option<&'a str>>>,
    pub(crate) int: Option<Vec<Option<u64>>>,
    pub(crate) dbl: Option<Vec<Option<f64>>>,
    pub(crate) bool: Option<Vec<Option<bool>>>,
    pub(crate) bytes: Option<Vec<Option<&'a [u8]>>>,
    pub(crate) ser: Option<Vec<Option<&'a [u8]>>>,
}

pub(crate) fn at<T: Copy>(col: &Option<Vec<Option<T>>>, i: usize) -> Option<T> {
    col.as_ref().and_then(|c| c.get(i).copied().flatten())
}

impl<'a> AnyValueColumns<'a> {
    /// `prefix` is "" for attribute tables and "body." for LOGS.
    pub fn new(view: &TableView<'a>, prefix: &'static str, type_required: bool) -> Res<Self> {
        // Column paths spelled out, not formatted: this runs for every table of every batch.
        let [tpath, str, int, dbl, bool, bytes, ser] = match prefix {
            "" => ["type", "str", "int", "double", "bool", "bytes", "ser"],
            "body." => ["body.type", "body.str", "body.int", "body.double", "body.bool", "body.bytes", "body.ser"],
            other => unreachable!("AnyValueColumns prefix {other:?}"),
        };
        let ty = view.ints(tpath)?;
        let ty = if type_required { view.required(tpath, ty)? } else { ty.unwrap_or_else(|| vec![None; view.len]) };
        Ok(AnyValueColumns {
            prefix,
            ty,
            str: view.strs(str)?,
            int: view.u64s(int)?,
            dbl: view.doubles(dbl)?,
            bool: view.bools(bool)?,
            bytes: view.bytes(bytes)?,
            ser: view.bytes(ser)?,
        })
    }

    pub fn type_at(&self, i: usize) -> i64 {
        self.ty.get(i).copied().flatten().unwrap_or(T_EMPTY)
    }

    /// Whether the column of row i's scalar type is present and non-null there.
    pub fn scalar_present(&self, i: usize) -> bool {
        match self.type_at(i) {
            T_STR => at(&self.str, i).is_some(),
            T_INT => at(&self.int, i).is_some(),
            T_DOUBLE => at(&self.dbl, i).is_some(),
            T_BOOL => at(&self.bool, i).is_some(),
            T_BYTES => at(&self.bytes, i).is_some(),
            _ => false,
        }
    }

    /// Whether rows i and j hold equal scalars as `value_at` reads them (null cells as zero
    /// values): same type and value; maps, slices and empty values are never equal. Doubles
    /// by IEEE == (Go), or by total order (a Rust sender: NaN equals NaN, -0 differs from +0).
    pub fn same_scalar(&self, i: usize, j: usize, total_order: bool) -> bool {
        let t = self.type_at(i);
        if t != self.type_at(j) {
            return false;
        }
        match t {
            T_STR => at(&self.str, i).unwrap_or("") == at(&self.str, j).unwrap_or(""),
            T_INT => at(&self.int, i).unwrap_or(0) == at(&self.int, j).unwrap_or(0),
            T_DOUBLE => {
                let (x, y) = (at(&self.dbl, i).unwrap_or(0.0), at(&self.dbl, j).unwrap_or(0.0));
                if total_order {
                    (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
                } else {
                    x == y
                }
            }
            T_BOOL => at(&self.bool, i).unwrap_or(false) == at(&self.bool, j).unwrap_or(false),
            T_BYTES => at(&self.bytes, i).unwrap_or(&[]) == at(&self.bytes, j).unwrap_or(&[]),
            _ => false,
        }
    }

    /// Row i's value as the type column says, zero values standing in for null cells of the
    /// active column (as the Go consumer reads them); maps and slices still CBOR-encoded.
    pub fn cell(&self, view: &TableView<'_>, i: usize) -> Res<Cell<'a>> {
        Ok(match self.type_at(i) {
            T_EMPTY => Cell::Empty,
            T_STR => Cell::Str(at(&self.str, i).unwrap_or("")),
            T_INT => Cell::Int(at(&self.int, i).unwrap_or(0) as i64),
            T_DOUBLE => Cell::Double(at(&self.dbl, i).unwrap_or(0.0)),
            T_BOOL => Cell::Bool(at(&self.bool, i).unwrap_or(false)),
            T_BYTES => Cell::Bytes(at(&self.bytes, i).unwrap_or(&[])),
            t @ (T_MAP | T_SLICE) => Cell::Ser(t as u8, at(&self.ser, i)),
            t => return Err(view.error(&format!("{}type", self.prefix), format!("row {i}: unknown value type {t}"))),
        })
    }

    /// The CBOR `ser` cell of row i, decoded; it must hold a map (`want_map`) or an array.
    fn ser_value(&self, view: &TableView<'_>, i: usize, raw: &[u8], want_map: bool) -> Res<Value> {
        // The column name is only formatted for an error: this runs once per map/array cell.
        let column = || format!("{}ser", self.prefix);
        let v = decode_any_value_cbor(raw).map_err(|e| view.error(&column(), format!("row {i}: {}", e.message)))?;
        match v.value {
            Some(v @ Value::KvlistValue(_)) if want_map => Ok(v),
            Some(v @ Value::ArrayValue(_)) if !want_map => Ok(v),
            _ => {
                let (t, want) = if want_map { (T_MAP, "map") } else { (T_SLICE, "array") };
                Err(view.error(&column(), format!("row {i}: type {t} needs a CBOR {want}")))
            }
        }
    }

    pub fn value_at(&self, view: &TableView<'_>, i: usize) -> Res<AnyValue> {
        let v = match self.cell(view, i)? {
            Cell::Empty => None,
            Cell::Str(s) => Some(Value::StringValue(s.to_string())),
            Cell::Int(v) => Some(Value::IntValue(v)),
            Cell::Double(v) => Some(Value::DoubleValue(v)),
            Cell::Bool(v) => Some(Value::BoolValue(v)),
            Cell::Bytes(v) => Some(Value::BytesValue(v.to_vec())),
            Cell::Ser(t, None) if i64::from(t) == T_MAP => Some(Value::KvlistValue(KeyValueList { values: Vec::new() })),
            Cell::Ser(_, None) => Some(Value::ArrayValue(ArrayValue { values: Vec::new() })),
            Cell::Ser(t, Some(raw)) => Some(self.ser_value(view, i, raw, i64::from(t) == T_MAP)?),
        };
        Ok(AnyValue { value: v })
    }

    /// Writes the fields of row i's AnyValue (its oneof member; nothing for an empty value).
    pub fn write_value(&self, w: &mut RevWriter, view: &TableView<'_>, i: usize) -> Res<()> {
        match self.cell(view, i)? {
            Cell::Empty => {}
            Cell::Str(s) => w.bytes_always(1, s.as_bytes()),
            Cell::Bool(v) => w.varint_always(2, u64::from(v)),
            Cell::Int(v) => w.varint_always(3, v as u64),
            Cell::Double(v) => w.double_always(4, v),
            // An empty ArrayValue (5) or KeyValueList (6).
            Cell::Ser(t, None) => w.bytes_always(if i64::from(t) == T_MAP { 6 } else { 5 }, &[]),
            Cell::Bytes(v) => w.bytes_always(7, v),
            // A decoded map or array is a prost tree already: prost writes its bytes.
            Cell::Ser(t, Some(raw)) => {
                let value = AnyValue { value: Some(self.ser_value(view, i, raw, i64::from(t) == T_MAP)?) };
                w.prepend_raw(&prost::Message::encode_to_vec(&value));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Attribute tables

/// The key and value columns of an attribute table: what its parent_id runs are keyed on.
pub struct AttrColumns<'a> {
    pub keys: Vec<&'a str>,
    pub values: AnyValueColumns<'a>,
}

impl<'a> AttrColumns<'a> {
    pub fn new(view: &TableView<'a>) -> Res<Self> {
        let keys = view.strs("key")?;
        let keys = view.required("key", keys)?;
        let keys = keys
            .into_iter()
            .enumerate()
            .map(|(i, k)| k.ok_or_else(|| view.error("key", format!("row {i}: null key"))))
            .collect::<Res<Vec<_>>>()?;
        Ok(AttrColumns { keys, values: AnyValueColumns::new(view, "", true)? })
    }

    /// Whether row j continues row i's quasi-delta run: same key and equal scalar value.
    /// Go's rule reads null cells as zero values and compares doubles with IEEE ==; a Rust
    /// sender's (`rust_rules`) ends a run at a null or absent value cell and compares doubles
    /// by total order.
    pub fn same_run(&self, i: usize, j: usize, rust_rules: bool) -> bool {
        (!rust_rules || (self.values.scalar_present(i) && self.values.scalar_present(j)))
            && self.keys[i] == self.keys[j]
            && self.values.same_scalar(i, j, rust_rules)
    }
}

/// The decoded parent ids of an attribute table (the `encoding` metadata says whose rules).
/// A caller that has read the table's columns passes them (`cols`): runs are then compared
/// on them; otherwise straight from the Arrow columns (`attr_runs`).
pub fn attribute_parents(view: &TableView<'_>, cols: Option<&AttrColumns<'_>>, parent_bits: u32) -> Res<Vec<i64>> {
    let encoding = view.encoding("parent_id");
    let parents = parent_ids(view)?;
    if is_plain(encoding) {
        return Ok(parents);
    }
    let rust_rules = encoding == Some("quasidelta");
    Ok(match cols {
        Some(cols) => quasi_delta_decode(parents, encoding, parent_bits, |i| cols.same_run(i - 1, i, rust_rules)),
        None => {
            let runs = super::attr_runs::run_continues(view, rust_rules)?;
            quasi_delta_decode(parents, encoding, parent_bits, |i| runs[i])
        }
    })
}

/// Attribute rows whose parent id matched no row are an error, not silently dropped.
pub fn assert_all_used<V: Copy>(map: &Grouped<V>, view: Option<&TableView<'_>>, parent_table: &str) -> Res<()> {
    let Some(view) = view else { return Ok(()) };
    match map.first_unused() {
        Some(id) => Err(view.error("parent_id", format!("parent id {id} points at no row of {parent_table}"))),
        None => Ok(()),
    }
}

/// An attribute table's row numbers grouped by decoded parent id: the attributes are
/// written straight from the columns, no KeyValue is built.
pub struct AttrRows<'v, 'a> {
    table: Option<(&'v TableView<'a>, AttrColumns<'a>)>,
    rows: Grouped<u32>,
}

impl<'v, 'a> AttrRows<'v, 'a> {
    /// `parent_bits` is 16 or 32.
    pub fn new(view: Option<&'v TableView<'a>>, parent_bits: u32) -> Res<Self> {
        let mut rows = Grouped::new();
        let table = match view {
            Some(view) if view.len > 0 => {
                let cols = AttrColumns::new(view)?;
                for (i, p) in attribute_parents(view, Some(&cols), parent_bits)?.into_iter().enumerate() {
                    rows.push(p, i as u32);
                }
                Some((view, cols))
            }
            _ => None,
        };
        Ok(AttrRows { table, rows })
    }

    /// Writes the attributes of parent `id` as repeated KeyValue field `field`, in table order.
    pub fn write(&mut self, w: &mut RevWriter, field: u32, id: Option<i64>) -> Res<()> {
        let (Some((view, cols)), Some(id)) = (&self.table, id) else { return Ok(()) };
        for &r in self.rows.rows(id).iter().rev() {
            let r = r as usize;
            let kv = w.len();
            let value = w.len();
            cols.values.write_value(w, view, r)?;
            w.end_message(2, value);
            w.string(1, cols.keys[r]);
            w.end_message(field, kv);
        }
        Ok(())
    }

    /// Attribute rows whose parent id matched no row of `parent_table` are an error.
    pub fn assert_all_used(&self, parent_table: &str) -> Res<()> {
        let Some((view, _)) = &self.table else { return Ok(()) };
        assert_all_used(&self.rows, Some(view), parent_table)
    }
}

// ---------------------------------------------------------------------------------------
// Root tables: resource and scope groups

/// The rows of one scope group (`first` is the row its scope columns are read from).
pub struct ScopeRows {
    pub first: usize,
    pub id: Option<i64>,
    pub rows: Vec<usize>,
}

/// The scope groups of one resource group (`first` is the row its resource columns are read from).
pub struct ResourceRows {
    pub first: usize,
    pub id: Option<i64>,
    pub scopes: Vec<ScopeRows>,
}

/// Walks rows in order: a new ResourceX whenever the decoded resource id changes, a new
/// ScopeX whenever the scope id changes or a new resource begins (the Go consumer's rule).
pub fn root_rows(root: &TableView<'_>) -> Res<Vec<ResourceRows>> {
    let res_ids = delta_decode(ids_or_null(root, "resource.id")?, root.encoding("resource.id"), 16);
    let scope_ids = delta_decode(ids_or_null(root, "scope.id")?, root.encoding("scope.id"), 16);
    let mut groups: Vec<ResourceRows> = Vec::new();
    for (i, (&rid, &sid)) in res_ids.iter().zip(&scope_ids).enumerate() {
        match groups.last_mut() {
            Some(g) if g.id == rid => match g.scopes.last_mut() {
                Some(s) if s.id == sid => s.rows.push(i),
                _ => g.scopes.push(ScopeRows { first: i, id: sid, rows: vec![i] }),
            },
            _ => groups.push(ResourceRows { first: i, id: rid, scopes: vec![ScopeRows { first: i, id: sid, rows: vec![i] }] }),
        }
    }
    Ok(groups)
}

/// The resource and scope columns of a root table.
pub struct RootColumns<'a> {
    res_url: Option<Vec<Option<&'a str>>>,
    res_dropped: Option<Vec<Option<i64>>>,
    scope_name: Option<Vec<Option<&'a str>>>,
    scope_version: Option<Vec<Option<&'a str>>>,
    scope_dropped: Option<Vec<Option<i64>>>,
    schema_url: Option<Vec<Option<&'a str>>>,
}

impl<'a> RootColumns<'a> {
    pub fn new(root: &TableView<'a>) -> Res<Self> {
        Ok(RootColumns {
            res_url: root.strs("resource.schema_url")?,
            res_dropped: root.ints("resource.dropped_attributes_count")?,
            scope_name: root.strs("scope.name")?,
            scope_version: root.strs("scope.version")?,
            scope_dropped: root.ints("scope.dropped_attributes_count")?,
            schema_url: root.strs("schema_url")?,
        })
    }

    fn resource_schema_url(&self, g: &ResourceRows) -> &'a str {
        at(&self.res_url, g.first).unwrap_or("")
    }

    fn scope_schema_url(&self, s: &ScopeRows) -> &'a str {
        at(&self.schema_url, s.first).unwrap_or("")
    }

    fn resource_dropped(&self, g: &ResourceRows) -> u32 {
        at(&self.res_dropped, g.first).unwrap_or(0) as u32
    }

    fn scope_dropped(&self, s: &ScopeRows) -> u32 {
        at(&self.scope_dropped, s.first).unwrap_or(0) as u32
    }

    /// Writes the Resource message of group `g` as field `field`.
    fn write_resource(&self, w: &mut RevWriter, field: u32, g: &ResourceRows, attrs: &mut AttrRows<'_, '_>) -> Res<()> {
        let mark = w.len();
        w.uint(2, u64::from(self.resource_dropped(g)));
        attrs.write(w, 1, g.id)?;
        w.end_message(field, mark);
        Ok(())
    }

    /// Writes the InstrumentationScope message of group `s` as field `field`.
    fn write_scope(&self, w: &mut RevWriter, field: u32, s: &ScopeRows, attrs: &mut AttrRows<'_, '_>) -> Res<()> {
        let mark = w.len();
        w.uint(4, u64::from(self.scope_dropped(s)));
        attrs.write(w, 3, s.id)?;
        w.string(2, at(&self.scope_version, s.first).unwrap_or(""));
        w.string(1, at(&self.scope_name, s.first).unwrap_or(""));
        w.end_message(field, mark);
        Ok(())
    }
}

/// Writes an `Export*ServiceRequest` of root table `root` back to front: its ResourceX and
/// ScopeX nesting (the same field numbers in all three signals: request.resource_x 1;
/// ResourceX.resource 1, scope_x 2, schema_url 3; ScopeX.scope 1, items 2, schema_url 3),
/// with `item` writing the fields of each root row's message. Then checks that every
/// resource and scope attribute row belonged to a group.
pub fn write_request<'a>(w: &mut RevWriter, tables: &Tables<'a>, root: &TableView<'a>, mut item: impl FnMut(&mut RevWriter, usize) -> Res<()>) -> Res<()> {
    let mut res_attrs = AttrRows::new(tables.get(T::RESOURCE_ATTRS), 16)?;
    let mut scope_attrs = AttrRows::new(tables.get(T::SCOPE_ATTRS), 16)?;
    let roots = RootColumns::new(root)?;
    for g in root_rows(root)?.iter().rev() {
        let resource_x = w.len();
        w.string(3, roots.resource_schema_url(g));
        for s in g.scopes.iter().rev() {
            let scope_x = w.len();
            w.string(3, roots.scope_schema_url(s));
            for &i in s.rows.iter().rev() {
                let mark = w.len();
                item(w, i)?;
                w.end_message(2, mark);
            }
            roots.write_scope(w, 1, s, &mut scope_attrs)?;
            w.end_message(2, scope_x);
        }
        roots.write_resource(w, 1, g, &mut res_attrs)?;
        w.end_message(1, resource_x);
    }
    res_attrs.assert_all_used("resource")?;
    scope_attrs.assert_all_used("scope")
}

/// Value of row `i` of an optional column.
pub fn cell<T: Copy>(col: &Option<Vec<Option<T>>>, i: usize) -> Option<T> {
    at(col, i)
}

#[cfg(test)]
mod grouped_tests {
    use super::Grouped;

    #[test]
    fn groups_in_push_order_whether_or_not_parents_are_sorted() {
        for pairs in [vec![(7, 0u32), (7, 1), (3, 2), (3, 3), (9, 4)], vec![(7, 0u32), (3, 1), (7, 2), (9, 3), (3, 4)]] {
            let mut g = Grouped::new();
            for &(id, v) in &pairs {
                g.push(id, v);
            }
            for id in [7, 3, 9] {
                let want: Vec<u32> = pairs.iter().filter(|p| p.0 == id).map(|p| p.1).collect();
                assert_eq!(g.rows(id), &want[..], "id {id} of {pairs:?}");
            }
            assert_eq!(g.rows(42), &[] as &[u32]);
            assert_eq!(g.first_unused(), None);
        }
    }

    #[test]
    fn reports_the_first_id_never_read() {
        let mut g = Grouped::new();
        for (id, v) in [(5, 0u32), (6, 1), (8, 2)] {
            g.push(id, v);
        }
        assert_eq!(g.first_unused(), Some(5));
        g.rows(5);
        g.rows(8);
        assert_eq!(g.first_unused(), Some(6));
        let empty: Grouped<u32> = Grouped::new();
        assert_eq!(empty.first_unused(), None);
    }
}
