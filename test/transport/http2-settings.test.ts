// The gRPC server's HTTP/2 windows and frame size, as a client sees them: SETTINGS and the
// connection-level WINDOW_UPDATE. grpc-js alone leaves both windows at 64 KiB.
import * as http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/pipeline/config/config-error.js';
import { validateText } from '../../src/pipeline/engine/engine.js';
import { builtinRegistry } from '../../src/pipeline/nodes/builtin.js';
import { grpcHttp2Tuning, grpcServerSchema } from '../../src/pipeline/nodes/settings/grpc-server.js';
import { OtapReceiver } from '../../src/transport/receiver/receiver.js';
import type { ReceiverOptions } from '../../src/transport/receiver/types.js';

const MiB = 1024 * 1024;
const open: OtapReceiver[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.shutdown()));
});

/** What a client sees of a receiver: the server's SETTINGS and the connection window it may fill. */
async function seen(options: Partial<ReceiverOptions>): Promise<{ settings: http2.Settings; connectionWindow: number }> {
  const receiver = new OtapReceiver({ backend: 'js', ...options }, async () => {});
  open.push(receiver);
  const { grpcPort } = await receiver.start();
  const client = http2.connect(`http://127.0.0.1:${grpcPort}`);
  try {
    const settings = await new Promise<http2.Settings>((resolve, reject) => {
      client.once('remoteSettings', resolve);
      client.once('error', reject);
    });
    // The server sends its WINDOW_UPDATE before it answers a PING sent after the handshake.
    await new Promise<void>((resolve, reject) => client.ping((err) => (err ? reject(err) : resolve())));
    return { settings, connectionWindow: client.state.remoteWindowSize ?? -1 };
  } finally {
    client.close();
  }
}

describe('gRPC server HTTP/2 windows', () => {
  it('defaults to the Rust engine\'s 8 MiB stream and 24 MiB connection windows', async () => {
    const s = await seen({});
    expect(s.settings.initialWindowSize).toBe(8 * MiB);
    expect(s.settings.maxFrameSize).toBe(16_384);
    expect(s.connectionWindow).toBe(24 * MiB);
  });

  it('applies configured windows, frame size and concurrent streams', async () => {
    const s = await seen({ http2: { streamWindowBytes: 1 * MiB, connectionWindowBytes: 3 * MiB, maxFrameBytes: 65_536 }, maxConcurrentStreams: 7 });
    expect(s.settings.initialWindowSize).toBe(1 * MiB);
    expect(s.settings.maxFrameSize).toBe(65_536);
    expect(s.settings.maxConcurrentStreams).toBe(7);
    expect(s.connectionWindow).toBe(3 * MiB);
  });

  it('refuses to start with windows or frames outside HTTP/2\'s ranges', async () => {
    const receiver = new OtapReceiver({ backend: 'js', http2: { streamWindowBytes: 1000 } }, async () => {});
    await expect(receiver.start()).rejects.toThrow(/HTTP\/2 stream window 1000: expected 65535 to 2147483647 bytes/);
    const frames = new OtapReceiver({ backend: 'js', http2: { maxFrameBytes: 2 ** 24 } }, async () => {});
    await expect(frames.start()).rejects.toThrow(/HTTP\/2 max frame size 16777216: expected 16384 to 16777215 bytes/);
  });
});

describe('receiver:otlp grpc settings', () => {
  it('maps the engine\'s window and frame fields to the server tuning', () => {
    const s = grpcServerSchema.parse({ listening_addr: '127.0.0.1:0', initial_stream_window_size: '4MiB', initial_connection_window_size: '16MiB', max_frame_size: '32KiB' });
    expect(grpcHttp2Tuning(s)).toEqual({ streamWindowBytes: 4 * MiB, connectionWindowBytes: 16 * MiB, maxFrameBytes: 32 * 1024 });
    expect(grpcHttp2Tuning(grpcServerSchema.parse({ listening_addr: '127.0.0.1:0' }))).toEqual({});
  });

  it('names a window or frame size out of range at config load', () => {
    const yaml = `version: otel_dataflow/v1
groups:
  g:
    pipelines:
      p:
        nodes:
          r: { type: receiver:otlp, config: { protocols: { grpc: { listening_addr: "127.0.0.1:0", initial_stream_window_size: 1KiB, max_frame_size: 8KiB } } } }
          e: { type: exporter:noop }
        connections:
          - { from: r, to: e }
`;
    let issues: string[] = [];
    try {
      validateText(yaml, 'w.yaml', builtinRegistry());
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues = e.issues.map((i) => `${i.path}: ${i.message}`);
    }
    expect(issues).toContainEqual(expect.stringMatching(/protocols\.grpc\.initial_stream_window_size: expected an HTTP\/2 window from 65535 bytes/));
    expect(issues).toContainEqual(expect.stringMatching(/protocols\.grpc\.max_frame_size: expected an HTTP\/2 frame size from 16KiB/));
  });
});
