//! Bytes an array's buffers view (not their capacity: decoded columns are zero-copy slices of
//! a message), for memory accounting. Read from the typed arrays: going through
//! `Array::to_data` copied every column's ArrayData (its buffer and child lists, its boxed
//! data type), which cost a decoded 10-record batch about as much as a sixth of its decoding.

use arrow_array::cast::AsArray;
use arrow_array::Array;
use arrow_data::ArrayData;
use arrow_schema::DataType;

/// Whether a dictionary column counts its values or only its keys (a stream's dictionaries
/// are its state, which later batches point into).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum DictionaryValues {
    Counted,
    LeftOut,
}

/// Bytes `array` views: values, offsets and validity, children included.
pub(crate) fn array_bytes(array: &dyn Array, dictionary: DictionaryValues) -> usize {
    let nulls = array.nulls().map_or(0, |n| n.buffer().len());
    let len = array.len();
    let own = match array.data_type() {
        DataType::Boolean => array.as_boolean().values().inner().len(),
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            a.offsets().inner().inner().len() + a.values().len()
        }
        DataType::Binary => {
            let a = array.as_binary::<i32>();
            a.offsets().inner().inner().len() + a.values().len()
        }
        DataType::FixedSizeBinary(_) => array.as_fixed_size_binary().values().len(),
        DataType::Dictionary(_, _) => {
            let d = array.as_any_dictionary();
            let values = match dictionary {
                DictionaryValues::Counted => array_bytes(d.values().as_ref(), dictionary),
                DictionaryValues::LeftOut => 0,
            };
            // The keys carry the dictionary column's validity: counted there, not twice.
            return array_bytes(d.keys(), dictionary) + values;
        }
        DataType::Struct(_) => array.as_struct().columns().iter().map(|c| array_bytes(c.as_ref(), dictionary)).sum(),
        DataType::List(_) => {
            let a = array.as_list::<i32>();
            a.offsets().inner().inner().len() + array_bytes(a.values().as_ref(), dictionary)
        }
        t if t.is_primitive() => t.primitive_width().map_or(0, |w| w * len),
        _ => return data_bytes(&array.to_data(), dictionary),
    };
    own + nulls
}

/// The same count over ArrayData, for the types the typed walk does not know.
fn data_bytes(data: &ArrayData, dictionary: DictionaryValues) -> usize {
    let own: usize = data.buffers().iter().map(|b| b.len()).sum();
    let nulls = data.nulls().map_or(0, |n| n.buffer().len());
    let children: usize = match (data.data_type(), dictionary) {
        (DataType::Dictionary(_, _), DictionaryValues::LeftOut) => 0,
        _ => data.child_data().iter().map(|c| data_bytes(c, dictionary)).sum(),
    };
    own + nulls + children
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::types::{UInt16Type, UInt8Type};
    use arrow_array::{
        ArrayRef, BinaryArray, BooleanArray, DictionaryArray, FixedSizeBinaryArray, Float64Array, Int64Array, ListArray,
        StringArray, StructArray, TimestampNanosecondArray, UInt32Array,
    };
    use arrow_schema::{Field, Fields};

    use super::*;

    fn both(a: &dyn Array, d: DictionaryValues) -> (usize, usize) {
        (array_bytes(a, d), data_bytes(&a.to_data(), d))
    }

    /// The typed walk counts what the ArrayData walk counts, on every column shape OTAP uses,
    /// with and without nulls, and on sliced arrays (what `viewed` means).
    #[test]
    fn typed_walk_matches_the_array_data_walk() {
        let strs: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None, Some("bcd"), Some("")]));
        let dict8: ArrayRef = Arc::new(DictionaryArray::<UInt8Type>::new(
            vec![Some(0u8), None, Some(1), Some(0)].into(),
            Arc::new(StringArray::from(vec!["x", "yy"])),
        ));
        let dict16: ArrayRef = Arc::new(DictionaryArray::<UInt16Type>::new(
            vec![0u16, 1, 1, 0].into(),
            Arc::new(FixedSizeBinaryArray::try_from_iter([[1u8; 8], [2u8; 8]].into_iter()).unwrap()),
        ));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt32Array::from(vec![Some(1), None, Some(3), Some(4)])),
            Arc::new(Int64Array::from(vec![1, 2, 3, 4])),
            Arc::new(Float64Array::from(vec![Some(1.5), None, None, Some(0.0)])),
            Arc::new(TimestampNanosecondArray::from(vec![1, 2, 3, 4]).with_timezone("UTC")),
            Arc::new(BooleanArray::from(vec![Some(true), None, Some(false), Some(true)])),
            strs.clone(),
            Arc::new(BinaryArray::from(vec![Some(&b"\x00"[..]), Some(b""), None, Some(b"zz")])),
            Arc::new(FixedSizeBinaryArray::try_from_sparse_iter_with_size([Some([7u8; 16]), None, Some([8u8; 16]), None].into_iter(), 16).unwrap()),
            dict8.clone(),
            dict16.clone(),
            Arc::new(ListArray::from_iter_primitive::<arrow_array::types::Float64Type, _, _>(vec![
                Some(vec![Some(1.0), Some(2.0)]),
                None,
                Some(vec![]),
                Some(vec![Some(3.0)]),
            ])),
            Arc::new(StructArray::new(
                Fields::from(vec![Field::new("s", DataType::Utf8, true), Field::new("d", dict8.data_type().clone(), true)]),
                vec![strs, dict8],
                Some(vec![true, false, true, true].into()),
            )),
        ];
        for c in &columns {
            for d in [DictionaryValues::Counted, DictionaryValues::LeftOut] {
                let (typed, data) = both(c.as_ref(), d);
                assert_eq!(typed, data, "{} {}", c.data_type(), d == DictionaryValues::Counted);
                let sliced = c.slice(1, 2);
                let (typed, data) = both(sliced.as_ref(), d);
                assert!(typed <= data, "a slice views no more than its array: {} {typed} {data}", c.data_type());
            }
        }
        // Left-out dictionary values are left out; counted ones counted.
        assert!(array_bytes(dict16.as_ref(), DictionaryValues::Counted) > array_bytes(dict16.as_ref(), DictionaryValues::LeftOut));
    }
}
