// OTLP with AnyValues nested absurdly deep (remote input): every backend refuses it with an
// OtelArrowError and the process lives on. Up to CBOR_MAX_DEPTH levels encode and round-trip;
// one more is LIMIT_EXCEEDED (OTAP decoders read CBOR to that depth, so it is never sent
// undecodable). Before the limit, 100 000 levels crashed the native addon (stack overflow).
import { describe, expect, it } from 'vitest';
import { OtelArrowError } from '../../src/errors.js';
import { CBOR_MAX_DEPTH } from '../../src/otap/cbor.js';
import { decodeOtlp } from '../../src/otlp/signal-codec.js';
import { backendRows, requireBackend } from '../support/backends.js';

/** ExportLogsServiceRequest bytes with one log record whose body is `depth` nested arrays
 *  (`where: 'resource'` puts the value in a resource attribute instead). Built inside out
 *  in one buffer, so a deep value costs linear time. */
function deepRequest(depth: number, where: 'body' | 'resource'): Uint8Array {
  const buf = new Uint8Array(depth * 12 + 128);
  let at = buf.length;
  const prepend = (bytes: number[]) => {
    at -= bytes.length;
    buf.set(bytes, at);
  };
  const varint = (n: number) => {
    const o: number[] = [];
    for (; n > 127; n >>>= 7) o.push((n & 127) | 128);
    o.push(n);
    return o;
  };
  const wrap = (field: number) => prepend([(field << 3) | 2, ...varint(buf.length - at)]);
  for (let i = 0; i < depth; i++) {
    wrap(1); // ArrayValue.values
    wrap(5); // AnyValue.array_value
  }
  if (where === 'body') {
    wrap(5); // LogRecord.body
    wrap(2); // ScopeLogs.log_records
    wrap(2); // ResourceLogs.scope_logs
  } else {
    wrap(2); // KeyValue.value
    prepend([0x0a, 1, 0x6b]); // KeyValue.key = "k"
    wrap(1); // Resource.attributes
    wrap(1); // ResourceLogs.resource
    prepend([0x12, 2, 0x12, 0]); // ResourceLogs.scope_logs { log_records {} } (field order is free)
  }
  wrap(1); // ExportLogsServiceRequest.resource_logs
  return buf.slice(at);
}

describe.each(backendRows())('deeply nested AnyValues on the %s backend', (name) => {
  it.each(['body', 'resource'] as const)('in a %s: CBOR_MAX_DEPTH levels round-trip, one more is LIMIT_EXCEEDED', (where) => {
    const backend = requireBackend(name);
    const enc = backend.createEncoder();
    const dec = backend.createDecoder();
    try {
      const ok = deepRequest(CBOR_MAX_DEPTH, where);
      const out = dec.decode(enc.encode('logs', ok));
      expect(decodeOtlp('logs', out.otlp)).toEqual(decodeOtlp('logs', ok));
      let err: unknown;
      try {
        enc.encode('logs', deepRequest(CBOR_MAX_DEPTH + 1, where));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OtelArrowError);
      expect((err as OtelArrowError).code).toBe('LIMIT_EXCEEDED');
    } finally {
      enc.close();
      dec.close();
    }
  });

  it('100 000 levels are refused with an OtelArrowError and the encoder keeps working', () => {
    const backend = requireBackend(name);
    const enc = backend.createEncoder();
    try {
      for (const where of ['body', 'resource'] as const) {
        let err: unknown;
        try {
          enc.encode('logs', deepRequest(100_000, where));
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(OtelArrowError);
      }
      expect(enc.encode('logs', deepRequest(3, 'body')).length).toBeGreaterThan(0);
    } finally {
      enc.close();
    }
  });
});
