// OtapReceiver under pressure: admission control with a slow consume(), a client that never
// reads its acks, the per-stream memory limit, and shutdown in the middle of a stream.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Producer } from '../../src/otap/producer.js';
import { encodeBatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { grpcMessageFrame } from '../../src/transport/grpc/compression.js';
import { arrowCall, generate, otlpExport, sleep, startReceiver } from './receiver-support.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** Bytes admission charges for one batch on this run's backend (OTLP bytes, or the Arrow
 *  tables a native receiver holds): read from a receiver whose consume() never finishes. */
async function admittedBytes(signal: 'logs' | 'traces', bar: Uint8Array): Promise<number> {
  const { receiver, port } = await startReceiver({}, () => new Promise<void>(() => {}));
  const c = arrowCall(signal, port);
  try {
    c.send(bar);
    const deadline = Date.now() + 10_000;
    while (receiver.admissionState.inFlight === 0 && Date.now() < deadline) await sleep(5);
    return receiver.admissionState.inFlight;
  } finally {
    c.client.close();
    await receiver.shutdown();
  }
}

const MiB = 1024 * 1024;

describe('admission control', () => {
  it('slow consume(): RESOURCE_EXHAUSTED once request + waiting limits fill; bytes stay bounded', async () => {
    const gates: Array<() => void> = [];
    // Room for about three batches in flight and three waiting, whatever the backend counts.
    const one = await admittedBytes('logs', encodeBatchArrowRecords(new Producer().encode('logs', generate('logs', 3, 200, 0))));
    const limit = (3.5 * one) / MiB;
    const { receiver, port } = await startReceiver(
      { requestLimitMiB: limit, waitingLimitMiB: limit },
      () => new Promise<void>((resolve) => gates.push(resolve)),
    );
    cleanup.push(() => receiver.shutdown());
    const c = arrowCall('logs', port);
    cleanup.push(() => c.client.close());
    const p = new Producer();
    const N = 40;
    for (let i = 0; i < N; i++) c.send(p.encode('logs', generate('logs', 3, 200, i)));
    // Every batch is decoded (IPC state stays in step) and answered or parked.
    let maxIn = 0;
    let maxWait = 0;
    let last = '';
    let stableSince = Date.now();
    // Settled = something arrived and nothing changed for 1 s (a loaded machine can take
    // longer than that to deliver the first batch, so the idle start does not count).
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline && (last === '' || last === '0/0/0' || Date.now() - stableSince < 1000)) {
      const s = receiver.admissionState;
      maxIn = Math.max(maxIn, s.inFlight);
      maxWait = Math.max(maxWait, s.waiting);
      const now = `${c.acks.length}/${gates.length}/${s.waiting}`;
      if (now !== last) (last = now), (stableSince = Date.now());
      await sleep(10);
    }
    expect(gates.length).toBeGreaterThan(0);
    const refused = c.acks.filter((a) => a.statusCode === grpc.status.RESOURCE_EXHAUSTED);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.statusMessage).toMatch(/waiting/);
    expect(maxIn).toBeLessThanOrEqual(limit * MiB);
    expect(maxWait).toBeLessThanOrEqual(limit * MiB);
    expect(receiver.stats.rejected.RESOURCE_EXHAUSTED).toBeGreaterThanOrEqual(refused.length);
    // Release the consumers: everything not refused is acknowledged OK, in any order.
    const release = setInterval(() => gates.splice(0).forEach((g) => g()), 5);
    try {
      const acks = await c.waitAcks(N);
      expect(new Set(acks.map((a) => a.batchId)).size).toBe(N);
      const refusedAll = acks.filter((a) => a.statusCode === grpc.status.RESOURCE_EXHAUSTED).length;
      expect(acks.filter((a) => a.statusCode === 0).length).toBe(N - refusedAll);
      expect(receiver.stats.rejected.RESOURCE_EXHAUSTED).toBe(refusedAll);
      // The stream and its IPC state are fine: one more batch goes through.
      c.send(p.encode('logs', generate('logs', 3, 10, N)));
      const more = await c.waitAcks(N + 1);
      expect(more[N]!.statusCode, more[N]!.statusMessage).toBe(0);
    } finally {
      clearInterval(release);
    }
    expect(receiver.admissionState).toEqual({ inFlight: 0, waiting: 0 });
  });

  it('a request larger than the request limit is refused at once (OTLP too)', async () => {
    const { receiver, port } = await startReceiver({ requestLimitMiB: 0.01 });
    cleanup.push(() => receiver.shutdown());
    await expect(otlpExport('traces', port, generate('traces', 1, 300))).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
  });

  it('memory stays bounded with a consume() that never finishes', async () => {
    const req = generate('traces', 9, 300);
    // Room for about ten batches in flight and ten waiting: the other 130 are refused.
    const one = await admittedBytes('traces', encodeBatchArrowRecords(new Producer().encode('traces', req)));
    const limit = (10.5 * one) / MiB;
    const { receiver, port } = await startReceiver({ requestLimitMiB: limit, waitingLimitMiB: limit }, () => new Promise<void>(() => {}));
    cleanup.push(() => receiver.shutdown());
    const c = arrowCall('traces', port);
    cleanup.push(() => c.client.close());
    const p = new Producer();
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 150; i++) {
      c.send(p.encode('traces', req));
      if (i % 20 === 0) await sleep(5);
    }
    await c.waitAcks(130, 20000);
    const s = receiver.admissionState;
    expect(s.inFlight).toBeLessThanOrEqual(limit * MiB);
    expect(s.waiting).toBeLessThanOrEqual(limit * MiB);
    expect(c.acks.every((a) => a.statusCode === grpc.status.RESOURCE_EXHAUSTED)).toBe(true);
    // Generous: 300 batches fully retained would be far more than this.
    expect(process.memoryUsage().rss - rss0).toBeLessThan(400 * 1024 * 1024);
  });
});

describe('flow control', () => {
  it('a client that never reads acks: the server stops reading instead of buffering acks', async () => {
    // Once the server stops reading, the client can still fill the stream's HTTP/2 window
    // (Node buffers it unread): a 256 KiB window keeps that short.
    const streamWindow = 256 * 1024;
    const { receiver, port, received } = await startReceiver({ http2: { streamWindowBytes: streamWindow, connectionWindowBytes: 4 * streamWindow } });
    cleanup.push(() => receiver.shutdown());
    // A raw HTTP/2 client with a tiny receive window that never consumes response data.
    const http2 = await import('node:http2');
    const session = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 256 } });
    cleanup.push(() => session.destroy());
    const req = session.request({
      ':method': 'POST', ':path': '/opentelemetry.proto.experimental.arrow.v1.ArrowLogsService/ArrowLogs',
      'content-type': 'application/grpc', te: 'trailers',
    });
    req.pause(); // never read
    const p = new Producer();
    const frame = (bytes: Uint8Array): Buffer => grpcMessageFrame(bytes, false);
    let written = 0;
    let writtenBytes = 0;
    let blocked = false;
    // Acks with long messages fill the 256-byte window quickly: use a batch that fails
    // decoding so each ack carries a long status message.
    const bad = (i: number): Uint8Array => encodeBatchArrowRecords({
      batchId: BigInt(i), arrowPayloads: [{ schemaId: `s${i}`, type: 30, record: new Uint8Array(64).fill(7) }], headers: new Uint8Array(0),
    });
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
      const f = frame(bad(written));
      writtenBytes += f.length;
      if (!req.write(f)) {
        blocked = true;
        await Promise.race([new Promise((r) => req.once('drain', r)), sleep(300)]);
        if (req.writableLength > 0 && req.writableNeedDrain) break; // the server stopped reading
      }
      written++;
      if (written % 50 === 0) await sleep(1);
    }
    expect(blocked).toBe(true);
    const answered = receiver.stats.rejected.INVALID_ARGUMENT ?? 0;
    await sleep(300);
    // Paused: nothing more is read or answered, and only a bounded number of acks is queued.
    expect(receiver.stats.rejected.INVALID_ARGUMENT ?? 0).toBe(answered);
    expect(answered).toBeLessThan(200);
    expect(answered).toBeGreaterThan(0);
    // The server answered only a bounded number of batches before pausing the stream, and the
    // client could write no more than the window (plus its own 16 KiB write buffer) after that.
    expect(written).toBeLessThan(5000);
    expect(writtenBytes).toBeLessThan(streamWindow + 64 * 1024);
    expect(received).toHaveLength(0);
    expect(receiver.stats.streams).toBe(1);
    req.close();
  });
});

describe('stream memory limit', () => {
  /** A logs stream to a receiver with a 20 KiB stream memory limit, and its producer. */
  async function limitedStream(): Promise<{ c: ReturnType<typeof arrowCall>; p: Producer }> {
    const { receiver, port } = await startReceiver({ streamMemoryLimitMiB: 0.02 });
    cleanup.push(() => receiver.shutdown());
    const c = arrowCall('logs', port);
    cleanup.push(() => c.client.close());
    return { c, p: new Producer() };
  }

  it('IPC state above streamMemoryLimit -> RESOURCE_EXHAUSTED ack and stream status', async () => {
    const { c, p } = await limitedStream();
    // Unique values grow the dictionaries batch after batch.
    for (let i = 0; i < 20; i++) {
      c.send(p.encode('logs', generate('logs', 4, 200, i)));
    }
    const s = await c.done;
    expect(s.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(s.details).toMatch(/stream memory limit/);
    const last = c.acks[c.acks.length - 1]!;
    expect(last.statusCode).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('batches refused after adding to the IPC state count too: the stream ends RESOURCE_EXHAUSTED', async () => {
    const { c, p } = await limitedStream();
    // Each batch's tables (and their dictionary deltas) are read, then its repeated first
    // payload refuses it: INVALID_ARGUMENT, with the state grown all the same.
    for (let i = 0; i < 20; i++) {
      const bar = p.encode('logs', generate('logs', 4, 200, i));
      c.send({ ...bar, arrowPayloads: [...bar.arrowPayloads, bar.arrowPayloads[0]!] });
    }
    c.call.end();
    const s = await c.done;
    expect(c.acks.length).toBeGreaterThan(0);
    expect(c.acks.every((a) => a.statusCode === grpc.status.INVALID_ARGUMENT)).toBe(true);
    expect(s.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(s.details).toMatch(/stream memory limit/);
  });
});

describe('shutdown', () => {
  it('mid-stream: waiting and unfinished batches are answered UNAVAILABLE, the stream ends UNAVAILABLE', async () => {
    const { receiver, port, received } = await startReceiver(
      { requestLimitMiB: 0.05, waitingLimitMiB: 4, shutdownGraceMs: 200 },
      () => new Promise<void>(() => {}), // never finishes
    );
    const c = arrowCall('metrics', port);
    cleanup.push(() => c.client.close());
    const p = new Producer();
    for (let i = 0; i < 5; i++) c.send(p.encode('metrics', generate('metrics', 2, 100, i)));
    while (received.length < 1) await sleep(10);
    await sleep(100);
    await receiver.shutdown();
    const s = await c.done;
    expect(s.code).toBe(grpc.status.UNAVAILABLE);
    expect(c.acks).toHaveLength(5);
    expect(c.acks.every((a) => a.statusCode === grpc.status.UNAVAILABLE)).toBe(true);
    // and the port is closed
    const late = arrowCall('metrics', port);
    cleanup.push(() => late.client.close());
    late.send(p.encode('metrics', generate('metrics', 2, 1, 9)));
    expect((await late.done).code).toBe(grpc.status.UNAVAILABLE);
  });

  it('batches whose consume() finishes within the grace period are answered OK', async () => {
    const { receiver, port } = await startReceiver({ shutdownGraceMs: 2000 }, () => sleep(300));
    const c = arrowCall('logs', port);
    cleanup.push(() => c.client.close());
    const p = new Producer();
    for (let i = 0; i < 3; i++) c.send(p.encode('logs', generate('logs', 2, 10, i)));
    await sleep(100);
    await receiver.shutdown();
    expect((await c.done).code).toBe(grpc.status.UNAVAILABLE);
    expect(c.acks.map((a) => a.statusCode)).toEqual([0, 0, 0]);
  });
});
