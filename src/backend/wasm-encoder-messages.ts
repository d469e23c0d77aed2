// What a wasm thread encoder (wasm-thread-encoder.ts, through wasm-encoder-workers.ts) and its worker (wasm-encoder-worker.ts)
// say to each other, and how an encode error crosses the thread boundary with its code.
import type { MessagePort } from 'node:worker_threads';
import { OtelArrowError, type OtelArrowErrorCode } from '../errors.js';
import type { Signal } from '../otlp/model.js';
import { BackendTrapError } from './backend-trap-error.js';
import type { EncoderOptions } from './types.js';
import type { WasmModule } from './wasm.js';

export interface WorkerInit {
  module: WasmModule;
  /** The module's path, for messages. */
  path: string;
  /** Where replies to synchronous calls go (read with receiveMessageOnPort). */
  syncPort: MessagePort;
  /** Int32Array over a SharedArrayBuffer: word 0 is set to 1 and notified when a synchronous
   *  reply has been posted. */
  syncFlag: Int32Array;
}

/** Creates encoder `encoder` in the worker (its requests follow). */
export interface OpenRequest {
  open: number;
  options: Pick<EncoderOptions, 'zstdLevel' | 'metricMetadata'>;
}

/** One encode on encoder `encoder`; `input` is a copy the worker owns. `signal` absent: SDK
 *  columns. */
export interface EncodeRequest {
  id: number;
  encoder: number;
  signal?: Signal;
  input: Uint8Array;
  sync: boolean;
  /** Answer with the gRPC message compressed at this zstd level (encodeFramedAsync). */
  frameLevel?: number;
  /** Answer with the batch's items too (encodeCountedAsync). */
  counted?: boolean;
}

/** How an async encode is answered (EncodeRequest's frameLevel and counted). */
export type ReplyForm = Pick<EncodeRequest, 'frameLevel' | 'counted'>;

/** Sent after an encoder's last request: the worker frees it. */
export interface CloseRequest {
  close: number;
}

export type WorkerRequest = OpenRequest | EncodeRequest | CloseRequest;

/** `data`: the BatchArrowRecords (with `counted`, `items` too), or with frameLevel the
 *  frame, its batch id, size and items. */
export interface EncodedReply {
  id: number;
  data: Uint8Array;
  batchId?: bigint;
  barBytes?: number;
  items?: number;
}

export type EncodeReply = EncodedReply | { id: number; error: WireError };

export interface WireError {
  name: string;
  message: string;
  code?: string;
  table?: string;
  column?: string;
}

/** An encode error as plain data (structured clone keeps neither class nor code). */
export function errorToWire(err: unknown): WireError {
  if (err instanceof OtelArrowError) {
    return { name: err.name, message: err.message, code: err.code, ...(err.table ? { table: err.table } : {}), ...(err.column ? { column: err.column } : {}) };
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

/** The error the same call on this thread's encoder would have thrown. */
export function errorFromWire(e: WireError): Error {
  if (e.name === 'OtelArrowError' && e.code) {
    // The message already names table.column: strip it so that the constructor does not repeat it.
    const where = [e.table, e.column].filter(Boolean).join('.');
    const message = where && e.message.startsWith(`${where}: `) ? e.message.slice(where.length + 2) : e.message;
    return new OtelArrowError(e.code as OtelArrowErrorCode, message, { ...(e.table ? { table: e.table } : {}), ...(e.column ? { column: e.column } : {}) });
  }
  if (e.name === 'BackendTrapError') return new BackendTrapError(e.message);
  const err = e.name === 'TypeError' ? new TypeError(e.message) : new Error(e.message);
  if (e.name !== err.name) err.name = e.name;
  return err;
}
