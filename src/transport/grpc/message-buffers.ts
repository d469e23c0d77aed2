// Reusable buffers for decompressed gRPC request messages. A 4096-record OTLP request
// decompresses to about 800 KB; allocated fresh per request, those buffers are external
// memory V8 only reclaims at a full GC, so at a few hundred MB/s the process runs a
// mark-compact every half second (most of a receiving process's GC time, and 15-25% of
// its CPU on the bench/processors receive scenario). A buffer taken here goes back to the
// pool only when its consumer gives it back, saying nothing reads it any more: the
// pipeline engine does that when a batch completes (acked or nacked end to end) in a
// pipeline whose nodes all promise not to hold batches after answering them, and an OTAP
// Arrow stream as soon as it has decoded a message (its decoder copies what it keeps). A
// buffer nobody gives back is never reused; the GC frees it as before.

/** Smallest pooled class. Small messages count too: an OTAP stream's batch of 512 records
 *  is 20-65 KB, and fresh buffers for them made a receiver run about twice as many major
 *  GCs (bench/transport's loop, metrics 512: 64 against 33 mark-compacts in 6 s). */
const MIN_CLASS_BITS = 12;
/** Messages below this size are not worth a pooled buffer (the smallest class). */
export const POOLED_MIN_BYTES = 2 ** MIN_CLASS_BITS; // 4 KiB
/** Largest pooled class. */
const MAX_CLASS_BITS = 24; // 16 MiB
/** At most this many bytes sit in free lists. */
const MAX_FREE_BYTES = 32 * 1024 * 1024;
/** Free lists unused this long are dropped (their memory goes back to the GC). */
const IDLE_MS = 10_000;

export interface MessageBufferStats {
  /** Buffers handed out from a free list. */
  reused: number;
  /** Buffers allocated because no free one fitted. */
  allocated: number;
  /** Buffers given back and kept. */
  returned: number;
  /** Bytes in free lists now. */
  freeBytes: number;
}

export class MessageBufferPool {
  private readonly free: ArrayBuffer[][] = Array.from({ length: MAX_CLASS_BITS + 1 }, () => []);
  /** Buffers out on loan, by their ArrayBuffer (weak: an unreturned one is simply collected). */
  private readonly lent = new WeakSet<ArrayBuffer>();
  private lastUse = 0;
  private timer: NodeJS.Timeout | undefined;
  private users = 0;
  readonly stats: MessageBufferStats = { reused: 0, allocated: 0, returned: 0, freeBytes: 0 };

  /** True while some consumer gives buffers back (only then are messages decompressed here). */
  get enabled(): boolean {
    return this.users > 0;
  }

  /** A consumer that gives buffers back starts (counted; see release()). */
  retain(): void {
    if (this.users++ === 0) {
      this.timer = setInterval(() => {
        if (Date.now() - this.lastUse > IDLE_MS) this.drop();
      }, IDLE_MS);
      this.timer.unref();
    }
  }

  /** That consumer stopped; the last one out empties the pool. */
  release(): void {
    if (this.users === 0) return;
    if (--this.users === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.drop();
    }
  }

  /** A buffer of at least `size` bytes (its full class size), or undefined when `size` is
   *  outside the pooled classes. */
  take(size: number): Buffer | undefined {
    if (size <= 0 || size > 2 ** MAX_CLASS_BITS) return undefined;
    const bits = Math.max(MIN_CLASS_BITS, Math.ceil(Math.log2(size)));
    this.lastUse = Date.now();
    let ab = this.free[bits]!.pop();
    if (ab) {
      this.stats.freeBytes -= ab.byteLength;
      this.stats.reused++;
    } else {
      ab = new ArrayBuffer(2 ** bits);
      this.stats.allocated++;
    }
    this.lent.add(ab);
    return Buffer.from(ab);
  }

  /** Gives back the buffer under `view` (any view of a taken buffer): nothing may read or
   *  write it afterwards. Views of other memory are ignored. */
  give(view: Uint8Array): void {
    const ab = view.buffer;
    if (!(ab instanceof ArrayBuffer) || !this.lent.has(ab)) return;
    this.lent.delete(ab);
    if (!this.enabled || this.stats.freeBytes + ab.byteLength > MAX_FREE_BYTES) return;
    this.free[Math.log2(ab.byteLength)]!.push(ab);
    this.stats.freeBytes += ab.byteLength;
    this.stats.returned++;
  }

  private drop(): void {
    for (const list of this.free) list.length = 0;
    this.stats.freeBytes = 0;
  }
}

/** The process's (each worker thread's) pool, used by the gRPC zstd decompression. */
export const messageBuffers = new MessageBufferPool();
