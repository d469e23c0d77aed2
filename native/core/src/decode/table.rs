//! Read access to one received OTAP record batch by column path, whatever variant the sender
//! chose (the Rust side of `src/otap/decode/table-view.ts`): plain or dictionary-encoded
//! columns (any key width), optional columns absent, struct rows null (a struct's nulls are
//! folded into its children). Every malformed cell is INVALID_PAYLOAD naming the table and
//! the column path. Values borrow from the record batch (strings and bytes are not copied).

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, RecordBatch, StructArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Field, TimeUnit};

use crate::error::OtapError;

pub type Res<T> = Result<T, OtapError>;

/// Per-row validity: None when every row is valid (no nulls in the column or its parents),
/// so the common case allocates nothing.
pub type Validity = Option<Vec<bool>>;

fn row_valid(valid: &Validity, i: usize) -> bool {
    valid.as_ref().is_none_or(|v| v.get(i).copied().unwrap_or(false))
}

/// A column found by path: the array, its field and per-row validity with the parents' folded in.
pub struct Found<'a> {
    pub array: &'a dyn Array,
    pub field: &'a Field,
    pub valid: Validity,
}

pub struct TableView<'a> {
    pub table: String,
    pub batch: &'a RecordBatch,
    pub len: usize,
}

/// Own validity of `a`, and-ed with `parent` when given; None when every row is valid.
fn valid_list(a: &dyn Array, parent: Option<&[bool]>) -> Validity {
    let n = a.len();
    let nulls = a.nulls().filter(|b| b.null_count() > 0);
    match (nulls, parent) {
        (None, None) => None,
        (Some(b), None) => Some(b.iter().collect()),
        _ => Some(
            (0..n)
                .map(|i| {
                    let own = nulls.is_none_or(|b| b.is_valid(i));
                    own && parent.is_none_or(|p| p.get(i).copied().unwrap_or(false))
                })
                .collect(),
        ),
    }
}

fn describe(t: &DataType) -> String {
    match t {
        DataType::Int8 => "int8".into(),
        DataType::Int16 => "int16".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::UInt8 => "uint8".into(),
        DataType::UInt16 => "uint16".into(),
        DataType::UInt32 => "uint32".into(),
        DataType::UInt64 => "uint64".into(),
        DataType::Float64 => "float64".into(),
        DataType::Boolean => "bool".into(),
        DataType::Utf8 => "utf8".into(),
        DataType::Binary => "binary".into(),
        DataType::FixedSizeBinary(_) => "fixedSizeBinary".into(),
        DataType::Timestamp(..) => "timestamp".into(),
        DataType::Duration(_) => "duration".into(),
        DataType::Struct(_) => "struct".into(),
        DataType::List(_) => "list".into(),
        DataType::Dictionary(_, v) => describe(v),
        other => other.to_string(),
    }
}

/// Which elements of an array a column read takes, one per output row.
#[derive(Clone, Copy)]
pub enum Rows<'r> {
    /// Element i for row i, every row valid (neither the column nor a parent has nulls).
    All,
    /// Element i for row i where valid (the column's own nulls are folded in).
    Valid(&'r [bool]),
    /// Element k for a row of key Some(k) (a dictionary's values; k < len, checked by the
    /// caller), None for a null row; an element null in the values reads as None.
    Keys(&'r [Option<usize>]),
}

/// Reads the rows `rows` selects through `get(element)`; `nulls` are the array's own.
fn gather_rows<T>(rows: Rows<'_>, len: usize, nulls: Option<&NullBuffer>, get: impl Fn(usize) -> T) -> Vec<Option<T>> {
    match rows {
        Rows::All => (0..len).map(|i| Some(get(i))).collect(),
        Rows::Valid(v) => v.iter().enumerate().map(|(i, &ok)| ok.then(|| get(i))).collect(),
        Rows::Keys(keys) => {
            let nulls = nulls.filter(|b| b.null_count() > 0);
            keys.iter().map(|k| k.filter(|&k| nulls.is_none_or(|b| b.is_valid(k))).map(&get)).collect()
        }
    }
}

/// One class of values a column can be read as (TS: number/bigint/bool/string/bytes).
pub trait Class<'a>: Sized + Copy {
    const NAME: &'static str;
    fn accepts(t: &DataType) -> bool;
    /// The selected elements of a plain (non-dictionary) array of an accepted type; None for
    /// an array of another type.
    fn gather(a: &'a dyn Array, rows: Rows<'_>) -> Option<Vec<Option<Self>>>;
}

macro_rules! prim {
    ($a:expr, $rows:expr, $t:ty, $conv:expr) => {{
        let p = $a.as_primitive::<$t>();
        let conv = $conv;
        let values = p.values();
        match $rows {
            // No null: one pass over the values the compiler can vectorise.
            Rows::All => Some(values.iter().map(|&v| Some(conv(v))).collect()),
            rows => Some(gather_rows(rows, values.len(), p.nulls(), |i| conv(values[i]))),
        }
    }};
}

fn small_int(t: &DataType) -> bool {
    matches!(t, DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 | DataType::UInt32)
}

/// TS "number" read as an integer: ints up to 32 bits (and float64, truncated).
impl<'a> Class<'a> for i64 {
    const NAME: &'static str = "number";
    fn accepts(t: &DataType) -> bool {
        small_int(t) || *t == DataType::Float64
    }
    fn gather(a: &'a dyn Array, rows: Rows<'_>) -> Option<Vec<Option<i64>>> {
        match a.data_type() {
            DataType::Int8 => prim!(a, rows, Int8Type, i64::from),
            DataType::Int16 => prim!(a, rows, Int16Type, i64::from),
            DataType::Int32 => prim!(a, rows, Int32Type, i64::from),
            DataType::UInt8 => prim!(a, rows, UInt8Type, i64::from),
            DataType::UInt16 => prim!(a, rows, UInt16Type, i64::from),
            DataType::UInt32 => prim!(a, rows, UInt32Type, i64::from),
            DataType::Float64 => prim!(a, rows, Float64Type, |v: f64| v as i64),
            _ => None,
        }
    }
}

/// TS "number" read as a double: float64 (and ints up to 32 bits).
impl<'a> Class<'a> for f64 {
    const NAME: &'static str = "number";
    fn accepts(t: &DataType) -> bool {
        small_int(t) || *t == DataType::Float64
    }
    fn gather(a: &'a dyn Array, rows: Rows<'_>) -> Option<Vec<Option<f64>>> {
        match a.data_type() {
            DataType::Int8 => prim!(a, rows, Int8Type, f64::from),
            DataType::Int16 => prim!(a, rows, Int16Type, f64::from),
            DataType::Int32 => prim!(a, rows, Int32Type, f64::from),
            DataType::UInt8 => prim!(a, rows, UInt8Type, f64::from),
            DataType::UInt16 => prim!(a, rows, UInt16Type, f64::from),
            DataType::UInt32 => prim!(a, rows, UInt32Type, f64::from),
            DataType::Float64 => prim!(a, rows, Float64Type, |v: f64| v),
            _ => None,
        }
    }
}

/// TS "bigint": 64-bit ints, timestamps (as unsigned), durations; the 64-bit pattern.
impl<'a> Class<'a> for u64 {
    const NAME: &'static str = "bigint";
    fn accepts(t: &DataType) -> bool {
        matches!(t, DataType::Int64 | DataType::UInt64 | DataType::Timestamp(..) | DataType::Duration(_))
    }
    fn gather(a: &'a dyn Array, rows: Rows<'_>) -> Option<Vec<Option<u64>>> {
        let bits = |v: i64| v as u64;
        match a.data_type() {
            DataType::Int64 => prim!(a, rows, Int64Type, bits),
            DataType::UInt64 => prim!(a, rows, UInt64Type, |v: u64| v),
            DataType::Timestamp(TimeUnit::Second, _) => prim!(a, rows, TimestampSecondType, bits),
            DataType::Timestamp(TimeUnit::Millisecond, _) => prim!(a, rows, TimestampMillisecondType, bits),
            DataType::Timestamp(TimeUnit::Microsecond, _) => prim!(a, rows, TimestampMicrosecondType, bits),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => prim!(a, rows, TimestampNanosecondType, bits),
            DataType::Duration(TimeUnit::Second) => prim!(a, rows, DurationSecondType, bits),
            DataType::Duration(TimeUnit::Millisecond) => prim!(a, rows, DurationMillisecondType, bits),
            DataType::Duration(TimeUnit::Microsecond) => prim!(a, rows, DurationMicrosecondType, bits),
            DataType::Duration(TimeUnit::Nanosecond) => prim!(a, rows, DurationNanosecondType, bits),
            _ => None,
        }
    }
}

impl<'a> Class<'a> for bool {
    const NAME: &'static str = "bool";
    fn accepts(t: &DataType) -> bool {
        *t == DataType::Boolean
    }
    fn gather(a: &'a dyn Array, rows: Rows<'_>) -> Option<Vec<Option<bool>>> {
        let b = a.as_boolean_opt()?;
        Some(gather_rows(rows, b.len(), b.nulls(), |i| b.value(i)))
    }
}

impl<'a> Class<'a> for &'a str {
    const NAME: &'static str = "string";
    fn accepts(t: &DataType) -> bool {
        *t == DataType::Utf8
    }
    fn gather(a: &'a dyn Array, rows: Rows<'_>) -> Option<Vec<Option<&'a str>>> {
        let s = a.as_string_opt::<i32>()?;
        Some(gather_rows(rows, s.len(), s.nulls(), |i| s.value(i)))
    }
}

impl<'a> Class<'a> for &'a [u8] {
    const NAME: &'static str = "bytes";
    fn accepts(t: &DataType) -> bool {
        matches!(t, DataType::Binary | DataType::FixedSizeBinary(_))
    }
    fn gather(a: &'a dyn Array, rows: Rows<'_>) -> Option<Vec<Option<&'a [u8]>>> {
        if let Some(b) = a.as_binary_opt::<i32>() {
            return Some(gather_rows(rows, b.len(), b.nulls(), |i| b.value(i)));
        }
        let b = a.as_fixed_size_binary_opt()?;
        Some(gather_rows(rows, b.len(), b.nulls(), |i| b.value(i)))
    }
}

/// Dictionary keys of any integer width as i64 (u64 keys above i64::MAX become -1: out of range).
fn key_at(keys: &dyn Array) -> Option<Box<dyn Fn(usize) -> i64 + '_>> {
    macro_rules! k {
        ($t:ty) => {{
            let p = keys.as_primitive::<$t>().values();
            Some(Box::new(move |i: usize| p.get(i).map_or(-1, |&v| i64::try_from(v).unwrap_or(-1))))
        }};
    }
    match keys.data_type() {
        DataType::Int8 => k!(Int8Type),
        DataType::Int16 => k!(Int16Type),
        DataType::Int32 => k!(Int32Type),
        DataType::Int64 => k!(Int64Type),
        DataType::UInt8 => k!(UInt8Type),
        DataType::UInt16 => k!(UInt16Type),
        DataType::UInt32 => k!(UInt32Type),
        DataType::UInt64 => k!(UInt64Type),
        _ => None,
    }
}

impl<'a> TableView<'a> {
    pub fn new(table: impl Into<String>, batch: &'a RecordBatch) -> Self {
        TableView { table: table.into(), batch, len: batch.num_rows() }
    }

    pub fn error(&self, column: &str, message: impl Into<String>) -> OtapError {
        OtapError::new("INVALID_PAYLOAD", message).in_table(self.table.clone()).in_column(column)
    }

    /// Finds a column by dotted path through structs; `valid` folds in the parents' nulls.
    pub fn find(&self, path: &str) -> Res<Option<Found<'a>>> {
        let batch: &'a RecordBatch = self.batch;
        let mut fields: &'a [std::sync::Arc<Field>] = batch.schema_ref().fields();
        let mut arrays: &'a [arrow_array::ArrayRef] = batch.columns();
        let mut valid: Option<Vec<bool>> = None;
        let mut parts = path.split('.').peekable();
        let mut p = 0usize;
        while let Some(part) = parts.next() {
            let Some(idx) = fields.iter().position(|f| f.name() == part) else { return Ok(None) };
            let field: &'a Field = &fields[idx];
            let Some(array) = arrays.get(idx) else { return Err(self.error(path, "column has no data")) };
            let array: &'a dyn Array = array.as_ref();
            if p == 0 && array.len() != self.len {
                return Err(self.error(path, format!("column has {} rows, batch has {}", array.len(), self.len)));
            }
            let v = valid_list(array, valid.as_deref());
            if parts.peek().is_none() {
                return Ok(Some(Found { array, field, valid: v }));
            }
            valid = v;
            let Some(s) = array.as_any().downcast_ref::<StructArray>() else { return Ok(None) };
            let DataType::Struct(children) = field.data_type() else { return Ok(None) };
            fields = children;
            arrays = s.columns();
            p += 1;
        }
        Ok(None)
    }

    pub fn has(&self, path: &str) -> bool {
        matches!(self.find(path), Ok(Some(_)))
    }

    pub fn field(&self, path: &str) -> Option<&'a Field> {
        self.find(path).ok().flatten().map(|f| f.field)
    }

    /// The `encoding` field metadata of a column (Rust senders write plain/delta/quasidelta).
    pub fn encoding(&self, path: &str) -> Option<&'a str> {
        self.field(path).and_then(|f| f.metadata().get("encoding")).map(|s| s.as_str())
    }

    /// A leaf column as values of class `T`, or None when the column is absent.
    pub fn get<T: Class<'a>>(&self, path: &str) -> Res<Option<Vec<Option<T>>>> {
        let Some(found) = self.find(path)? else { return Ok(None) };
        self.materialize::<T>(path, found.array, found.field.data_type(), &found.valid).map(Some)
    }

    pub fn ints(&self, path: &str) -> Res<Option<Vec<Option<i64>>>> {
        self.get::<i64>(path)
    }
    pub fn doubles(&self, path: &str) -> Res<Option<Vec<Option<f64>>>> {
        self.get::<f64>(path)
    }
    pub fn u64s(&self, path: &str) -> Res<Option<Vec<Option<u64>>>> {
        self.get::<u64>(path)
    }
    pub fn bools(&self, path: &str) -> Res<Option<Vec<Option<bool>>>> {
        self.get::<bool>(path)
    }
    pub fn strs(&self, path: &str) -> Res<Option<Vec<Option<&'a str>>>> {
        self.get::<&'a str>(path)
    }
    pub fn bytes(&self, path: &str) -> Res<Option<Vec<Option<&'a [u8]>>>> {
        self.get::<&'a [u8]>(path)
    }

    /// A required column: absent -> error.
    pub fn required<T>(&self, path: &str, values: Option<T>) -> Res<T> {
        values.ok_or_else(|| self.error(path, "required column is missing"))
    }

    /// Per-row validity of a struct column, or None when the struct is absent.
    pub fn struct_validity(&self, path: &str) -> Res<Option<Vec<bool>>> {
        let Some(found) = self.find(path)? else { return Ok(None) };
        if !matches!(found.field.data_type(), DataType::Struct(_)) {
            return Err(self.error(path, format!("expected a struct, found {}", describe(found.field.data_type()))));
        }
        Ok(Some(found.valid.unwrap_or_else(|| vec![true; found.array.len()])))
    }

    fn materialize<T: Class<'a>>(&self, path: &str, a: &'a dyn Array, declared: &DataType, valid: &Validity) -> Res<Vec<Option<T>>> {
        let value_type = match declared {
            DataType::Dictionary(_, v) => v.as_ref(),
            t => t,
        };
        if !T::accepts(value_type) {
            return Err(self.error(path, format!("unexpected column type {} (expected {})", describe(value_type), T::NAME)));
        }
        if let Some(dict) = a.as_any_dictionary_opt() {
            // Only the values the rows point at are read: a delta dictionary grows over a
            // stream, a batch uses a few of its entries.
            let values: &'a dyn Array = dict.values().as_ref();
            let key = key_at(dict.keys()).ok_or_else(|| self.error(path, "dictionary column without integer keys"))?;
            let mut picks = Vec::with_capacity(a.len());
            for i in 0..a.len() {
                if !row_valid(valid, i) {
                    picks.push(None);
                    continue;
                }
                let k = key(i);
                match usize::try_from(k) {
                    Ok(k) if k < values.len() => picks.push(Some(k)),
                    _ => {
                        return Err(self.error(
                            path,
                            format!("dictionary key {k} out of range (dictionary has {} values) at row {i}", values.len()),
                        ))
                    }
                }
            }
            return T::gather(values, Rows::Keys(&picks))
                .ok_or_else(|| self.error(path, format!("unexpected dictionary value type {}", describe(values.data_type()))));
        }
        let rows = match valid {
            None => Rows::All,
            Some(v) if v.len() == a.len() => Rows::Valid(v),
            Some(_) => return Err(self.error(path, "column data shorter than its rows")),
        };
        T::gather(a, rows).ok_or_else(|| self.error(path, format!("unexpected column type {} (expected {})", describe(a.data_type()), T::NAME)))
    }

    /// A list column: per row, None for a null row, else the item range into `items`.
    /// Items are read with their own validity (a null item is None).
    pub fn list<T: Class<'a>>(&self, path: &str) -> Res<Option<ListColumn<T>>> {
        let Some((rows, child, child_field)) = self.list_parts(path)? else { return Ok(None) };
        let child_valid = valid_list(child, None);
        let items = self.materialize::<T>(&format!("{path}.item"), child, child_field.data_type(), &child_valid)?;
        Ok(Some(ListColumn { rows, items }))
    }

    /// A list of structs: items are records with the named f64 children (absent child -> None).
    pub fn list_of_struct_f64(&self, path: &str, names: &[&str]) -> Res<Option<StructList>> {
        let Some((rows, child, child_field)) = self.list_parts(path)? else { return Ok(None) };
        let (Some(s), DataType::Struct(fields)) = (child.as_any().downcast_ref::<StructArray>(), child_field.data_type()) else {
            return Err(self.error(path, "expected a list of structs"));
        };
        let child_valid = valid_list(child, None);
        let mut cols = Vec::with_capacity(names.len());
        for name in names {
            match fields.iter().position(|f| f.name() == name) {
                Some(idx) => {
                    let a: &'a dyn Array = s.column(idx).as_ref();
                    let v = valid_list(a, child_valid.as_deref());
                    cols.push(self.materialize::<f64>(&format!("{path}.item.{name}"), a, fields[idx].data_type(), &v)?);
                }
                None => cols.push(vec![None; s.len()]),
            }
        }
        Ok(Some((rows, cols)))
    }

    #[allow(clippy::type_complexity)]
    fn list_parts(&self, path: &str) -> Res<Option<(Vec<Option<std::ops::Range<usize>>>, &'a dyn Array, &'a Field)>> {
        let Some(found) = self.find(path)? else { return Ok(None) };
        let (Some(list), DataType::List(child_field)) = (found.array.as_list_opt::<i32>(), found.field.data_type()) else {
            return Err(self.error(path, "expected a list column"));
        };
        let child: &'a dyn Array = list.values().as_ref();
        let offsets = list.value_offsets();
        let mut rows = Vec::with_capacity(list.len());
        for i in 0..list.len() {
            if !row_valid(&found.valid, i) {
                rows.push(None);
                continue;
            }
            let (start, end) = (offsets[i], offsets[i + 1]);
            let ok = start >= 0 && end >= start && (end as usize) <= child.len();
            if !ok {
                return Err(self.error(path, format!("list offsets {start}..{end} out of range")));
            }
            rows.push(Some(start as usize..end as usize));
        }
        Ok(Some((rows, child, child_field.as_ref())))
    }
}

/// Per row the item range (None: null row), and per requested child its item values.
pub type StructList = (Vec<Option<std::ops::Range<usize>>>, Vec<Vec<Option<f64>>>);

pub struct ListColumn<T> {
    pub rows: Vec<Option<std::ops::Range<usize>>>,
    pub items: Vec<Option<T>>,
}

impl<T: Copy> ListColumn<T> {
    /// Items of row `i` (null items -> `zero`); a null or absent row -> empty.
    pub fn row(&self, i: usize, zero: T) -> Vec<T> {
        match self.rows.get(i) {
            Some(Some(r)) => self.items[r.clone()].iter().map(|v| v.unwrap_or(zero)).collect(),
            _ => Vec::new(),
        }
    }
}
