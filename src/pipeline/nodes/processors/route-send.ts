// Sending a batch to one output port of a router: wait while the destination is full
// (`backpressure`), or nack it retryable at once (`reject_immediately`, the engine's default).
import { status as GrpcStatus } from '@grpc/grpc-js';
import { z } from 'zod';
import type { NodeContext } from '../../engine/node-api.js';
import type { PData } from '../../engine/pdata.js';

export const admissionPolicy = z.strictObject({ on_full: z.enum(['reject_immediately', 'backpressure']).default('reject_immediately') }).prefault({});
export type AdmissionPolicy = z.output<typeof admissionPolicy>;

export async function sendToRoute(ctx: NodeContext, pdata: PData, port: string, policy: AdmissionPolicy): Promise<void> {
  if (policy.on_full === 'backpressure') {
    await ctx.send(pdata, port);
    return;
  }
  const r = ctx.trySend(pdata, port);
  if (r !== 'sent') {
    ctx.metrics.refused++;
    ctx.nack(pdata, `route ${port} of ${ctx.nodeId} is ${r}`, { code: GrpcStatus.UNAVAILABLE });
  }
}
