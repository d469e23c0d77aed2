//! What the signal encoders hand to a [`super::table::TableEncoder`]: one typed column per
//! leaf path ("resource.id", "body.str"), list columns, and struct validity (the Rust
//! counterpart of src/otap/encode/table-input.ts).

use std::borrow::Cow;

/// Leaf values; `None` = null. Timestamps and durations are `I64`; utf8, binary and
/// fixed-size binary are `Bytes`.
pub enum Leaf<'a> {
    U8(Vec<Option<u8>>),
    U16(Vec<Option<u16>>),
    U32(Vec<Option<u32>>),
    U64(Vec<Option<u64>>),
    I32(Vec<Option<i32>>),
    I64(Vec<Option<i64>>),
    F64(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Bytes(Vec<Option<Cow<'a, [u8]>>>),
    /// Byte values given once per rank: row i holds `values[ranks[i]]`, and every value is
    /// some row's. Attribute tables' key and string columns repeat few values over many rows;
    /// a dictionary column then looks each value up once, not once per row.
    Ranked { values: Vec<Option<Cow<'a, [u8]>>>, ranks: Vec<u32> },
}

impl Leaf<'_> {
    /// Row count; crate-internal (the bindings never see a Leaf).
    pub(crate) fn len(&self) -> usize {
        match self {
            Leaf::U8(v) => v.len(),
            Leaf::U16(v) => v.len(),
            Leaf::U32(v) => v.len(),
            Leaf::U64(v) => v.len(),
            Leaf::I32(v) => v.len(),
            Leaf::I64(v) => v.len(),
            Leaf::F64(v) => v.len(),
            Leaf::Bool(v) => v.len(),
            Leaf::Bytes(v) => v.len(),
            Leaf::Ranked { ranks, .. } => ranks.len(),
        }
    }

    /// Whether any value makes an optional column appear.
    pub fn counts(&self, non_zero: bool) -> bool {
        fn any<T: Copy + PartialEq + Default>(v: &[Option<T>], non_zero: bool) -> bool {
            let zero = T::default();
            v.iter().any(|x| match x {
                None => false,
                Some(x) => !non_zero || *x != zero,
            })
        }
        match self {
            Leaf::U8(v) => any(v, non_zero),
            Leaf::U16(v) => any(v, non_zero),
            Leaf::U32(v) => any(v, non_zero),
            Leaf::U64(v) => any(v, non_zero),
            Leaf::I32(v) => any(v, non_zero),
            Leaf::I64(v) => any(v, non_zero),
            Leaf::F64(v) => any(v, non_zero),
            Leaf::Bool(v) => v.iter().any(|x| x.is_some()),
            Leaf::Bytes(v) => v.iter().any(|x| x.is_some()),
            Leaf::Ranked { values, .. } => values.iter().any(|x| x.is_some()),
        }
    }
}

/// Items of a list column (flat), addressed by each row's range.
pub enum ListItems<'a> {
    U64(&'a [u64]),
    F64(&'a [f64]),
    /// (quantile, value) pairs of summary points.
    Quantile(&'a [(f64, f64)]),
}

pub struct ListInput<'a> {
    /// Per row: `start..end` into `items`; `None` (or an empty range) is a null list.
    pub rows: Vec<Option<(u32, u32)>>,
    pub items: ListItems<'a>,
}

impl ListInput<'_> {
    pub fn any_non_empty(&self) -> bool {
        self.rows.iter().any(|r| matches!(r, Some((s, e)) if e > s))
    }
}

#[derive(Default)]
pub struct TableInput<'a> {
    pub len: usize,
    pub leaves: Vec<(&'static str, Leaf<'a>)>,
    pub lists: Vec<(&'static str, ListInput<'a>)>,
    /// Struct path -> per-row validity; a struct not listed is valid on every row.
    pub structs: Vec<(&'static str, Vec<bool>)>,
    /// Dictionary path -> distinct values a receiver holds in that column after undoing its
    /// transport encoding (absolute parent ids of a quasi-delta column). The key width never
    /// goes below what they need: the Rust engine restores absolute ids into the key width
    /// it received.
    pub decoded_distinct: Vec<(&'static str, usize)>,
}

impl<'a> TableInput<'a> {
    pub fn new(len: usize) -> Self {
        TableInput { len, ..Default::default() }
    }

    pub fn set(&mut self, path: &'static str, leaf: Leaf<'a>) {
        debug_assert_eq!(leaf.len(), self.len, "column {path}");
        self.leaves.push((path, leaf));
    }

    pub fn set_list(&mut self, path: &'static str, list: ListInput<'a>) {
        self.lists.push((path, list));
    }

    pub fn set_struct(&mut self, path: &'static str, valid: Vec<bool>) {
        self.structs.push((path, valid));
    }

    pub fn leaf(&self, path: &str) -> Option<&Leaf<'a>> {
        self.leaves.iter().find(|(p, _)| *p == path).map(|(_, l)| l)
    }

    pub fn list(&self, path: &str) -> Option<&ListInput<'a>> {
        self.lists.iter().find(|(p, _)| *p == path).map(|(_, l)| l)
    }

    pub fn struct_validity(&self, path: &str) -> Option<&[bool]> {
        self.structs.iter().find(|(p, _)| *p == path).map(|(_, v)| v.as_slice())
    }
}
