// OtapReceiver over loopback: round trips for every signal (OTAP and OTLP), malformed and
// unknown payloads, oversized messages, metadata + HPACK headers, auth, compression.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Producer } from '../../src/otap/producer.js';
import { ArrowPayloadType as PayloadType } from '../../src/otap/payload-type.js';
import { encodeBatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import type { Signal } from '../../src/otlp/model.js';
import { compressionChannelOptions } from '../../src/transport/grpc/compression.js';
import { HpackEncoder } from '../../src/transport/hpack/index.js';
import { permanent, StatusError, type OtapReceiver } from '../../src/transport/receiver/index.js';
import { arrowCall, generate, otlpExport, sleep, startReceiver, type ArrowCall } from './receiver-support.js';

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function track(receiver: OtapReceiver, ...calls: ArrowCall[]): void {
  cleanup.push(() => receiver.shutdown());
  for (const c of calls) cleanup.push(() => c.client.close());
}

describe('round trip', () => {
  for (const signal of SIGNALS) {
    it(`${signal}: OTAP stream, several batches, canonically equal`, async () => {
      const { receiver, port, received } = await startReceiver();
      const c = arrowCall(signal, port, { metadata: { 'x-tenant': 'acme' } });
      track(receiver, c);
      const producer = new Producer();
      const sent = [0, 1, 2, 3].map((i) => generate(signal, 7, 25, i));
      sent.forEach((req) => c.send(producer.encode(signal, req)));
      const acks = await c.waitAcks(4);
      expect(acks.map((a) => [a.batchId, a.statusCode])).toEqual(
        expect.arrayContaining([0n, 1n, 2n, 3n].map((id) => [id, 0])),
      );
      expect(received).toHaveLength(4);
      received.forEach((b, i) => {
        expect(b.signal).toBe(signal);
        expect(b.protocol).toBe('otap');
        expect(b.metadata['x-tenant']).toBe('acme');
        expect(b.bytes).toBeGreaterThan(0);
        expect(canonicalDiff(signal, b.request, sent[i]!)).toBeUndefined();
      });
      expect(receiver.stats.batches).toBe(4);
      expect(receiver.stats.items).toBeGreaterThanOrEqual(100);
      expect(receiver.stats.streams).toBe(1);
      c.call.end();
      expect((await c.done).code).toBe(grpc.status.OK);
      expect(receiver.stats.streams).toBe(0);
    });

    it(`${signal}: OTLP Export on the same server`, async () => {
      const { receiver, port, received } = await startReceiver();
      track(receiver);
      const req = generate(signal, 3, 30);
      expect(await otlpExport(signal, port, req, { metadata: { 'x-k': 'v' } })).toEqual({});
      expect(received).toHaveLength(1);
      expect(received[0]!.protocol).toBe('otlp-grpc');
      expect(received[0]!.metadata['x-k']).toBe('v');
      expect(canonicalDiff(signal, received[0]!.request, req)).toBeUndefined();
    });
  }

  it('an empty BAR is answered OK without a consume() call', async () => {
    const { receiver, port, received } = await startReceiver();
    const c = arrowCall('logs', port);
    track(receiver, c);
    c.send({ batchId: 5n, arrowPayloads: [], headers: new Uint8Array(0) });
    expect((await c.waitAcks(1))[0]).toMatchObject({ batchId: 5n, statusCode: 0 });
    expect(received).toHaveLength(0);
  });

  for (const alg of ['zstd', 'gzip'] as const) {
    it(`${alg}-compressed gRPC messages`, async () => {
      const { receiver, port, received } = await startReceiver();
      const c = arrowCall('traces', port, { channelOptions: compressionChannelOptions(alg) });
      track(receiver, c);
      const p = new Producer();
      const reqs = [0, 1].map((i) => generate('traces', 11, 200, i));
      reqs.forEach((r) => c.send(p.encode('traces', r)));
      expect((await c.waitAcks(2)).every((a) => a.statusCode === 0)).toBe(true);
      reqs.forEach((r, i) => expect(canonicalDiff('traces', received[i]!.request as typeof r, r)).toBeUndefined());
      expect(await otlpExport('logs', port, generate('logs', 1, 50), { channelOptions: compressionChannelOptions(alg) })).toEqual({});
    });
  }
});

describe('bad input', () => {
  it('malformed BAR -> INVALID_ARGUMENT; the stream keeps working on a fresh schema', async () => {
    const { receiver, port, received } = await startReceiver();
    const c = arrowCall('logs', port);
    track(receiver, c);
    const p1 = new Producer();
    c.send(p1.encode('logs', generate('logs', 1, 10, 0)));
    // Envelope that does not parse (batch_id 1, then a truncated payload field).
    c.send(Uint8Array.from([0x08, 0x01, 0x12, 0x40, 0x0a]));
    // A well-formed envelope whose IPC bytes are garbage, for a new schema id.
    c.send({ batchId: 2n, arrowPayloads: [{ schemaId: 'bad', type: PayloadType.LOGS, record: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]) }], headers: new Uint8Array(0) });
    // A new producer (fresh schema ids from a new stream's point of view would collide with
    // p1's "0", so rename them) sends a valid batch.
    const bar = new Producer().encode('logs', generate('logs', 2, 10, 0));
    bar.batchId = 3n;
    for (const pl of bar.arrowPayloads) pl.schemaId = `fresh-${pl.schemaId}`;
    c.send(bar);
    const acks = await c.waitAcks(4);
    const byId = new Map(acks.map((a) => [a.batchId, a]));
    expect(byId.get(0n)!.statusCode).toBe(0);
    expect(byId.get(1n)).toMatchObject({ statusCode: grpc.status.INVALID_ARGUMENT });
    expect(byId.get(1n)!.statusMessage).toMatch(/malformed BatchArrowRecords/);
    expect(byId.get(2n)).toMatchObject({ statusCode: grpc.status.INVALID_ARGUMENT });
    expect(byId.get(2n)!.statusMessage).toMatch(/LOGS/);
    expect(byId.get(3n)!.statusCode).toBe(0);
    expect(received).toHaveLength(2);
    expect(receiver.stats.rejected.INVALID_ARGUMENT).toBe(2);
  });

  it('unknown payload type and a payload of another signal -> INVALID_ARGUMENT', async () => {
    const { receiver, port } = await startReceiver();
    const c = arrowCall('logs', port);
    track(receiver, c);
    const e = new Uint8Array(0);
    c.send({ batchId: 1n, arrowPayloads: [{ schemaId: 'x', type: 99, record: Uint8Array.from([1]) }], headers: e });
    c.send({ batchId: 2n, arrowPayloads: [{ schemaId: 'y', type: PayloadType.LOGS, record: e }, { schemaId: 'z', type: PayloadType.SPAN_ATTRS, record: e }], headers: e });
    const acks = await c.waitAcks(2);
    for (const a of acks) expect(a.statusCode).toBe(grpc.status.INVALID_ARGUMENT);
    expect(acks.find((a) => a.batchId === 1n)!.statusMessage).toMatch(/root payload|99|unknown/i);
    // the stream is still usable
    c.send(new Producer().encode('logs', generate('logs', 1, 5)));
    expect((await c.waitAcks(3))[2]!.statusCode).toBe(0);
  });

  it('a message larger than maxMessageBytes -> RESOURCE_EXHAUSTED (stream status)', async () => {
    const { receiver, port, received } = await startReceiver({ maxMessageBytes: 64 * 1024 });
    const c = arrowCall('logs', port);
    track(receiver, c);
    const bar = new Producer().encode('logs', generate('logs', 1, 2000));
    expect(encodeBatchBytes(bar)).toBeGreaterThan(64 * 1024);
    c.send(bar);
    const s = await c.done;
    expect(s.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(received).toHaveLength(0);
    // a compressed message that expands past the limit is refused the same way
    const z = arrowCall('logs', port, { channelOptions: compressionChannelOptions('zstd') });
    cleanup.push(() => z.client.close());
    z.send(new Producer().encode('logs', generate('logs', 1, 2000)));
    expect((await z.done).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('malformed OTLP request -> INVALID_ARGUMENT', async () => {
    const { receiver, port } = await startReceiver();
    track(receiver);
    const Ctor = grpc.makeGenericClientConstructor(
      (await import('../../src/transport/grpc/services.js')).rawOtlpServiceFor('logs') as grpc.ServiceDefinition, 'X');
    const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    cleanup.push(() => client.close());
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      (client as unknown as { Export: (req: Uint8Array, cb: (e: grpc.ServiceError) => void) => void }).Export(Uint8Array.from([0x0a, 0x50, 1]), (e) => resolve(e)));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});

function encodeBatchBytes(bar: Parameters<typeof encodeBatchArrowRecords>[0]): number {
  return encodeBatchArrowRecords(bar).length;
}

describe('consume() errors', () => {
  it('maps codes, permanent errors and plain errors', async () => {
    let n = 0;
    const { receiver, port } = await startReceiver({}, async () => {
      n++;
      if (n === 1) throw new StatusError(grpc.status.PERMISSION_DENIED, 'nope');
      if (n === 2) throw permanent(new Error('bad data'));
      if (n === 3) throw new Error('downstream busy');
    });
    const c = arrowCall('metrics', port);
    track(receiver, c);
    const p = new Producer();
    for (let i = 0; i < 4; i++) c.send(p.encode('metrics', generate('metrics', 5, 10, i)));
    const acks = await c.waitAcks(4);
    const code = (id: bigint): number => acks.find((a) => a.batchId === id)!.statusCode;
    expect([code(0n), code(1n), code(2n), code(3n)]).toEqual([
      grpc.status.PERMISSION_DENIED, grpc.status.INVALID_ARGUMENT, grpc.status.UNAVAILABLE, grpc.status.OK,
    ]);
    expect(acks.find((a) => a.batchId === 2n)!.statusMessage).toBe('downstream busy');
    await expect(otlpExport('metrics', port, generate('metrics', 1, 3))).resolves.toEqual({});
  });
});

describe('metadata and HPACK headers', () => {
  it('BAR headers merge over stream metadata; the second BAR uses the dynamic table', async () => {
    const { receiver, port, received } = await startReceiver();
    const c = arrowCall('traces', port, { metadata: { 'x-tenant': 'stream', 'x-stream-only': 's' } });
    track(receiver, c);
    const p = new Producer();
    const enc = new HpackEncoder();
    const b1 = p.encode('traces', generate('traces', 1, 5, 0));
    b1.headers = enc.encode([['X-Tenant', 'batch'], ['x-request-id', 'r-1'], ['grpc-timeout', '5S']]);
    const b2 = p.encode('traces', generate('traces', 1, 5, 1));
    b2.headers = enc.encode([['x-tenant', 'batch'], ['x-request-id', 'r-2']]);
    // x-tenant: batch is now a one-byte dynamic-table reference
    expect(b2.headers[0]! & 0x80).toBe(0x80);
    expect(b2.headers.length).toBeLessThan(b1.headers.length);
    c.send(b1);
    c.send(b2);
    expect((await c.waitAcks(2)).every((a) => a.statusCode === 0)).toBe(true);
    expect(received[0]!.metadata).toMatchObject({ 'x-tenant': 'batch', 'x-request-id': 'r-1', 'x-stream-only': 's' });
    expect(received[1]!.metadata).toMatchObject({ 'x-tenant': 'batch', 'x-request-id': 'r-2', 'x-stream-only': 's' });
  });

  it('a corrupt header block answers INVALID_ARGUMENT and ends the stream (INTERNAL)', async () => {
    const { receiver, port } = await startReceiver();
    const c = arrowCall('logs', port);
    track(receiver, c);
    const bar = new Producer().encode('logs', generate('logs', 1, 5));
    bar.headers = Uint8Array.from([0xbf]); // index 63: beyond an empty dynamic table
    c.send(bar);
    const s = await c.done;
    expect(c.acks[0]).toMatchObject({ batchId: 0n, statusCode: grpc.status.INVALID_ARGUMENT });
    expect(s.code).toBe(grpc.status.INTERNAL);
  });
});

describe('bearer auth', () => {
  it('accepts the token, refuses missing or wrong tokens on streams and unary calls', async () => {
    const { receiver, port, received } = await startReceiver({ bearerToken: 's3cret' });
    track(receiver);
    const ok = arrowCall('logs', port, { metadata: { authorization: 'Bearer s3cret' } });
    const bad = arrowCall('logs', port, { metadata: { authorization: 'Bearer nope' } });
    const none = arrowCall('logs', port);
    cleanup.push(() => { ok.client.close(); bad.client.close(); none.client.close(); });
    ok.send(new Producer().encode('logs', generate('logs', 1, 5)));
    expect((await ok.waitAcks(1))[0]!.statusCode).toBe(0);
    expect(received[0]!.metadata.authorization).toBeUndefined();
    expect((await bad.done).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await none.done).code).toBe(grpc.status.UNAUTHENTICATED);
    // a per-batch authorization header is checked too
    const bar = new Producer().encode('logs', generate('logs', 2, 5));
    bar.batchId = 9n;
    bar.headers = new HpackEncoder().encode([['authorization', 'Bearer wrong']]);
    ok.send(bar);
    expect((await ok.waitAcks(2))[1]).toMatchObject({ batchId: 9n, statusCode: grpc.status.UNAUTHENTICATED });

    await expect(otlpExport('logs', port, generate('logs', 1, 3), { metadata: { authorization: 'Bearer s3cret' } })).resolves.toEqual({});
    await expect(otlpExport('logs', port, generate('logs', 1, 3), { metadata: { authorization: 'Bearer x' } }))
      .rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(otlpExport('logs', port, generate('logs', 1, 3))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(receiver.stats.rejected.UNAUTHENTICATED).toBe(5);
  });
});

void sleep;
