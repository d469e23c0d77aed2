// Conformance of BackendEncoder.encodeColumns on every backend: SDK columns encode to the
// very BatchArrowRecords bytes the same backend makes from the equivalent OTLP request
// (native and wasm read the columns in Rust; js reads them into objects), stream state
// included, and decode back to that request; on native also off the JavaScript thread.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtelArrowError } from '../../src/errors.js';
import { canonicalDiff, countItems } from '../../src/otlp/canonical.js';
import type { Signal } from '../../src/otlp/model.js';
import { decodeOtlp, encodeOtlp } from '../../src/otlp/signal-codec.js';
import { LogColumns } from '../../src/sdk/columns/log-columns.js';
import { readColumns } from '../../src/sdk/columns/read-columns.js';
import { SpanColumns } from '../../src/sdk/columns/span-columns.js';
import { backendRows, requireBackend } from '../support/backends.js';
import { arbLogRecords, arbSpans } from '../support/sdk-arbitraries.js';

const buffers = fc.oneof(
  arbSpans().map((spans) => {
    const c = new SpanColumns();
    for (const s of spans) c.append(s);
    return c.finish();
  }),
  arbLogRecords().map((logs) => {
    const c = new LogColumns();
    for (const l of logs) c.append(l);
    return c.finish();
  }),
);

describe.each(backendRows())('encodeColumns on the %s backend', (name) => {
  it('streams of columns encode byte for byte as the equivalent OTLP requests, and decode to them', () => {
    const backend = requireBackend(name);
    fc.assert(fc.property(fc.array(buffers, { minLength: 1, maxLength: 4 }), (bufs) => {
      const fromColumns = backend.createEncoder({ zstdLevel: 1 });
      const fromOtlp = backend.createEncoder({ zstdLevel: 1 });
      const decoder = backend.createDecoder();
      try {
        for (const buf of bufs) {
          const { signal, request } = readColumns(buf);
          const bar = fromColumns.encodeColumns(buf);
          expect(Buffer.from(bar).equals(Buffer.from(fromOtlp.encode(signal, encodeOtlp(signal, request))))).toBe(true);
          const out = decoder.decode(bar);
          if (out.signal) expect(canonicalDiff(signal, decodeOtlp(signal, out.otlp), request)).toBeUndefined();
        }
      } finally {
        fromColumns.close();
        fromOtlp.close();
        decoder.close();
      }
    }), { numRuns: 60 });
  });

  it('encodeColumnsAsync (native: the encoder thread; wasm: a worker) queued with encodeAsync gives the bytes of the same calls made synchronously', async () => {
    const backend = requireBackend(name);
    const probe = backend.createEncoder({ thread: true });
    const offThread = !!probe.encodeColumnsAsync && !!probe.encodeAsync;
    probe.close();
    expect(offThread).toBe(name !== 'js');
    if (!offThread) return;
    const bufs = fc.sample(buffers, { numRuns: 8, seed: 5 });
    const sync = backend.createEncoder();
    const async = backend.createEncoder({ thread: true });
    try {
      // Columns and OTLP bytes alternate on one stream: the queue keeps them in call order.
      type Call = { buf: Uint8Array } | { signal: Signal; otlp: Uint8Array };
      const calls = bufs.flatMap((buf): Call[] => {
        const { signal, request } = readColumns(buf);
        return [{ buf }, { signal, otlp: encodeOtlp(signal, request) }];
      });
      const expected = calls.map((c) => ('buf' in c ? sync.encodeColumns(c.buf) : sync.encode(c.signal, c.otlp)));
      const got = await Promise.all(calls.map((c) => ('buf' in c ? async.encodeColumnsAsync!(c.buf) : async.encodeAsync!(c.signal, c.otlp))));
      expect(got.map((b) => Buffer.from(b).toString('base64'))).toEqual(expected.map((b) => Buffer.from(b).toString('base64')));
      // Framed (the gRPC zstd message, compressed on the same thread): the next bytes of the stream.
      const framed = await async.encodeFramedAsync!({ columns: bufs[1]! }, 3);
      const plain = sync.encodeColumns(bufs[1]!);
      expect(Buffer.from(backend.zstdDecompress(framed.frame.subarray(5))).equals(Buffer.from(plain))).toBe(true);
      expect(framed.barBytes).toBe(plain.length);
      const { signal, request } = readColumns(bufs[1]!);
      expect(framed.items).toBe(countItems(signal, request));
      // Counted: the next bytes of the stream and the items of the columns.
      const counted = await async.encodeCountedAsync!({ columns: bufs[2]! });
      expect(Buffer.from(counted.bar).equals(Buffer.from(sync.encodeColumns(bufs[2]!)))).toBe(true);
      const third = readColumns(bufs[2]!);
      expect(counted.items).toBe(countItems(third.signal, third.request));
      const bad = bufs[0]!.subarray(0, bufs[0]!.length - 1);
      const err = (await async.encodeColumnsAsync!(bad).then(() => undefined, (e: unknown) => e)) as OtelArrowError;
      expect(err).toBeInstanceOf(OtelArrowError);
      expect(err.code).toBe('MALFORMED_COLUMNS');
    } finally {
      sync.close();
      async.close();
    }
  });

  it('a malformed buffer is MALFORMED_COLUMNS and the encoder keeps working', () => {
    const backend = requireBackend(name);
    const good = fc.sample(buffers, { numRuns: 1, seed: 3 })[0]!;
    const enc = backend.createEncoder();
    try {
      for (const bad of [good.subarray(0, good.length - 1), new Uint8Array(16), Uint8Array.of(...good.subarray(0, 8), 9, 0, 0, 0)]) {
        let err: unknown;
        try {
          enc.encodeColumns(bad);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(OtelArrowError);
        expect((err as OtelArrowError).code).toBe('MALFORMED_COLUMNS');
      }
      expect(enc.encodeColumns(good).length).toBeGreaterThan(0);
    } finally {
      enc.close();
    }
  });
});
