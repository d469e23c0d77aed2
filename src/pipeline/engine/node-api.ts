// The contract between the engine and a node: what a receiver, processor or exporter
// implements, and the context the engine gives it. Built-in nodes use exactly this API, so a
// node registered by an application is a peer of the built-in ones.
import type { z } from 'zod';
import type { Backend } from '../../backend/types.js';
import type { TelemetryBatch } from '../../batch/telemetry-batch.js';
import type { Logger } from '../../log/types.js';
import type { NodeKind } from '../config/node-urn.js';
import type { TrySend } from './bounded-channel.js';
import type { MemoryBudget } from './memory-budget.js';
import type { NodeMetrics } from './node-metrics.js';
import type { Ack, Nack, PData } from './pdata.js';

export interface NackOptions {
  /** Bad data that will never be accepted: upstream must not retry. Default false. */
  permanent?: boolean;
  /** gRPC status for receivers to answer with (e.g. 8 = RESOURCE_EXHAUSTED). */
  code?: number;
}

export interface NodeContext {
  readonly nodeId: string;
  readonly urn: string;
  /** "group/pipeline". */
  readonly pipeline: string;
  /** Index of this pipeline instance (one per core / worker), from 0. */
  readonly instance: number;
  readonly logger: Logger;
  /** The codec backend (native, wasm or js) of this engine. */
  readonly backend: Backend;
  readonly metrics: NodeMetrics;
  /** Output ports that have destinations. */
  readonly ports: readonly string[];
  /** Aborted when the pipeline starts shutting down. */
  readonly closing: AbortSignal;
  /** True when every node after this one reads batches as OTLP or not at all
   *  (NodeFactory.reads; exporters only: false): a receiver of OTAP then decodes straight to
   *  OTLP bytes, processor:attribute edits OTLP bytes instead of building tables. */
  readonly downstreamReadsOnlyOtlp: boolean;
  /** Sends downstream on `port` (default "default"), waiting while the destination is full. */
  send(pdata: PData, port?: string): Promise<void>;
  /** Sends without waiting: 'full' when the destination is full, 'unwired' when the port has no destination. */
  trySend(pdata: PData, port?: string): TrySend | 'unwired';
  /** Asks for this node's onAck/onNack when `pdata` completes downstream (Interest flags). */
  subscribe(pdata: PData, interests: number, calldata: unknown): void;
  /** This node accepted `pdata` for good (exporters: delivered). */
  ack(pdata: PData): void;
  /** This node could not handle `pdata`. */
  nack(pdata: PData, reason: string, options?: NackOptions): void;
}

/** The outcome a receiver reports to its client. */
export type Outcome = { ok: true } | { ok: false; reason: string; permanent: boolean; code?: number };

export interface Admitted {
  pdata: PData;
  /** Settles when the batch is acked or nacked by everything downstream. */
  completion: Promise<Outcome>;
}

export interface ReceiverContext extends NodeContext {
  /** The pipeline's memory budget. */
  readonly memory: MemoryBudget;
  /** Admits a received batch (reserving its bytes until it completes), or undefined when
   *  the memory limit refuses it or the pipeline is shutting down: answer RESOURCE_EXHAUSTED / 429. */
  admit(batch: TelemetryBatch): Admitted | undefined;
  /** Whether a batch of at least `bytes` would be refused now (the memory limit, a closing
   *  pipeline), for refusing a request before reading it; a true answer counts as a refusal. */
  refusesNow(bytes: number): boolean;
}

export interface ReceiverNode {
  /** Starts listening / producing. */
  start(): Promise<void>;
  /** Stops accepting new data and answers what is in flight. */
  stop(): Promise<void>;
  /** Extra facts for /status (e.g. bound ports). */
  status?(): Record<string, unknown>;
  /** Resolves when the receiver has nothing more to produce (a generator that reached its
   *  max_signal_count); a pipeline whose receivers are all done can shut down. */
  done?: Promise<void>;
}

export interface ProcessorNode {
  process(pdata: PData): Promise<void> | void;
  onAck?(ack: Ack): void;
  onNack?(nack: Nack): void;
  /** Input is closed: flush held data downstream and settle what is pending. */
  drain?(): Promise<void>;
  stop?(): Promise<void>;
  status?(): Record<string, unknown>;
}

export interface ExporterNode {
  /** Takes one batch; ack or nack it through the context once its fate is known. Returning
   *  early (before the ack) lets the exporter keep several batches in flight. */
  export(pdata: PData): Promise<void> | void;
  onAck?(ack: Ack): void;
  onNack?(nack: Nack): void;
  /** Input is closed: finish in-flight exports. */
  drain?(): Promise<void>;
  stop?(): Promise<void>;
  status?(): Record<string, unknown>;
}

interface FactoryBase<C> {
  /** "receiver:otlp" or "urn:<namespace>:<kind>:<id>". */
  type: string;
  description?: string;
  /** Validates and normalises the node's `config` (absent/null is passed as undefined). */
  config?: z.ZodType<C, unknown>;
  /**
   * True when the node reads no batch (its bytes, or views of them) after it answered it
   * (ack or nack), and answers a batch only after what it sent on from it was answered; a
   * function of the config when that depends on it. When every node of a pipeline says so,
   * the engine reuses a received message's memory as soon as its batch completes, which
   * spares the GC most of a receiver's work. Default false.
   */
  doneWhenAnswered?: boolean | ((config: C) => boolean);
  /**
   * Whether the node asks batches for their Arrow form (`batch.arrow()`, apache-arrow
   * RecordBatches). When any node of the engine may, apache-arrow loads as the engine starts;
   * when none does, it stays unloaded (about 9 MiB of RSS) until something asks, which then
   * waits about 100 ms for it once. Default true.
   */
  usesArrowForm?: boolean;
  /**
   * What the node reads of a batch: 'otlp' when it only ever asks for OTLP (bytes or objects),
   * 'none' when it passes batches on without reading them. A receiver whose downstream nodes
   * all say one of these (at least one 'otlp') delivers OTLP bytes where it would otherwise
   * hold Arrow tables (NodeContext.downstreamReadsOnlyOtlp). Default: may read tables.
   */
  reads?: 'otlp' | 'none';
}

export interface ReceiverFactory<C = unknown> extends FactoryBase<C> {
  create(config: C, ctx: ReceiverContext): ReceiverNode;
}
export interface ProcessorFactory<C = unknown> extends FactoryBase<C> {
  create(config: C, ctx: NodeContext): ProcessorNode;
}
export interface ExporterFactory<C = unknown> extends FactoryBase<C> {
  create(config: C, ctx: NodeContext): ExporterNode;
}

export type NodeFactory = ReceiverFactory<any> | ProcessorFactory<any> | ExporterFactory<any>;

export type NodeInstance = ReceiverNode | ProcessorNode | ExporterNode;

export type { NodeKind };
