// The engine: a validated otel_dataflow/v1 document turned into running pipeline instances,
// with one lifecycle (start, drain on shutdown, summary) and one status view for the admin
// endpoint and the CLI.
import { loadBackend } from '../../backend/index.js';
import { loadArrowModule } from '../../backend/arrow-module.js';
import type { Backend, BackendOption } from '../../backend/types.js';
import { getLogger } from '../../log/logger.js';
import { loadSpecFile, parseSpec } from '../config/load.js';
import { resolveSpec, type Resolved } from '../config/resolve.js';
import type { DataflowSpec } from '../config/spec-schema.js';
import { startAdminServer, type AdminServer } from '../admin/admin-server.js';
import { checkAllNodeConfigs, type CheckedNode } from './node-configs.js';
import { PipelineInstance, type PipelineSummary } from './pipeline-instance.js';
import type { ReceiverNode } from './node-api.js';
import type { NodeRegistry } from './registry.js';

export interface EngineOptions {
  /** Node types; default the built-in registry (see nodes/builtin.ts). */
  registry: NodeRegistry;
  /** Codec backend; default loadBackend(). */
  backend?: Backend | BackendOption;
  /** Index of this engine's pipeline instances among workers (0 when running in one process). */
  instance?: number;
  /** Indexes (into the resolved pipelines) of the pipelines this engine runs; default all. */
  pipelines?: readonly number[];
  /** Overrides engine.http_admin.bind_address ("host:port"; port 0 = any); null = no admin server. */
  adminBind?: { host: string; port: number } | null;
}

export interface EngineSummary {
  pipelines: PipelineSummary[];
  /** failed: admitted batches that ended in a nack at their receiver; dropped: batches
   *  discarded on purpose by a node; refused: refused at admission (the sender was told);
   *  errors: exceptions in node code. */
  lost: { failed: number; dropped: number; refused: number; errors: number };
}

/** A spec checked end to end (schema, graph, node configs): what `otap run --validate` does. */
export interface ValidatedSpec {
  source: string;
  spec: DataflowSpec;
  resolved: Resolved;
  nodes: CheckedNode[][];
}

export function validateSpec(spec: DataflowSpec, source: string, registry: NodeRegistry): ValidatedSpec {
  const resolved = resolveSpec(spec, source);
  const nodes = checkAllNodeConfigs(resolved.pipelines, registry, source);
  return { source, spec, resolved, nodes };
}

export function validateFile(file: string, registry: NodeRegistry, env?: NodeJS.ProcessEnv): ValidatedSpec {
  return validateSpec(loadSpecFile(file, env ? { env } : {}), file, registry);
}

export function validateText(text: string, source: string, registry: NodeRegistry, env?: NodeJS.ProcessEnv): ValidatedSpec {
  return validateSpec(parseSpec(text, source, env ? { env } : {}), source, registry);
}

export class Engine {
  readonly instances: PipelineInstance[] = [];
  private readonly log = getLogger('engine');
  private backend: Backend | undefined;
  private stopping: Promise<EngineSummary> | undefined;
  private admin: AdminServer | undefined;
  private readonly byIndex = new Map<number, PipelineInstance>();
  state: 'starting' | 'running' | 'stopping' | 'stopped' = 'starting';

  constructor(readonly validated: ValidatedSpec, private readonly options: EngineOptions) {
    for (const w of validated.resolved.warnings) this.log.warn(w);
  }

  async start(): Promise<void> {
    const b = this.options.backend;
    this.backend = b !== undefined && typeof b === 'object' ? b : await loadBackend(b);
    if (this.validated.nodes.some((p) => p.some((n) => n.factory.usesArrowForm !== false))) await loadArrowModule();
    const { pipelines } = this.validated.resolved;
    pipelines.forEach((p, i) => {
      if (this.options.pipelines && !this.options.pipelines.includes(i)) return;
      const inst = new PipelineInstance({ pipeline: p, nodes: this.validated.nodes[i]!, instance: this.options.instance ?? 0, backend: this.backend! });
      this.byIndex.set(i, inst);
      this.instances.push(inst);
    });
    const started: PipelineInstance[] = [];
    for (const inst of this.instances) {
      try {
        await inst.start();
        started.push(inst);
      } catch (e) {
        await Promise.all(started.map((s) => s.shutdown(1000)));
        throw e;
      }
    }
    const bind = this.options.adminBind === undefined ? this.validated.resolved.adminAddress : this.options.adminBind ?? undefined;
    if (bind) {
      this.admin = await startAdminServer({ summary: () => this.summary(), state: () => this.state, backendName: this.backend.name }, bind.host, bind.port);
      this.log.info(`admin endpoint on http://${bind.host}:${this.admin.port} (/status /metrics /live /ready)`);
    }
    this.state = 'running';
    this.log.info(`engine started: ${this.instances.length} pipeline(s) on the ${this.backend.name} backend`, { source: this.validated.source });
  }

  /** Port of the admin endpoint, when one runs. */
  get adminPort(): number | undefined {
    return this.admin?.port;
  }

  /** Resolves when every receiver that can finish (e.g. a generator with max_signal_count) has; never when one cannot. */
  get receiversDone(): Promise<void> {
    const dones: Array<Promise<void> | undefined> = [];
    for (const inst of this.instances) for (const r of inst.receivers()) dones.push((r as ReceiverNode).done);
    const all = dones.filter((d): d is Promise<void> => d !== undefined);
    if (all.length === 0 || all.length !== dones.length) return new Promise<void>(() => {});
    return Promise.all(all).then(() => undefined);
  }

  /** Drains the pipelines one after the other in document order, each within `deadlineMs`:
   *  a pipeline that exports to a later one of the same engine (as in the default config)
   *  delivers everything before the later one stops listening. */
  shutdown(deadlineMs = 10_000): Promise<EngineSummary> {
    this.stopping ??= (async () => {
      this.state = 'stopping';
      const pipelines: PipelineSummary[] = [];
      for (const i of this.instances) pipelines.push(await i.shutdown(deadlineMs));
      this.state = 'stopped';
      await this.admin?.close();
      return summarize(pipelines);
    })();
    return this.stopping;
  }

  /** Drains one pipeline (by its index among the resolved pipelines); undefined when this
   *  engine does not run it. Workers drain pipeline by pipeline on the primary's word. */
  async shutdownPipeline(index: number, deadlineMs = 10_000): Promise<PipelineSummary | undefined> {
    this.state = 'stopping';
    return this.byIndex.get(index)?.shutdown(deadlineMs);
  }

  /** After shutdownPipeline() of each pipeline: closes the admin endpoint. */
  async close(): Promise<void> {
    this.state = 'stopped';
    await this.admin?.close();
  }

  summary(): EngineSummary {
    return summarize(this.instances.map((i) => i.summary()));
  }
}

export function summarize(pipelines: PipelineSummary[]): EngineSummary {
  const lost = { failed: 0, dropped: 0, refused: 0, errors: 0 };
  for (const p of pipelines) {
    for (const n of p.nodes) {
      lost.failed += n.metrics.failed;
      lost.dropped += n.metrics.dropped;
      lost.refused += n.metrics.refused;
      lost.errors += n.metrics.errors;
    }
  }
  return { pipelines, lost };
}
