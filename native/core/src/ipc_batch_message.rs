//! RecordBatch and DictionaryBatch messages of the encoder's own tables, written in one pass:
//! buffers laid out (and zstd-compressed) as they are visited, then the header.
//!
//! The bytes are those of the general path, arrow-ipc's `IpcDataGenerator` followed by
//! `compress_bodies` (ipc_body_zstd.rs) when zstd is on; the tests compare the two. That path
//! builds a RecordBatch (and a Schema per dictionary), writes every message uncompressed,
//! then parses and verifies the flatbuffer it has just written to rebuild it with compressed
//! buffers: on a batch of ten log records, more work than building the tables themselves.
//!
//! Only the layouts the OTAP tables use are written here (fixed-width, boolean, utf8,
//! binary, fixed-size binary, list, struct); [`BatchMessageWriter::write`] answers `false`
//! for anything else, and the caller takes the general path.

use arrow_array::ArrayRef;
use arrow_buffer::{Buffer, ToByteSlice};
use arrow_data::ArrayData;
use arrow_ipc::{BodyCompressionMethod, CompressionType, MessageHeader, MetadataVersion};
use arrow_schema::DataType;
use flatbuffers::FlatBufferBuilder;

use crate::error::OtapError;
use crate::ipc_body_zstd::append_body_buffer;

const CONTINUATION: [u8; 4] = [0xff; 4];
/// Body alignment of uncompressed messages (arrow-ipc's default); compressed bodies use 8.
const ALIGNMENT: usize = 64;

/// What a message carries: a table's rows, or the values of one dictionary.
#[derive(Clone, Copy)]
pub(crate) enum BatchKind {
    Records,
    Dictionary { id: i64, is_delta: bool },
}

#[derive(Default)]
pub(crate) struct BatchMessageWriter {
    nodes: Vec<arrow_ipc::FieldNode>,
    buffers: Vec<arrow_ipc::Buffer>,
    body: Vec<u8>,
}

impl BatchMessageWriter {
    /// Appends one framed message of `columns` (`rows` each) to `out`, buffers compressed at
    /// `zstd_level` if given. `Ok(false)`, with `out` untouched, when a column's layout is
    /// not one this writer knows.
    pub fn write(
        &mut self,
        out: &mut Vec<u8>,
        columns: &[ArrayRef],
        rows: usize,
        kind: BatchKind,
        zstd_level: Option<i32>,
    ) -> Result<bool, OtapError> {
        self.nodes.clear();
        self.buffers.clear();
        self.body.clear();
        for column in columns {
            if !self.column(&column.to_data(), zstd_level)? {
                return Ok(false);
            }
        }
        let mut fbb = FlatBufferBuilder::with_capacity(256 + 32 * self.buffers.len());
        match zstd_level {
            None => self.finish_plain(&mut fbb, rows, kind),
            Some(_) => self.finish_compressed(&mut fbb, rows, kind),
        }
        let meta = fbb.finished_data();
        let align = if zstd_level.is_some() { 8 } else { ALIGNMENT };
        let padded = (meta.len() + 8).next_multiple_of(align) - 8;
        out.reserve(8 + padded + self.body.len());
        out.extend_from_slice(&CONTINUATION);
        out.extend_from_slice(&(padded as i32).to_le_bytes());
        out.extend_from_slice(meta);
        out.resize(out.len() + padded - meta.len(), 0);
        out.extend_from_slice(&self.body);
        Ok(true)
    }

    /// The header as arrow-ipc's writer builds it (record batches) and as
    /// `TableChunkWriter` wraps one into a DictionaryBatch.
    fn finish_plain(&self, fbb: &mut FlatBufferBuilder<'_>, rows: usize, kind: BatchKind) {
        let buffers = fbb.create_vector(&self.buffers);
        let nodes = fbb.create_vector(&self.nodes);
        let mut rb = arrow_ipc::RecordBatchBuilder::new(fbb);
        rb.add_length(rows as i64);
        rb.add_nodes(nodes);
        rb.add_buffers(buffers);
        let batch = rb.finish();
        let (header_type, header) = match kind {
            BatchKind::Records => (MessageHeader::RecordBatch, batch.as_union_value()),
            BatchKind::Dictionary { id, is_delta } => {
                let mut db = arrow_ipc::DictionaryBatchBuilder::new(fbb);
                db.add_id(id);
                db.add_data(batch);
                db.add_isDelta(is_delta);
                (MessageHeader::DictionaryBatch, db.finish().as_union_value())
            }
        };
        let mut mb = arrow_ipc::MessageBuilder::new(fbb);
        mb.add_version(MetadataVersion::V5);
        mb.add_header_type(header_type);
        mb.add_bodyLength(self.body.len() as i64);
        mb.add_header(header);
        let root = mb.finish();
        fbb.finish(root, None);
    }

    /// The header as `compress_bodies` rebuilds it (ipc_batch_header.rs).
    fn finish_compressed(&self, fbb: &mut FlatBufferBuilder<'_>, rows: usize, kind: BatchKind) {
        let nodes = fbb.create_vector(&self.nodes);
        let buffers = fbb.create_vector(&self.buffers);
        let compression = arrow_ipc::BodyCompression::create(
            fbb,
            &arrow_ipc::BodyCompressionArgs { codec: CompressionType::ZSTD, method: BodyCompressionMethod::BUFFER },
        );
        let args = arrow_ipc::RecordBatchArgs {
            length: rows as i64,
            nodes: Some(nodes),
            buffers: Some(buffers),
            compression: Some(compression),
            variadicBufferCounts: None,
        };
        let batch = arrow_ipc::RecordBatch::create(fbb, &args);
        let (header_type, header) = match kind {
            BatchKind::Records => (MessageHeader::RecordBatch, batch.as_union_value()),
            BatchKind::Dictionary { id, is_delta } => {
                let args = arrow_ipc::DictionaryBatchArgs { id, data: Some(batch), isDelta: is_delta };
                (MessageHeader::DictionaryBatch, arrow_ipc::DictionaryBatch::create(fbb, &args).as_union_value())
            }
        };
        let args = arrow_ipc::MessageArgs {
            version: MetadataVersion::V5,
            header_type,
            header: Some(header),
            bodyLength: self.body.len() as i64,
            custom_metadata: None,
        };
        let root = arrow_ipc::Message::create(fbb, &args);
        fbb.finish(root, None);
    }

    /// One column and its children, depth first (arrow-ipc's order): its field node, then
    /// its validity and data buffers. `false` for a layout not handled here.
    fn column(&mut self, data: &ArrayData, zstd: Option<i32>) -> Result<bool, OtapError> {
        let (len, offset) = (data.len(), data.offset());
        let data_type = data.data_type();
        let supported = matches!(
            data_type,
            DataType::Boolean
                | DataType::Utf8
                | DataType::Binary
                | DataType::FixedSizeBinary(_)
                | DataType::List(_)
                | DataType::Struct(_)
        ) || (data_type.is_primitive() && data_type.primitive_width().is_some());
        // A sliced struct's children are written unsliced by arrow-ipc; not worth mirroring.
        if !supported || (offset != 0 && matches!(data_type, DataType::Struct(_))) {
            return Ok(false);
        }
        let null_count = data.null_count();
        self.nodes.push(arrow_ipc::FieldNode::new(len as i64, null_count as i64));
        match data.nulls() {
            Some(nulls) if null_count > 0 => self.buffer(nulls.inner().sliced().as_slice(), zstd)?,
            _ => self.buffer(&[], zstd)?,
        }
        match data_type {
            DataType::Utf8 | DataType::Binary => {
                if len == 0 {
                    self.buffer(&0i32.to_le_bytes(), zstd)?;
                    self.buffer(&[], zstd)?;
                } else {
                    let offsets = &data.buffers()[0].typed_data::<i32>()[offset..offset + len + 1];
                    let (start, end) = (offsets[0] as usize, offsets[len] as usize);
                    self.offsets(offsets, zstd)?;
                    self.buffer(&data.buffers()[1].as_slice()[start..end], zstd)?;
                }
            }
            DataType::List(_) => {
                let child = &data.child_data()[0];
                if len == 0 {
                    self.buffer(&0i32.to_le_bytes(), zstd)?;
                    return self.column(&child.slice(0, 0), zstd);
                }
                let offsets = &data.buffers()[0].typed_data::<i32>()[offset..offset + len + 1];
                let (start, end) = (offsets[0] as usize, offsets[len] as usize);
                self.offsets(offsets, zstd)?;
                if start == 0 && child.offset() == 0 && end == child.len() {
                    return self.column(child, zstd);
                }
                return self.column(&child.slice(start, end - start), zstd);
            }
            DataType::Struct(_) => {
                for child in data.child_data() {
                    if !self.column(child, zstd)? {
                        return Ok(false);
                    }
                }
            }
            DataType::Boolean => {
                let bits: Buffer = data.buffers()[0].bit_slice(offset, len);
                self.buffer(bits.as_slice(), zstd)?;
            }
            _ => {
                let width = match data_type {
                    DataType::FixedSizeBinary(n) => *n as usize,
                    other => other.primitive_width().expect("checked above"),
                };
                let values = data.buffers()[0].as_slice();
                let from = offset * width;
                let to = (from + len * width).min(values.len());
                self.buffer(&values[from..to], zstd)?;
            }
        }
        Ok(true)
    }

    /// Offsets rebased to start at 0, as arrow-ipc writes a slice's.
    fn offsets(&mut self, offsets: &[i32], zstd: Option<i32>) -> Result<(), OtapError> {
        let first = offsets[0];
        if first == 0 {
            return self.buffer(offsets.to_byte_slice(), zstd);
        }
        let rebased: Vec<i32> = offsets.iter().map(|o| o - first).collect();
        self.buffer(rebased.to_byte_slice(), zstd)
    }

    /// One body buffer: raw and padded to 64 bytes, or (zstd) framed as compress_bodies
    /// frames it and padded to 8.
    fn buffer(&mut self, bytes: &[u8], zstd: Option<i32>) -> Result<(), OtapError> {
        let start = self.body.len();
        match zstd {
            None => {
                self.body.extend_from_slice(bytes);
                self.buffers.push(arrow_ipc::Buffer::new(start as i64, bytes.len() as i64));
                self.body.resize(self.body.len().next_multiple_of(ALIGNMENT), 0);
            }
            Some(level) => {
                if !bytes.is_empty() {
                    append_body_buffer(bytes, level, &mut self.body)?;
                }
                self.buffers.push(arrow_ipc::Buffer::new(start as i64, (self.body.len() - start) as i64));
                self.body.resize(self.body.len().next_multiple_of(8), 0);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::{BooleanBuilder, FixedSizeBinaryBuilder, Float64Builder, ListBuilder};
    use arrow_array::types::UInt16Type;
    use arrow_array::{
        Array, BinaryArray, DictionaryArray, Int32Array, Int64Array, RecordBatch, StringArray, StructArray,
        TimestampNanosecondArray, UInt16Array, UInt64Array, UInt8Array,
    };
    use arrow_ipc::writer::{write_message, DictionaryTracker, IpcDataGenerator, IpcWriteContext};
    use arrow_schema::{Field, Fields, Schema};

    use super::*;
    use crate::ipc_body_zstd::compress_bodies;
    use crate::ipc_writer::write_options;

    /// A small deterministic generator: the arrays vary in length, nulls, values and slicing.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn null(&mut self, rate: u64) -> bool {
            rate > 0 && self.below(rate) == 0
        }
    }

    fn arrays(rng: &mut Rng, len: usize) -> Vec<ArrayRef> {
        let rate = [0, 2, 5][rng.below(3) as usize];
        let opt = |rng: &mut Rng, v: u64| (!rng.null(rate)).then_some(v);
        let u8s: UInt8Array = (0..len).map(|_| opt(rng, rng.0 % 200).map(|v| v as u8)).collect();
        let u16s: UInt16Array = (0..len).map(|_| opt(rng, rng.0).map(|v| v as u16)).collect();
        let i32s: Int32Array = (0..len).map(|_| opt(rng, rng.0).map(|v| v as i32)).collect();
        let i64s: Int64Array = (0..len).map(|_| Some(rng.next() as i64 - 7)).collect();
        let u64s: UInt64Array = (0..len).map(|_| opt(rng, rng.0.wrapping_mul(31))).collect();
        let ts: TimestampNanosecondArray = (0..len).map(|i| Some(1_700_000_000_000_000_000 + i as i64)).collect();
        let strings: StringArray = (0..len)
            .map(|i| opt(rng, i as u64).map(|v| "value-".repeat(1 + (v as usize % 7)) + &v.to_string()))
            .collect();
        let binaries: BinaryArray = (0..len).map(|i| opt(rng, i as u64).map(|v| vec![v as u8; (v % 40) as usize])).collect();
        let mut bools = BooleanBuilder::new();
        let mut fixed = FixedSizeBinaryBuilder::new(16);
        let mut lists = ListBuilder::new(Float64Builder::new());
        for i in 0..len {
            if rng.null(rate) {
                bools.append_null();
                fixed.append_null();
                lists.append_null();
                continue;
            }
            bools.append_value(rng.below(2) == 0);
            fixed.append_value([i as u8; 16]).unwrap();
            for k in 0..rng.below(4) {
                lists.values().append_value(k as f64 * 0.5);
            }
            lists.append(true);
        }
        let strings = Arc::new(strings) as ArrayRef;
        let i64s = Arc::new(i64s) as ArrayRef;
        let structs = StructArray::new(
            Fields::from(vec![Field::new("s", DataType::Utf8, true), Field::new("n", DataType::Int64, true)]),
            vec![strings.clone(), i64s.clone()],
            None,
        );
        vec![
            Arc::new(u8s),
            Arc::new(u16s),
            Arc::new(i32s),
            i64s,
            Arc::new(u64s),
            Arc::new(ts),
            strings,
            Arc::new(binaries),
            Arc::new(bools.finish()),
            Arc::new(fixed.finish()),
            Arc::new(lists.finish()),
            Arc::new(structs),
        ]
    }

    /// The general path: arrow-ipc's message, then compress_bodies when zstd is on.
    fn general(columns: &[ArrayRef], kind: BatchKind, zstd: Option<i32>) -> Vec<u8> {
        let options = write_options(zstd.is_some());
        let fields: Vec<Field> = columns.iter().enumerate().map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true)).collect();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns.to_vec()).unwrap();
        let mut tracker = DictionaryTracker::new(false);
        let (_, encoded) = IpcDataGenerator::default()
            .encode(&batch, &mut tracker, &options, &mut IpcWriteContext::default())
            .unwrap();
        let encoded = match kind {
            BatchKind::Records => encoded,
            BatchKind::Dictionary { id, is_delta } => {
                let dict = crate::ipc_writer::DictionaryMessage { id, values: columns[0].clone(), is_delta };
                let schema = Schema::new(vec![Field::new("k", DataType::UInt16, true)]);
                let mut writer = crate::ipc_writer::TableChunkWriter::new(&schema, None).unwrap();
                writer.dictionary_message(&dict).unwrap()
            }
        };
        let mut plain = Vec::new();
        write_message(&mut plain, encoded, &options).unwrap();
        match zstd {
            Some(level) => compress_bodies(&plain, level).unwrap(),
            None => plain,
        }
    }

    fn one_pass(columns: &[ArrayRef], kind: BatchKind, zstd: Option<i32>) -> Option<Vec<u8>> {
        let rows = columns.first().map_or(0, |c| c.len());
        let mut out = Vec::new();
        BatchMessageWriter::default().write(&mut out, columns, rows, kind, zstd).unwrap().then_some(out)
    }

    #[test]
    fn same_bytes_as_arrow_ipc_and_compress_bodies() {
        let mut rng = Rng(7);
        let mut cases = 0;
        for round in 0..120 {
            let len = [0, 1, 3, 10, 64, 300][round % 6];
            let all = arrays(&mut rng, len);
            // Sliced views too: offsets rebased, values and child lists cut.
            let (from, to) = if len > 4 { (1 + rng.below(3) as usize, len - 1) } else { (0, len) };
            for sliced in [false, true] {
                let columns: Vec<ArrayRef> =
                    if sliced { all.iter().map(|c| c.slice(from, to - from)).collect() } else { all.clone() };
                for zstd in [None, Some(3), Some(1)] {
                    let expected = general(&columns, BatchKind::Records, zstd);
                    assert_eq!(one_pass(&columns, BatchKind::Records, zstd).unwrap(), expected, "round {round} sliced {sliced} zstd {zstd:?}");
                    for column in &columns {
                        let kind = BatchKind::Dictionary { id: round as i64, is_delta: round % 2 == 0 };
                        let values = std::slice::from_ref(column);
                        let expected = general(values, kind, zstd);
                        assert_eq!(one_pass(values, kind, zstd).unwrap(), expected, "dictionary {:?} round {round}", column.data_type());
                        cases += 1;
                    }
                }
            }
        }
        assert!(cases > 1000);
    }

    #[test]
    fn other_layouts_are_left_to_the_general_path() {
        let keys = UInt16Array::from(vec![0, 1, 0]);
        let dict: ArrayRef = Arc::new(DictionaryArray::<UInt16Type>::try_new(keys, Arc::new(StringArray::from(vec!["a", "b"]))).unwrap());
        let large: ArrayRef = Arc::new(arrow_array::LargeStringArray::from(vec!["x"]));
        for columns in [vec![dict], vec![large]] {
            let mut out = vec![1, 2, 3];
            let written = BatchMessageWriter::default().write(&mut out, &columns, columns[0].len(), BatchKind::Records, Some(3)).unwrap();
            assert!(!written);
            assert_eq!(out, vec![1, 2, 3], "nothing appended");
        }
    }
}
