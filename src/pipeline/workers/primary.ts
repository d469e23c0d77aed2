// The `otap run` primary when pipelines run on several cores: forks one worker process per
// instance (node:cluster, so receivers share their ports), pins each to its core with
// taskset where the allocation names cores and taskset exists (every thread of the worker:
// V8's and libuv's threads exist before the pin and would otherwise float across cores),
// merges the workers' summaries for the live view and the admin endpoint, and drains
// pipeline by pipeline across workers.
import cluster, { type Worker } from 'node:cluster';
import { getLogger } from '../../log/logger.js';
import { startAdminServer, type AdminServer } from '../admin/admin-server.js';
import { summarize, type EngineSummary } from '../engine/engine.js';
import type { PipelineSummary } from '../engine/pipeline-instance.js';
import type { InstancePlan } from './instance-plan.js';
import { pinToCore } from './pin-to-core.js';
import { WORKER_INDEX_ENV, WORKER_PIPELINES_ENV, type FromWorker, type ToWorker } from './worker-protocol.js';

const log = getLogger('engine');

export interface PrimaryOptions {
  plan: InstancePlan;
  pipelineCount: number;
  env: NodeJS.ProcessEnv;
  admin: { host: string; port: number } | undefined;
  backendName: string;
}

export class Primary {
  private readonly workers: Worker[] = [];
  private readonly latest = new Map<number, EngineSummary>();
  private readonly doneWorkers = new Set<number>();
  private readonly rssOf = new Map<number, number>();
  private admin: AdminServer | undefined;
  private state: 'starting' | 'running' | 'stopping' | 'stopped' = 'starting';
  private onDone: (() => void) | undefined;
  readonly receiversDone = new Promise<void>((resolve) => (this.onDone = resolve));

  constructor(private readonly o: PrimaryOptions) {}

  get adminPort(): number | undefined {
    return this.admin?.port;
  }

  async start(): Promise<void> {
    cluster.setupPrimary({ exec: process.argv[1]!, args: process.argv.slice(2) });
    const started = this.o.plan.pipelinesOf.map((pipelines, w) => new Promise<void>((resolve, reject) => {
      const worker = cluster.fork({ ...this.o.env, [WORKER_INDEX_ENV]: String(w), [WORKER_PIPELINES_ENV]: JSON.stringify(pipelines) });
      this.workers.push(worker);
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'started') resolve();
        else if (m.type === 'failed') reject(new Error(`worker ${w}: ${m.error}`));
        else if (m.type === 'summary') {
          this.latest.set(w, m.summary);
          this.rssOf.set(w, m.rss);
        }
        else if (m.type === 'done') {
          this.doneWorkers.add(w);
          if (this.doneWorkers.size === this.workers.length) this.onDone?.();
        }
      });
      worker.once('exit', (code) => {
        if (this.state !== 'stopped' && this.state !== 'stopping') {
          log.error(`worker ${w} exited (code ${code}) while running; its pipelines' in-flight batches are lost`);
          reject(new Error(`worker ${w} exited with code ${code} during start`));
        }
      });
      const core = this.o.plan.coreOf[w];
      if (core !== undefined) worker.once('online', () => pin(worker, core, w));
    }));
    try {
      await Promise.all(started);
    } catch (e) {
      this.state = 'stopped';
      for (const w of this.workers) w.kill();
      throw e;
    }
    if (this.o.admin) {
      this.admin = await startAdminServer({ summary: () => this.summary(), state: () => this.state, backendName: this.o.backendName }, this.o.admin.host, this.o.admin.port);
    }
    this.state = 'running';
  }

  /** Resident memory of the primary and the workers (as they last reported). */
  rss(): number {
    return process.memoryUsage.rss() + [...this.rssOf.values()].reduce((a, b) => a + b, 0);
  }

  summary(): EngineSummary {
    return summarize([...this.latest.values()].flatMap((s) => s.pipelines));
  }

  /** Drains pipeline 0 on every worker that runs it, then pipeline 1, ...; then stops the workers. */
  async shutdown(deadlineMs: number): Promise<EngineSummary> {
    this.state = 'stopping';
    const finals: PipelineSummary[] = [];
    for (let index = 0; index < this.o.pipelineCount; index++) {
      const replies = this.workers.filter((w) => w.isConnected()).map((w) => new Promise<PipelineSummary | undefined>((resolve) => {
        const onMessage = (m: FromWorker): void => {
          if (m.type === 'drained' && m.index === index) {
            w.off('message', onMessage);
            resolve(m.summary);
          }
        };
        w.on('message', onMessage);
        w.once('exit', () => resolve(undefined));
        w.send({ type: 'drain', index, deadlineMs } satisfies ToWorker);
      }));
      for (const s of await Promise.all(replies)) if (s) finals.push(s);
    }
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      if (!w.isConnected()) return resolve();
      w.once('exit', () => resolve());
      w.send({ type: 'exit' } satisfies ToWorker);
      setTimeout(() => { w.kill(); resolve(); }, 5000).unref();
    })));
    this.state = 'stopped';
    await this.admin?.close();
    return summarize(finals);
  }
}

function pin(worker: Worker, core: number, index: number): void {
  const pid = worker.process.pid;
  if (pid === undefined || process.platform !== 'linux') return;
  void pinToCore(pid, core).then((why) => {
    if (why) log.warn(`could not pin worker ${index} to core ${core} (${why}); it runs unpinned`);
  });
}
