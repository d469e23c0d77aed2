//! Where an attribute table's quasi-delta runs go on: row i continues row i-1's run when
//! both have the same key and equal scalar values (`AttrColumns::same_run`'s rules: Go's,
//! null cells read as zero values and doubles compared with IEEE ==; a Rust sender's, a
//! null or absent cell ends a run and doubles compare by total order).
//!
//! Taking tables apart by parent id (a filter on held tables, a split, a re-encode of ids)
//! needs only this of an attribute table, for every row, so it is read straight from the
//! Arrow columns: dictionary cells compare by their keys first (equal keys, equal values),
//! no value is materialised per row. Columns of the types OTAP producers write take this
//! path; any other shape (and every malformed table, for its error message) takes
//! `AttrColumns`, as do callers that read the columns anyway (the decoder, the router).

use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt8Type};
use arrow_array::{Array, BinaryArray, BooleanArray, Float64Array, StringArray};
use arrow_schema::DataType;

use super::common::{AttrColumns, T_BOOL, T_BYTES, T_DOUBLE, T_INT, T_STR};
use super::table::{Res, TableView};

/// Per row i (row 0 is always false): whether row i continues row i-1's quasi-delta run.
pub fn run_continues(view: &TableView<'_>, rust_rules: bool) -> Res<Vec<bool>> {
    if let Some(runs) = fast_runs(view, rust_rules) {
        return Ok(runs);
    }
    let cols = AttrColumns::new(view)?;
    Ok((0..view.len).map(|i| i > 0 && cols.same_run(i - 1, i, rust_rules)).collect())
}

/// The values a column's cells point at: the column itself, or a dictionary's values.
enum Values<'a> {
    Str(&'a StringArray),
    Bytes(&'a BinaryArray),
    Int(&'a [i64]),
    Double(&'a Float64Array, bool),
    Bool(&'a BooleanArray),
}

impl Values<'_> {
    fn of(a: &dyn Array, total_order: bool) -> Option<Values<'_>> {
        Some(match a.data_type() {
            DataType::Utf8 => Values::Str(a.as_string::<i32>()),
            DataType::Binary => Values::Bytes(a.as_binary::<i32>()),
            DataType::Int64 => Values::Int(a.as_primitive::<Int64Type>().values()),
            DataType::Float64 => Values::Double(a.as_primitive(), total_order),
            DataType::Boolean => Values::Bool(a.as_boolean()),
            _ => return None,
        })
    }

    #[inline]
    fn equal(&self, x: usize, y: usize) -> bool {
        match self {
            Values::Str(s) => s.value(x) == s.value(y),
            Values::Bytes(b) => b.value(x) == b.value(y),
            Values::Int(v) => v[x] == v[y],
            Values::Double(d, total) => same_double(d.value(x), d.value(y), *total),
            Values::Bool(b) => b.value(x) == b.value(y),
        }
    }

    #[inline]
    fn is_zero(&self, x: usize) -> bool {
        match self {
            Values::Str(s) => s.value(x).is_empty(),
            Values::Bytes(b) => b.value(x).is_empty(),
            Values::Int(v) => v[x] == 0,
            Values::Double(d, total) => same_double(d.value(x), 0.0, *total),
            Values::Bool(b) => !b.value(x),
        }
    }
}

#[inline]
fn same_double(x: f64, y: f64, total_order: bool) -> bool {
    if total_order {
        (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
    } else {
        x == y
    }
}

/// A null cell in `Column::cells`.
const NULL: u32 = u32::MAX;

/// One column as rows read it: row i's cell is value `cells[i]` of `values` (a dictionary
/// key, or i for a plain column), NULL where the row or the value is null.
struct Column<'a> {
    cells: Vec<u32>,
    values: Values<'a>,
}

impl<'a> Column<'a> {
    /// `a` as a column of values of type `want` (plain, or a dictionary with integer keys),
    /// or None when this path cannot read it (another type, a key out of range, more rows
    /// than u32 numbers).
    fn new(a: &'a dyn Array, want: &DataType, total_order: bool) -> Option<Column<'a>> {
        let n = u32::try_from(a.len()).ok().filter(|&n| n < NULL)?;
        let (keys, values) = match a.as_any_dictionary_opt() {
            Some(dict) => (Some(dict.keys()), dict.values().as_ref()),
            None => (None, a),
        };
        if values.data_type() != want {
            return None;
        }
        let value_nulls = values.nulls().filter(|b| b.null_count() > 0);
        let cells = match keys {
            None => match value_nulls {
                None => (0..n).collect(),
                Some(nulls) => (0..n).map(|i| if nulls.is_null(i as usize) { NULL } else { i }).collect(),
            },
            Some(keys) => {
                let row_nulls = keys.nulls().filter(|b| b.null_count() > 0);
                let len = values.len();
                // Keys out of range (an error AttrColumns words) end this path.
                let cell = |i: usize, k: usize| -> Option<u32> {
                    Some(if row_nulls.is_some_and(|b| b.is_null(i)) || value_nulls.is_some_and(|b| k < len && b.is_null(k)) {
                        NULL
                    } else if k < len {
                        k as u32
                    } else {
                        return None;
                    })
                };
                macro_rules! cells {
                    ($t:ty) => {{
                        let keys = keys.as_primitive::<$t>().values();
                        // Every key in range (null rows' included, as they are in practice):
                        // a range check the compiler vectorises, then one copying pass.
                        if value_nulls.is_none() && !keys.iter().any(|&k| usize::try_from(k).map_or(true, |k| k >= len)) {
                            match row_nulls {
                                None => keys.iter().map(|&k| k as u32).collect(),
                                Some(nulls) => keys.iter().zip(nulls.iter()).map(|(&k, valid)| if valid { k as u32 } else { NULL }).collect(),
                            }
                        } else {
                            keys.iter().enumerate().map(|(i, &k)| cell(i, usize::try_from(k).unwrap_or(usize::MAX))).collect::<Option<Vec<u32>>>()?
                        }
                    }};
                }
                match keys.data_type() {
                    DataType::UInt8 => cells!(UInt8Type),
                    DataType::UInt16 => cells!(UInt16Type),
                    DataType::UInt32 => cells!(UInt32Type),
                    DataType::Int8 => cells!(Int8Type),
                    DataType::Int16 => cells!(Int16Type),
                    DataType::Int32 => cells!(Int32Type),
                    _ => return None,
                }
            }
        };
        Some(Column { cells, values: Values::of(values, total_order)? })
    }

    /// Whether rows i - 1 and i hold equal values, a null cell reading as the zero value.
    #[inline(always)]
    fn same_as_previous(&self, i: usize) -> bool {
        let (x, y) = (self.cells[i - 1], self.cells[i]);
        x == y
            || match (x, y) {
                (NULL, v) | (v, NULL) => self.values.is_zero(v as usize),
                _ => self.values.equal(x as usize, y as usize),
            }
    }

    #[inline(always)]
    fn valid(&self, i: usize) -> bool {
        self.cells[i] != NULL
    }
}

/// A top-level column (attribute tables are flat), None when absent.
fn column<'a>(view: &TableView<'a>, path: &str) -> Option<&'a dyn Array> {
    let batch: &'a arrow_array::RecordBatch = view.batch;
    batch.schema_ref().index_of(path).ok().map(|i| batch.column(i).as_ref())
}

fn fast_runs(view: &TableView<'_>, rust_rules: bool) -> Option<Vec<bool>> {
    let n = view.len;
    let key = column(view, "key").filter(|a| a.len() == n)?;
    let key = Column::new(key, &DataType::Utf8, false)?;
    if key.cells.contains(&NULL) {
        return None; // a null key is an error: AttrColumns says which row
    }
    let ty = column(view, "type").filter(|a| a.len() == n && a.data_type() == &DataType::UInt8)?;
    let ty_nulls = ty.nulls().filter(|b| b.null_count() > 0);
    let ty = ty.as_primitive::<UInt8Type>().values();
    // A null type is the empty value (as `AnyValueColumns::type_at` reads it).
    let type_at = |i: usize| if ty_nulls.is_some_and(|b| b.is_null(i)) { 0 } else { i64::from(ty[i]) };
    let value_columns = [("str", DataType::Utf8), ("int", DataType::Int64), ("double", DataType::Float64), ("bool", DataType::Boolean), ("bytes", DataType::Binary)];
    let mut by_type: [Option<Column<'_>>; 5] = Default::default();
    for (slot, (path, want)) in value_columns.iter().enumerate() {
        if let Some(a) = column(view, path) {
            if a.len() != n {
                return None;
            }
            by_type[slot] = Some(Column::new(a, want, rust_rules)?);
        }
    }
    let slot_of = |t: i64| match t {
        T_STR => Some(0),
        T_INT => Some(1),
        T_DOUBLE => Some(2),
        T_BOOL => Some(3),
        T_BYTES => Some(4),
        _ => None,
    };
    let mut out = vec![false; n];
    for (i, continues) in out.iter_mut().enumerate().skip(1) {
        let t = type_at(i);
        let same_value = t == type_at(i - 1)
            && match slot_of(t).map(|s| &by_type[s]) {
                // Maps, arrays and empty values never continue a run.
                None => false,
                // An absent column: every cell reads as the zero value (Go), or is not present (Rust).
                Some(None) => !rust_rules,
                Some(Some(c)) => (!rust_rules || (c.valid(i - 1) && c.valid(i))) && c.same_as_previous(i),
            };
        *continues = same_value && key.same_as_previous(i);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::types::{UInt16Type, UInt8Type};
    use arrow_array::{ArrayRef, BinaryArray, BooleanArray, DictionaryArray, FixedSizeBinaryArray, Float64Array, Int64Array, RecordBatch, StringArray, UInt64Array, UInt8Array};

    use super::{fast_runs, run_continues, AttrColumns, TableView};

    /// xorshift: a fixed sequence, so a failure reproduces.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
        fn chance(&mut self, pct: u64) -> bool {
            self.next(100) < pct
        }
    }

    /// A column of `vals` (None = null), plain or as a dictionary with u8 or u16 keys whose
    /// values hold duplicates and a null, so equal values can sit behind different keys.
    fn strings(rng: &mut Rng, vals: &[Option<&str>]) -> ArrayRef {
        match rng.next(3) {
            0 => Arc::new(StringArray::from(vals.to_vec())),
            shape => {
                let mut dict: Vec<Option<&str>> = vec![None];
                let keys: Vec<Option<u16>> = vals
                    .iter()
                    .map(|v| {
                        if v.is_none() && rng.chance(50) {
                            return None; // a null key (the other half point at the null value)
                        }
                        let existing = dict.iter().position(|d| d == v).filter(|_| rng.chance(70));
                        Some(existing.unwrap_or_else(|| {
                            dict.push(*v);
                            dict.len() - 1
                        }) as u16)
                    })
                    .collect();
                let values: ArrayRef = Arc::new(StringArray::from(dict));
                if shape == 1 && keys.iter().flatten().all(|&k| k < 256) {
                    let k: Vec<Option<u8>> = keys.iter().map(|k| k.map(|k| k as u8)).collect();
                    Arc::new(DictionaryArray::<UInt8Type>::try_new(k.into(), values).unwrap())
                } else {
                    Arc::new(DictionaryArray::<UInt16Type>::try_new(keys.into(), values).unwrap())
                }
            }
        }
    }

    fn table(rng: &mut Rng, odd_shapes: bool) -> RecordBatch {
        let n = 1 + rng.next(40) as usize;
        let pool = ["a", "b", "", "ccc"];
        let keys: Vec<Option<&str>> = (0..n).map(|_| Some(pool[rng.next(2) as usize])).collect();
        let types: Vec<Option<u8>> = (0..n).map(|_| if rng.chance(5) { None } else { Some([0, 1, 2, 3, 4, 5, 6, 7][rng.next(8) as usize]) }).collect();
        let cell = |rng: &mut Rng| rng.chance(80);
        let strs: Vec<Option<&str>> = (0..n).map(|_| cell(rng).then(|| pool[rng.next(4) as usize])).collect();
        let ints: Vec<Option<i64>> = (0..n).map(|_| cell(rng).then(|| rng.next(3) as i64)).collect();
        let dbls: Vec<Option<f64>> = (0..n).map(|_| cell(rng).then(|| [0.0, -0.0, f64::NAN, 1.5][rng.next(4) as usize])).collect();
        let bools: Vec<Option<bool>> = (0..n).map(|_| cell(rng).then(|| rng.chance(50))).collect();
        let bytes: Vec<Option<&[u8]>> = (0..n).map(|_| cell(rng).then(|| [&b""[..], b"x", b"yy"][rng.next(3) as usize])).collect();
        let mut cols: Vec<(&str, ArrayRef)> = vec![("key", strings(rng, &keys)), ("type", Arc::new(UInt8Array::from(types)))];
        if rng.chance(80) {
            cols.push(("str", strings(rng, &strs)));
        }
        if rng.chance(80) {
            let a: ArrayRef = if odd_shapes && rng.chance(50) { Arc::new(UInt64Array::from(ints.iter().map(|v| v.map(|v| v as u64)).collect::<Vec<_>>())) } else { Arc::new(Int64Array::from(ints)) };
            cols.push(("int", a));
        }
        if rng.chance(80) {
            cols.push(("double", Arc::new(Float64Array::from(dbls))));
        }
        if rng.chance(80) {
            cols.push(("bool", Arc::new(BooleanArray::from(bools))));
        }
        if rng.chance(80) {
            let a: ArrayRef = if odd_shapes && rng.chance(50) {
                Arc::new(FixedSizeBinaryArray::try_from_sparse_iter_with_size(bytes.iter().map(|b| b.map(|_| [7u8, 7])), 2).unwrap())
            } else {
                Arc::new(BinaryArray::from(bytes))
            };
            cols.push(("bytes", a));
        }
        RecordBatch::try_from_iter(cols).unwrap()
    }

    fn slow(view: &TableView<'_>, rust_rules: bool) -> Vec<bool> {
        let cols = AttrColumns::new(view).unwrap();
        (0..view.len).map(|i| i > 0 && cols.same_run(i - 1, i, rust_rules)).collect()
    }

    #[test]
    fn runs_read_from_the_columns_match_attr_columns() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut fast_taken = 0;
        for case in 0..3000 {
            let batch = table(&mut rng, case % 4 == 0);
            let view = TableView::new("LOG_ATTRS", &batch);
            for rust_rules in [false, true] {
                fast_taken += usize::from(fast_runs(&view, rust_rules).is_some());
                assert_eq!(run_continues(&view, rust_rules).unwrap(), slow(&view, rust_rules), "case {case}, rust rules {rust_rules}: {batch:?}");
            }
        }
        assert!(fast_taken > 4000, "the column path read only {fast_taken} of 6000 tables");
    }

    #[test]
    fn malformed_tables_get_attr_columns_errors() {
        let null_key = RecordBatch::try_from_iter([("key", Arc::new(StringArray::from(vec![Some("a"), None])) as ArrayRef), ("type", Arc::new(UInt8Array::from(vec![1, 1])) as ArrayRef)]).unwrap();
        let e = run_continues(&TableView::new("LOG_ATTRS", &null_key), false).unwrap_err();
        assert!(e.to_string().contains("null key"), "{e}");
        let no_type = RecordBatch::try_from_iter([("key", Arc::new(StringArray::from(vec!["a"])) as ArrayRef)]).unwrap();
        let e = run_continues(&TableView::new("LOG_ATTRS", &no_type), false).unwrap_err();
        assert!(e.to_string().contains("type"), "{e}");
    }
}
