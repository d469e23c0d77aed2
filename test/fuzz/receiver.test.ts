// Corpus inputs over a real gRPC stream to a receiver whose consume() converts each batch to
// OTLP: it answers each hostile batch with INVALID_ARGUMENT (or OK when it happens to be
// valid OTAP), never hangs or drops the
// stream, and a valid batch sent afterwards on the same stream is accepted.
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/otap/producer.js';
import { encodeBatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import type { Signal } from '../../src/otlp/model.js';
import type { OtapReceiver } from '../../src/transport/receiver/index.js';
import { arrowCall, generate, startReceiver } from '../transport/receiver-support.js';
import { readCorpus } from './harness.js';

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
const PER_SIGNAL = 6;
const corpus = readCorpus();
const receivers: OtapReceiver[] = [];
afterAll(async () => {
  for (const r of receivers) await r.shutdown();
});

describe.each(SIGNALS)('%s: corpus inputs through the receiver', (signal) => {
  it(`up to ${PER_SIGNAL} hostile batches on one stream, then a valid one`, async () => {
    const cases = corpus.filter((c) => c.signal === signal).slice(0, PER_SIGNAL);
    expect(cases.length).toBeGreaterThan(0);
    // A consumer that uses the data: converting the batch is where table-level damage shows
    // (a native receiver holds the tables unconverted until then) and answers INVALID_ARGUMENT.
    const { receiver, port, received } = await startReceiver({}, async (b) => void b.payload.otlpBytes());
    receivers.push(receiver);
    const call = arrowCall(signal, port);
    let sent = 0;
    const hostileAt: number[] = [];
    for (const c of cases) {
      for (const p of c.prefix) call.send(p), sent++;
      hostileAt.push(sent);
      call.send(c.input);
      sent++;
    }
    // A producer's schema ids start at "0" again: rename them so they are new to this stream.
    const bar = new Producer().encode(signal, generate(signal, 3, 5, 0));
    for (const p of bar.arrowPayloads) p.schemaId = `after-corpus-${p.schemaId}`;
    call.send(encodeBatchArrowRecords(bar));
    sent++;
    const acks = await call.waitAcks(sent, 60_000);
    call.client.close();
    expect(acks).toHaveLength(sent);
    const codes = hostileAt.map((i) => acks[i]!.statusCode);
    for (const code of codes) expect([grpc.status.OK, grpc.status.INVALID_ARGUMENT]).toContain(code);
    expect(codes).toContain(grpc.status.INVALID_ARGUMENT);
    expect(acks[sent - 1]!.statusCode).toBe(grpc.status.OK);
    expect(received.length).toBeGreaterThan(0);
  });
});
