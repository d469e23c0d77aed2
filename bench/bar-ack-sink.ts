// A downstream for OTAP exporters that costs next to nothing per batch: a raw HTTP/2 server
// (node:http2, no gRPC stack) that answers every BatchArrowRecords message of an Arrow stream
// with BatchStatus OK, without decompressing or decoding it. It relies on what OTAP exporters
// do (ours and the Go one): batch ids on a stream count up from 0, so the n-th message of a
// stream is batch n. For the worker-scaling benchmark, where a decoding downstream sharing a
// core with a worker was most of the load's cost.
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { encodeBatchStatus } from '../src/otap/batch-arrow-records.js';
import { grpcMessageFrame } from '../src/transport/grpc/compression.js';
import { grpcMessageSplitter } from './grpc-frames.js';

/** BatchStatus { batch_id: id, OK }, gRPC-framed. */
const statusFrame = (id: number): Buffer => grpcMessageFrame(encodeBatchStatus({ batchId: BigInt(id), statusCode: 0, statusMessage: '' }), false);

export class BarAckSink {
  // Large frames and windows: the exporter under test sends each batch in as few DATA frames
  // as it can, and the sink spends less per batch (it shares a core with a worker).
  private readonly server = http2.createServer({ settings: { maxFrameSize: 2 ** 24 - 1, initialWindowSize: 2 ** 31 - 1 } });
  /** Messages answered, over all streams. */
  acked = 0;

  private constructor() {
    this.server.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      let next = 0;
      stream.on('data', grpcMessageSplitter(() => {
        this.acked++;
        if (!stream.destroyed) stream.write(statusFrame(next++));
      }, false));
      stream.on('end', () => {
        if (!stream.destroyed) stream.end();
      });
      stream.on('error', () => {});
    });
    this.server.on('sessionError', () => {});
  }

  static async start(): Promise<{ sink: BarAckSink; port: number }> {
    const sink = new BarAckSink();
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    return { sink, port: (sink.server.address() as AddressInfo).port };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
