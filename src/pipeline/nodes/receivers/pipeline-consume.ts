// What the otlp and otap receivers do with each received batch: admit it into the pipeline
// (RESOURCE_EXHAUSTED when the memory limit refuses it), send it on, and with
// wait_for_result answer the client only when it completed downstream (its nack's status).
import { status as GrpcStatus } from '@grpc/grpc-js';
import { StatusError } from '../../../transport/receiver/status.js';
import type { ConsumeFn, ReceivedBatch } from '../../../transport/receiver/types.js';
import type { ReceiverContext } from '../../engine/node-api.js';

export interface ConsumeOptions {
  waitForResult: boolean;
  /** How long to wait for the outcome (wait_for_result); DEADLINE_EXCEEDED after. */
  timeoutMs?: number;
}

export function pipelineConsume(ctx: ReceiverContext, options: ConsumeOptions): ConsumeFn {
  return async (received: ReceivedBatch) => {
    const admitted = ctx.admit(received.payload);
    if (!admitted) throw refusal(ctx);
    try {
      await ctx.send(admitted.pdata);
    } catch (e) {
      ctx.nack(admitted.pdata, (e as Error).message, { code: GrpcStatus.UNAVAILABLE });
    }
    if (!options.waitForResult) return;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      admitted.completion,
      ...(options.timeoutMs !== undefined ? [new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), options.timeoutMs)))] : []),
    ]);
    clearTimeout(timer);
    if (outcome === undefined) throw new StatusError(GrpcStatus.DEADLINE_EXCEEDED, `no outcome from the pipeline within ${options.timeoutMs} ms`);
    if (!outcome.ok) {
      throw new StatusError(outcome.code ?? (outcome.permanent ? GrpcStatus.INVALID_ARGUMENT : GrpcStatus.UNAVAILABLE), outcome.reason);
    }
  };
}

/** The receivers' ReceiverOptions.refuseEarly: a request whose decoded size (at least
 *  `bytes`) the pipeline would refuse now is answered before its body is read, so an
 *  overloaded pipeline does not buffer what it is about to refuse. */
export function pipelineRefuseEarly(ctx: ReceiverContext): (bytes: number) => StatusError | undefined {
  return (bytes) => (ctx.refusesNow(bytes) ? refusal(ctx) : undefined);
}

function refusal(ctx: ReceiverContext): StatusError {
  return new StatusError(GrpcStatus.RESOURCE_EXHAUSTED, ctx.closing.aborted
    ? 'the pipeline is shutting down'
    : `pipeline ${ctx.pipeline} memory limit reached (${ctx.memory.inUse} of ${ctx.memory.limit} bytes in use); retry later`);
}
