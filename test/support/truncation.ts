// Truncation tests for protobuf decoders: every prefix of a valid message is decoded and the
// outcome checked exactly (well-formed prefixes decode, all others are refused with `code`).
import { expect } from 'vitest';
import { OtelArrowError, type OtelArrowErrorCode } from '../../src/errors.js';
import { attempt, topLevelFieldEnds } from './outcome.js';

/** Checks every `step`-th prefix of `bytes` (and the one a byte short); returns how many were refused. */
export function expectTruncationsRefused(bytes: Uint8Array, decode: (b: Uint8Array) => unknown, code: OtelArrowErrorCode, step = 1): number {
  const ends = topLevelFieldEnds(bytes);
  const lengths = new Set<number>();
  for (let n = 0; n < bytes.length; n += step) lengths.add(n);
  lengths.add(bytes.length - 1);
  let refused = 0;
  for (const n of lengths) {
    const out = attempt(() => decode(bytes.subarray(0, n)));
    if (ends.has(n)) {
      expect(out, `a prefix of ${n} bytes ends between top-level fields: it decodes`).toMatchObject({ ok: true });
      continue;
    }
    expect(out.ok, `a prefix of ${n} bytes cuts a field short: refused`).toBe(false);
    const error = (out as { error: unknown }).error;
    expect(error, `prefix of ${n} bytes`).toBeInstanceOf(OtelArrowError);
    expect((error as OtelArrowError).code, `prefix of ${n} bytes`).toBe(code);
    refused++;
  }
  expect(refused, 'prefixes refused').toBeGreaterThan(0);
  return refused;
}
