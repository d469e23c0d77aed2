// Which thread compresses an Arrow stream's messages: the encoder's (encodeFramedAsync) or the
// event loop's (grpc-js, after the encode). Per window of WINDOW_MS, the encoder thread's
// utilization (BackendEncoder.busyMs) is compared with the event loop's: the encoder's thread
// compresses while the event loop is the busier by more than MARGIN (metrics: the encoder
// has time to spare, the loop has none; an application's busy event loop), the event loop
// otherwise (spans keep the encoder thread the busier one). Measured on bench/transport's
// loop (2026-12-06, interleaved runs, records/s): metrics 512 framed 807-895k, plain 683-715k,
// this 800-864k; traces 512 framed 485-499k, plain 565-583k, this 543-558k.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

const WINDOW_MS = 50;
const MARGIN = 0.1;

/** The event loop's utilization since the previous call (0..1). */
export type LoopUtilization = () => number;

function eventLoop(): LoopUtilization {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return u;
  };
}

export class FrameBalance {
  private at: number;
  private busy: number;
  /** The current choice: the encoder's thread compresses. */
  private framed = true;

  constructor(
    private readonly busyMs: () => number,
    private readonly loop: LoopUtilization = eventLoop(),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.at = now();
    this.busy = busyMs();
  }

  /** Whether the next encode should also compress (re-decided once per window). */
  encoderCompresses(): boolean {
    const now = this.now();
    if (now - this.at < WINDOW_MS) return this.framed;
    const busy = this.busyMs();
    const encoderUse = (busy - this.busy) / (now - this.at);
    this.framed = encoderUse + MARGIN < this.loop();
    this.at = now;
    this.busy = busy;
    return this.framed;
  }
}
