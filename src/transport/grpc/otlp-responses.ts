// Export{Trace,Logs,Metrics}ServiceResponse (opentelemetry.proto.collector.*.v1):
//   message Export*ServiceResponse { Export*PartialSuccess partial_success = 1; }
//   message Export*PartialSuccess  { int64 rejected_{spans|log_records|data_points} = 1; string error_message = 2; }
// The three signals share one wire shape; only the field name of the count differs.
import type { Signal } from '../../otlp/model.js';
import { annotate, messageInfo, WireReader } from '../../proto/wire-reader.js';
import { WireType, WireWriter } from '../../proto/wire-writer.js';

export interface PartialSuccess {
  /** rejected_spans / rejected_log_records / rejected_data_points. */
  rejected: bigint;
  errorMessage: string;
}

export interface ExportServiceResponse {
  /** Absent when the export was fully accepted. */
  partialSuccess?: PartialSuccess;
}

const REJECTED_FIELD: Record<Signal, string> = {
  traces: 'rejected_spans',
  logs: 'rejected_log_records',
  metrics: 'rejected_data_points',
};

const RESPONSE_NAME: Record<Signal, string> = {
  traces: 'ExportTraceServiceResponse',
  logs: 'ExportLogsServiceResponse',
  metrics: 'ExportMetricsServiceResponse',
};

export function encodeExportResponse(response: ExportServiceResponse): Uint8Array {
  const ps = response.partialSuccess;
  if (!ps) return new Uint8Array(0);
  const w = new WireWriter(32 + ps.errorMessage.length * 3);
  w.tag(1, WireType.LEN);
  const mark = w.beginMessage();
  w.int64Field(1, ps.rejected);
  w.stringField(2, ps.errorMessage);
  w.endMessage(mark);
  return w.finish();
}

export function decodeExportResponse(signal: Signal, bytes: Uint8Array): ExportServiceResponse {
  const info = messageInfo(RESPONSE_NAME[signal], { 1: 'partial_success' });
  const psInfo = messageInfo(RESPONSE_NAME[signal].replace('Response', 'PartialSuccess'), {
    1: REJECTED_FIELD[signal],
    2: 'error_message',
  });
  const r = new WireReader(bytes);
  const out: ExportServiceResponse = {};
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      if (tag === 10) {
        const outer = r.enter();
        const ps: PartialSuccess = out.partialSuccess ?? { rejected: 0n, errorMessage: '' };
        let inner = 0;
        try {
          while (r.pos < r.limit) {
            inner = 0;
            inner = r.tag();
            if (inner === 8) ps.rejected = r.int64();
            else if (inner === 18) ps.errorMessage = r.string();
            else r.skip(inner, psInfo);
          }
        } catch (err) {
          throw annotate(err, psInfo, inner);
        }
        r.leave(outer);
        out.partialSuccess = ps;
      } else {
        r.skip(tag, info);
      }
    }
  } catch (err) {
    throw annotate(err, info, tag);
  }
  return out;
}

/** encodeExportResponse for the three signals (same wire shape). */
export const encodeExportTraceServiceResponse = encodeExportResponse;
export const encodeExportLogsServiceResponse = encodeExportResponse;
export const encodeExportMetricsServiceResponse = encodeExportResponse;
export const decodeExportTraceServiceResponse = (b: Uint8Array): ExportServiceResponse => decodeExportResponse('traces', b);
export const decodeExportLogsServiceResponse = (b: Uint8Array): ExportServiceResponse => decodeExportResponse('logs', b);
export const decodeExportMetricsServiceResponse = (b: Uint8Array): ExportServiceResponse => decodeExportResponse('metrics', b);
