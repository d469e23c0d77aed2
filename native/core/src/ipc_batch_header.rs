//! Rebuilding a RecordBatch header with new body buffers: the reader's decompressed bodies
//! (ipc_reader.rs) and the writer's compressed ones (ipc_body_zstd.rs) keep the batch's
//! length, field nodes and variadic counts and change only the buffers and the compression.

use arrow_ipc::{BodyCompressionMethod, CompressionType};
use flatbuffers::{FlatBufferBuilder, WIPOffset};

/// `batch`'s header with `buffers` (offsets into the new body), zstd-compressed or not.
pub fn rebuilt_batch<'f>(
    fbb: &mut FlatBufferBuilder<'f>,
    batch: arrow_ipc::RecordBatch<'_>,
    buffers: &[arrow_ipc::Buffer],
    zstd: bool,
) -> WIPOffset<arrow_ipc::RecordBatch<'f>> {
    let nodes: Vec<arrow_ipc::FieldNode> = batch.nodes().map(|n| n.iter().copied().collect()).unwrap_or_default();
    let nodes = fbb.create_vector(&nodes);
    let buffers = fbb.create_vector(buffers);
    let variadic = batch.variadicBufferCounts().map(|v| fbb.create_vector(&v.iter().collect::<Vec<i64>>()));
    let compression = zstd.then(|| {
        let args = arrow_ipc::BodyCompressionArgs { codec: CompressionType::ZSTD, method: BodyCompressionMethod::BUFFER };
        arrow_ipc::BodyCompression::create(fbb, &args)
    });
    let args = arrow_ipc::RecordBatchArgs {
        length: batch.length(),
        nodes: Some(nodes),
        buffers: Some(buffers),
        compression,
        variadicBufferCounts: variadic,
    };
    arrow_ipc::RecordBatch::create(fbb, &args)
}
