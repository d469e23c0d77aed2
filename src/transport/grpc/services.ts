// gRPC service definitions for @grpc/grpc-js, built by hand (no proto loader): the OTAP
// Arrow bidi streams and the plain OTLP Export methods, with our own protobuf codecs.
//
// Two flavours per service:
// - the typed definitions (ARROW_*_SERVICE, TRACE_SERVICE, ...) serialize and deserialize
//   messages; what a client wants (`makeGenericClientConstructor(ARROW_LOGS_SERVICE, ...)`).
//   A deserializer that meets malformed bytes throws an OtelArrowError; grpc-js turns a
//   throw in a *request* deserializer into status INTERNAL ("Error deserializing request")
//   and a throw in a *response* deserializer into INTERNAL on the client call.
// - the raw definitions (rawArrowServiceFor / rawOtlpServiceFor) pass request bytes through
//   untouched in both directions. The receiver uses them so that it can decode each
//   BatchArrowRecords itself and answer a malformed one with BatchStatus INVALID_ARGUMENT
//   while the stream lives on (and a malformed OTLP request with INVALID_ARGUMENT rather
//   than INTERNAL). Tests use them to send hand-made (broken) bytes.
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type { Signal, SignalRequest } from '../../otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../../otlp/signal-codec.js';
import {
  decodeBatchArrowRecords, decodeBatchStatus, encodeBatchArrowRecords, encodeBatchStatus,
  type BatchArrowRecords, type BatchStatus,
} from '../../otap/batch-arrow-records.js';
import { decodeExportResponse, encodeExportResponse, type ExportServiceResponse } from './otlp-responses.js';

export const ARROW_PACKAGE = 'opentelemetry.proto.experimental.arrow.v1';

/** Arrow service and method names per signal. */
export const ARROW_SERVICE_NAME: Record<Signal, string> = {
  traces: 'ArrowTracesService',
  logs: 'ArrowLogsService',
  metrics: 'ArrowMetricsService',
};
export const ARROW_METHOD_NAME = { traces: 'ArrowTraces', logs: 'ArrowLogs', metrics: 'ArrowMetrics' } as const;

/** OTLP collector service names per signal (method is always `Export`). */
export const OTLP_SERVICE_NAME: Record<Signal, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.TraceService',
  logs: 'opentelemetry.proto.collector.logs.v1.LogsService',
  metrics: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
};

export function arrowPath(signal: Signal): string {
  return `/${ARROW_PACKAGE}.${ARROW_SERVICE_NAME[signal]}/${ARROW_METHOD_NAME[signal]}`;
}

export function otlpPath(signal: Signal): string {
  return `/${OTLP_SERVICE_NAME[signal]}/Export`;
}

/** A view of `bytes` as a Buffer (grpc-js wants Buffers; no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const passThrough = (bytes: Uint8Array): Buffer => asBuffer(bytes);

// ---------------------------------------------------------------------------------------
// Arrow (OTAP) services

export type ArrowMethod = MethodDefinition<BatchArrowRecords, BatchStatus>;
export type RawArrowMethod = MethodDefinition<Uint8Array, BatchStatus>;

function arrowMethod(signal: Signal): ArrowMethod {
  return {
    path: arrowPath(signal),
    requestStream: true,
    responseStream: true,
    originalName: ARROW_METHOD_NAME[signal],
    requestSerialize: (bar) => asBuffer(encodeBatchArrowRecords(bar)),
    requestDeserialize: (bytes) => decodeBatchArrowRecords(bytes),
    responseSerialize: (status) => asBuffer(encodeBatchStatus(status)),
    responseDeserialize: (bytes) => decodeBatchStatus(bytes),
  };
}

function rawArrowMethod(signal: Signal): RawArrowMethod {
  return { ...arrowMethod(signal), requestSerialize: passThrough, requestDeserialize: passThrough } as RawArrowMethod;
}

export const ARROW_TRACES_SERVICE: ServiceDefinition<{ ArrowTraces: ArrowMethod }> = { ArrowTraces: arrowMethod('traces') };
export const ARROW_LOGS_SERVICE: ServiceDefinition<{ ArrowLogs: ArrowMethod }> = { ArrowLogs: arrowMethod('logs') };
export const ARROW_METRICS_SERVICE: ServiceDefinition<{ ArrowMetrics: ArrowMethod }> = { ArrowMetrics: arrowMethod('metrics') };

const ARROW_SERVICES: Record<Signal, ServiceDefinition<Record<string, ArrowMethod>>> = {
  traces: ARROW_TRACES_SERVICE,
  logs: ARROW_LOGS_SERVICE,
  metrics: ARROW_METRICS_SERVICE,
};

const RAW_ARROW_SERVICES: Record<Signal, ServiceDefinition<Record<string, RawArrowMethod>>> = {
  traces: { ArrowTraces: rawArrowMethod('traces') },
  logs: { ArrowLogs: rawArrowMethod('logs') },
  metrics: { ArrowMetrics: rawArrowMethod('metrics') },
};

/** The typed Arrow service of a signal; its single method is named ARROW_METHOD_NAME[signal]. */
export function arrowServiceFor(signal: Signal): ServiceDefinition<Record<string, ArrowMethod>> {
  return ARROW_SERVICES[signal];
}

/** The Arrow service with raw request bytes (BatchArrowRecords decoded by the caller). */
export function rawArrowServiceFor(signal: Signal): ServiceDefinition<Record<string, RawArrowMethod>> {
  return RAW_ARROW_SERVICES[signal];
}

// ---------------------------------------------------------------------------------------
// OTLP services

export type OtlpMethod<S extends Signal> = MethodDefinition<SignalRequest[S], ExportServiceResponse>;
export type RawOtlpMethod = MethodDefinition<Uint8Array, ExportServiceResponse>;

function otlpMethod<S extends Signal>(signal: S): OtlpMethod<S> {
  return {
    path: otlpPath(signal),
    requestStream: false,
    responseStream: false,
    originalName: 'Export',
    requestSerialize: (req) => asBuffer(encodeOtlp(signal, req)),
    requestDeserialize: (bytes) => decodeOtlp(signal, bytes),
    responseSerialize: (res) => asBuffer(encodeExportResponse(res)),
    responseDeserialize: (bytes) => decodeExportResponse(signal, bytes),
  };
}

function rawOtlpMethod(signal: Signal): RawOtlpMethod {
  return { ...otlpMethod(signal), requestSerialize: passThrough, requestDeserialize: passThrough } as RawOtlpMethod;
}

export const TRACE_SERVICE: ServiceDefinition<{ Export: OtlpMethod<'traces'> }> = { Export: otlpMethod('traces') };
export const LOGS_SERVICE: ServiceDefinition<{ Export: OtlpMethod<'logs'> }> = { Export: otlpMethod('logs') };
export const METRICS_SERVICE: ServiceDefinition<{ Export: OtlpMethod<'metrics'> }> = { Export: otlpMethod('metrics') };

const OTLP_SERVICES = { traces: TRACE_SERVICE, logs: LOGS_SERVICE, metrics: METRICS_SERVICE };

const RAW_OTLP_SERVICES: Record<Signal, ServiceDefinition<{ Export: RawOtlpMethod }>> = {
  traces: { Export: rawOtlpMethod('traces') },
  logs: { Export: rawOtlpMethod('logs') },
  metrics: { Export: rawOtlpMethod('metrics') },
};

/** The typed OTLP service of a signal; its single method is `Export`. */
export function otlpServiceFor<S extends Signal>(signal: S): ServiceDefinition<{ Export: OtlpMethod<S> }> {
  return OTLP_SERVICES[signal] as unknown as ServiceDefinition<{ Export: OtlpMethod<S> }>;
}

/** The OTLP service with raw request bytes (request decoded by the caller). */
export function rawOtlpServiceFor(signal: Signal): ServiceDefinition<{ Export: RawOtlpMethod }> {
  return RAW_OTLP_SERVICES[signal];
}

export const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];
