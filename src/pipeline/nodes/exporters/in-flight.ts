// Bounded concurrency for exporters that keep several batches in flight: export() waits for
// a slot, the send runs in the background, and drain() waits for all of them.
import { isRetryableBatchCode } from '../../../transport/exporter/errors.js';
import { Semaphore } from '../../../transport/exporter/semaphore.js';
import type { NodeContext } from '../../engine/node-api.js';
import type { PData } from '../../engine/pdata.js';

export class InFlight {
  private readonly slots: Semaphore;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(readonly max: number) {
    this.slots = new Semaphore(max);
  }

  get count(): number {
    return this.slots.held;
  }

  /** Waits for a slot, then runs `send` without waiting for it; ack on success, nack on failure. */
  async start(ctx: NodeContext, pdata: PData, send: () => Promise<void>): Promise<void> {
    await this.slots.acquire();
    void send().then(
      () => ctx.ack(pdata),
      (e: unknown) => {
        const code = (e as { code?: unknown }).code;
        const numeric = typeof code === 'number' ? code : undefined;
        const permanent = (e as { permanent?: boolean }).permanent === true || (numeric !== undefined && !isRetryableBatchCode(numeric, false));
        ctx.nack(pdata, `${ctx.nodeId}: ${(e as Error)?.message ?? String(e)}`, { permanent, ...(numeric !== undefined ? { code: numeric } : {}) });
      },
    ).finally(() => {
      this.slots.release();
      if (this.slots.held === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  idle(): Promise<void> {
    return this.slots.held === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
