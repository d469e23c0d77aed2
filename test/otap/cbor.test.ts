import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { OtelArrowError } from '../../src/errors.js';
import { CBOR_MAX_DEPTH, decodeAnyValueCbor, encodeAnyValueCbor } from '../../src/otap/cbor.js';
import type { AnyValue, KeyValue } from '../../src/otlp/model.js';
import { yieldToEventLoop } from '../support/event-loop.js';

// ---------------------------------------------------------------------------------------
// Helpers

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

const E: AnyValue = { type: 'empty' };
const S = (value: string): AnyValue => ({ type: 'string', value });
const I = (value: bigint | number): AnyValue => ({ type: 'int', value: BigInt(value) });
const D = (value: number): AnyValue => ({ type: 'double', value });
const B = (value: boolean): AnyValue => ({ type: 'bool', value });
const Y = (h: string): AnyValue => ({ type: 'bytes', value: unhex(h) });
const A = (...values: AnyValue[]): AnyValue => ({ type: 'array', values });
const M = (...entries: [string, AnyValue][]): AnyValue => ({
  type: 'kvlist',
  values: entries.map(([key, value]) => ({ key, value })),
});

/** A plain, exactly comparable form: doubles keep -0 and NaN apart, bytes become hex. */
type Plain = string | boolean | bigint | null | { d: string } | { y: string } | Plain[] | { m: [string, Plain][] };
function plain(v: AnyValue): Plain {
  switch (v.type) {
    case 'empty':
      return null;
    case 'string':
    case 'bool':
    case 'int':
      return v.value;
    case 'double':
      return { d: Object.is(v.value, -0) ? '-0' : String(v.value) };
    case 'bytes':
      return { y: hex(v.value) };
    case 'array':
      return v.values.map(plain);
    case 'kvlist':
      return { m: v.values.map((kv): [string, Plain] => [kv.key, plain(kv.value)]) };
  }
}

/** What Go's encoding keeps: empty byte strings become null (pdata AsRaw() -> nil -> F6). */
function goView(v: AnyValue): AnyValue {
  switch (v.type) {
    case 'bytes':
      return v.value.length === 0 ? E : v;
    case 'array':
      return { type: 'array', values: v.values.map(goView) };
    case 'kvlist':
      return { type: 'kvlist', values: v.values.map((kv) => ({ key: kv.key, value: goView(kv.value) })) };
    default:
      return v;
  }
}

function expectInvalid(bytes: Uint8Array): OtelArrowError {
  try {
    decodeAnyValueCbor(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(OtelArrowError);
    expect((err as OtelArrowError).code).toBe('INVALID_PAYLOAD');
    return err as OtelArrowError;
  }
  throw new Error(`expected ${hex(bytes).slice(0, 80)} to be rejected`);
}

/** Decoding must either give a value or throw OtelArrowError('INVALID_PAYLOAD'). */
function decodeOrInvalid(bytes: Uint8Array): void {
  try {
    decodeAnyValueCbor(bytes);
  } catch (err) {
    if (!(err instanceof OtelArrowError) || err.code !== 'INVALID_PAYLOAD') {
      throw new Error(`non-OtelArrowError for ${hex(bytes)}: ${String(err)}`);
    }
  }
}

const MAX_I64 = (1n << 63n) - 1n;
const MIN_I64 = -(1n << 63n);

// Arbitrary nested AnyValues (all strings well-formed UTF-16, so UTF-8 round trips exactly).
function anyValueArb(opts: { bytesMin: number }): fc.Arbitrary<AnyValue> {
  const str = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'grapheme' }));
  const scalar: fc.Arbitrary<AnyValue> = fc.oneof(
    fc.constant<AnyValue>(E),
    str.map(S),
    fc.boolean().map(B),
    fc.oneof(fc.bigInt({ min: MIN_I64, max: MAX_I64 }), fc.bigInt({ min: -70000n, max: 70000n })).map(I),
    fc.double().map(D),
    fc.uint8Array({ minLength: opts.bytesMin, maxLength: 40 }).map((value): AnyValue => ({ type: 'bytes', value })),
  );
  const { value } = fc.letrec<{ value: AnyValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('value'), { maxLength: 6 }).map((values): AnyValue => ({ type: 'array', values })),
      fc
        .array(fc.record({ key: str, value: tie('value') }), { maxLength: 6 })
        .map((values: KeyValue[]): AnyValue => ({ type: 'kvlist', values })),
    ),
  }));
  return value;
}

// ---------------------------------------------------------------------------------------
// (1) Golden vectors: derived by hand from RFC 8949 (sections 3, 3.2, Appendix A) and the Go
// producer's rules (go/pkg/otel/common/cbor.go + fxamacker/cbor v2.9.2 default EncOptions).

const golden: [string, AnyValue, string, AnyValue?][] = [
  ['{"a":1}', M(['a', I(1)]), 'bf 61 61 01 ff'],
  ['[1.5]', A(D(1.5)), '9f fb 3ff8000000000000 ff'],
  ['empty map', M(), 'bf ff'],
  ['empty array', A(), '9f ff'],
  ['nested', M(['a', A(I(1), M(['b', E]))]), 'bf 6161 9f 01 bf 6162 f6 ff ff ff'],
  ['map order kept, duplicates kept', M(['z', I(0)], ['a', I(1)], ['z', I(2)]), 'bf 617a 00 6161 01 617a 02 ff'],
  ['long key (canonical sort would move it)', M(['bb', B(true)], ['a', B(false)]), 'bf 626262 f5 6161 f4 ff'],
  ['array of arrays', A(A(), A(A())), '9f 9fff 9f9fffff ff'],
  // unsigned argument widths
  ['0', I(0), '00'],
  ['23', I(23), '17'],
  ['24', I(24), '1818'],
  ['255', I(255), '18ff'],
  ['256', I(256), '190100'],
  ['65535', I(65535), '19ffff'],
  ['65536', I(65536), '1a00010000'],
  ['2^32-1', I(0xffffffffn), '1affffffff'],
  ['2^32', I(1n << 32n), '1b0000000100000000'],
  ['1000000000000 (RFC)', I(1000000000000n), '1b000000e8d4a51000'],
  ['2^63-1', I(MAX_I64), '1b7fffffffffffffff'],
  // negative
  ['-1', I(-1), '20'],
  ['-10 (RFC)', I(-10), '29'],
  ['-24', I(-24), '37'],
  ['-25', I(-25), '3818'],
  ['-100 (RFC)', I(-100), '3863'],
  ['-256', I(-256), '38ff'],
  ['-257', I(-257), '390100'],
  ['-1000 (RFC)', I(-1000), '3903e7'],
  ['-65537', I(-65537), '3a00010000'],
  ['-2^32-1', I(-(1n << 32n) - 1n), '3b0000000100000000'],
  ['-2^63', I(MIN_I64), '3b7fffffffffffffff'],
  // strings (RFC Appendix A) and length header widths
  ['""', S(''), '60'],
  ['"a"', S('a'), '6161'],
  ['"IETF"', S('IETF'), '6449455446'],
  ['"\\"\\\\"', S('"\\'), '62225c'],
  ['"\\u00fc"', S('\u00fc'), '62c3bc'],
  ['"\\u6c34"', S('\u6c34'), '63e6b0b4'],
  ['"\\ud800\\udd51"', S('\ud800\udd51'), '64f0908591'],
  ['23 chars', S('x'.repeat(23)), '77' + '78'.repeat(23)],
  ['24 chars', S('x'.repeat(24)), '7818' + '78'.repeat(24)],
  ['255 chars', S('x'.repeat(255)), '78ff' + '78'.repeat(255)],
  ['256 chars', S('x'.repeat(256)), '790100' + '78'.repeat(256)],
  ['65536 chars', S('x'.repeat(65536)), '7a00010000' + '78'.repeat(65536)],
  ['8 x U+20AC (24 UTF-8 bytes from 8 chars)', S('\u20ac'.repeat(8)), '7818' + 'e282ac'.repeat(8)],
  ['lone surrogate -> U+FFFD (TextEncoder)', S('\ud800'), '63efbfbd', S('\ufffd')],
  ['BOM kept', S('\ufeffa'), '64efbbbf61'],
  // bytes
  ["h'01020304'", Y('01020304'), '4401020304'],
  ['24 bytes', Y('ab'.repeat(24)), '5818' + 'ab'.repeat(24)],
  ['empty bytes -> null (Go pdata nil slice)', Y(''), 'f6'],
  // doubles: always float64, except NaN/Inf as float16
  ['0.0', D(0), 'fb0000000000000000'],
  ['-0.0', D(-0), 'fb8000000000000000'],
  ['1.0', D(1), 'fb3ff0000000000000'],
  ['1.1 (RFC)', D(1.1), 'fb3ff199999999999a'],
  ['100000.0', D(100000), 'fb40f86a0000000000'],
  ['-4.1 (RFC)', D(-4.1), 'fbc010666666666666'],
  ['1.0e+300 (RFC)', D(1.0e300), 'fb7e37e43c8800759c'],
  ['5e-324', D(5e-324), 'fb0000000000000001'],
  ['NaN', D(NaN), 'f97e00'],
  ['+Inf', D(Infinity), 'f97c00'],
  ['-Inf', D(-Infinity), 'f9fc00'],
  // bool / empty
  ['true', B(true), 'f5'],
  ['false', B(false), 'f4'],
  ['empty', E, 'f6'],
];

describe('encodeAnyValueCbor: golden vectors', () => {
  for (const [name, value, expected, decoded] of golden) {
    it(name, () => {
      expect(hex(encodeAnyValueCbor(value))).toBe(expected.replace(/\s+/g, ''));
      // and the decoder reads them back (empty bytes come back as empty, as in Go)
      expect(plain(decodeAnyValueCbor(unhex(expected)))).toEqual(plain(decoded ?? goView(value)));
    });
  }

  it('writes empty bytes as 0x40 when asked', () => {
    expect(hex(encodeAnyValueCbor(Y(''), { emptyBytesAsNull: false }))).toBe('40');
    expect(hex(encodeAnyValueCbor(A(Y('')), { emptyBytesAsNull: false }))).toBe('9f40ff');
    expect(plain(decodeAnyValueCbor(unhex('40')))).toEqual(plain(Y('')));
  });

  it('writes non-ASCII strings correctly at every buffer-growth boundary', () => {
    for (let p = 512; p <= 1 << 21; p *= 2) {
      for (let len = p - 16; len <= p; len++) {
        const v = A(Y('00'.repeat(len)), S('\u00fc'), S('\u20ac'.repeat(30)));
        const enc = encodeAnyValueCbor(v);
        expect(hex(enc.subarray(enc.length - 96))).toBe('62c3bc' + '785a' + 'e282ac'.repeat(30) + 'ff');
      }
    }
  });

  it('rejects ints outside int64', () => {
    expect(() => encodeAnyValueCbor(I(MAX_I64 + 1n))).toThrow(OtelArrowError);
    expect(() => encodeAnyValueCbor(I(MIN_I64 - 1n))).toThrow(OtelArrowError);
  });

  it('grows its buffer for large values and returns exact-size independent arrays', () => {
    const big = A(...Array.from({ length: 5000 }, (_, i) => M([`k${i}`, S('v'.repeat(i % 300))])));
    const a = encodeAnyValueCbor(big);
    const b = encodeAnyValueCbor(M(['a', I(1)]));
    expect(hex(b)).toBe('bf616101ff');
    expect(a.byteLength).toBe(a.buffer.byteLength);
    expect(plain(decodeAnyValueCbor(a))).toEqual(plain(big));
  });
});

// ---------------------------------------------------------------------------------------
// (2) Round trip

describe('round trip', () => {
  it('decode(encode(v)) == v (emptyBytesAsNull: false)', async () => {
    await fc.assert(
      fc.asyncProperty(anyValueArb({ bytesMin: 0 }), async (v) => {
        await yieldToEventLoop(); // large values: see test/support/event-loop.ts
        const back = decodeAnyValueCbor(encodeAnyValueCbor(v, { emptyBytesAsNull: false }));
        expect(plain(back)).toEqual(plain(v));
      }),
      { numRuns: 500 },
    );
  });

  it('decode(encode(v)) == v with empty bytes turned into empty (Go default)', async () => {
    await fc.assert(
      fc.asyncProperty(anyValueArb({ bytesMin: 0 }), async (v) => {
        await yieldToEventLoop();
        const back = decodeAnyValueCbor(encodeAnyValueCbor(v));
        expect(plain(back)).toEqual(plain(goView(v)));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps NaN, -0 and the int64 extremes', () => {
    for (const v of [D(NaN), D(-0), D(Number.MIN_VALUE), D(-Number.MAX_VALUE), I(MAX_I64), I(MIN_I64)]) {
      const back = decodeAnyValueCbor(encodeAnyValueCbor(A(v)));
      expect(back.type).toBe('array');
      const item = back.type === 'array' ? back.values[0] : undefined;
      expect(item?.type).toBe(v.type);
      if (item?.type === 'double' && v.type === 'double') expect(Object.is(item.value, v.value)).toBe(true);
      if (item?.type === 'int' && v.type === 'int') expect(item.value).toBe(v.value);
    }
  });
});

// ---------------------------------------------------------------------------------------
// (3) Decoding what other conforming producers write (definite lengths, short floats, ...)

const decodes: [string, string, AnyValue][] = [
  // definite-length containers (RFC Appendix A)
  ['definite map', 'a2 6161 01 6162 82 02 03', M(['a', I(1)], ['b', A(I(2), I(3))])],
  ['definite empty map', 'a0', M()],
  ['definite empty array', '80', A()],
  ['definite array', '83 01 02 03', A(I(1), I(2), I(3))],
  ['definite nested in indefinite', '9f 01 82 02 03 9f 04 05 ff ff', A(I(1), A(I(2), I(3)), A(I(4), I(5)))],
  ['indefinite nested in definite', '83 01 9f 02 03 ff 82 04 05', A(I(1), A(I(2), I(3)), A(I(4), I(5)))],
  ['RFC {"a":1,"b":[2,3]} indefinite', 'bf 6161 01 6162 9f 02 03 ff ff', M(['a', I(1)], ['b', A(I(2), I(3))])],
  ['RFC {"Fun":true,"Amt":-2}', 'bf 63 46756e f5 63 416d74 21 ff', M(['Fun', B(true)], ['Amt', I(-2)])],
  // serde_cbor-style shortest floats
  ['f16 1.5 in a map (serde_cbor)', 'bf 616b f93e00 ff', M(['k', D(1.5)])],
  ['f16 0.0', 'f90000', D(0)],
  ['f16 -0.0', 'f98000', D(-0)],
  ['f16 1.0', 'f93c00', D(1)],
  ['f16 -4.0', 'f9c400', D(-4)],
  ['f16 65504 (max)', 'f97bff', D(65504)],
  ['f16 smallest subnormal 2^-24', 'f90001', D(5.960464477539063e-8)],
  ['f16 largest subnormal', 'f903ff', D(0.00006097555160522461)],
  ['f16 smallest normal', 'f90400', D(0.00006103515625)],
  ['f16 negative subnormal', 'f98001', D(-5.960464477539063e-8)],
  ['f16 +Inf', 'f97c00', D(Infinity)],
  ['f16 -Inf', 'f9fc00', D(-Infinity)],
  ['f16 NaN', 'f97e00', D(NaN)],
  ['f16 NaN other payload', 'f97c01', D(NaN)],
  ['f32 100000.0', 'fa47c35000', D(100000)],
  ['f32 max', 'fa7f7fffff', D(3.4028234663852886e38)],
  ['f32 0.1f', 'fa3dcccccd', D(Math.fround(0.1))],
  ['f32 +Inf', 'fa7f800000', D(Infinity)],
  ['f32 NaN', 'fa7fc00000', D(NaN)],
  ['f64 -Inf', 'fbfff0000000000000', D(-Infinity)],
  ['f64 NaN', 'fb7ff8000000000000', D(NaN)],
  // indefinite-length strings made of chunks (RFC Appendix A)
  ["(_ h'0102', h'030405')", '5f 42 0102 43 030405 ff', Y('0102030405')],
  ['(_ "strea", "ming")', '7f 65 7374726561 64 6d696e67 ff', S('streaming')],
  ['empty indefinite text', '7f ff', S('')],
  ['indefinite text with empty chunk', '7f 60 6161 ff', S('a')],
  ['indefinite text as map key', 'bf 7f 6161 6162 ff 01 ff', M(['ab', I(1)])],
  ['UTF-8 split across chunks', '7f 61 c3 61 bc ff', S('\u00fc')],
  // null / undefined
  ['null', 'f6', E],
  ['undefined', 'f7', E],
  ['undefined in array', '9f f7 f6 ff', A(E, E)],
  // tags are skipped
  ['tag 1 (epoch time)', 'c1 1a514b67b0', I(1363896240)],
  ['tag 0 (date string)', 'c0 74 323031332d30332d32315432303a30343a30305a', S('2013-03-21T20:04:00Z')],
  ['tag 24 (encoded CBOR)', 'd8 18 45 6449455446', Y('6449455446')],
  ['tag 55799 (self-describe) on a map', 'd9d9f7 bf 6161 01 ff', M(['a', I(1)])],
  ['chained tags inside array', '9f c1 c2 d8 20 01 ff', A(I(1))],
  ['8-byte tag number', 'db 0000000000000001 01', I(1)],
  // non-shortest argument encodings are still well-formed
  ['1 as 1-byte arg', '1801', I(1)],
  ['1 as 8-byte arg', '1b0000000000000001', I(1)],
  ['"a" with 2-byte length', '79 0001 61', S('a')],
  ['array with 4-byte count', '9a 00000001 01', A(I(1))],
  // extremes
  ['2^63-1', '1b7fffffffffffffff', I(MAX_I64)],
  ['-2^63', '3b7fffffffffffffff', I(MIN_I64)],
  ['long byte string', '59 0100' + '00'.repeat(256), Y('00'.repeat(256))],
];

describe('decodeAnyValueCbor: other producers', () => {
  for (const [name, input, value] of decodes) {
    it(name, () => {
      expect(plain(decodeAnyValueCbor(unhex(input)))).toEqual(plain(value));
    });
  }

  it('decodes at a non-zero byteOffset', () => {
    const backing = unhex('ff ff bf 6161 fb3ff8000000000000 ff ff');
    expect(plain(decodeAnyValueCbor(backing.subarray(2, backing.length - 1)))).toEqual(plain(M(['a', D(1.5)])));
  });

  it('returns bytes that do not alias the input', () => {
    const input = unhex('42 0102');
    const v = decodeAnyValueCbor(input);
    input[1] = 9;
    expect(plain(v)).toEqual(plain(Y('0102')));
  });

  it(`accepts ${CBOR_MAX_DEPTH} nesting levels and rejects ${CBOR_MAX_DEPTH + 1}`, () => {
    const nest = (n: number, open: string, close: string): Uint8Array =>
      unhex(open.repeat(n) + close.repeat(n));
    expect(decodeAnyValueCbor(nest(CBOR_MAX_DEPTH, '9f', 'ff')).type).toBe('array');
    expectInvalid(nest(CBOR_MAX_DEPTH + 1, '9f', 'ff'));
    expect(decodeAnyValueCbor(unhex('bf6161'.repeat(CBOR_MAX_DEPTH - 1) + 'bfff' + 'ff'.repeat(CBOR_MAX_DEPTH - 1))).type).toBe('kvlist');
    expectInvalid(unhex('bf6161'.repeat(CBOR_MAX_DEPTH) + 'bfff' + 'ff'.repeat(CBOR_MAX_DEPTH)));
    // very deep definite arrays: an error, not a stack overflow
    expectInvalid(unhex('81'.repeat(100_000) + '00'));
  });

  it('skips long tag chains without recursion', () => {
    expect(plain(decodeAnyValueCbor(unhex('c1'.repeat(200_000) + '00')))).toEqual(plain(I(0)));
  });
});

// ---------------------------------------------------------------------------------------
// (4) Malformed input

const invalid: [string, string][] = [
  ['empty input', ''],
  ['uint > 2^63-1 (Go: int64 overflow)', '1b8000000000000000'],
  ['uint 2^64-1', '1bffffffffffffffff'],
  ['negative < -2^63', '3b8000000000000000'],
  ['trailing bytes', '0000'],
  ['trailing break', 'bfff ff'],
  ['top-level break', 'ff'],
  ['break inside definite array', '81 ff'],
  ['reserved additional info 28', '1c'],
  ['reserved additional info 30 (major 7)', 'fe'],
  ['indefinite int', '1f'],
  ['indefinite negative int', '3f'],
  ['indefinite tag', 'df 00'],
  ['simple value 16', 'f0'],
  ['simple value 255 (two bytes)', 'f8ff'],
  ['simple value < 32 in two bytes', 'f814'],
  ['map key int', 'a1 01 02'],
  ['map key bytes', 'bf 4161 01 ff'],
  ['map key tagged text', 'bf c0 6161 01 ff'],
  ['map key array', 'bf 80 01 ff'],
  ['map without value', 'bf 6161 ff'],
  ['definite map missing value', 'a1 6161'],
  ['indefinite bytes with text chunk', '5f 6161 ff'],
  ['indefinite text with bytes chunk', '7f 4161 ff'],
  ['nested indefinite chunk', '7f 7f ff ff'],
  ['indefinite bytes with int chunk', '5f 01 ff'],
  ['tag between chunks', '5f c0 4101 ff'],
  ['invalid UTF-8', '61 ff'],
  ['overlong UTF-8', '62 c0 80'],
  ['UTF-8 surrogate', '63 eda080'],
  ['truncated UTF-8 sequence', '62 e282'],
  ['invalid UTF-8 key', 'bf 61 80 01 ff'],
  ['forged 8-byte array length', '9b 00000000ffffffff'],
  ['forged huge array length', '9b ffffffffffffffff 00'],
  ['forged map length', 'ba 7fffffff 6161 01'],
  ['map length needing 2 bytes per pair', 'a2 6161 01 00'],
  ['forged byte string length', '5b ffffffffffffffff'],
  ['forged text length', '7a ffffffff 61'],
  ['forged chunk length', '5f 5a ffffffff ff'],
  ['unterminated indefinite array', '9f 01 02'],
  ['unterminated indefinite map', 'bf 6161 01'],
  ['unterminated indefinite string', '7f 6161'],
  ['tag without content', 'c1'],
];

describe('decodeAnyValueCbor: malformed input', () => {
  for (const [name, input] of invalid) {
    it(name, () => {
      const err = expectInvalid(unhex(input));
      expect(err.message).toMatch(/^invalid CBOR: /);
    });
  }

  it('rejects every truncation of the golden and decoder vectors', () => {
    const inputs = [...golden.map(([, , h]) => h), ...decodes.map(([, h]) => h)]
      .map(unhex)
      .filter((b) => b.length < 5000);
    for (const full of inputs) {
      for (let n = 0; n < full.length; n++) expectInvalid(full.subarray(0, n));
    }
  });

  it('rejects every truncation of random encodings', async () => {
    await fc.assert(
      fc.asyncProperty(anyValueArb({ bytesMin: 0 }), async (v) => {
        await yieldToEventLoop();
        const full = encodeAnyValueCbor(v);
        for (let n = 0; n < full.length; n++) expectInvalid(full.subarray(0, n));
      }),
      { numRuns: 150 },
    );
  });

  it('random bytes: a value or OtelArrowError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => decodeOrInvalid(b)), { numRuns: 5000 });
    // bias towards plausible heads
    const head = fc.constantFrom(0x18, 0x1b, 0x3b, 0x5f, 0x7f, 0x9f, 0xbf, 0xff, 0xf9, 0xfa, 0xfb, 0xc1, 0x9b, 0x7b, 0x61, 0xa1);
    fc.assert(
      fc.property(fc.array(fc.oneof(head, fc.integer({ min: 0, max: 255 })), { maxLength: 64 }), (arr) =>
        decodeOrInvalid(Uint8Array.from(arr)),
      ),
      { numRuns: 5000 },
    );
  });

  it('mutated valid encodings: a value or OtelArrowError, nothing else', () => {
    fc.assert(
      fc.property(anyValueArb({ bytesMin: 0 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (v, at, byte) => {
        const b = encodeAnyValueCbor(v).slice();
        b[at % b.length] = byte;
        decodeOrInvalid(b);
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Cross-check against fxamacker/cbor (Go) with the reference producer's options

type GoJson = { t: string; v?: unknown };
function toGoJson(v: AnyValue): GoJson {
  switch (v.type) {
    case 'empty':
      return { t: 'e' };
    case 'string':
      return { t: 's', v: v.value };
    case 'bool':
      return { t: 'b', v: v.value };
    case 'int':
      return { t: 'i', v: v.value.toString() };
    case 'double': {
      const dv = new DataView(new ArrayBuffer(8));
      dv.setFloat64(0, v.value);
      return { t: 'd', v: dv.getBigUint64(0).toString(16).padStart(16, '0') };
    }
    case 'bytes':
      return { t: 'y', v: hex(v.value) };
    case 'array':
      return { t: 'a', v: v.values.map(toGoJson) };
    case 'kvlist':
      return { t: 'm', v: v.values.map((kv) => ({ k: kv.key, v: toGoJson(kv.value) })) };
  }
}

const goDir = join(dirname(fileURLToPath(import.meta.url)), 'cbor-go');

/** Builds (or reuses) the Go helper; returns its path or why it is unavailable. */
function buildGoHelper(): { bin: string } | { reason: string } {
  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (version.status !== 0) return { reason: 'go toolchain not found' };
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(goDir, f)));
  hash.update(version.stdout);
  const cacheRoot = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  const dir = join(cacheRoot, 'otel-arrow', 'cbor-go', hash.digest('hex').slice(0, 16));
  const bin = join(dir, 'cborcheck');
  if (existsSync(bin)) return { bin };
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const build = spawnSync('go', ['build', '-o', tmp, '.'], { cwd: goDir, encoding: 'utf8', timeout: 540_000 });
  if (build.status !== 0) return { reason: `go build failed: ${build.stderr || build.error?.message}` };
  renameSync(tmp, bin);
  return { bin };
}

describe('cross-check with Go fxamacker/cbor v2.9.2', () => {
  let helper: { bin: string } | { reason: string } = { reason: 'not built' };
  beforeAll(() => {
    helper = buildGoHelper();
  });

  it('encodes ~200 random values to the same bytes as Go', (ctx) => {
    if (!('bin' in helper)) {
      console.warn(`skipping Go cross-check: ${helper.reason}`);
      ctx.skip();
      return;
    }
    const arb = fc.oneof(
      anyValueArb({ bytesMin: 0 }),
      // lone surrogates: both sides write U+FFFD
      fc.constantFrom(M(['\ud800', S('a\udfff')]), A(S('\udc00\ud800x'))),
    );
    const values = [
      ...fc.sample(arb, { numRuns: 200, seed: 20240601 }),
      ...golden.map(([, v]) => v),
    ];
    const input = values.map((v) => JSON.stringify(toGoJson(v))).join('\n') + '\n';
    const run = spawnSync(helper.bin, [], { input, encoding: 'utf8', maxBuffer: 256 << 20 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(values.length);
    values.forEach((v, i) => {
      expect(hex(encodeAnyValueCbor(v)), JSON.stringify(toGoJson(v))).toBe(lines[i]);
    });
  });
});
