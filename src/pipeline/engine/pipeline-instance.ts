// One running instance of a pipeline (one per core/worker): its nodes, the bounded channels
// between them, the memory budget, and the lifecycle start -> run -> drain -> stop.
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Backend } from '../../backend/types.js';
import type { TelemetryBatch } from '../../batch/telemetry-batch.js';
import { messageBuffers } from '../../transport/grpc/message-buffers.js';
import { getLogger } from '../../log/logger.js';
import type { Logger } from '../../log/types.js';
import { DEFAULT_PORT } from '../config/selector.js';
import type { ResolvedPipeline } from '../config/resolve.js';
import { BoundedChannel, type TrySend } from './bounded-channel.js';
import { MemoryBudget } from './memory-budget.js';
import { downstreamReadsOnlyOtlp } from './downstream-form.js';
import type { CheckedNode } from './node-configs.js';
import { newNodeMetrics, type NodeMetrics } from './node-metrics.js';
import type {
  Admitted, ExporterNode, NackOptions, NodeInstance, Outcome, ProcessorNode, ReceiverContext, ReceiverNode,
} from './node-api.js';
import { Interest, PData, routeAck, routeNack, type Ack, type CompletionSubscriber, type Nack } from './pdata.js';

const MiB = 1024 * 1024;
/** Pipeline memory limit when the config sets none: bounded by default. */
export const DEFAULT_MEMORY_LIMIT = 256 * MiB;

export interface NodeStatus {
  id: string;
  urn: string;
  kind: string;
  state: 'starting' | 'running' | 'draining' | 'stopped' | 'failed';
  error?: string;
  metrics: NodeMetrics;
  /** Batches waiting in the node's input channel. */
  queued: number;
  capacity: number;
  details?: Record<string, unknown>;
}

export interface PipelineSummary {
  pipeline: string;
  instance: number;
  memory: { inUse: number; peak: number; limit: number; refusals: number };
  nodes: NodeStatus[];
}

class NodeRuntime implements ReceiverContext, CompletionSubscriber {
  readonly metrics = newNodeMetrics();
  readonly logger: Logger;
  readonly ports: string[];
  node!: NodeInstance;
  input: BoundedChannel<PData> | undefined;
  state: NodeStatus['state'] = 'starting';
  error: string | undefined;
  private readonly rr = new Map<string, number>();

  constructor(
    private readonly owner: PipelineInstance,
    readonly spec: CheckedNode,
    readonly outputs: Map<string, BoundedChannel<PData>[]>,
    readonly downstreamReadsOnlyOtlp: boolean,
  ) {
    this.logger = getLogger(`${owner.name}/${spec.id}`);
    this.ports = [...outputs.keys()];
  }

  get nodeId(): string { return this.spec.id; }
  get urn(): string { return this.spec.urn; }
  get pipeline(): string { return this.owner.name; }
  get instance(): number { return this.owner.instance; }
  get backend(): Backend { return this.owner.backend; }
  get memory(): MemoryBudget { return this.owner.memory; }
  get closing(): AbortSignal { return this.owner.closing.signal; }

  private destinations(port: string | undefined): BoundedChannel<PData>[] | undefined {
    return this.outputs.get(port ?? this.spec.defaultOutput ?? DEFAULT_PORT)
      ?? (port === undefined && this.outputs.size === 1 ? [...this.outputs.values()][0] : undefined);
  }

  private countOut(pdata: PData): void {
    this.metrics.batchesOut++;
    this.metrics.itemsOut += pdata.batch.itemCount;
    this.metrics.bytesOut += pdata.batch.byteSize;
  }

  trySend(pdata: PData, port?: string): TrySend | 'unwired' {
    const dests = this.destinations(port);
    if (!dests) return 'unwired';
    const start = this.rr.get(port ?? '') ?? 0;
    let closed = 0;
    for (let i = 0; i < dests.length; i++) {
      const r = dests[(start + i) % dests.length]!.trySend(pdata);
      if (r === 'sent') {
        this.rr.set(port ?? '', (start + i + 1) % dests.length);
        this.countOut(pdata);
        return r;
      }
      if (r === 'closed') closed++;
    }
    return closed === dests.length ? 'closed' : 'full';
  }

  async send(pdata: PData, port?: string): Promise<void> {
    const dests = this.destinations(port);
    if (!dests) throw new Error(`${this.owner.name}/${this.spec.id}: output port "${port ?? DEFAULT_PORT}" is not connected (connected: ${this.ports.join(', ') || 'none'})`);
    if (dests.length === 1) {
      await dests[0]!.send(pdata);
      this.countOut(pdata);
      return;
    }
    for (;;) {
      const r = this.trySend(pdata, port);
      if (r === 'sent') return;
      if (r === 'closed' || r === 'unwired') throw new Error(`${this.owner.name}/${this.spec.id}: every destination of port "${port ?? DEFAULT_PORT}" is closed`);
      await Promise.race(dests.map((d) => d.whenWritable()));
    }
  }

  subscribe(pdata: PData, interests: number, calldata: unknown): void {
    pdata.subscribe(this, interests, calldata);
  }

  ack(pdata: PData): void {
    this.metrics.acks++;
    routeAck(pdata);
  }

  nack(pdata: PData, reason: string, options: NackOptions = {}): void {
    this.metrics.nacks++;
    routeNack(pdata, reason, options.permanent ?? false, options.code);
  }

  deliverAck(ack: Ack): void {
    const n = this.node as ProcessorNode;
    try {
      n.onAck?.(ack);
    } catch (e) {
      this.fail('onAck', e);
    }
  }

  deliverNack(nack: Nack): void {
    const n = this.node as ProcessorNode;
    try {
      n.onNack?.(nack);
    } catch (e) {
      this.fail('onNack', e);
    }
  }

  refusesNow(bytes: number): boolean {
    const memory = this.owner.memory;
    const closing = this.owner.closing.signal.aborted;
    if (!closing && memory.fits(bytes)) return false;
    this.metrics.refused++;
    if (!closing) memory.refusals++;
    return true;
  }

  admit(batch: TelemetryBatch): Admitted | undefined {
    if (this.owner.closing.signal.aborted) {
      this.metrics.refused++;
      return undefined;
    }
    const bytes = batch.byteSize;
    if (!this.owner.memory.tryReserve(bytes)) {
      this.metrics.refused++;
      return undefined;
    }
    this.metrics.batchesIn++;
    this.metrics.itemsIn += batch.itemCount;
    this.metrics.bytesIn += bytes;
    const memory = this.owner.memory;
    let settle!: (o: Outcome) => void;
    const completion = new Promise<Outcome>((resolve) => (settle = resolve));
    let done = false;
    const reuse = this.owner.reusesMessageBuffers;
    const finish = (o: Outcome): void => {
      if (done) return;
      done = true;
      memory.release(bytes);
      if (reuse) {
        const received = batch.detachOtlpBytes();
        if (received) messageBuffers.give(received);
      }
      if (!o.ok) this.metrics.failed++;
      settle(o);
    };
    const pdata = new PData(batch);
    pdata.subscribe({
      deliverAck: () => finish({ ok: true }),
      deliverNack: (n) => finish({ ok: false, reason: n.reason, permanent: n.permanent, ...(n.code !== undefined ? { code: n.code } : {}) }),
    }, Interest.ACKS | Interest.NACKS, undefined);
    return { pdata, completion };
  }

  fail(where: string, e: unknown): void {
    this.metrics.errors++;
    this.logger.error(`node ${this.spec.id} failed in ${where}: ${(e as Error)?.message ?? String(e)}`, { node: this.spec.id, urn: this.spec.urn });
  }

  /** Processor/exporter loop: one batch at a time from the input channel. */
  async run(): Promise<void> {
    const input = this.input!;
    const node = this.node as ProcessorNode & ExporterNode;
    const handle = this.spec.kind === 'exporter' ? (p: PData) => node.export(p) : (p: PData) => node.process(p);
    for await (const pdata of input) {
      if (this.spec.kind !== 'receiver') {
        this.metrics.batchesIn++;
        this.metrics.itemsIn += pdata.batch.itemCount;
        this.metrics.bytesIn += pdata.batch.byteSize;
      }
      try {
        await handle(pdata);
      } catch (e) {
        this.fail(this.spec.kind === 'exporter' ? 'export' : 'process', e);
        // An error flagged permanent (the batch's own bytes cannot be read) is not retried.
        this.nack(pdata, `${this.spec.id}: ${(e as Error)?.message ?? String(e)}`, { permanent: (e as { permanent?: unknown } | undefined)?.permanent === true });
      }
    }
    this.state = 'draining';
    try {
      await node.drain?.();
    } catch (e) {
      this.fail('drain', e);
    }
  }

  releaseOutputs(): void {
    for (const dests of this.outputs.values()) for (const d of dests) d.release();
  }

  status(): NodeStatus {
    let details: Record<string, unknown> | undefined;
    try {
      details = this.node?.status?.();
    } catch {
      details = undefined;
    }
    return {
      id: this.spec.id, urn: this.spec.urn, kind: this.spec.kind, state: this.state,
      ...(this.error ? { error: this.error } : {}),
      metrics: { ...this.metrics },
      queued: this.input?.depth ?? 0,
      capacity: this.input?.capacity ?? 0,
      ...(details ? { details } : {}),
    };
  }
}

export interface PipelineInstanceOptions {
  pipeline: ResolvedPipeline;
  nodes: CheckedNode[];
  instance: number;
  backend: Backend;
}

export class PipelineInstance {
  readonly name: string;
  readonly instance: number;
  readonly backend: Backend;
  readonly memory: MemoryBudget;
  readonly closing = new AbortController();
  /** Received messages' buffers go back to their pool when their batch completes: every
   *  node is done with a batch once it answered it (NodeFactory.doneWhenAnswered). */
  readonly reusesMessageBuffers: boolean;
  private readonly runtimes: NodeRuntime[] = [];
  private loops: Promise<void>[] = [];
  private retainedBuffers = false;

  constructor(options: PipelineInstanceOptions) {
    const { pipeline, nodes } = options;
    this.name = `${pipeline.group}/${pipeline.pipeline}`;
    this.instance = options.instance;
    this.backend = options.backend;
    const limiter = pipeline.policies.memoryLimiter;
    this.memory = new MemoryBudget(limiter?.soft_limit ?? DEFAULT_MEMORY_LIMIT, limiter?.mode !== 'observe_only');
    this.reusesMessageBuffers = nodes.every((n) => {
      const done = n.factory.doneWhenAnswered;
      return typeof done === 'function' ? done(n.config) : done === true;
    });
    const capacity = pipeline.policies.channelCapacity.pdata;
    const inputs = new Map<string, BoundedChannel<PData>>();
    for (const n of nodes) {
      if (n.kind !== 'receiver') inputs.set(n.id, new BoundedChannel<PData>(`${this.name}/${n.id}`, capacity));
    }
    for (const n of nodes) {
      const outputs = new Map<string, BoundedChannel<PData>[]>();
      for (const [key, tos] of pipeline.routes) {
        const sep = key.indexOf('\u0000');
        if (key.slice(0, sep) !== n.id) continue;
        const dests = tos.map((t) => inputs.get(t)).filter((c): c is BoundedChannel<PData> => c !== undefined);
        for (const d of dests) d.addSender();
        outputs.set(key.slice(sep + 1), dests);
      }
      const rt = new NodeRuntime(this, n, outputs, n.kind !== 'exporter' && downstreamReadsOnlyOtlp(n.id, nodes, pipeline.routes));
      rt.input = inputs.get(n.id);
      this.runtimes.push(rt);
    }
  }

  /** Creates every node, starts processors and exporters, then receivers. */
  async start(): Promise<void> {
    if (this.reusesMessageBuffers && !this.retainedBuffers) {
      this.retainedBuffers = true;
      messageBuffers.retain();
    }
    for (const rt of this.runtimes) {
      try {
        rt.node = rt.spec.factory.create(rt.spec.config as never, rt);
      } catch (e) {
        throw new Error(`${this.name}: cannot create node ${rt.spec.id} (${rt.spec.urn}): ${(e as Error).message}`, { cause: e });
      }
    }
    for (const rt of this.runtimes) {
      if (rt.spec.kind === 'receiver') continue;
      rt.state = 'running';
      this.loops.push(rt.run().then(() => {
        rt.releaseOutputs();
        rt.state = 'stopped';
      }));
    }
    for (const rt of this.runtimes) {
      if (rt.spec.kind !== 'receiver') continue;
      try {
        await (rt.node as ReceiverNode).start();
        rt.state = 'running';
      } catch (e) {
        rt.state = 'failed';
        rt.error = (e as Error).message;
        await this.shutdown(1000);
        throw new Error(`${this.name}: receiver ${rt.spec.id} (${rt.spec.urn}) did not start: ${(e as Error).message}`, { cause: e });
      }
    }
  }

  /**
   * Graceful stop: receivers stop accepting and answer what they hold; every batch already
   * inside flows on to the exporters, which finish their in-flight work; after `deadlineMs`
   * whatever is still queued is nacked (UNAVAILABLE) so every sender gets an answer.
   */
  async shutdown(deadlineMs = 10_000): Promise<PipelineSummary> {
    if (!this.closing.signal.aborted) this.closing.abort();
    const receivers = this.runtimes.filter((r) => r.spec.kind === 'receiver');
    await Promise.all(receivers.map(async (rt) => {
      try {
        if (rt.node) await (rt.node as ReceiverNode).stop();
      } catch (e) {
        rt.fail('stop', e);
      }
      rt.state = 'stopped';
      rt.releaseOutputs();
    }));
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      Promise.all(this.loops).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs))),
    ]);
    clearTimeout(timer);
    if (!drained) {
      for (const rt of this.runtimes) {
        if (!rt.input || rt.input.depth === 0) {
          rt.input?.close();
          continue;
        }
        rt.logger.warn(`shutdown deadline (${deadlineMs} ms) passed with ${rt.input.depth} batches queued at ${rt.spec.id}; they are refused (UNAVAILABLE)`);
        for (const pdata of rt.input.closeAndTake()) {
          rt.metrics.dropped++;
          rt.nack(pdata, 'pipeline shut down before the batch was exported', { code: GrpcStatus.UNAVAILABLE });
        }
      }
    }
    await Promise.all(this.runtimes.filter((r) => r.spec.kind !== 'receiver').map(async (rt) => {
      try {
        await (rt.node as ProcessorNode | undefined)?.stop?.();
      } catch (e) {
        rt.fail('stop', e);
      }
      rt.state = 'stopped';
    }));
    if (this.retainedBuffers) {
      this.retainedBuffers = false;
      messageBuffers.release();
    }
    return this.summary();
  }

  /** The receiver nodes (after start()). */
  receivers(): ReceiverNode[] {
    return this.runtimes.filter((r) => r.spec.kind === 'receiver' && r.node).map((r) => r.node as ReceiverNode);
  }

  summary(): PipelineSummary {
    return {
      pipeline: this.name,
      instance: this.instance,
      memory: { inUse: this.memory.inUse, peak: this.memory.peak, limit: this.memory.limit, refusals: this.memory.refusals },
      nodes: this.runtimes.map((r) => r.status()),
    };
  }
}
