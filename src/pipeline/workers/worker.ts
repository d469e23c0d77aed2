// A worker process of `otap run`: one instance of its share of the pipelines (shared
// nothing with the other workers; receivers share the listening ports through node:cluster),
// reporting its summary to the primary each second and draining pipeline by pipeline when
// the primary says so.
import type { Backend } from '../../backend/types.js';
import { Engine, type ValidatedSpec } from '../engine/engine.js';
import type { NodeRegistry } from '../engine/registry.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/** `afterStart` runs once the engine is up (the CLI returns start-up memory there). */
export async function runWorker(validated: ValidatedSpec, registry: NodeRegistry, backend: Backend, worker: number, pipelines: number[], afterStart?: () => void): Promise<number> {
  const send = (m: FromWorker): void => {
    process.send?.(m);
  };
  // The primary decides when to stop; a terminal's Ctrl-C reaches the whole process group.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  const engine = new Engine(validated, { registry, backend, instance: worker, pipelines, adminBind: null });
  try {
    await engine.start();
  } catch (e) {
    send({ type: 'failed', worker, error: (e as Error).message });
    return 1;
  }
  afterStart?.();
  send({ type: 'started', worker });
  const report = (): void => send({ type: 'summary', worker, summary: engine.summary(), rss: process.memoryUsage.rss() });
  const ticker = setInterval(report, 500);
  void engine.receiversDone.then(() => send({ type: 'done', worker }));
  return new Promise<number>((resolve) => {
    process.on('message', (m: ToWorker) => {
      if (m.type === 'drain') {
        void engine.shutdownPipeline(m.index, m.deadlineMs).then((summary) => send({ type: 'drained', worker, index: m.index, summary }));
      } else if (m.type === 'exit') {
        clearInterval(ticker);
        report();
        void engine.close().then(() => resolve(0));
      }
    });
    process.once('disconnect', () => {
      // The primary is gone: stop everything rather than run unsupervised.
      clearInterval(ticker);
      void engine.shutdown(2000).then(() => resolve(1));
    });
  });
}
