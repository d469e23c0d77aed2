//! Pieces shared by the signal encoders: attribute tables, the resource/scope flattening of
//! root rows, id assignment and the delta / quasi-delta id encodings (mirrors
//! src/otap/encode/{attributes,root-rows,id-encoding,encoded-tables}.ts).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt::Write as _;

use super::attribute_order::{attribute_order, AttributeOrder};
use super::dict::FxBuild;
use super::key_memo::memoized;
use super::input::{Leaf, TableInput};
use crate::cbor_encode::to_cbor;
use crate::error::OtapError;
use crate::cbor_decode::CBOR_MAX_DEPTH;
use crate::otlp::model::{array_values, kvlist_entries, AnyValue, KeyValue, Roots};

pub static ZERO16: [u8; 16] = [0; 16];
pub static ZERO8: [u8; 8] = [0; 8];

/// Ids that OTAP always writes: an unset (empty) id becomes zero bytes.
#[inline]
pub fn id_or_zeros(id: &[u8], width: usize) -> &[u8] {
    if id.is_empty() {
        if width == 16 {
            &ZERO16
        } else {
            &ZERO8
        }
    } else {
        id
    }
}

/// An id that is unset or all zeros becomes null.
#[inline]
pub fn zero_id_to_null(id: &[u8]) -> Option<&[u8]> {
    // Word-wise for the usual 8- and 16-byte ids (a byte loop was 2.5% of encoding traces).
    let zero = match id.len() {
        8 => u64::from_ne_bytes(id.try_into().unwrap()) == 0,
        16 => u128::from_ne_bytes(id.try_into().unwrap()) == 0,
        _ => id.iter().all(|&b| b == 0),
    };
    (!zero).then_some(id)
}

#[inline]
pub fn non_empty(s: &str) -> Option<Cow<'_, [u8]>> {
    (!s.is_empty()).then_some(Cow::Borrowed(s.as_bytes()))
}

#[inline]
pub fn non_zero<T: PartialEq + Default>(v: T) -> Option<T> {
    (v != T::default()).then_some(v)
}

/// Delta: each non-null value minus the previous non-null value (first one as is).
pub fn delta_encode(ids: &[Option<u32>]) -> Vec<Option<u32>> {
    let mut prev = 0u32;
    ids.iter()
        .map(|id| {
            id.map(|id| {
                let d = id.wrapping_sub(prev);
                prev = id;
                d
            })
        })
        .collect()
}

/// Ids 0,1,2,... for the rows that need one (null elsewhere), checked against a u16/u32 space.
pub fn assign_ids(needs: impl Iterator<Item = bool>, max: u64, table: &str) -> Result<Vec<Option<u32>>, OtapError> {
    let mut next: u64 = 0;
    let ids: Vec<Option<u32>> = needs
        .map(|need| {
            need.then(|| {
                let id = next;
                next += 1;
                id as u32
            })
        })
        .collect();
    if next > max + 1 {
        return Err(OtapError::limit_exceeded(format!("more than {} rows with ids in one batch; split the batch", max + 1))
            .in_table(table)
            .in_column("id"));
    }
    Ok(ids)
}

/// Quasi-delta: a parent is the difference from the previous row's parent when `same(i)`
/// says row i has the same equality key as row i-1, else as is.
pub fn quasi_delta_encode(parents: &[u32], mut same: impl FnMut(usize) -> bool) -> Vec<u32> {
    (0..parents.len())
        .map(|i| if i > 0 && same(i) { parents[i].wrapping_sub(parents[i - 1]) } else { parents[i] })
        .collect()
}

/// Numbers first, then NaN, then -0: the order stays total, and -0 never sits next to +0, a
/// pair that Go's delta rule (IEEE ==) calls equal and the Rust engine's (total order) not.
#[inline]
fn double_rank(x: f64) -> u8 {
    if x.is_nan() {
        1
    } else if x == 0.0 && x.is_sign_negative() {
        2
    } else {
        0
    }
}

#[inline]
fn cmp_f64(a: f64, b: f64) -> Ordering {
    double_rank(a).cmp(&double_rank(b)).then_with(|| a.partial_cmp(&b).unwrap_or(Ordering::Equal))
}

/// Order of two values of the same type (maps/slices/empty compare equal).
pub fn compare_scalar(a: &AnyValue<'_>, b: &AnyValue<'_>) -> Ordering {
    match (a, b) {
        (AnyValue::Str(x), AnyValue::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        (AnyValue::Int(x), AnyValue::Int(y)) => x.cmp(y),
        (AnyValue::Double(x), AnyValue::Double(y)) => cmp_f64(*x, *y),
        (AnyValue::Bool(x), AnyValue::Bool(y)) => x.cmp(y),
        (AnyValue::Bytes(x), AnyValue::Bytes(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// Go's attribute equality: same type and equal scalar (doubles by IEEE ==); maps, slices
/// and empty values are never equal.
pub fn scalar_equal(a: &AnyValue<'_>, b: &AnyValue<'_>) -> bool {
    match (a, b) {
        (AnyValue::Str(x), AnyValue::Str(y)) => x == y,
        (AnyValue::Int(x), AnyValue::Int(y)) => x == y,
        (AnyValue::Double(x), AnyValue::Double(y)) => x == y,
        (AnyValue::Bool(x), AnyValue::Bool(y)) => x == y,
        (AnyValue::Bytes(x), AnyValue::Bytes(y)) => x == y,
        _ => false,
    }
}

/// Whether an encoder may write a parent id as a delta from the previous row's: both
/// references must call the values equal (Go: IEEE ==, the Rust engine: total order), so
/// doubles need equal bits and no NaN.
pub fn delta_equal(a: &AnyValue<'_>, b: &AnyValue<'_>) -> bool {
    match (a, b) {
        (AnyValue::Double(x), AnyValue::Double(y)) => x == y && x.to_bits() == y.to_bits(),
        _ => scalar_equal(a, b),
    }
}

/// The six value columns of an AnyValue (attribute tables and the log body). A column is
/// materialised from its first value on (earlier rows null), so a table whose values are all
/// strings fills one column instead of six; a column that never gets a value is left unset,
/// which the table encoder writes as all null, as it would the column of nulls.
pub struct ValueColumns<'a> {
    rows: usize,
    capacity: usize,
    str: Option<Vec<Option<Cow<'a, [u8]>>>>,
    int: Option<Vec<Option<i64>>>,
    double: Option<Vec<Option<f64>>>,
    bool: Option<Vec<Option<bool>>>,
    bytes: Option<Vec<Option<Cow<'a, [u8]>>>>,
    ser: Option<Vec<Option<Cow<'a, [u8]>>>>,
    /// Write an empty byte string as null (the log body, as Go does).
    empty_bytes_null: bool,
}

/// One row's value for [`ValueColumns::push_value`]: the column it goes to (str, int,
/// double, bool, bytes, ser), or none.
pub enum ValueCell<'a> {
    Str(Cow<'a, [u8]>),
    Int(i64),
    Double(f64),
    Bool(bool),
    Bytes(Cow<'a, [u8]>),
    /// CBOR of a map or array.
    Ser(Cow<'a, [u8]>),
    Null,
}

/// Sets row `rows` of `col` to `v`; the rows before it that got no value become nulls then,
/// and trailing ones in `set_into`. Attribute rows come sorted by type, so a column's values
/// arrive in one run and a row of another type costs nothing here.
#[inline]
fn push_cell<T: Clone>(col: &mut Option<Vec<Option<T>>>, v: T, rows: usize, capacity: usize) {
    let c = col.get_or_insert_with(|| Vec::with_capacity(capacity.max(rows + 1)));
    if c.len() < rows {
        c.resize(rows, None);
    }
    c.push(Some(v));
}

impl<'a> ValueColumns<'a> {
    /// Value columns of an attribute table.
    pub fn with_capacity(n: usize) -> Self {
        Self::new(n, false)
    }

    /// Value columns of the log body.
    pub fn for_body(n: usize) -> Self {
        Self::new(n, true)
    }

    fn new(capacity: usize, empty_bytes_null: bool) -> Self {
        ValueColumns { rows: 0, capacity, empty_bytes_null, str: None, int: None, double: None, bool: None, bytes: None, ser: None }
    }

    /// Appends one row: the value in the column of its type, nulls elsewhere.
    pub fn push(&mut self, v: &AnyValue<'a>) -> Result<(), OtapError> {
        self.push_value(match *v {
            AnyValue::Str(x) => ValueCell::Str(Cow::Borrowed(x.as_bytes())),
            AnyValue::Int(x) => ValueCell::Int(x),
            AnyValue::Double(x) => ValueCell::Double(x),
            AnyValue::Bool(x) => ValueCell::Bool(x),
            // In attribute tables never null (Go writes null for an empty byte string): the Rust
            // engine ends a delta run at a null cell where Go compares it as empty; a non-null ""
            // reads the same in both. The log body has no delta run and keeps Go's null.
            AnyValue::Bytes(x) if self.empty_bytes_null && x.is_empty() => ValueCell::Null,
            AnyValue::Bytes(x) => ValueCell::Bytes(Cow::Borrowed(x)),
            AnyValue::Array(_) | AnyValue::KvList(_) => ValueCell::Ser(Cow::Owned(to_cbor(v)?)),
            AnyValue::Empty => ValueCell::Null,
        });
        Ok(())
    }

    /// Appends a row with no value (null in every column).
    #[inline]
    pub fn push_null_row(&mut self) {
        self.rows += 1;
    }

    /// Appends one row holding `v`. Only the column of its type is touched (building all six
    /// cells of a row cost about 300 instructions).
    #[inline]
    pub fn push_value(&mut self, v: ValueCell<'a>) {
        let (rows, cap) = (self.rows, self.capacity);
        match v {
            ValueCell::Str(x) => push_cell(&mut self.str, x, rows, cap),
            ValueCell::Int(x) => push_cell(&mut self.int, x, rows, cap),
            ValueCell::Double(x) => push_cell(&mut self.double, x, rows, cap),
            ValueCell::Bool(x) => push_cell(&mut self.bool, x, rows, cap),
            ValueCell::Bytes(x) => push_cell(&mut self.bytes, x, rows, cap),
            ValueCell::Ser(x) => push_cell(&mut self.ser, x, rows, cap),
            ValueCell::Null => {}
        }
        self.rows += 1;
    }

    /// Sets the columns that got a value, each padded with nulls to the row count.
    pub fn set_into(self, t: &mut TableInput<'a>, paths: [&'static str; 6]) {
        fn padded<T: Clone>(mut col: Vec<Option<T>>, rows: usize) -> Vec<Option<T>> {
            col.resize(rows, None);
            col
        }
        let rows = self.rows;
        let leaves = [
            self.str.map(|c| Leaf::Bytes(padded(c, rows))),
            self.int.map(|c| Leaf::I64(padded(c, rows))),
            self.double.map(|c| Leaf::F64(padded(c, rows))),
            self.bool.map(|c| Leaf::Bool(padded(c, rows))),
            self.bytes.map(|c| Leaf::Bytes(padded(c, rows))),
            self.ser.map(|c| Leaf::Bytes(padded(c, rows))),
        ];
        for (path, leaf) in paths.into_iter().zip(leaves) {
            if let Some(leaf) = leaf {
                t.set(path, leaf);
            }
        }
    }
}

fn is_neg_zero(v: &AnyValue<'_>) -> bool {
    matches!(v, AnyValue::Double(x) if *x == 0.0 && x.is_sign_negative())
}

fn is_pos_zero(v: &AnyValue<'_>) -> bool {
    matches!(v, AnyValue::Double(x) if *x == 0.0 && x.is_sign_positive())
}

/// Moves the -0 double rows (sorted among themselves) to the front of the table, or to the
/// end when the front would put one right before a +0 row of the same key. Go's delta rule
/// calls -0 and +0 equal and the Rust engine's does not, so the two must never be neighbours
/// under one key; no decoder needs the rows sorted. Mirrors attributes.ts. Ranks move with
/// their rows; a table without a -0 rank (nearly all) is left as it is without a look at its rows.
fn place_negative_zeros(sorted: &mut AttributeOrder, attrs: &[KeyValue<'_>]) {
    let neg_rank: Vec<bool> = sorted.first.iter().map(|&r| is_neg_zero(&attrs[r as usize].value)).collect();
    if !neg_rank.contains(&true) {
        return;
    }
    let rows = sorted.order.iter().copied().zip(sorted.ranks.iter().copied());
    // (row, rank) pairs.
    type Placed = Vec<(u32, u32)>;
    let (neg, rest): (Placed, Placed) = rows.partition(|&(_, r)| neg_rank[r as usize]);
    let clash = |a: Option<&(u32, u32)>, b: Option<&(u32, u32)>| match (a, b) {
        (Some(&(a, _)), Some(&(b, _))) => {
            let (x, y) = (&attrs[a as usize], &attrs[b as usize]);
            x.key == y.key && (is_pos_zero(&x.value) || is_pos_zero(&y.value))
        }
        _ => false,
    };
    let front = !clash(neg.last(), rest.first()) || clash(rest.last(), neg.first());
    let placed = if front { neg.iter().chain(rest.iter()) } else { rest.iter().chain(neg.iter()) };
    (sorted.order, sorted.ranks) = placed.copied().unzip();
}

/// Rows of one attribute table, collected as (parent id, attribute).
#[derive(Default)]
pub struct AttributeRows<'a> {
    parents: Vec<u32>,
    attrs: Vec<KeyValue<'a>>,
    interned: bool,
}

impl<'a> AttributeRows<'a> {
    /// Rows whose equal strings are one slice (`Roots::interned_strings`).
    pub fn interned(interned: bool) -> Self {
        AttributeRows { interned, ..Default::default() }
    }

    /// Room for `n` more rows (a table's attribute count is known before its rows are added:
    /// growing by doubling copied every row about twice).
    pub fn reserve(&mut self, n: usize) {
        self.parents.reserve(n);
        self.attrs.reserve(n);
    }

    pub fn add(&mut self, parent: u32, attributes: &[KeyValue<'a>]) {
        for kv in attributes {
            self.parents.push(parent);
            self.attrs.push(*kv);
        }
    }

    pub fn len(&self) -> usize {
        self.attrs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty()
    }

    /// Rows sorted by (type, key, value, parent id), parent ids quasi-delta encoded.
    /// `wide` = u32 parent ids (else u16). What depends on a row's (type, key, value) is
    /// taken from its rank's first row: rows are read in table order, which is random
    /// access into `attrs` (a cache miss per row on large tables), while a batch has few
    /// ranks.
    pub fn to_input(&self, wide: bool) -> Result<TableInput<'a>, OtapError> {
        let n = self.attrs.len();
        let attrs = &self.attrs;
        let parents = &self.parents;
        let mut sorted = attribute_order(attrs, parents, self.interned);
        place_negative_zeros(&mut sorted, attrs);
        let AttributeOrder { order, ranks, first } = sorted;
        let reps: Vec<&KeyValue<'a>> = first.iter().map(|&r| &attrs[r as usize]).collect();
        // Rows of a rank are delta-equal unless their value never is (NaN, maps, arrays, empty).
        let delta_ok: Vec<bool> = reps.iter().map(|kv| delta_equal(&kv.value, &kv.value)).collect();
        // Values a rank does not pin down to the bit: maps and arrays (all one rank per type)
        // and NaNs (payloads); those rows write their own.
        let own_value: Vec<bool> = reps.iter().map(|kv| match kv.value {
            AnyValue::Array(_) | AnyValue::KvList(_) => true,
            AnyValue::Double(x) => x.is_nan(),
            _ => false,
        }).collect();
        let sorted_parents: Vec<u32> = order.iter().map(|&i| parents[i as usize]).collect();
        let encoded = quasi_delta_encode(&sorted_parents, |i| ranks[i] == ranks[i - 1] && delta_ok[ranks[i] as usize]);
        let mut t = TableInput::new(n);
        if wide {
            let mut distinct = sorted_parents.clone();
            distinct.sort_unstable();
            distinct.dedup();
            t.decoded_distinct.push(("parent_id", distinct.len()));
            t.set("parent_id", Leaf::U32(encoded.into_iter().map(Some).collect()));
        } else {
            t.set("parent_id", Leaf::U16(encoded.into_iter().map(|p| Some(p as u16)).collect()));
        }
        // Keys and string values go to the table encoder once per rank; the other value
        // columns row by row.
        let strs: Vec<Option<Cow<'a, [u8]>>> = reps
            .iter()
            .map(|kv| match kv.value {
                AnyValue::Str(s) => Some(Cow::Borrowed(s.as_bytes())),
                _ => None,
            })
            .collect();
        let types: Vec<Option<u8>> = ranks.iter().map(|&r| Some(reps[r as usize].value.type_code())).collect();
        let mut values = ValueColumns::with_capacity(n);
        if strs.iter().any(Option::is_none) {
            for (&i, &r) in order.iter().zip(&ranks) {
                let r = r as usize;
                if strs[r].is_some() {
                    values.push_null_row();
                } else {
                    values.push(if own_value[r] { &attrs[i as usize].value } else { &reps[r].value })?;
                }
            }
            values.set_into(&mut t, ["str", "int", "double", "bool", "bytes", "ser"]);
        }
        let keys = reps.iter().map(|kv| Some(Cow::Borrowed(kv.key.as_bytes()))).collect();
        t.set("key", Leaf::Ranked { values: keys, ranks: ranks.clone() });
        t.set("type", Leaf::U8(types));
        if strs.iter().any(Option::is_some) {
            t.set("str", Leaf::Ranked { values: strs, ranks });
        }
        Ok(t)
    }
}

// ---------------------------------------------------------------------------------------
// Resource / scope flattening

#[derive(Debug, Clone, Copy)]
pub struct RootRow {
    /// Index into `Flat::resources` (first-appearance order of distinct resources).
    pub res: u32,
    /// Index into `Flat::scopes` (first-appearance order of distinct scopes).
    pub scope: u32,
    /// Index into the request's items.
    pub item: u32,
}

pub struct Flat {
    pub rows: Vec<RootRow>,
    /// For each distinct resource: the index of its first ResourceGroup.
    pub resources: Vec<usize>,
    /// For each distinct scope: the index of its first ScopeGroup.
    pub scopes: Vec<usize>,
    /// Rank of each distinct resource / scope when ordered by key.
    pub resource_rank: Vec<u32>,
    pub scope_rank: Vec<u32>,
}

/// Equal resources (same attributes, dropped count and schema URL) and equal scopes are
/// merged, as the Go producer merges them. `keep` (in item order) leaves rows out while
/// resources and scopes are still numbered as for the whole request, so the kept rows come
/// out as the whole request's rows filtered afterwards would.
pub fn flatten<T>(roots: &Roots<'_, T>, keep: Option<&[bool]>) -> Flat {
    let mut resources = Vec::new();
    let mut scopes = Vec::new();
    let mut res_keys: Vec<String> = Vec::new();
    let mut scope_keys: Vec<String> = Vec::new();
    let mut res_index: HashMap<String, u32, FxBuild> = HashMap::default();
    let mut scope_index: HashMap<String, u32, FxBuild> = HashMap::default();
    let mut rows = Vec::with_capacity(roots.items.len());
    for (ri, rg) in roots.resources.iter().enumerate() {
        let attrs = &roots.resource_attrs[rg.attrs.range()];
        let rkey = memoized(&[b"resource", &rg.dropped.to_le_bytes(), rg.schema_url.as_bytes()], attrs, || {
            let mut key = attributes_key(attrs);
            let _ = write!(key, "|{}|{}", rg.dropped, rg.schema_url);
            key
        });
        let res = *res_index.entry(rkey.clone()).or_insert_with(|| {
            resources.push(ri);
            res_keys.push(rkey);
            (resources.len() - 1) as u32
        });
        for si in rg.scopes.range() {
            let sg = &roots.scopes[si];
            if sg.items.is_empty() {
                continue;
            }
            let attrs = &roots.scope_attrs[sg.attrs.range()];
            let parts: [&[u8]; 5] = [b"scope", sg.name.as_bytes(), sg.version.as_bytes(), &sg.dropped.to_le_bytes(), sg.schema_url.as_bytes()];
            let skey = memoized(&parts, attrs, || {
                let mut key = String::from("[");
                json_string(&mut key, sg.name);
                key.push(',');
                json_string(&mut key, sg.version);
                key.push(',');
                json_string(&mut key, &attributes_key(attrs));
                let _ = write!(key, ",{},", sg.dropped);
                json_string(&mut key, sg.schema_url);
                key.push(']');
                key
            });
            let scope = *scope_index.entry(skey.clone()).or_insert_with(|| {
                scopes.push(si);
                scope_keys.push(skey);
                (scopes.len() - 1) as u32
            });
            for item in sg.items.range() {
                if keep.is_none_or(|k| k[item]) {
                    rows.push(RootRow { res, scope, item: item as u32 });
                }
            }
        }
    }
    Flat { rows, resources, scopes, resource_rank: ranks(&res_keys), scope_rank: ranks(&scope_keys) }
}

fn ranks(keys: &[String]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    let mut rank = vec![0u32; keys.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r as u32;
    }
    rank
}

/// Fills `resource.*`, `scope.*` and the top-level `schema_url` (the scope's schema URL) for
/// sorted rows, and collects resource and scope attributes under their new ids.
pub fn write_resource_scope_columns<'a, T>(
    table: &str,
    roots: &Roots<'a, T>,
    flat: &Flat,
    rows: &[RootRow],
    t: &mut TableInput<'a>,
    resource_attrs: &mut AttributeRows<'a>,
    scope_attrs: &mut AttributeRows<'a>,
) -> Result<(), OtapError> {
    let n = rows.len();
    let mut res_ids = Vec::with_capacity(n);
    let mut scope_ids = Vec::with_capacity(n);
    let mut res_url = Vec::with_capacity(n);
    let mut res_dropped = Vec::with_capacity(n);
    let mut scope_name = Vec::with_capacity(n);
    let mut scope_version = Vec::with_capacity(n);
    let mut scope_dropped = Vec::with_capacity(n);
    let mut schema_url = Vec::with_capacity(n);
    let (mut res_id, mut scope_id): (i64, i64) = (-1, -1);
    let (mut prev_res, mut prev_scope) = (u32::MAX, u32::MAX);
    for row in rows {
        let rg = &roots.resources[flat.resources[row.res as usize]];
        let sg = &roots.scopes[flat.scopes[row.scope as usize]];
        // A new resource always starts a new scope id, even for a scope it shares with the
        // previous one: the Rust engine groups rows by scope id, so a scope id carried over
        // with a delta of 0 would put the rows under the previous resource.
        let new_resource = row.res != prev_res;
        if new_resource {
            res_id += 1;
            prev_res = row.res;
            resource_attrs.add(res_id as u32, &roots.resource_attrs[rg.attrs.range()]);
        }
        if new_resource || row.scope != prev_scope {
            scope_id += 1;
            prev_scope = row.scope;
            scope_attrs.add(scope_id as u32, &roots.scope_attrs[sg.attrs.range()]);
        }
        res_ids.push(Some(res_id as u32));
        scope_ids.push(Some(scope_id as u32));
        res_url.push(non_empty(rg.schema_url));
        res_dropped.push(non_zero(rg.dropped));
        scope_name.push(non_empty(sg.name));
        scope_version.push(non_empty(sg.version));
        scope_dropped.push(non_zero(sg.dropped));
        schema_url.push(non_empty(sg.schema_url));
    }
    if res_id > 0xffff || scope_id > 0xffff {
        return Err(OtapError::limit_exceeded("more than 65536 distinct resources or scopes in one batch; split the batch")
            .in_table(table));
    }
    let to16 = |v: Vec<Option<u32>>| Leaf::U16(delta_encode(&v).into_iter().map(|x| x.map(|x| x as u16)).collect());
    t.set("resource.id", to16(res_ids));
    t.set("resource.schema_url", Leaf::Bytes(res_url));
    t.set("resource.dropped_attributes_count", Leaf::U32(res_dropped));
    t.set("scope.id", to16(scope_ids));
    t.set("scope.name", Leaf::Bytes(scope_name));
    t.set("scope.version", Leaf::Bytes(scope_version));
    t.set("scope.dropped_attributes_count", Leaf::U32(scope_dropped));
    t.set("schema_url", Leaf::Bytes(schema_url));
    Ok(())
}

/// u32 ids as a u16 delta-encoded column.
pub fn delta_u16(ids: &[Option<u32>]) -> Leaf<'static> {
    Leaf::U16(delta_encode(ids).into_iter().map(|x| x.map(|x| x as u16)).collect())
}

pub fn delta_u32(ids: &[Option<u32>]) -> Leaf<'static> {
    Leaf::U32(delta_encode(ids))
}

// ---------------------------------------------------------------------------------------
// Identity keys (src/otap/common/value-compare.ts attributesKey / valueKey)

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    // Most keys and values need no escape: copy them whole.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn js_number(out: &mut String, d: f64) {
    if d == 0.0 && d.is_sign_negative() {
        out.push_str("-0");
    } else if d.is_nan() {
        out.push_str("NaN");
    } else if d.is_infinite() {
        out.push_str(if d > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        let _ = write!(out, "{d}");
    }
}

fn value_key(out: &mut String, v: &AnyValue<'_>) {
    value_key_at(out, v, 0)
}

/// Beyond the CBOR depth limit a nested value is keyed by its raw bytes: the recursion stays
/// bounded (the value itself is refused when it is CBOR-encoded).
fn value_key_at(out: &mut String, v: &AnyValue<'_>, depth: usize) {
    if depth >= CBOR_MAX_DEPTH {
        if let AnyValue::Array(raw) | AnyValue::KvList(raw) = *v {
            out.push('#');
            for x in raw {
                let _ = write!(out, "{x:02x}");
            }
            return;
        }
    }
    match *v {
        AnyValue::Empty => out.push('_'),
        AnyValue::Str(s) => {
            out.push('s');
            json_string(out, s);
        }
        AnyValue::Int(i) => {
            let _ = write!(out, "i{i}");
        }
        AnyValue::Double(d) => {
            out.push('d');
            js_number(out, d);
        }
        AnyValue::Bool(b) => out.push(if b { 'T' } else { 'F' }),
        AnyValue::Bytes(b) => {
            out.push('b');
            for x in b {
                let _ = write!(out, "{x:02x}");
            }
        }
        AnyValue::Array(raw) => {
            out.push('[');
            let mut first = true;
            let _ = array_values(raw, |item| {
                if !first {
                    out.push(',');
                }
                first = false;
                value_key_at(out, &item, depth + 1);
                Ok(())
            });
            out.push(']');
        }
        AnyValue::KvList(raw) => {
            out.push('{');
            let mut first = true;
            let _ = kvlist_entries(raw, |kv| {
                if !first {
                    out.push(',');
                }
                first = false;
                json_string(out, kv.key);
                out.push(':');
                value_key_at(out, &kv.value, depth + 1);
                Ok(())
            });
            out.push('}');
        }
    }
}

/// Attribute list identity, insensitive to order.
pub fn attributes_key(attrs: &[KeyValue<'_>]) -> String {
    // Every `"key"=value` part rendered into one buffer, then joined in sorted order.
    let mut rendered = String::new();
    let mut parts: Vec<(usize, usize)> = Vec::with_capacity(attrs.len());
    for kv in attrs {
        let start = rendered.len();
        json_string(&mut rendered, kv.key);
        rendered.push('=');
        value_key(&mut rendered, &kv.value);
        parts.push((start, rendered.len()));
    }
    parts.sort_unstable_by(|a, b| rendered[a.0..a.1].cmp(&rendered[b.0..b.1]));
    let mut key = String::with_capacity(rendered.len() + parts.len());
    for (i, &(start, end)) in parts.iter().enumerate() {
        if i > 0 {
            key.push(',');
        }
        key.push_str(&rendered[start..end]);
    }
    key
}
