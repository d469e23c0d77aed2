//! Delta dictionaries of an incoming IPC stream, appended in place. arrow-ipc's reader
//! concatenates each delta onto a copy of the whole dictionary, so a long stream pays for
//! everything it has seen with every batch (a 512-log batch late in a 400-batch stream took
//! 2.5x its early cost). Here a dictionary that receives deltas lives in append-only stores:
//! a delta costs its own size, and each batch's dictionary is a view over the same memory as
//! the last, which the forwarding path recognises without comparing values.

use arrow_array::{make_array, Array, ArrayRef};
use arrow_buffer::ArrowNativeType;
use arrow_data::ArrayDataBuilder;
use arrow_schema::DataType;

use crate::append_store::AppendStore;

/// How a type's values lie in memory; types not listed (booleans, nested) are concatenated.
#[derive(Clone, Copy)]
enum Layout {
    /// Utf8, Binary: i32 offsets into bytes.
    Offsets,
    /// Fixed-size binary and primitives: `n` bytes per value.
    Fixed(usize),
}

fn layout_of(t: &DataType) -> Option<Layout> {
    match t {
        DataType::Utf8 | DataType::Binary => Some(Layout::Offsets),
        DataType::FixedSizeBinary(w) => usize::try_from(*w).ok().filter(|w| *w > 0).map(Layout::Fixed),
        t if t.is_primitive() => t.primitive_width().map(Layout::Fixed),
        _ => None,
    }
}

/// One dictionary id's values once a delta has arrived for it.
pub(crate) struct GrowingDictionary {
    data_type: DataType,
    layout: Layout,
    bytes: AppendStore<u8>,
    /// Offsets layout only; starts with 0.
    offsets: AppendStore<i32>,
    len: usize,
}

impl GrowingDictionary {
    /// A store holding `values` (copied once), or None when their type or nulls need the
    /// general concatenation.
    pub(crate) fn start(values: &dyn Array) -> Option<GrowingDictionary> {
        let layout = layout_of(values.data_type())?;
        let mut offsets = AppendStore::new();
        if matches!(layout, Layout::Offsets) {
            offsets.push(0);
        }
        let mut g = GrowingDictionary { data_type: values.data_type().clone(), layout, bytes: AppendStore::new(), offsets, len: 0 };
        g.append(values).then_some(g)
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends `delta` (same type, no nulls); false, with nothing appended, when it cannot be.
    pub(crate) fn append(&mut self, delta: &dyn Array) -> bool {
        if delta.data_type() != &self.data_type || delta.null_count() > 0 {
            return false;
        }
        let data = delta.to_data();
        let (n, offset) = (data.len(), data.offset());
        match self.layout {
            Layout::Offsets => {
                // `buffer` starts at the array's offset already.
                let offsets: &[i32] = &data.buffer::<i32>(0)[..n + 1];
                let (first, last) = (offsets[0].as_usize(), offsets[n].as_usize());
                let base = self.bytes.len();
                // Offsets are i32: a dictionary past 2 GiB of values is left to arrow-ipc (which refuses it).
                if base + (last - first) > i32::MAX as usize {
                    return false;
                }
                self.bytes.extend_from_slice(&data.buffers()[1].as_slice()[first..last]);
                let shift = base as i64 - first as i64;
                for &o in &offsets[1..] {
                    self.offsets.push((o as i64 + shift) as i32);
                }
            }
            Layout::Fixed(width) => {
                self.bytes.extend_from_slice(&data.buffers()[0].as_slice()[offset * width..(offset + n) * width]);
            }
        }
        self.len += n;
        true
    }

    /// Every value so far, over the stores' memory.
    pub(crate) fn array(&self) -> ArrayRef {
        let builder = ArrayDataBuilder::new(self.data_type.clone()).len(self.len);
        let builder = match self.layout {
            Layout::Offsets => {
                builder.add_buffer(self.offsets.buffer(0, self.len + 1)).add_buffer(self.bytes.buffer(0, self.bytes.len()))
            }
            Layout::Fixed(_) => builder.add_buffer(self.bytes.buffer(0, self.bytes.len())),
        };
        // Safety: the values are arrays arrow-ipc read and validated, copied byte for byte,
        // their offsets shifted by where their bytes now start: as valid as they were.
        // Validating again would cost the whole dictionary per batch, what this module avoids.
        make_array(unsafe { builder.build_unchecked() })
    }
}

/// `existing` followed by `delta`: through `growing` when the values allow it (starting it on
/// the first delta), else by concatenation.
pub(crate) fn extend_dictionary(
    growing: &mut Option<GrowingDictionary>,
    existing: &ArrayRef,
    delta: &ArrayRef,
) -> Result<ArrayRef, arrow_schema::ArrowError> {
    if growing.as_ref().is_none_or(|g| g.len() != existing.len()) {
        *growing = GrowingDictionary::start(existing.as_ref());
    }
    if let Some(g) = growing.as_mut() {
        if g.append(delta.as_ref()) {
            return Ok(g.array());
        }
    }
    *growing = None;
    arrow_select::concat::concat(&[existing.as_ref(), delta.as_ref()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use arrow_array::{BinaryArray, FixedSizeBinaryArray, Int64Array, StringArray};

    fn grow(first: ArrayRef, deltas: &[ArrayRef]) -> (ArrayRef, ArrayRef) {
        let mut g = None;
        let mut cur = first.clone();
        let mut expected = first;
        for d in deltas {
            cur = extend_dictionary(&mut g, &cur, d).unwrap();
            expected = arrow_select::concat::concat(&[expected.as_ref(), d.as_ref()]).unwrap();
        }
        (cur, expected)
    }

    #[test]
    fn deltas_append_like_concatenation_for_every_layout() {
        let s = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
        // A sliced first dictionary (non-zero offset, offsets not starting at 0).
        let sliced = s(&["x", "GET", "POST"]).slice(1, 2);
        let (got, want) = grow(sliced, &[s(&["PUT"]), s(&[]), s(&["DELETE", ""]), s(&["PATCH"]).slice(0, 1)]);
        assert_eq!(got.to_data(), want.to_data());
        let b = |v: &[&[u8]]| Arc::new(BinaryArray::from(v.to_vec())) as ArrayRef;
        let (got, want) = grow(b(&[b"\x00\x01"]), &[b(&[b"", b"\xff"])]);
        assert_eq!(got.to_data(), want.to_data());
        let f = |v: &[[u8; 8]]| Arc::new(FixedSizeBinaryArray::try_from_iter(v.iter()).unwrap()) as ArrayRef;
        let (got, want) = grow(f(&[[1; 8], [2; 8]]), &[f(&[[3; 8]]).slice(0, 1), f(&[[4; 8], [5; 8]])]);
        assert_eq!(got.to_data(), want.to_data());
        let i = |v: &[i64]| Arc::new(Int64Array::from(v.to_vec())) as ArrayRef;
        let (got, want) = grow(i(&[1, 2]), &[i(&[3]), i(&[-4, 5, 6]).slice(1, 2)]);
        assert_eq!(got.to_data(), want.to_data());
    }

    #[test]
    fn each_dictionary_views_the_memory_of_the_last() {
        let s = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
        let mut g = None;
        let a = extend_dictionary(&mut g, &s(&["a"]), &s(&["b"])).unwrap();
        let b = extend_dictionary(&mut g, &a, &s(&["c"])).unwrap();
        assert_eq!(a.to_data().buffers()[1].as_ptr(), b.to_data().buffers()[1].as_ptr());
        // The earlier view still holds exactly its values.
        assert_eq!(a.as_any().downcast_ref::<StringArray>().unwrap().iter().collect::<Vec<_>>(), vec![Some("a"), Some("b")]);
    }

    #[test]
    fn nulls_and_other_arrays_fall_back_to_concatenation() {
        let with_null = Arc::new(StringArray::from(vec![Some("a"), None])) as ArrayRef;
        let plain = Arc::new(StringArray::from(vec!["b"])) as ArrayRef;
        let mut g = None;
        let out = extend_dictionary(&mut g, &plain, &with_null).unwrap();
        assert!(g.is_none());
        assert_eq!(out.len(), 3);
        assert_eq!(out.null_count(), 1);
        // A dictionary the store did not produce (other length) restarts the store.
        let mut g = None;
        let first = extend_dictionary(&mut g, &plain, &plain).unwrap();
        let other = Arc::new(StringArray::from(vec!["z"])) as ArrayRef;
        let out = extend_dictionary(&mut g, &other, &plain).unwrap();
        assert_eq!(out.as_any().downcast_ref::<StringArray>().unwrap().value(0), "z");
        assert_eq!(first.len(), 2);
    }
}
