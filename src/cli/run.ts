// `otap run`: the pipeline engine on an otel_dataflow/v1 file (or the built-in default),
// with a live line per second on stderr, graceful shutdown on SIGINT/SIGTERM or after
// --duration, and a summary; exit code 1 when any batch was lost.
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import { loadBackend } from '../backend/index.js';
import { getLogger, setLogSink } from '../log/logger.js';
import { pinoSink, type LogFormat } from '../log/pino-sink.js';
import type { LogLevel } from '../log/types.js';
import type { BackendOption } from '../backend/types.js';
import { ConfigError } from '../pipeline/config/config-error.js';
import { DEFAULT_CONFIG } from '../pipeline/default-config.js';
import { Engine, validateFile, validateText, type EngineSummary, type ValidatedSpec } from '../pipeline/engine/engine.js';
import { builtinRegistry } from '../pipeline/nodes/builtin.js';
import type { CoreAllocation } from '../pipeline/config/spec-schema.js';
import { allowedCpus } from '../allowed-cpus.js';
import { planInstances } from '../pipeline/workers/instance-plan.js';
import { pinToCore } from '../pipeline/workers/pin-to-core.js';
import { Primary } from '../pipeline/workers/primary.js';
import { runWorker } from '../pipeline/workers/worker.js';
import { WORKER_INDEX_ENV, WORKER_PIPELINES_ENV } from '../pipeline/workers/worker-protocol.js';
import { formatBytes } from './progress.js';
import { releaseStartupMemory } from './startup-memory.js';

export interface RunOptions {
  config?: string;
  /** A built-in otel_dataflow/v1 document instead of a file (`otap bridge`). */
  builtin?: { text: string; source: string };
  validate?: string;
  durationMs?: number;
  /** Deadline for draining on shutdown. */
  drainMs?: number;
  backend?: BackendOption;
  /** --num-cores / --core-id-range: overrides the top-level core allocation. */
  cores?: CoreAllocation;
  /** --log-format (default pretty) and --log-level (default the config's
   *  engine.telemetry.logs.level, else info). */
  logFormat?: LogFormat;
  logLevel?: LogLevel;
  /** --http-admin-bind host:port */
  adminBind?: { host: string; port: number };
  quiet?: boolean;
  out?: NodeJS.WritableStream;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function describe(v: ValidatedSpec): string {
  const lines = v.resolved.pipelines.map((p, i) => `  ${p.group}/${p.pipeline}: ${v.nodes[i]!.map((n) => `${n.id} (${n.urn.replace(/^urn:otel:/, '')})`).join(', ')}`);
  return `${v.source}: valid, ${v.resolved.pipelines.length} pipeline(s)\n${lines.join('\n')}${v.resolved.warnings.map((w) => `\n  warning: ${w}`).join('')}`;
}

function totals(summary: EngineSummary) {
  let received = 0;
  let receivedBytes = 0;
  let exported = 0;
  for (const p of summary.pipelines) {
    for (const n of p.nodes) {
      if (n.kind === 'receiver') {
        received += n.metrics.itemsIn;
        receivedBytes += n.metrics.bytesIn;
      }
      if (n.kind === 'exporter') exported += n.metrics.itemsIn;
    }
  }
  const memory = summary.pipelines.reduce((a, p) => a + p.memory.inUse, 0);
  const peak = summary.pipelines.reduce((a, p) => a + p.memory.peak, 0);
  return { received, receivedBytes, exported, memory, peak };
}

export async function runCommand(o: RunOptions): Promise<number> {
  const out = o.out ?? process.stderr;
  const registry = builtinRegistry();
  const env = { ...process.env };
  let validated: ValidatedSpec;
  try {
    if (o.validate) {
      out.write(`${describe(validateFile(o.validate, registry))}\n`);
      return 0;
    }
    if (o.config) validated = validateFile(o.config, registry);
    else if (o.builtin) validated = validateText(o.builtin.text, o.builtin.source, registry, env);
    else {
      env.OTAP_RUN_PORT ??= String(await freePort());
      validated = validateText(DEFAULT_CONFIG, '(built-in default config)', registry, env);
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      out.write(`otap: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const configLevel = (validated.spec.engine.telemetry as { logs?: { level?: string } } | undefined)?.logs?.level;
  const level = o.logLevel ?? (configLevel && ['error', 'warn', 'info', 'debug'].includes(configLevel) ? configLevel as LogLevel : 'info');
  setLogSink(pinoSink({ format: o.logFormat ?? 'pretty', level }));
  const backend = await loadBackend(o.backend);
  if (cluster.isWorker) {
    const pipelines = JSON.parse(process.env[WORKER_PIPELINES_ENV] ?? '[]') as number[];
    return runWorker(validated, registry, backend, Number(process.env[WORKER_INDEX_ENV] ?? 0), pipelines, () => releaseStartupMemory(backend));
  }
  const durationMs = o.durationMs ?? (o.config || o.builtin ? undefined : 10_000);
  let plan;
  try {
    plan = planInstances(validated.resolved.pipelines, o.cores);
  } catch (e) {
    out.write(`otap: ${(e as Error).message}\n`);
    return 1;
  }
  // One instance runs in this process: pin it to its core like a worker, when that narrows
  // what the process may run on (as the Rust engine pins its pipeline thread).
  const selfCore = plan.workers === 1 ? plan.coreOf[0] : undefined;
  let pinnedSelf = false;
  if (selfCore !== undefined && allowedCpus().some((c) => c !== selfCore)) {
    const why = await pinToCore(process.pid, selfCore);
    if (why) getLogger('engine').warn(`could not pin this process to core ${selfCore} (${why}); it runs unpinned`);
    pinnedSelf = !why;
  }
  const engine = plan.workers === 1
    ? new Engine(validated, { registry, backend, ...(o.adminBind ? { adminBind: o.adminBind } : {}) })
    : new Primary({ plan, pipelineCount: validated.resolved.pipelines.length, env, admin: o.adminBind ?? validated.resolved.adminAddress, backendName: backend.name });
  try {
    await engine.start();
  } catch (e) {
    out.write(`otap: the engine did not start: ${(e as Error).message}\n`);
    return 1;
  }
  releaseStartupMemory(backend);
  // Signals are handled from here on: a SIGTERM right after the line below drains too.
  const stop = new Promise<string>((resolve) => {
    const onSignal = (sig: string) => () => resolve(sig);
    process.once('SIGINT', onSignal('SIGINT'));
    process.once('SIGTERM', onSignal('SIGTERM'));
    if (durationMs !== undefined) setTimeout(() => resolve(`${durationMs / 1000} s elapsed`), durationMs).unref();
    void engine.receiversDone.then(() => resolve('all receivers finished'));
  });
  const started = performance.now();
  const workers = plan.workers === 1 ? `in this process${pinnedSelf ? ` pinned to core ${selfCore}` : ''}` : `on ${plan.workers} worker processes${plan.coreOf.some((c) => c !== undefined) ? ` pinned to cores ${plan.coreOf.join(',')}` : ''}`;
  const admin = engine.adminPort !== undefined ? `, admin on port ${engine.adminPort}` : '';
  out.write(`otap run: ${validated.source}, ${validated.resolved.pipelines.length} pipeline(s) ${workers}, backend ${backend.name}${admin}${durationMs ? `, for ${durationMs / 1000} s` : ''}; Ctrl-C stops\n`);
  const last = new Map<string, { received: number; receivedBytes: number }>();
  const ticker = setInterval(() => {
    if (o.quiet) return;
    const summary = engine.summary();
    // One figure per pipeline, summed over its instances (workers).
    const names = [...new Set(summary.pipelines.map((p) => p.pipeline))];
    const parts = names.map((name) => {
      const t = totals({ pipelines: summary.pipelines.filter((p) => p.pipeline === name), lost: summary.lost });
      const before = last.get(name) ?? { received: 0, receivedBytes: 0 };
      last.set(name, t);
      return `${name.replace(/^default\//, '')} ${(t.received - before.received).toLocaleString('en-US')} items/s ${formatBytes(t.receivedBytes - before.receivedBytes)}/s mem ${formatBytes(t.memory)}`;
    });
    const s = Math.round((performance.now() - started) / 1000);
    out.write(`[${String(s).padStart(3)}s] ${parts.join(' | ')} | rss ${formatBytes(engine instanceof Primary ? engine.rss() : process.memoryUsage.rss())}\n`);
  }, 1000);
  const why = await stop;
  out.write(`stopping (${why}): receivers stop accepting, in-flight batches drain (up to ${(o.drainMs ?? 10_000) / 1000} s)\n`);
  const summary = await engine.shutdown(o.drainMs ?? 10_000);
  clearInterval(ticker);
  const t = totals(summary);
  const seconds = (performance.now() - started) / 1000;
  out.write(`summary: ${t.received.toLocaleString('en-US')} items received by all receivers (${formatBytes(t.receivedBytes)}), ${t.exported.toLocaleString('en-US')} items at exporters, ${Math.round(t.received / seconds).toLocaleString('en-US')} items/s over ${seconds.toFixed(1)} s, peak pipeline memory ${formatBytes(t.peak)}\n`);
  for (const p of summary.pipelines) {
    out.write(`  ${p.pipeline}: ${p.nodes.map((n) => `${n.id} ${n.metrics.itemsIn.toLocaleString('en-US')} in${n.metrics.failed ? `, ${n.metrics.failed} failed` : ''}${n.metrics.dropped ? `, ${n.metrics.dropped} dropped` : ''}${n.metrics.refused ? `, ${n.metrics.refused} refused` : ''}${n.metrics.errors ? `, ${n.metrics.errors} errors` : ''}`).join(' | ')}\n`);
  }
  const lost = summary.lost.failed + summary.lost.dropped + summary.lost.errors;
  out.write(lost === 0 ? 'nothing lost\n' : `LOST: ${summary.lost.failed} batches failed, ${summary.lost.dropped} dropped, ${summary.lost.errors} node errors\n`);
  return lost === 0 ? 0 : 1;
}
