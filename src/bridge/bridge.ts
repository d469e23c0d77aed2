// The bridge: an OTLP receiver (gRPC and HTTP, OtapReceiver + the OTLP/HTTP plugin) feeding
// an OTAP exporter (OtapExporter) towards a downstream otelarrow receiver — the
// collector-to-collector traffic reduction use case.
//
// Every OTLP request is exported as one OTAP batch, and the OTLP client gets its answer only
// once the downstream acknowledged that batch (or the exporter gave up): an OK to the client
// means the data arrived. Downstream failures are retried by the exporter (backoff, fresh
// streams); when it gives up the client gets the final status (UNAVAILABLE & co. are
// retryable for OTLP clients). Delivery is at-least-once.
import type { Signal } from '../otlp/model.js';
import { OtapExporter } from '../transport/exporter/index.js';
import { otlpHttp } from '../transport/http/index.js';
import { OtapReceiver, type ReceivedBatch } from '../transport/receiver/index.js';
import { splitHostPort, type BridgeConfig } from './config.js';
import { WireCounter } from './wire-counter.js';

export interface SignalCounters {
  batches: number;
  records: number;
}

export interface BridgeStats {
  /** Requests received (before export), by signal; records = spans / log records / data points. */
  received: Record<Signal, SignalCounters>;
  /** Acknowledged downstream (the client got OK). */
  acked: Record<Signal, SignalCounters>;
  /** Given up (the client got an error). */
  failed: Record<Signal, SignalCounters>;
  /** OTLP bytes received as protobuf (after gRPC / HTTP decompression); OTLP/JSON requests
   *  count at the size of their protobuf encoding, so OTLP in / OTAP out compares like with like. */
  otlpBytesIn: number;
  /** OTLP/JSON over HTTP: requests and the JSON text bytes they arrived as (not in otlpBytesIn). */
  json: { requests: number; textBytes: number };
  /** Requests received per protocol. */
  byProtocol: { 'otlp-grpc': number; 'otlp-http': number; otap: number };
  /** OTAP bytes written to gRPC (BatchArrowRecords, before gRPC compression; retries included). */
  otapBytesOut: number;
  /** Bytes on the downstream TCP connection (bridge -> downstream), when wireStats is on. */
  wireBytesOut?: number;
  /** Exporter retries. */
  retries: number;
  /** Batches currently being exported. */
  inFlight: number;
}

const zero = (): Record<Signal, SignalCounters> => ({
  traces: { batches: 0, records: 0 }, logs: { batches: 0, records: 0 }, metrics: { batches: 0, records: 0 },
});

export class Bridge {
  readonly config: BridgeConfig;
  readonly receiver: OtapReceiver;
  private exp: OtapExporter | undefined;
  private readonly counters = {
    received: zero(), acked: zero(), failed: zero(), otlpBytesIn: 0, inFlight: 0,
    json: { requests: 0, textBytes: 0 }, byProtocol: { 'otlp-grpc': 0, 'otlp-http': 0, otap: 0 },
  };
  private readonly wire: WireCounter | undefined;
  private wirePort = 0;
  private started: Promise<{ grpcPort: number; httpPort?: number }> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(config: BridgeConfig) {
    this.config = config;
    const listen = splitHostPort(config.listen, 'listen');
    const http = config.http === false ? undefined : splitHostPort(config.http, 'http');
    if (http && http.host !== listen.host) {
      throw new Error(`listen and http must use the same host (${listen.host} vs ${http.host})`);
    }
    this.receiver = new OtapReceiver({
      host: listen.host,
      grpcPort: listen.port,
      ...(http ? { httpPort: http.port, otlpHttp: otlpHttp() } : {}),
      ...(config.bearerToken ? { bearerToken: config.bearerToken } : {}),
      maxMessageBytes: config.maxMessageBytes,
      requestLimitMiB: config.requestLimitMiB,
      waitingLimitMiB: config.waitingLimitMiB,
      shutdownGraceMs: 10_000,
      ...(config.backend ? { backend: config.backend } : {}),
    }, (batch) => this.forward(batch));
    if (config.wireStats) this.wire = new WireCounter(splitHostPort(config.to, 'to'));
  }

  /** The OTAP exporter (created by start(): with wireStats it dials the relay's port). */
  get exporter(): OtapExporter {
    if (!this.exp) throw new Error('bridge not started');
    return this.exp;
  }

  /** Starts the relay (wireStats), the exporter and the receiver; resolves with the ports. */
  start(): Promise<{ grpcPort: number; httpPort?: number }> {
    this.started ??= (async () => {
      let endpoint = this.config.to;
      if (this.wire) {
        this.wirePort = await this.wire.listen('127.0.0.1', 0);
        endpoint = `127.0.0.1:${this.wirePort}`;
      }
      const c = this.config;
      const backend = await this.receiver.loadBackend();
      const tlsServerName = splitHostPort(c.to, 'to').host;
      this.exp = new OtapExporter({
        endpoint,
        compression: c.compression,
        payloadCompression: c.payloadCompression,
        numStreams: c.numStreams,
        maxStreamLifetimeMs: c.maxStreamLifetimeMs,
        timeoutMs: c.timeoutMs,
        maxUnackedBatches: c.maxUnackedBatches,
        retry: c.retry,
        headers: c.headers,
        // One backend for both directions: the receiver's, loaded by then.
        backend,
        ...(c.tls ? { tls: this.wire ? { serverName: tlsServerName } : true } : {}),
      });
      try {
        return await this.receiver.start();
      } catch (err) {
        await this.exporter.shutdown({ timeoutMs: 0 });
        await this.wire?.close();
        throw err;
      }
    })();
    return this.started;
  }

  get stats(): BridgeStats {
    const c = this.counters;
    const e = this.exp?.stats;
    return {
      received: structuredClone(c.received),
      acked: structuredClone(c.acked),
      failed: structuredClone(c.failed),
      otlpBytesIn: c.otlpBytesIn,
      json: { ...c.json },
      byProtocol: { ...c.byProtocol },
      otapBytesOut: e?.bytesOut ?? 0,
      ...(this.wire ? { wireBytesOut: this.wire.bytesUp } : {}),
      retries: e?.retries ?? 0,
      inFlight: c.inFlight,
    };
  }

  /** Stops accepting, lets running exports finish (bounded), then closes everything. */
  shutdown(timeoutMs = 15_000): Promise<void> {
    this.stopped ??= (async () => {
      await this.receiver.shutdown();
      await this.exp?.shutdown({ timeoutMs });
      await this.wire?.close();
    })();
    return this.stopped;
  }

  private async forward(batch: ReceivedBatch): Promise<void> {
    const c = this.counters;
    // Bytes in, bytes out: the payload stays OTLP protobuf bytes (counted by a framing scan)
    // until the exporter's backend encoder turns it into BatchArrowRecords.
    const payload = batch.payload;
    const records = payload.itemCount;
    c.received[batch.signal].batches++;
    c.received[batch.signal].records += records;
    if (batch.format === 'json') {
      // JSON text is several times its protobuf size: count what the protobuf would be.
      c.json.requests++;
      c.json.textBytes += batch.bytes;
      c.otlpBytesIn += payload.otlpBytes().length;
    } else {
      c.otlpBytesIn += batch.bytes;
    }
    c.byProtocol[batch.protocol]++;
    c.inFlight++;
    try {
      await this.exporter.export(payload);
      c.acked[batch.signal].batches++;
      c.acked[batch.signal].records += records;
    } catch (err) {
      c.failed[batch.signal].batches++;
      c.failed[batch.signal].records += records;
      throw err; // ExportError carries the gRPC code: the client gets it
    } finally {
      c.inFlight--;
    }
  }
}

export function totals(r: Record<Signal, SignalCounters>): SignalCounters {
  return {
    batches: r.traces.batches + r.logs.batches + r.metrics.batches,
    records: r.traces.records + r.logs.records + r.metrics.records,
  };
}
