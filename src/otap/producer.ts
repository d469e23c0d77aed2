// OTLP request -> BatchArrowRecords, keeping one Arrow IPC stream per payload type across
// batches (schema once, then delta dictionaries), as one gRPC stream's client does.
// Use one Producer per gRPC stream: its state is the receiver's state.
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, Signal, SignalRequest } from '../otlp/model.js';
import { IpcStreamWriter, type BodyCompressor } from '../ipc/index.js';
import type { BatchArrowRecords, ArrowPayload } from './batch-arrow-records.js';
import type { EncodedTables } from './encode/encoded-tables.js';
import { logsToTables } from './encode/logs.js';
import { metricsToTables } from './encode/metrics.js';
import { DEFAULT_DICTIONARY_LIMITS, TableEncoder, type DictionaryLimits } from './encode/table-encoder.js';
import { tracesToTables } from './encode/traces.js';
import { payloadTypeName } from './payload-type.js';
import { TABLE_SPECS } from './schema/tables.js';
import { OtelArrowError } from '../errors.js';

export interface ProducerOptions {
  /** IPC body compression (Arrow BodyCompression, per buffer). Off when not given. */
  compression?: BodyCompressor;
  /** Dictionary key limits; defaults match the Go reference (u16 max 65535, reset ratio 0.3). */
  dictionaryLimits?: Partial<DictionaryLimits>;
  /**
   * Send Metric.metadata as METRIC_ATTRS (default true, as the Rust engine does; it is only
   * sent when a batch has metadata). Set false for a Go reference consumer: it rejects that
   * payload type, so the metadata is dropped instead.
   */
  metricMetadata?: boolean;
}

interface PayloadStream {
  encoder: TableEncoder;
  writer: IpcStreamWriter | undefined;
  schemaId: string;
}

export class Producer {
  private readonly options: ProducerOptions;
  private readonly limits: DictionaryLimits;
  private readonly streams = new Map<number, PayloadStream>();
  private nextSchemaId = 0;
  private nextBatchId = 0n;

  constructor(options: ProducerOptions = {}) {
    this.options = options;
    this.limits = { ...DEFAULT_DICTIONARY_LIMITS, ...options.dictionaryLimits };
  }

  encodeTraces(req: ExportTraceServiceRequest): BatchArrowRecords {
    return this.produce(tracesToTables(req));
  }

  encodeLogs(req: ExportLogsServiceRequest): BatchArrowRecords {
    return this.produce(logsToTables(req));
  }

  encodeMetrics(req: ExportMetricsServiceRequest): BatchArrowRecords {
    return this.produce(metricsToTables(req, { metadata: this.options.metricMetadata ?? true }));
  }

  encode<S extends Signal>(signal: S, req: SignalRequest[S]): BatchArrowRecords {
    switch (signal) {
      case 'traces': return this.encodeTraces(req as ExportTraceServiceRequest);
      case 'logs': return this.encodeLogs(req as ExportLogsServiceRequest);
      default: return this.encodeMetrics(req as ExportMetricsServiceRequest);
    }
  }

  private produce(tables: EncodedTables): BatchArrowRecords {
    try {
      return this.produceAll(tables);
    } catch (err) {
      // Tables before the failing one already advanced their streams (schema and
      // dictionaries sent in a batch nobody will see): start every stream anew.
      this.streams.clear();
      throw err;
    }
  }

  private produceAll(tables: EncodedTables): BatchArrowRecords {
    const arrowPayloads: ArrowPayload[] = [];
    for (const { type, input } of tables) {
      const stream = this.stream(type);
      const { batch, newStream } = stream.encoder.encode(input);
      if (newStream || !stream.writer) {
        stream.schemaId = String(this.nextSchemaId++);
        stream.writer = new IpcStreamWriter(batch.schema, this.options.compression ? { compression: this.options.compression } : {});
      }
      arrowPayloads.push({ schemaId: stream.schemaId, type, record: stream.writer.write(batch) });
    }
    return { batchId: this.nextBatchId++, arrowPayloads, headers: new Uint8Array(0) };
  }

  private stream(type: number): PayloadStream {
    let stream = this.streams.get(type);
    if (!stream) {
      const spec = TABLE_SPECS.get(type);
      if (!spec) throw new OtelArrowError('UNKNOWN_PAYLOAD_TYPE', `no table for ${payloadTypeName(type)}`);
      stream = { encoder: new TableEncoder(spec, this.limits), writer: undefined, schemaId: '' };
      this.streams.set(type, stream);
    }
    return stream;
  }
}
