// A bounded FIFO between nodes: send() waits while the channel is full (backpressure),
// trySend() does not. Several senders may share a channel (fan-in); it closes once every
// sender has released it, and the reader sees the end after draining what was queued.

export type TrySend = 'sent' | 'full' | 'closed';

export class ChannelClosedError extends Error {
  constructor(name: string) {
    super(`channel ${name} is closed: the pipeline is shutting down`);
    this.name = 'ChannelClosedError';
  }
}

export class BoundedChannel<T> {
  private readonly items: T[] = [];
  private head = 0;
  private readonly senders: Array<() => void> = [];
  private reader: ((v: IteratorResult<T>) => void) | undefined;
  private senderCount = 0;
  private closed = false;
  /** Items ever sent (for metrics). */
  sent = 0;

  constructor(readonly name: string, readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`channel ${name}: capacity must be a positive integer`);
  }

  get depth(): number {
    return this.items.length - this.head;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Registers a sender; the channel closes when every registered sender has called release(). */
  addSender(): void {
    this.senderCount++;
  }

  release(): void {
    if (--this.senderCount <= 0) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.senders.splice(0)) wake();
    if (this.depth === 0) this.wakeReader({ done: true, value: undefined });
  }

  /** Closes the channel and hands back what was still queued (forced shutdown). */
  closeAndTake(): T[] {
    const rest = this.items.slice(this.head);
    this.items.length = 0;
    this.head = 0;
    this.close();
    return rest;
  }

  trySend(item: T): TrySend {
    if (this.closed) return 'closed';
    if (this.reader) {
      this.sent++;
      this.wakeReader({ done: false, value: item });
      return 'sent';
    }
    if (this.depth >= this.capacity) return 'full';
    this.push(item);
    return 'sent';
  }

  async send(item: T): Promise<void> {
    for (;;) {
      const r = this.trySend(item);
      if (r === 'sent') return;
      if (r === 'closed') throw new ChannelClosedError(this.name);
      await new Promise<void>((resolve) => this.senders.push(resolve));
    }
  }

  /** Resolves when there is room (or the channel closed). */
  whenWritable(): Promise<void> {
    if (this.closed || this.depth < this.capacity) return Promise.resolve();
    return new Promise<void>((resolve) => this.senders.push(resolve));
  }

  next(): Promise<IteratorResult<T>> {
    if (this.depth > 0) {
      const value = this.items[this.head]!;
      this.items[this.head++] = undefined as T;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      this.senders.shift()?.();
      return Promise.resolve({ done: false, value });
    }
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    if (this.reader) throw new Error(`channel ${this.name} has one reader at a time`);
    return new Promise((resolve) => (this.reader = resolve));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }

  private push(item: T): void {
    this.sent++;
    this.items.push(item);
  }

  private wakeReader(v: IteratorResult<T>): void {
    const r = this.reader;
    this.reader = undefined;
    r?.(v);
  }
}
