// HTTP/2 flow-control windows (and frame size) of our gRPC servers. grpc-js creates its
// http2 servers with Node's defaults, a 64 KiB stream and connection window, and has no option
// to change them; Go's gRPC server grows its windows by BDP estimation and the Rust engine
// defaults to 8 MiB per stream and 24 MiB per connection. With 64 KiB, a client sending an
// 800 KB request stalls for a WINDOW_UPDATE every 64 KiB, and those only go out when our
// event loop gets to the data: while the receiver works on one request the next cannot
// arrive. `otap run` (filter, 4096-record requests) spent about a quarter of its time idle
// that way. The cost: when a stream is paused (its answers are not being read, or admission
// holds it), a peer may still fill that stream's window, which Node buffers unread; the
// connection window caps the sum per connection (24 MiB by default, as in the Rust engine).
//
// grpc-js keeps its http2 servers in the private `http2Servers` map; after bindAsync we set
// the servers' settings (sent to every new session) and each new session's connection
// window. If a grpc-js upgrade removes the map, `applyHttp2Settings` says so (tests check
// the windows a client sees).
import type * as http2 from 'node:http2';
import type * as grpc from '@grpc/grpc-js';

export interface Http2ServerTuning {
  /** Initial stream window (SETTINGS_INITIAL_WINDOW_SIZE), bytes. */
  streamWindowBytes: number;
  /** Connection window, bytes (WINDOW_UPDATE on stream 0 right after the session starts). */
  connectionWindowBytes: number;
  /** SETTINGS_MAX_FRAME_SIZE, bytes; Node's 16 KiB when absent. */
  maxFrameBytes?: number;
}

/** The Rust engine's GrpcServerSettings defaults. */
export const DEFAULT_HTTP2_SERVER_TUNING: Http2ServerTuning = { streamWindowBytes: 8 * 1024 * 1024, connectionWindowBytes: 24 * 1024 * 1024 };

/** HTTP/2 windows: the protocol's initial 65535 bytes up to 2^31 - 1; frames 16 KiB .. 16 MiB - 1 (RFC 9113 6.5.2). */
export const MIN_WINDOW_BYTES = 65_535;
export const MAX_WINDOW_BYTES = 2 ** 31 - 1;
export const MIN_FRAME_BYTES = 16_384;
export const MAX_FRAME_BYTES = 2 ** 24 - 1;

/** Checks the tuning's ranges; throws a RangeError naming the field. */
export function checkHttp2ServerTuning(t: Http2ServerTuning): void {
  for (const [name, v] of [['stream window', t.streamWindowBytes], ['connection window', t.connectionWindowBytes]] as const) {
    if (!Number.isInteger(v) || v < MIN_WINDOW_BYTES || v > MAX_WINDOW_BYTES) throw new RangeError(`HTTP/2 ${name} ${v}: expected ${MIN_WINDOW_BYTES} to ${MAX_WINDOW_BYTES} bytes`);
  }
  const f = t.maxFrameBytes;
  if (f !== undefined && (!Number.isInteger(f) || f < MIN_FRAME_BYTES || f > MAX_FRAME_BYTES)) {
    throw new RangeError(`HTTP/2 max frame size ${f}: expected ${MIN_FRAME_BYTES} to ${MAX_FRAME_BYTES} bytes`);
  }
}

/** Applies `tuning` to the http2 servers of a bound grpc-js `server`; returns how many it
 *  tuned (0 when this grpc-js keeps them elsewhere: the windows then stay at 64 KiB). */
export function applyHttp2Settings(server: grpc.Server, tuning: Http2ServerTuning): number {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map)) return 0;
  const settings: http2.Settings = { initialWindowSize: tuning.streamWindowBytes, ...(tuning.maxFrameBytes !== undefined ? { maxFrameSize: tuning.maxFrameBytes } : {}) };
  let n = 0;
  for (const s of servers.keys() as Iterable<http2.Http2Server | http2.Http2SecureServer>) {
    if (typeof s.updateSettings !== 'function') continue;
    s.updateSettings(settings);
    s.on('session', (session: http2.ServerHttp2Session) => {
      // Throws only on a destroyed session, which then needs no window.
      try {
        session.setLocalWindowSize(tuning.connectionWindowBytes);
      } catch {
        /* closed before we got to it */
      }
    });
    n++;
  }
  return n;
}
