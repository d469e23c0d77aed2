// One error type for everything that comes from outside (bytes, files, peers), so callers
// can branch on `code` and report `table`/`column` without parsing messages.

export type OtelArrowErrorCode =
  /** Protobuf bytes that cannot be parsed (truncated, bad wire type, bad length). */
  | 'MALFORMED_PROTOBUF'
  /** OTLP/JSON that does not follow the OTLP JSON mapping. */
  | 'MALFORMED_JSON'
  /** An SDK columns buffer (src/sdk/columns/FORMAT.md) that breaks its layout. */
  | 'MALFORMED_COLUMNS'
  /** Arrow IPC bytes that cannot be parsed (truncated message, bad flatbuffer, bad buffer). */
  | 'MALFORMED_IPC'
  /** Parquet bytes that cannot be read (not Parquet, truncated, damaged row groups or footer). */
  | 'MALFORMED_PARQUET'
  /** A compressed IPC buffer that does not decompress to its declared length. */
  | 'DECOMPRESSION_FAILED'
  /** An ArrowPayload type that is unknown, or not allowed for the signal being decoded. */
  | 'UNKNOWN_PAYLOAD_TYPE'
  /** Well-formed Arrow whose content breaks OTAP rules: dangling parent ids, dictionary
   *  keys out of range, a column of the wrong type, a missing required column. */
  | 'INVALID_PAYLOAD'
  /** Valid input this implementation does not support (e.g. an Arrow type OTAP never uses). */
  | 'UNSUPPORTED'
  /** A limit was exceeded (message size, 65535 rows in a u16 id space, ...). */
  | 'LIMIT_EXCEEDED'
  /** A batch whose ids, shifted past those already in a Parquet file set, would exceed u32:
   *  nothing was written; finish the set and write the batch to a new one. */
  | 'ID_OVERFLOW';

export interface OtelArrowErrorContext {
  /** OTAP payload type name, e.g. "LOG_ATTRS". */
  table?: string;
  /** Column path inside the table, e.g. "resource.id" or "parent_id". */
  column?: string;
  cause?: unknown;
}

export class OtelArrowError extends Error {
  readonly code: OtelArrowErrorCode;
  readonly table: string | undefined;
  readonly column: string | undefined;

  constructor(code: OtelArrowErrorCode, message: string, context: OtelArrowErrorContext = {}) {
    const where = [context.table, context.column].filter(Boolean).join('.');
    super(where ? `${where}: ${message}` : message, { cause: context.cause });
    this.name = 'OtelArrowError';
    this.code = code;
    this.table = context.table;
    this.column = context.column;
  }
}

/** Wraps anything thrown while handling remote input into an OtelArrowError (keeps ours as is). */
export function asOtelArrowError(
  err: unknown,
  code: OtelArrowErrorCode,
  context: OtelArrowErrorContext = {},
): OtelArrowError {
  if (err instanceof OtelArrowError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new OtelArrowError(code, message, { ...context, cause: err });
}

/** The same error, naming `table` when it did not already (errors from shared layers such as IPC). */
export function inTable(err: unknown, code: OtelArrowErrorCode, table: string): OtelArrowError {
  const e = asOtelArrowError(err, code, { table });
  if (e.table) return e;
  return new OtelArrowError(e.code, e.message, { table, ...(e.column ? { column: e.column } : {}), cause: e });
}
