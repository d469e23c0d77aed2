// HTTP/2 keepalive for a node:http2 client session (grpc-js does its own): a PING every
// interval while calls are open (or always, `whileIdle`), and a connection whose PING goes
// unanswered for `timeoutMs` is destroyed, so that its calls fail now and the next ones
// reconnect instead of waiting on a dead peer until their deadlines.
import type * as http2 from 'node:http2';

export interface KeepaliveOptions {
  intervalMs: number;
  timeoutMs: number;
  whileIdle: boolean;
}

export interface SessionKeepalive {
  /** Counts `stream` as an open call until it closes. */
  track(stream: http2.ClientHttp2Stream): void;
}

export function keepSessionAlive(session: http2.ClientHttp2Session, o: KeepaliveOptions, peer: string): SessionKeepalive {
  let open = 0;
  let waiting: NodeJS.Timeout | undefined;
  const timer = setInterval(() => {
    if (waiting || session.closed || session.destroyed || (!o.whileIdle && open === 0)) return;
    const sent = session.ping((err) => {
      clearTimeout(waiting);
      waiting = undefined;
      if (err && !session.destroyed) session.destroy(err);
    });
    if (!sent) return; // too many unanswered PINGs queued already: the next tick retries
    waiting = setTimeout(() => {
      waiting = undefined;
      session.destroy(new Error(`keepalive: ${peer} did not answer a PING within ${o.timeoutMs} ms`));
    }, o.timeoutMs);
    waiting.unref();
  }, o.intervalMs);
  timer.unref();
  session.once('close', () => {
    clearInterval(timer);
    clearTimeout(waiting);
  });
  return {
    track(stream) {
      open++;
      stream.once('close', () => open--);
    },
  };
}
