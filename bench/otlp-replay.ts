// A load generator for OTLP/gRPC receivers that costs next to nothing per request: each
// pre-encoded Export request is compressed once (zstd level 3 by the default codec: the bytes
// our OtlpGrpcClient would send)
// and framed as a gRPC message up front; a send is then one HTTP/2 stream on a shared session
// (node:http2, no gRPC client stack) that resolves when the trailers say OK. With the
// OtlpGrpcClient compressing every 800 KB request again, the sender's core was the limit and
// the system under test ran at about 45% of its core: not the saturation the benchmarks ask for.
import * as http2 from 'node:http2';
import type { Signal } from '../src/otlp/model.js';
import { otlpPath } from '../src/transport/grpc/services.js';
import { grpcMessageFrame, loadDefaultZstdCodec, type ZstdCodec } from '../src/transport/grpc/compression.js';

export class OtlpReplayClient {
  private readonly session: http2.ClientHttp2Session;
  private readonly frames: Buffer[];
  private readonly path: string;

  /** `requests`: encoded Export*ServiceRequest messages, sent by index. */
  static async open(endpoint: string, signal: Signal, requests: readonly Uint8Array[]): Promise<OtlpReplayClient> {
    return new OtlpReplayClient(endpoint, signal, requests, await loadDefaultZstdCodec());
  }

  private constructor(endpoint: string, signal: Signal, requests: readonly Uint8Array[], codec: ZstdCodec) {
    this.frames = requests.map((r) => grpcMessageFrame(codec.compress(r, 3), true));
    this.path = otlpPath(signal);
    this.session = http2.connect(`http://${endpoint}`);
    this.session.on('error', () => {}); // each pending send reports its own stream's error
  }

  /** Sends request `i`; resolves when the server answered with grpc-status 0. */
  send(i: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const stream = this.session.request({
        ':method': 'POST', ':path': this.path, 'content-type': 'application/grpc', te: 'trailers',
        'grpc-encoding': 'zstd', 'grpc-accept-encoding': 'identity,zstd',
      });
      let status: string | undefined;
      let message = '';
      const read = (h: http2.IncomingHttpHeaders): void => {
        if (h['grpc-status'] !== undefined) {
          status = String(h['grpc-status']);
          message = String(h['grpc-message'] ?? '');
        }
      };
      stream.on('response', read); // a trailers-only answer carries the status in its headers
      stream.on('trailers', read);
      stream.on('data', () => {});
      stream.on('error', reject);
      stream.on('close', () => {
        if (status === '0') resolve();
        else reject(new Error(`request ${i} refused: grpc-status ${status ?? 'missing'} ${decodeURIComponent(message)}`));
      });
      stream.end(this.frames[i]);
    });
  }

  close(): void {
    this.session.close();
  }
}
