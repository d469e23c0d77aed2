// A counting semaphore with FIFO waiters (bounds the unacknowledged batches of an exporter).

export class Semaphore {
  private available: number;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly capacity: number) {
    this.available = capacity;
  }

  /** Number of callers waiting for a permit. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Permits currently held. */
  get held(): number {
    return this.capacity - this.available;
  }

  acquire(): Promise<void> | undefined {
    if (this.available > 0 && this.waiters.length === 0) {
      this.available--;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next(); // the permit passes straight to the next waiter
    else this.available++;
  }
}
