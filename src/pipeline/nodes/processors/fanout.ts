// processor:fanout — sends every batch to several output ports and acks upstream according
// to `await_ack`: `primary` (the primary destination's outcome, after its fallbacks),
// `all` (every destination must ack; any final nack nacks), `none` (ack at once).
// `parallel` sends to all at once; `sequential` sends to the next only after an ack.
// A destination with `timeout` counts as nacked when it has not answered in time; a
// destination named in another's `fallback_for` is used only when that one fails.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { z } from 'zod';
import { durationMs, nodeConfig } from '../../config/field-types.js';
import { Interest, PData } from '../../engine/pdata.js';
import type { ProcessorFactory } from '../../engine/node-api.js';

const destination = z.strictObject({
  port: z.string().min(1),
  primary: z.boolean().default(false),
  timeout: durationMs.optional(),
  fallback_for: z.string().optional(),
});

const fanoutConfig = nodeConfig(z.strictObject({
  mode: z.enum(['parallel', 'sequential']).default('parallel'),
  await_ack: z.enum(['primary', 'all', 'none']).default('primary'),
  timeout_check_interval: durationMs.default(200),
  max_inflight: z.number().int().nonnegative().default(10_000),
  destinations: z.array(destination).min(1).max(64),
}).superRefine((c, ctx) => {
  const ports = c.destinations.map((d) => d.port);
  ports.forEach((p, i) => { if (ports.indexOf(p) !== i) ctx.addIssue({ code: 'custom', path: ['destinations', i, 'port'], message: `port "${p}" is listed twice` }); });
  if (c.destinations.filter((d) => d.primary).length > 1) ctx.addIssue({ code: 'custom', path: ['destinations'], message: 'at most one destination can be primary' });
  const fallbackOf = new Map<string, string>();
  c.destinations.forEach((d, i) => {
    if (d.fallback_for === undefined) return;
    if (d.primary) ctx.addIssue({ code: 'custom', path: ['destinations', i], message: 'a primary destination cannot be a fallback' });
    if (!ports.includes(d.fallback_for)) ctx.addIssue({ code: 'custom', path: ['destinations', i, 'fallback_for'], message: `"${d.fallback_for}" is not a configured destination port` });
    if ([...fallbackOf.values()].includes(d.fallback_for)) ctx.addIssue({ code: 'custom', path: ['destinations', i, 'fallback_for'], message: `"${d.fallback_for}" already has a fallback` });
    fallbackOf.set(d.port, d.fallback_for);
  });
  for (const start of fallbackOf.keys()) {
    const seen = new Set<string>([start]);
    for (let p = fallbackOf.get(start); p !== undefined; p = fallbackOf.get(p)) {
      if (seen.has(p)) {
        ctx.addIssue({ code: 'custom', path: ['destinations'], message: `fallback chain loops through "${p}"` });
        break;
      }
      seen.add(p);
    }
  }
  if (c.await_ack === 'none' && c.destinations.some((d) => d.fallback_for !== undefined || d.timeout !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['await_ack'], message: 'await_ack: none cannot be combined with fallbacks or timeouts (nothing waits for their outcome)' });
  }
}));
type FanoutConfig = z.output<typeof fanoutConfig>;
type Destination = FanoutConfig['destinations'][number];

interface Request {
  upstream: PData;
  /** Destinations (first of each fallback chain) still to hear from. */
  pending: number;
  failed: Failure | undefined;
  settled: boolean;
  /** Sequential mode: index of the next chain to send to. */
  next: number;
}

interface Failure {
  reason: string;
  permanent: boolean;
  code?: number;
}

interface Leg {
  request: Request;
  dest: Destination;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
}

export const fanoutProcessor: ProcessorFactory<FanoutConfig> = {
  type: 'processor:fanout',
  usesArrowForm: false,
  reads: 'none',
  description: 'copies each batch to several outputs, acking by primary, all or none',
  config: fanoutConfig,
  create(config, ctx) {
    const missing = config.destinations.filter((d) => !ctx.ports.includes(d.port)).map((d) => d.port);
    if (missing.length > 0) throw new Error(`destinations ${missing.join(', ')} are not connected: add connections from ${ctx.nodeId}["<port>"] and list the ports in outputs`);
    const chains = config.destinations.filter((d) => d.fallback_for === undefined);
    const fallbackFor = new Map(config.destinations.filter((d) => d.fallback_for !== undefined).map((d) => [d.fallback_for!, d]));
    const primaryPort = (config.destinations.find((d) => d.primary) ?? chains[0]!).port;
    let inflight = 0;
    const waiters: Array<() => void> = [];
    const settle = (r: Request, failure: Failure | undefined): void => {
      if (r.settled) return;
      r.settled = true;
      if (!failure) ctx.ack(r.upstream);
      else ctx.nack(r.upstream, failure.reason, { permanent: failure.permanent, ...(failure.code !== undefined ? { code: failure.code } : {}) });
    };
    const finalize = (r: Request): void => {
      settle(r, config.await_ack === 'primary' ? undefined : r.failed);
      inflight--;
      waiters.shift()?.();
    };
    const finishChain = (r: Request, chainHead: Destination, failure: Failure | undefined): void => {
      r.pending--;
      if (failure) r.failed ??= failure;
      if (config.await_ack === 'primary' && chainHead.port === primaryPort) settle(r, failure);
      if (config.await_ack === 'all' && failure) settle(r, failure);
      if (config.mode === 'sequential') {
        const stop = failure !== undefined && config.await_ack === 'all';
        if (!stop && r.next < chains.length) {
          const d = chains[r.next++]!;
          void sendLeg(r, d, d);
        } else finalize(r);
      } else if (r.pending === 0) finalize(r);
    };
    const legOutcome = (leg: Leg, head: Destination, failure: Failure | undefined): void => {
      if (leg.done) return;
      leg.done = true;
      if (leg.timer) clearTimeout(leg.timer);
      const fb = fallbackFor.get(leg.dest.port);
      if (failure && fb) {
        void sendLeg(leg.request, fb, head);
        return;
      }
      finishChain(leg.request, head, failure);
    };
    const heads = new WeakMap<Leg, Destination>();
    const sendLeg = async (r: Request, dest: Destination, head: Destination): Promise<void> => {
      const copy = r.upstream.fork();
      const leg: Leg = { request: r, dest, timer: undefined, done: false };
      heads.set(leg, head);
      ctx.subscribe(copy, Interest.ACKS | Interest.NACKS, leg);
      if (dest.timeout !== undefined) {
        leg.timer = setTimeout(() => legOutcome(leg, head, { reason: `destination ${dest.port} did not answer within ${dest.timeout} ms`, permanent: false, code: GrpcStatus.DEADLINE_EXCEEDED }), dest.timeout);
      }
      try {
        await ctx.send(copy, dest.port);
      } catch (e) {
        legOutcome(leg, head, { reason: `destination ${dest.port}: ${(e as Error).message}`, permanent: false, code: GrpcStatus.UNAVAILABLE });
      }
    };
    return {
      async process(pdata) {
        if (config.await_ack === 'none') {
          // Copies without the upstream's completion frames: their outcomes go nowhere, and
          // upstream hears one ack, now.
          for (const d of chains) await ctx.send(new PData(pdata.batch, [], pdata.bornAt), d.port);
          ctx.ack(pdata);
          return;
        }
        while (config.max_inflight > 0 && inflight >= config.max_inflight) await new Promise<void>((resolve) => waiters.push(resolve));
        inflight++;
        const r: Request = { upstream: pdata, pending: chains.length, failed: undefined, settled: false, next: 0 };
        if (config.mode === 'parallel') for (const d of chains) await sendLeg(r, d, d);
        else await sendLeg(r, chains[r.next++]!, chains[0]!); // the rest follow each ack (finishChain)
      },
      onAck(ack) {
        const leg = ack.calldata as Leg;
        legOutcome(leg, heads.get(leg)!, undefined);
      },
      onNack(nack) {
        const leg = nack.calldata as Leg;
        legOutcome(leg, heads.get(leg)!, { reason: nack.reason, permanent: nack.permanent, ...(nack.code !== undefined ? { code: nack.code } : {}) });
      },
      status: () => ({ inflight }),
    };
  },
};
