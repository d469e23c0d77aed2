// Bytes of batches a pipeline holds, counted from batch sizes as receivers admit them and
// released when each batch completes (ack or nack back at the receiver). Receivers refuse
// what would go over the limit, so memory is bounded by the limit plus a fixed overhead.

export class MemoryBudget {
  private used = 0;
  /** Peak of `inUse` (for reports and tests). */
  peak = 0;
  refusals = 0;

  /** `limit` bytes; `enforce` false = only count (observe_only). */
  constructor(readonly limit: number, readonly enforce = true) {}

  get inUse(): number {
    return this.used;
  }

  /** Reserves `bytes`, or returns false when that would exceed the limit (a batch larger
   *  than the whole limit is always refused: the limit is a hard one). */
  tryReserve(bytes: number): boolean {
    if (this.enforce && this.used + bytes > this.limit) {
      this.refusals++;
      return false;
    }
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
    return true;
  }

  /** Whether `bytes` more would be reserved now (without reserving them). */
  fits(bytes: number): boolean {
    return !this.enforce || this.used + bytes <= this.limit;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}
