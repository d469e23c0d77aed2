// The worker threads that hold the wasm backend's threaded encoders (EncoderOptions.thread):
// the wasm counterpart of the native encoder's thread, so that an exporter stream encodes
// beside the event loop. A worker has its own instance of the compiled module (shared, so a
// worker costs an instantiation, not a compilation) and serves several encoders; they are
// pooled so that a new stream (stream rotation, a retry) does not wait for a worker to start.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { allowedCpus } from '../allowed-cpus.js';
import type { Signal } from '../otlp/model.js';
import { moduleDir, packageRoot } from './locate.js';
import type { EncoderOptions } from './types.js';
import type { WasmModule } from './wasm.js';
import { errorFromWire, type EncodedReply, type EncodeReply, type ReplyForm, type WorkerInit, type WorkerRequest } from './wasm-encoder-messages.js';

/** How long a synchronous call waits for its worker before giving up on it. */
const SYNC_TIMEOUT_MS = 300_000;
/** A worker without encoders ends after this long. */
const IDLE_MS = 30_000;
/** Workers at most: encoders beyond share them (a worker runs one encode at a time). */
const MAX_WORKERS = 4;

/** The worker's script: OTEL_ARROW_WASM_WORKER_PATH, else the built one beside a dist
 *  bundle, or the TypeScript source (through tsx, a development dependency) when running from
 *  src/. Throws when the file is not there (a bundler that left it behind). */
function workerScript(): { file: string; execArgv?: string[] } {
  const root = packageRoot();
  const override = process.env.OTEL_ARROW_WASM_WORKER_PATH;
  const source = join(root, 'src', 'backend', 'wasm-encoder-worker.ts');
  const fromSource = !override && moduleDir().startsWith(join(root, 'src')) && existsSync(source);
  const file = override || (fromSource ? source : join(root, 'dist', 'backend', 'wasm-encoder-worker.js'));
  if (!existsSync(file)) throw new Error(`the wasm encoder worker script ${file} does not exist (set OTEL_ARROW_WASM_WORKER_PATH to where it is)`);
  return file.endsWith('.ts') ? { file, execArgv: ['--import', 'tsx'] } : { file };
}

interface Pending {
  resolve(reply: EncodedReply): void;
  reject(err: Error): void;
}

/** One worker thread and the calls in flight to it. */
export class EncoderWorker {
  private readonly worker: Worker;
  private readonly syncPort: MessagePort;
  private readonly syncFlag = new Int32Array(new SharedArrayBuffer(4));
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idle: NodeJS.Timeout | undefined;
  /** Encoders open on it. */
  encoders = 0;
  /** Why the worker is gone, once it is. */
  failure: Error | undefined;

  constructor(module: WasmModule, path: string, private readonly onGone: (w: EncoderWorker) => void) {
    const { port1, port2 } = new MessageChannel();
    this.syncPort = port1;
    const init: WorkerInit = { module, path, syncPort: port2, syncFlag: this.syncFlag };
    const { file, execArgv } = workerScript();
    this.worker = new Worker(file, { workerData: init, transferList: [port2], name: 'otap-wasm-encoder', ...(execArgv ? { execArgv } : {}) });
    this.worker.unref(); // referenced only while async calls are pending
    this.worker.on('message', (reply: EncodeReply) => this.settle(reply));
    this.worker.on('error', (err) => this.fail(new Error(`the wasm encoder thread failed: ${err.message}`, { cause: err })));
    this.worker.on('exit', (code) => this.fail(new Error(`the wasm encoder thread exited (code ${code})`)));
  }

  open(id: number, options: EncoderOptions): void {
    this.check();
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    this.encoders++;
    this.send({ open: id, options: { ...(options.zstdLevel !== undefined ? { zstdLevel: options.zstdLevel } : {}), ...(options.metricMetadata !== undefined ? { metricMetadata: options.metricMetadata } : {}) } });
  }

  /** The encoder's queued calls run first; then the worker frees it. */
  close(id: number): void {
    this.encoders--;
    if (this.failure) return;
    this.send({ close: id });
    if (this.encoders === 0) {
      this.idle = setTimeout(() => {
        // Out of the pool before it is told to end: an encoder opened until its 'exit' would
        // otherwise land on a worker that is going away.
        this.fail(new Error(`the wasm encoder thread ended after ${IDLE_MS / 1000} s without encoders`));
        void this.worker.terminate();
      }, IDLE_MS);
      this.idle.unref();
    }
  }

  /** The encode queued on the worker; `answer.frameLevel`: answered as a compressed gRPC
   *  message; `answer.counted`: with the batch's items. */
  encodeAsync(encoder: number, signal: Signal | undefined, input: Uint8Array, answer: ReplyForm = {}): Promise<EncodedReply> {
    const id = this.post(encoder, signal, input, false, answer);
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  /** Blocks this thread until the worker has run the call (and every call queued before it). */
  encodeSync(encoder: number, signal: Signal | undefined, input: Uint8Array): Uint8Array {
    Atomics.store(this.syncFlag, 0, 0);
    const id = this.post(encoder, signal, input, true);
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    for (;;) {
      Atomics.wait(this.syncFlag, 0, 0, 1000);
      const got = receiveMessageOnPort(this.syncPort);
      if (got) {
        const reply = got.message as EncodeReply;
        if (reply.id !== id) throw new Error(`the wasm encoder thread answered call ${reply.id} for call ${id}`);
        if ('error' in reply) throw errorFromWire(reply.error);
        return reply.data;
      }
      if (Date.now() > deadline) {
        this.fail(new Error(`the wasm encoder thread did not answer within ${SYNC_TIMEOUT_MS / 1000} s; it was stopped`));
        void this.worker.terminate();
        throw this.failure!;
      }
    }
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private send(msg: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  private post(encoder: number, signal: Signal | undefined, input: Uint8Array, sync: boolean, answer: ReplyForm = {}): number {
    this.check();
    const id = this.nextId++;
    // A copy of just these bytes, handed over: a view into a larger buffer (Buffer's pool, a
    // received frame) would otherwise be cloned whole.
    const copy = new Uint8Array(input.length);
    copy.set(input);
    this.send({ id, encoder, ...(signal ? { signal } : {}), input: copy, sync, ...answer }, [copy.buffer]);
    return id;
  }

  private settle(reply: EncodeReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('error' in reply) p.reject(errorFromWire(reply.error));
    else p.resolve(reply);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    if (this.idle) clearTimeout(this.idle);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    this.onGone(this);
  }
}

/** The workers of one compiled module: a new encoder goes to the one with the fewest. */
export class EncoderWorkers {
  private readonly workers: EncoderWorker[] = [];
  private nextEncoder = 1;

  constructor(private readonly module: WasmModule, private readonly path: string) {}

  /** A worker for a new encoder and the encoder's id there (opened with `options`). */
  open(options: EncoderOptions): { worker: EncoderWorker; id: number } {
    const max = Math.min(MAX_WORKERS, Math.max(1, allowedCpus().length - 1));
    let worker = this.workers.reduce<EncoderWorker | undefined>((best, w) => (!best || w.encoders < best.encoders ? w : best), undefined);
    if (!worker || (worker.encoders > 0 && this.workers.length < max)) {
      worker = new EncoderWorker(this.module, this.path, (gone) => {
        const i = this.workers.indexOf(gone);
        if (i >= 0) this.workers.splice(i, 1);
      });
      this.workers.push(worker);
    }
    const id = this.nextEncoder++;
    worker.open(id, options);
    return { worker, id };
  }
}
