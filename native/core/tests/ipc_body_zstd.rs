//! zstd IPC bodies written by IpcChunkWriter: what arrow-ipc's reader and ours read back,
//! which buffers are compressed (long, compressible ones) and which stay raw (short ones,
//! incompressible ones), across dictionary deltas and replacements.

use std::sync::Arc;

use arrow_array::types::UInt16Type;
use arrow_array::{Array, ArrayRef, BinaryArray, DictionaryArray, RecordBatch, StringArray, UInt16Array, UInt64Array};
use arrow_ipc::reader::StreamReader;
use arrow_ipc::MessageHeader;
use arrow_schema::{DataType, Field, Schema};

use otap_core::ipc_body_zstd::MIN_COMPRESSED_BUFFER;
use otap_core::ipc_reader::IpcStream;
use otap_core::ipc_writer::IpcChunkWriter;

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::UInt64, true),
        Field::new("name", DataType::Dictionary(Box::new(DataType::UInt16), Box::new(DataType::Utf8)), true),
        Field::new("blob", DataType::Binary, true),
    ]))
}

/// `rows` rows; names drawn from `names` (the dictionary, in this order); blobs of random bytes
/// (incompressible) when `noisy`.
fn batch(rows: usize, names: &[&str], noisy: bool, seed: u64) -> RecordBatch {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let ids = UInt64Array::from_iter((0..rows).map(|i| if i % 7 == 3 { None } else { Some(i as u64 * 3) }));
    let keys = UInt16Array::from_iter_values((0..rows).map(|i| (i % names.len()) as u16));
    let names: ArrayRef = Arc::new(StringArray::from_iter_values(names.iter().copied()));
    let dict = DictionaryArray::<UInt16Type>::try_new(keys, names).unwrap();
    let blobs: Vec<Vec<u8>> =
        (0..rows).map(|i| if noisy { (0..24).map(|_| next() as u8).collect() } else { format!("value-{}", i % 5).into_bytes() }).collect();
    let blobs = BinaryArray::from_iter_values(blobs.iter());
    RecordBatch::try_new(schema(), vec![Arc::new(ids), Arc::new(dict), Arc::new(blobs)]).unwrap()
}

/// Per message of `chunk`: its header type, delta flag, and each buffer's declared length
/// (the i64 prefix: -1 = raw) or None for an empty buffer.
fn layout(chunk: &[u8]) -> Vec<(MessageHeader, bool, Vec<Option<i64>>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < chunk.len() {
        assert_eq!(&chunk[pos..pos + 4], &[0xff; 4], "continuation marker");
        let len = i32::from_le_bytes(chunk[pos + 4..pos + 8].try_into().unwrap()) as usize;
        assert_eq!((pos + 8 + len) % 8, 0, "the body starts 8-byte aligned");
        let message = arrow_ipc::root_as_message(&chunk[pos + 8..pos + 8 + len]).unwrap();
        let body_at = pos + 8 + len;
        let (batch, delta) = match message.header_type() {
            MessageHeader::RecordBatch => (message.header_as_record_batch(), false),
            MessageHeader::DictionaryBatch => {
                let d = message.header_as_dictionary_batch().unwrap();
                (d.data(), d.isDelta())
            }
            _ => (None, false),
        };
        let mut buffers = Vec::new();
        if let Some(batch) = batch {
            assert!(batch.compression().is_some(), "every batch message declares zstd");
            for b in batch.buffers().unwrap() {
                assert_eq!(b.offset() % 8, 0, "buffers start 8-byte aligned");
                let at = body_at + b.offset() as usize;
                buffers.push((b.length() > 0).then(|| i64::from_le_bytes(chunk[at..at + 8].try_into().unwrap())));
            }
        }
        out.push((message.header_type(), delta, buffers));
        pos = body_at + message.bodyLength() as usize;
    }
    out
}

fn read_all_with_arrow_ipc(chunks: &[Vec<u8>]) -> Vec<RecordBatch> {
    let stream: Vec<u8> = chunks.concat();
    StreamReader::try_new(std::io::Cursor::new(stream), None).unwrap().map(|b| b.unwrap()).collect()
}

#[test]
fn small_buffers_stay_raw_and_long_compressible_ones_are_compressed() {
    let small = batch(10, &["a", "b"], false, 1);
    let large = batch(4000, &["a", "b", "c"], false, 2);
    let mut writer = IpcChunkWriter::new(&schema(), Some(3)).unwrap();
    let first = writer.write(&small).unwrap();
    let second = writer.write(&large).unwrap();

    let l = layout(&first);
    assert_eq!(l.iter().map(|m| m.0).collect::<Vec<_>>(), [MessageHeader::Schema, MessageHeader::DictionaryBatch, MessageHeader::RecordBatch]);
    for (_, _, buffers) in &l {
        assert!(buffers.iter().flatten().all(|&d| d == -1), "a 10-row batch has only short buffers: all raw ({buffers:?})");
    }
    let l = layout(&second);
    assert_eq!(l.iter().map(|m| (m.0, m.1)).collect::<Vec<_>>(), [(MessageHeader::DictionaryBatch, true), (MessageHeader::RecordBatch, false)]);
    let record = &l[1].2;
    // ids (validity, values), names (validity, keys), blobs (validity, offsets, values): the
    // long ones are compressed and declare their uncompressed length.
    let compressed: Vec<i64> = record.iter().flatten().copied().filter(|&d| d > 0).collect();
    assert!(compressed.len() >= 3, "long buffers compressed: {record:?}");
    assert!(compressed.iter().all(|&d| d as usize >= MIN_COMPRESSED_BUFFER));
    assert!(second.len() < 4000 * 8, "4000 rows of compressible data shrink: {} bytes", second.len());

    for batches in [read_all_with_arrow_ipc(&[first.clone(), second.clone()]), {
        let mut ours = IpcStream::new();
        let mut v = ours.read(&first).unwrap();
        v.extend(ours.read(&second).unwrap());
        v
    }] {
        assert_eq!(batches.len(), 2);
        for (got, want) in batches.iter().zip([&small, &large]) {
            assert_eq!(got.num_rows(), want.num_rows());
            for (g, w) in got.columns().iter().zip(want.columns()) {
                assert_eq!(g.to_data(), w.to_data());
            }
        }
    }
}

#[test]
fn incompressible_long_buffers_are_written_raw() {
    let noisy = batch(2000, &["x"], true, 7);
    let mut writer = IpcChunkWriter::new(&schema(), Some(3)).unwrap();
    let chunk = writer.write(&noisy).unwrap();
    let l = layout(&chunk);
    let record = &l.last().unwrap().2;
    // The blob values (48 KB of random bytes) do not compress: raw. The ids do.
    assert_eq!(record.last().unwrap(), &Some(-1), "{record:?}");
    assert!(record.iter().flatten().any(|&d| d > 0), "{record:?}");
    let back = read_all_with_arrow_ipc(&[chunk]);
    assert_eq!(back[0].column(2).to_data(), noisy.column(2).to_data());
}

#[test]
fn dictionary_replacements_and_unchanged_dictionaries_survive_compression() {
    let mut writer = IpcChunkWriter::new(&schema(), Some(1)).unwrap();
    let inputs = [batch(700, &["a", "b"], false, 1), batch(700, &["a", "b"], false, 2), batch(700, &["z", "y", "x"], false, 3)];
    let chunks: Vec<Vec<u8>> = inputs.iter().map(|b| writer.write(b).unwrap()).collect();
    let kinds: Vec<Vec<(MessageHeader, bool)>> = chunks.iter().map(|c| layout(c).iter().map(|m| (m.0, m.1)).collect()).collect();
    assert_eq!(kinds[1], [(MessageHeader::RecordBatch, false)], "an unchanged dictionary is not resent");
    assert_eq!(kinds[2], [(MessageHeader::DictionaryBatch, false), (MessageHeader::RecordBatch, false)], "a replacement");
    let back = read_all_with_arrow_ipc(&chunks);
    for (got, want) in back.iter().zip(&inputs) {
        let g = got.column(1).as_any().downcast_ref::<DictionaryArray<UInt16Type>>().unwrap();
        let w = want.column(1).as_any().downcast_ref::<DictionaryArray<UInt16Type>>().unwrap();
        assert_eq!(g.values().to_data(), w.values().to_data());
        assert_eq!(g.keys(), w.keys());
    }
}

#[test]
fn levels_outside_zstds_range_are_refused() {
    let e = IpcChunkWriter::new(&schema(), Some(99)).err().expect("level 99 refused");
    assert_eq!(e.code, "UNSUPPORTED");
    assert!(e.message.contains("99"), "{}", e.message);
}
