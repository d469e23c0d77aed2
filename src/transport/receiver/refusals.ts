// Log records for what the receivers refuse: one per refused batch or request (with the
// status code and the reason sent to the client; past REFUSALS_PER_WINDOW of one kind in a
// window, a count at its end) and one per OTAP stream ended with an
// error. Refusals during shutdown are expected and logged at info, cancellations at debug.
import { status } from '@grpc/grpc-js';
import { getLogger, type LogLevel } from '../../log/index.js';
import type { Signal } from '../../otlp/model.js';
import { STATUS_NAME } from '../grpc/status-names.js';

const log = getLogger('receiver');

export interface Refusal {
  protocol: 'otap' | 'otlp-grpc' | 'otlp-http';
  signal?: Signal | undefined;
  /** gRPC status code sent (OTLP/HTTP: the gRPC code of the Status body). */
  code: number;
  /** The reason sent to the client. */
  message: string;
  batchId?: bigint;
  httpStatus?: number;
  peer?: string | undefined;
}

function levelOf(code: number, message: string): LogLevel {
  if (code === status.CANCELLED) return 'debug';
  if (code === status.UNAVAILABLE && message === 'receiver shutting down') return 'info';
  return 'warn';
}

/** Refusals logged per protocol, signal and code in each window; the rest are counted and
 *  reported in one record when the window ends: a peer sending a flood of bad batches must
 *  not turn into a flood of log records. */
export const REFUSALS_PER_WINDOW = 10;
export const REFUSAL_WINDOW_MS = 10_000;

interface RefusalWindow {
  logged: number;
  suppressed: number;
  last: Refusal;
}

const windows = new Map<string, RefusalWindow>();

export function logRefusedBatch(r: Refusal): void {
  const key = `${r.protocol}/${r.signal ?? ''}/${r.code}`;
  let w = windows.get(key);
  if (!w) {
    w = { logged: 0, suppressed: 0, last: r };
    windows.set(key, w);
    const window = w;
    setTimeout(() => {
      windows.delete(key);
      if (window.suppressed > 0) reportSuppressed(window);
    }, REFUSAL_WINDOW_MS).unref();
  }
  w.last = r;
  if (w.logged >= REFUSALS_PER_WINDOW) {
    w.suppressed++;
    return;
  }
  w.logged++;
  const what = r.protocol === 'otap' ? 'batch' : 'request';
  log[levelOf(r.code, r.message)](`${r.protocol} ${what} refused with ${STATUS_NAME[r.code] ?? r.code}: ${r.message}`, {
    protocol: r.protocol, signal: r.signal, code: r.code, batchId: r.batchId, httpStatus: r.httpStatus, peer: r.peer,
  });
}

function reportSuppressed(w: RefusalWindow): void {
  const r = w.last;
  const what = r.protocol === 'otap' ? 'batches' : 'requests';
  log[levelOf(r.code, r.message)](`${w.suppressed} more ${r.protocol} ${what} refused with ${STATUS_NAME[r.code] ?? r.code} in ${REFUSAL_WINDOW_MS / 1000} s (not logged one by one); the last: ${r.message}`, {
    protocol: r.protocol, signal: r.signal, code: r.code, suppressed: w.suppressed, peer: r.peer,
  });
}

/** A failure in the receiver's own answer path (a bug, or a call torn down under it): logged,
 *  never left as an unhandled rejection that would end the process. */
export function logAnswerFailed(protocol: Refusal['protocol'], signal: Signal, err: unknown): void {
  log.error(`${protocol} answer failed: ${err instanceof Error ? err.message : String(err)}`, { protocol, signal });
}

export function logStreamEnded(signal: Signal, code: number, message: string, peer: string | undefined): void {
  log[levelOf(code, message)](`otap stream ended with ${STATUS_NAME[code] ?? code}: ${message}`, { protocol: 'otap', signal, code, peer });
}
