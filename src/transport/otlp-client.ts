// A plain OTLP/gRPC client (unary TraceService/LogsService/MetricsService Export): what
// OtapExporter falls back to against a collector without the Arrow services, and usable on
// its own. One attempt per export(): retries are the caller's (OtapExporter retries).
import * as grpc from '@grpc/grpc-js';
import type { Signal, SignalRequest } from '../otlp/model.js';
import { encodeOtlp } from '../otlp/signal-codec.js';
import { asBuffer, otlpPath } from './grpc/services.js';
import { decodeExportResponse, type ExportServiceResponse } from './grpc/otlp-responses.js';
import { metadataOf, newClient, prepareCompression, type ConnectionOptions, type ChannelTuning } from './exporter/channel.js';
import { ExportError } from './exporter/errors.js';

export interface OtlpGrpcClientOptions extends ConnectionOptions {
  /** Deadline of one Export call. Default 30 s. */
  timeoutMs?: number;
}

export class OtlpGrpcClient {
  private client: grpc.Client | undefined;
  private readonly metadata: grpc.Metadata;
  private readonly timeoutMs: number;
  private readonly ready: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: OtlpGrpcClientOptions, private readonly tuning?: ChannelTuning) {
    newClient(options, tuning).close(); // validates the options now, not at the first export
    this.metadata = metadataOf(options.headers);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.ready = prepareCompression(options.compression);
    this.ready?.catch(() => {}); // reported by export()
  }

  /** Sends one request; resolves when the server accepted it (a partial success counts as
   *  accepted: OTLP says not to retry it), rejects with an ExportError carrying the gRPC
   *  status code. */
  async export<S extends Signal>(signal: S, request: SignalRequest[S]): Promise<void> {
    await this.exportEncoded(signal, encodeOtlp(signal, request));
  }

  /** Sends an already encoded Export*ServiceRequest; resolves with the server's response. */
  async exportEncoded(signal: Signal, bytes: Uint8Array, timeoutMs = this.timeoutMs): Promise<ExportServiceResponse> {
    if (this.ready) {
      try {
        await this.ready;
      } catch (err) {
        throw new ExportError(grpc.status.FAILED_PRECONDITION, `gRPC compression ${this.options.compression ?? 'zstd'}: ${(err as Error).message}`);
      }
    }
    if (this.closed) throw new ExportError(grpc.status.CANCELLED, 'OTLP client is closed');
    const client = (this.client ??= newClient(this.options, this.tuning));
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest<Uint8Array, ExportServiceResponse>(
        otlpPath(signal),
        asBuffer,
        (b) => decodeExportResponse(signal, b),
        bytes,
        this.metadata.clone(),
        { deadline: Date.now() + timeoutMs },
        (err, response) => {
          if (err) reject(new ExportError(err.code ?? grpc.status.UNKNOWN, err.details || err.message));
          else resolve(response ?? {});
        },
      );
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client?.close();
  }
}
