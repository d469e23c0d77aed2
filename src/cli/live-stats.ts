// The bridge's live stats line (stderr, once per interval): printed while data moves; an idle
// bridge prints one "idle" line and then stays silent until traffic resumes.
import { totals, type BridgeStats } from '../bridge/bridge.js';
import { formatBytes } from './progress.js';

export class LiveStats {
  private records = 0;
  private activity = '';
  private idle = false;

  /** The line to print for this tick, or undefined when nothing changed since the last one. */
  tick(elapsedMs: number, s: BridgeStats, wire?: { in: number; out: number }): string | undefined {
    const rec = totals(s.received).records;
    const acked = totals(s.acked);
    const failed = totals(s.failed);
    const at = `[${String(Math.round(elapsedMs / 1000)).padStart(3)}s]`;
    const activity = `${rec}/${acked.batches}/${failed.batches}/${s.retries}/${s.inFlight}/${s.otapBytesOut}`;
    const moved = activity !== this.activity;
    this.activity = activity;
    const perSecond = rec - this.records;
    this.records = rec;
    if (!moved) {
      if (this.idle) return undefined;
      this.idle = true;
      return `${at} idle (no OTLP in, nothing in flight; the next line comes with traffic)`;
    }
    this.idle = false;
    const ratio = s.otapBytesOut > 0 ? `${(s.otlpBytesIn / s.otapBytesOut).toFixed(1)}x` : '-';
    const wirePart = wire && wire.out > 0 ? ` | wire ${formatBytes(wire.in)} -> ${formatBytes(wire.out)} (${(wire.in / wire.out).toFixed(1)}x)` : '';
    return `${at} in ${perSecond.toLocaleString('en-US')} rec/s` +
      ` | OTLP in ${formatBytes(s.otlpBytesIn)} | OTAP out ${formatBytes(s.otapBytesOut)} | ratio ${ratio}${wirePart}` +
      ` | acked ${acked.batches} failed ${failed.batches} retries ${s.retries}`;
  }
}
