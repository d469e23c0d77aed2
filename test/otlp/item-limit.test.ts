// OTLP protobuf requests are bounded in decoded messages, not only in bytes: empty messages
// cost 2 bytes each on the wire, so a request just under the size limit could otherwise
// decode into tens of millions of objects and exhaust the heap.
import { describe, expect, it } from 'vitest';
import { OtelArrowError } from '../../src/errors.js';
import { decodeOtlp } from '../../src/otlp/signal-codec.js';
import { DEFAULT_MAX_NESTED_MESSAGES, WireReader } from '../../src/proto/wire-reader.js';

/** `count` empty top-level entries of field 1 (resource_spans / resource_logs / resource_metrics). */
function emptyEntries(count: number): Uint8Array {
  const out = new Uint8Array(count * 2);
  for (let i = 0; i < count; i++) out[i * 2] = 0x0a;
  return out;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('nested message budget', () => {
  it('a reader refuses more nested messages than its budget', () => {
    const r = new WireReader(emptyEntries(11), 10);
    const enterAll = () => {
      while (r.pos < r.limit) {
        r.tag();
        r.leave(r.enter());
      }
    };
    const err = thrown(enterAll);
    expect(err).toBeInstanceOf(OtelArrowError);
    expect((err as OtelArrowError).code).toBe('LIMIT_EXCEEDED');
    expect(r.pos).toBe(21); // ten entered; the eleventh refused right after its tag
  });

  it('a logs request of empty resources past the default budget is LIMIT_EXCEEDED', () => {
    const err = thrown(() => decodeOtlp('logs', emptyEntries(DEFAULT_MAX_NESTED_MESSAGES + 1)));
    expect(err).toBeInstanceOf(OtelArrowError);
    expect((err as OtelArrowError).code).toBe('LIMIT_EXCEEDED');
  });

  it('requests within the budget still decode', () => {
    const req = decodeOtlp('logs', emptyEntries(1000));
    expect(req.resourceLogs).toHaveLength(1000);
  });
});
