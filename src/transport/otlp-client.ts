// A plain OTLP/gRPC client (unary TraceService/LogsService/MetricsService Export): what
// OtapExporter falls back to against a collector without the Arrow services, what
// exporter:otlp_grpc sends with, and usable on its own. One attempt per export(): retries
// are the caller's (OtapExporter and the pipeline's retry processor retry). Calls go over
// node:http2 directly (grpc/unary-channel.ts), not through a grpc-js client.
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Signal, SignalRequest } from '../otlp/model.js';
import { encodeOtlp } from '../otlp/signal-codec.js';
import { otlpPath } from './grpc/services.js';
import { decodeExportResponse, type ExportServiceResponse } from './grpc/otlp-responses.js';
import { UnaryChannel } from './grpc/unary-channel.js';
import { ExportError } from './exporter/errors.js';
import type { ConnectionOptions, ChannelTuning } from './exporter/channel.js';

export interface OtlpGrpcClientOptions extends ConnectionOptions {
  /** Deadline of one Export call. Default 30 s. */
  timeoutMs?: number;
}

export class OtlpGrpcClient {
  private readonly channel: UnaryChannel;
  private readonly timeoutMs: number;

  constructor(options: OtlpGrpcClientOptions, tuning?: ChannelTuning) {
    this.channel = new UnaryChannel(options, tuning); // validates the options now, not at the first export
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Sends one request; resolves when the server accepted it (a partial success counts as
   *  accepted: OTLP says not to retry it), rejects with an ExportError carrying the gRPC
   *  status code. */
  async export<S extends Signal>(signal: S, request: SignalRequest[S]): Promise<void> {
    await this.exportEncoded(signal, encodeOtlp(signal, request));
  }

  /** Sends an already encoded Export*ServiceRequest; resolves with the server's response. */
  async exportEncoded(signal: Signal, bytes: Uint8Array, timeoutMs = this.timeoutMs): Promise<ExportServiceResponse> {
    const response = await this.channel.call(otlpPath(signal), bytes, timeoutMs);
    try {
      return decodeExportResponse(signal, response);
    } catch (err) {
      throw new ExportError(GrpcStatus.INTERNAL, `the server's ${signal} Export response is malformed: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.channel.close();
  }
}
