// Admission control in the manner of the Go otelarrowreceiver's `admission` package:
// - `requestLimit` bytes may be in flight (decoded, handed to consume(), not yet settled);
// - a request that does not fit waits, FIFO, while at most `waitingLimit` bytes wait;
// - a request that would push the waiting bytes past `waitingLimit` (or that is larger than
//   `requestLimit` on its own) is refused at once: RESOURCE_EXHAUSTED.
import { status } from '@grpc/grpc-js';
import { StatusError } from './status.js';

interface Waiter {
  bytes: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface Ticket {
  /** Resolves when the bytes are admitted. */
  readonly admitted: Promise<void>;
  /** Gives the bytes back (admitted) or leaves the queue (waiting). Idempotent. */
  release(): void;
}

export class Admission {
  inFlight = 0;
  waiting = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly requestLimit: number, readonly waitingLimit: number) {}

  /** Throws StatusError(RESOURCE_EXHAUSTED) when the request cannot even wait. */
  acquire(bytes: number): Ticket {
    if (bytes > this.requestLimit) {
      throw new StatusError(status.RESOURCE_EXHAUSTED, `request of ${bytes} bytes exceeds the request limit of ${this.requestLimit} bytes`);
    }
    let state: 'waiting' | 'admitted' | 'done' = 'admitted';
    let waiter: Waiter | undefined;
    let admitted: Promise<void>;
    if (this.queue.length === 0 && this.inFlight + bytes <= this.requestLimit) {
      this.inFlight += bytes;
      admitted = Promise.resolve();
    } else {
      if (this.waiting + bytes > this.waitingLimit) {
        throw new StatusError(status.RESOURCE_EXHAUSTED, `too much data waiting for admission (${this.waiting} + ${bytes} bytes > waiting limit ${this.waitingLimit})`);
      }
      state = 'waiting';
      this.waiting += bytes;
      admitted = new Promise<void>((resolve, reject) => {
        waiter = {
          bytes,
          resolve: () => ((state = 'admitted'), resolve()),
          reject,
        };
        this.queue.push(waiter);
      });
    }
    return {
      admitted,
      release: () => {
        if (state === 'admitted') {
          state = 'done';
          this.inFlight -= bytes;
          this.drain();
        } else if (state === 'waiting') {
          state = 'done';
          const i = this.queue.indexOf(waiter!);
          if (i >= 0) this.queue.splice(i, 1);
          this.waiting -= bytes;
          waiter!.reject(new StatusError(status.CANCELLED, 'left the admission queue'));
          this.drain();
        }
      },
    };
  }

  /** Refuses everything waiting (shutdown). */
  rejectWaiting(err: Error): void {
    for (const w of this.queue.splice(0)) {
      this.waiting -= w.bytes;
      w.reject(err);
    }
  }

  private drain(): void {
    while (this.queue.length) {
      const w = this.queue[0]!;
      if (this.inFlight + w.bytes > this.requestLimit) break;
      this.queue.shift();
      this.waiting -= w.bytes;
      this.inFlight += w.bytes;
      w.resolve();
    }
  }
}
