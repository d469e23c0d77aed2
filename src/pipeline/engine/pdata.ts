// What flows between nodes: a TelemetryBatch plus its completion stack. A node that wants to
// hear how a batch ends subscribes (pushes a frame); an ack or nack from downstream pops
// frames until it reaches the nearest subscriber to that outcome (the Rust engine's model),
// so acks reach the receiver end to end through any processor that forwards.
import type { TelemetryBatch } from '../../batch/telemetry-batch.js';
import type { Signal } from '../../otlp/model.js';

export const Interest = { ACKS: 1, NACKS: 2, RETURN_DATA: 4 } as const;

export interface CompletionFrame {
  /** Delivers the outcome to the subscribing node. */
  readonly subscriber: CompletionSubscriber;
  readonly interests: number;
  readonly calldata: unknown;
}

export interface Ack {
  calldata: unknown;
  /** The batch, when the subscriber asked for RETURN_DATA. */
  pdata?: PData;
}

export interface Nack extends Ack {
  reason: string;
  /** A permanent refusal (bad data): do not retry. */
  permanent: boolean;
  /** gRPC status code to answer with, when a node knows one (e.g. RESOURCE_EXHAUSTED). */
  code?: number;
}

export interface CompletionSubscriber {
  deliverAck(ack: Ack): void;
  deliverNack(nack: Nack): void;
}

export class PData<S extends Signal = Signal> {
  readonly frames: CompletionFrame[];
  /** performance.now() when the batch entered the pipeline (latency reports). */
  readonly bornAt: number;

  constructor(readonly batch: TelemetryBatch<S>, frames: CompletionFrame[] = [], bornAt = performance.now()) {
    this.frames = frames;
    this.bornAt = bornAt;
  }

  get signal(): S {
    return this.batch.signal;
  }

  /** Same batch with a copy of the completion stack (for one branch of a fan-out). */
  fork(): PData<S> {
    return new PData(this.batch, [...this.frames], this.bornAt);
  }

  /** Another batch that completes like this one (a processor's transformed output). */
  withBatch<T extends Signal>(batch: TelemetryBatch<T>): PData<T> {
    return new PData(batch, this.frames, this.bornAt);
  }

  subscribe(subscriber: CompletionSubscriber, interests: number, calldata: unknown): void {
    this.frames.push({ subscriber, interests, calldata });
  }
}

function popTo(pdata: PData, interest: number): CompletionFrame | undefined {
  for (;;) {
    const f = pdata.frames.pop();
    if (!f || (f.interests & interest) !== 0) return f;
  }
}

/** Routes an ack to the nearest subscriber to acks; false when nobody listens. */
export function routeAck(pdata: PData): boolean {
  const f = popTo(pdata, Interest.ACKS);
  if (!f) return false;
  f.subscriber.deliverAck({ calldata: f.calldata, ...(f.interests & Interest.RETURN_DATA ? { pdata } : {}) });
  return true;
}

export function routeNack(pdata: PData, reason: string, permanent: boolean, code?: number): boolean {
  const f = popTo(pdata, Interest.NACKS);
  if (!f) return false;
  f.subscriber.deliverNack({ calldata: f.calldata, reason, permanent, ...(code !== undefined ? { code } : {}), ...(f.interests & Interest.RETURN_DATA ? { pdata } : {}) });
  return true;
}
