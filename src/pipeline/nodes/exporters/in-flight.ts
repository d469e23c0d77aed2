// Bounded concurrency for exporters that keep several batches in flight: export() waits for
// a slot, the send runs in the background, and drain() waits for all of them.
import { isRetryableBatchCode } from '../../../transport/exporter/errors.js';
import type { NodeContext } from '../../engine/node-api.js';
import type { PData } from '../../engine/pdata.js';

export class InFlight {
  private running = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];

  constructor(readonly max: number) {}

  get count(): number {
    return this.running;
  }

  /** Waits for a slot, then runs `send` without waiting for it; ack on success, nack on failure. */
  async start(ctx: NodeContext, pdata: PData, send: () => Promise<void>): Promise<void> {
    while (this.running >= this.max) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.running++;
    void send().then(
      () => ctx.ack(pdata),
      (e: unknown) => {
        const code = (e as { code?: unknown }).code;
        const numeric = typeof code === 'number' ? code : undefined;
        const permanent = (e as { permanent?: boolean }).permanent === true || (numeric !== undefined && !isRetryableBatchCode(numeric, false));
        ctx.nack(pdata, `${ctx.nodeId}: ${(e as Error)?.message ?? String(e)}`, { permanent, ...(numeric !== undefined ? { code: numeric } : {}) });
      },
    ).finally(() => {
      this.running--;
      this.slotWaiters.shift()?.();
      if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
