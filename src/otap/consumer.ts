// BatchArrowRecords -> OTLP request, keeping the Arrow IPC reader state of one gRPC stream:
// one reader per schema_id; a schema_id not seen before starts a new IPC stream and drops
// the older readers of the same payload type (the reference consumers' rule).
import type { RecordBatch } from '../arrow/types.js';
import { inTable, OtelArrowError } from '../errors.js';
import { IpcStreamReader, type IpcStreamReaderOptions } from '../ipc/index.js';
import type {
  ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, Signal, SignalRequest,
} from '../otlp/model.js';
import type { BatchArrowRecords } from './batch-arrow-records.js';
import { tablesToLogs } from './decode/logs.js';
import { tablesToMetrics } from './decode/metrics.js';
import { TableView } from './decode/table-view.js';
import { tablesToTraces } from './decode/traces.js';
import { PAYLOAD_ORDER, ROOT_PAYLOAD, payloadTypeName } from './payload-type.js';

export type ConsumerOptions = IpcStreamReaderOptions;

export type DecodedBatch =
  | { signal: 'traces'; request: ExportTraceServiceRequest }
  | { signal: 'logs'; request: ExportLogsServiceRequest }
  | { signal: 'metrics'; request: ExportMetricsServiceRequest };

interface StreamState {
  type: number;
  reader: IpcStreamReader;
}

const ALLOWED: Record<Signal, ReadonlySet<number>> = {
  traces: new Set(PAYLOAD_ORDER.traces),
  logs: new Set(PAYLOAD_ORDER.logs),
  metrics: new Set(PAYLOAD_ORDER.metrics),
};

export class Consumer {
  private readonly options: ConsumerOptions;
  private readonly streams = new Map<string, StreamState>();

  constructor(options: ConsumerOptions = {}) {
    this.options = options;
  }

  /** Decodes one batch; the signal is that of its root payload (found by type, not position). */
  decode(bar: BatchArrowRecords): DecodedBatch | undefined {
    const read = this.readBatch(bar);
    if (!read) return undefined;
    const { signal, tables } = read;
    switch (signal) {
      case 'traces': return { signal, request: tablesToTraces(tables) };
      case 'logs': return { signal, request: tablesToLogs(tables) };
      default: return { signal, request: tablesToMetrics(tables) };
    }
  }

  decodeSignal<S extends Signal>(signal: S, bar: BatchArrowRecords): SignalRequest[S] {
    const decoded = this.decode(bar);
    if (!decoded) return emptyRequest(signal);
    if (decoded.signal !== signal) {
      throw new OtelArrowError('UNKNOWN_PAYLOAD_TYPE', `expected a ${signal} batch, got ${decoded.signal}`);
    }
    return decoded.request as SignalRequest[S];
  }

  decodeTraces(bar: BatchArrowRecords): ExportTraceServiceRequest {
    return this.decodeSignal('traces', bar);
  }

  decodeLogs(bar: BatchArrowRecords): ExportLogsServiceRequest {
    return this.decodeSignal('logs', bar);
  }

  decodeMetrics(bar: BatchArrowRecords): ExportMetricsServiceRequest {
    return this.decodeSignal('metrics', bar);
  }

  /** The Arrow tables of one batch and its signal, for callers that want Arrow, not OTLP. */
  readBatch(bar: BatchArrowRecords): { signal: Signal; tables: Map<number, TableView> } | undefined {
    const signal = signalOf(bar);
    return signal && { signal, tables: this.readTables(bar, signal) };
  }

  /** Record batches of one BAR by payload type. */
  readTables(bar: BatchArrowRecords, signal: Signal): Map<number, TableView> {
    const tables = new Map<number, TableView>();
    for (const payload of bar.arrowPayloads) {
      const name = payloadTypeName(payload.type);
      if (!ALLOWED[signal].has(payload.type)) {
        throw new OtelArrowError('UNKNOWN_PAYLOAD_TYPE', `payload type ${name} is not allowed in a ${signal} batch`, { table: name });
      }
      if (tables.has(payload.type)) {
        throw new OtelArrowError('INVALID_PAYLOAD', 'payload type appears twice in one batch', { table: name });
      }
      tables.set(payload.type, new TableView(name, this.readRecordBatch(payload.schemaId, payload.type, payload.record)));
    }
    return tables;
  }

  private readRecordBatch(schemaId: string, type: number, record: Uint8Array): RecordBatch {
    const table = payloadTypeName(type);
    let state = this.streams.get(schemaId);
    if (state && state.type !== type) {
      throw new OtelArrowError('INVALID_PAYLOAD', `schema_id "${schemaId}" already belongs to ${payloadTypeName(state.type)}`, { table });
    }
    if (!state) {
      for (const [id, s] of this.streams) if (s.type === type) this.streams.delete(id);
      state = { type, reader: new IpcStreamReader(this.options) };
      this.streams.set(schemaId, state);
    }
    let batches: RecordBatch[];
    try {
      batches = state.reader.read(record);
    } catch (err) {
      // A broken IPC stream cannot be resumed: forget it so the sender's next schema reset works.
      this.streams.delete(schemaId);
      throw inTable(err, 'MALFORMED_IPC', table);
    }
    if (batches.length !== 1) {
      throw new OtelArrowError('INVALID_PAYLOAD', `expected exactly one record batch per payload, found ${batches.length}`, { table });
    }
    return batches[0]!;
  }
}

function signalOf(bar: BatchArrowRecords): Signal | undefined {
  for (const p of bar.arrowPayloads) {
    if (p.type === ROOT_PAYLOAD.traces) return 'traces';
    if (p.type === ROOT_PAYLOAD.logs) return 'logs';
    if (p.type === ROOT_PAYLOAD.metrics) return 'metrics';
  }
  if (bar.arrowPayloads.length === 0) return undefined;
  const first = bar.arrowPayloads[0]!;
  throw new OtelArrowError('UNKNOWN_PAYLOAD_TYPE', 'batch has no root payload (LOGS, SPANS or UNIVARIATE_METRICS)', {
    table: payloadTypeName(first.type),
  });
}

export function emptyRequest<S extends Signal>(signal: S): SignalRequest[S] {
  const empty: SignalRequest = { traces: { resourceSpans: [] }, logs: { resourceLogs: [] }, metrics: { resourceMetrics: [] } };
  return empty[signal];
}
