// The structured log sink (pino): JSON lines with the component and attributes as fields,
// or pretty one-liners; the level filter applies.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pinoSink } from '../../src/log/pino-sink.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe('pinoSink', () => {
  it('writes JSON lines with level, time, component, attributes (bigint as string) and message', async () => {
    const { stream, text } = capture();
    const sink = pinoSink({ format: 'json', level: 'info', stream });
    sink({ level: 'info', component: 'engine', message: 'started', attributes: { pipelines: 2, big: 2n ** 70n, none: undefined } });
    sink({ level: 'debug', component: 'engine', message: 'hidden', attributes: {} });
    await new Promise((r) => setImmediate(r));
    const lines = text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', component: 'engine', msg: 'started', pipelines: 2, big: (2n ** 70n).toString() });
    expect(lines[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('pretty: time, level, component, message and key=value pairs on one line', async () => {
    const { stream, text } = capture();
    const sink = pinoSink({ format: 'pretty', level: 'debug', stream });
    sink({ level: 'warn', component: 'g/p/retry', message: 'giving up', attributes: { attempts: 5, node: 'retry' } });
    await new Promise((r) => setImmediate(r));
    expect(text()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  g\/p\/retry: giving up attempts=5 node=retry\n$/);
  });
});
