// A long stream through one Producer/Consumer pair: the distinct values of dictionary
// columns pass 255 (u8 -> u16 keys, a schema reset) and then 65,535 (the u16 dictionary
// overflows: reset or plain type, another schema reset), with delta dictionaries in between.
// Every batch must decode to its source.
import { describe, expect, it } from 'vitest';
import { canonicalDiff } from '../../src/otlp/canonical.js';
import { generateLogs } from '../../src/otlp/generate.js';
import type { ExportLogsServiceRequest } from '../../src/otlp/model.js';
import { IpcStreamReader, listMessages } from '../../src/ipc/index.js';
import { decodeBatchArrowRecords, encodeBatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import { Consumer } from '../../src/otap/consumer.js';
import { ArrowPayloadType as T } from '../../src/otap/payload-type.js';
import { Producer } from '../../src/otap/producer.js';
import { yieldToEventLoop } from '../support/event-loop.js';

const BATCHES = 55;
const BATCH_SIZE = 3000;

/** Event names: 10 new per batch for 30 batches (crosses 255), then all new (crosses 65,535). */
function batch(b: number): ExportLogsServiceRequest {
  const req = generateLogs({ seed: 5, batchSize: BATCH_SIZE, batchIndex: b, uniqueValuesPerBatch: 1300 });
  let i = 0;
  for (const rl of req.resourceLogs) {
    for (const sl of rl.scopeLogs) {
      for (const log of sl.logRecords) {
        log.eventName = b < 30 ? `evt-${b * 10 + (i % 10)}` : `evt-${b}-${i}`;
        i++;
      }
    }
  }
  return req;
}

/** Key width of `event_name` in the schema that starts a LOGS stream (0 = plain). */
function eventNameKeyWidth(firstChunk: Uint8Array): number {
  const reader = new IpcStreamReader();
  reader.read(firstChunk);
  const field = reader.schema!.fields.find((f) => f.name === 'event_name')!;
  return field.dictionary?.indexBitWidth ?? 0;
}

describe('long stream with dictionary growth and overflow', () => {
  it(`${BATCHES} batches of ${BATCH_SIZE} logs decode exactly, with deltas, u8->u16 and u16 overflow`, async () => {
    const producer = new Producer();
    const consumer = new Consumer();
    const logsStreams: { schemaId: string; batch: number; keyWidth: number }[] = [];
    const attrStreams: string[] = [];
    let deltaBatches = 0;
    let attrReplacements = 0;

    for (let b = 0; b < BATCHES; b++) {
      await yieldToEventLoop(); // minutes of work on a loaded machine: see test/support/event-loop.ts
      const req = batch(b);
      const bar = producer.encodeLogs(req);
      for (const p of bar.arrowPayloads) {
        const messages = listMessages(p.record);
        expect(messages.filter((m) => m.type === 'recordBatch')).toHaveLength(1);
        deltaBatches += messages.filter((m) => m.type === 'dictionary' && m.isDelta).length;
        if (p.type === T.LOGS && logsStreams.at(-1)?.schemaId !== p.schemaId) {
          logsStreams.push({ schemaId: p.schemaId, batch: b, keyWidth: eventNameKeyWidth(p.record) });
        }
        if (p.type === T.LOG_ATTRS) {
          if (attrStreams.at(-1) !== p.schemaId) attrStreams.push(p.schemaId);
          else attrReplacements += messages.filter((m) => m.type === 'dictionary' && !m.isDelta).length;
        }
      }
      const decoded = consumer.decodeLogs(decodeBatchArrowRecords(encodeBatchArrowRecords(bar)));
      expect(canonicalDiff('logs', req, decoded), `batch ${b}`).toBeUndefined();
    }

    // event_name: u8 keys first, u16 after 255 distinct values, plain after 65,535.
    expect(logsStreams.map((s) => s.keyWidth)).toEqual([8, 16, 0]);
    expect(logsStreams[1]!.batch).toBeGreaterThan(20);
    expect(logsStreams[2]!.batch).toBeGreaterThan(45);
    // Schema ids are unique across payload types and streams.
    expect(new Set([...logsStreams.map((s) => s.schemaId), ...attrStreams]).size).toBe(logsStreams.length + attrStreams.length);
    // Dictionaries grew by deltas between resets.
    expect(deltaBatches).toBeGreaterThan(2 * BATCHES);
    // LOG_ATTRS.str saw 55 x 1300 fresh strings (> 65,535): it restarted its dictionary
    // (a replacement on the same stream) or moved to plain strings (a new stream).
    expect(attrReplacements + attrStreams.length - 1).toBeGreaterThanOrEqual(1);
    // It yields between batches, so the test timeout now applies: minutes on a loaded machine.
  }, 600_000);
});
