// A wasm encoder worker (started by wasm-encoder-workers.ts): one instance of the compiled module holding
// the encoders (one Arrow stream's state each) that the main thread opened here, running the
// requests in the order they were posted. Synchronous calls are answered on a port of their
// own and signalled through a shared word, because the caller is blocked in Atomics.wait and
// cannot receive events.
import { parentPort, workerData } from 'node:worker_threads';
import { WasmBackend } from './wasm.js';
import { errorToWire, type EncodeReply, type EncodeRequest, type WorkerInit, type WorkerRequest } from './wasm-encoder-messages.js';

const init = workerData as WorkerInit;
const port = parentPort!;
let backend: WasmBackend | undefined;
let startError: unknown;
try {
  backend = WasmBackend.fromModule(init.module, init.path);
} catch (err) {
  startError = err; // every request is answered with it
}
/** Open encoders, or why one could not be created (its requests are answered with that). */
const encoders = new Map<number, ReturnType<WasmBackend['createEncoder']> | { failed: unknown }>();

function answer(req: EncodeRequest): EncodeReply {
  try {
    const enc = encoders.get(req.encoder);
    if (!enc) throw new Error(`wasm encoder worker: no encoder ${req.encoder}`);
    if ('failed' in enc) throw enc.failed;
    if (req.frameLevel !== undefined) {
      if (!enc.encodeFramed) throw new Error(`${init.path} predates encodeFramed: rebuild it (npm run build:wasm)`);
      const f = enc.encodeFramed(req.signal ? { signal: req.signal, otlp: req.input } : { columns: req.input }, req.frameLevel);
      return { id: req.id, data: f.frame, batchId: f.batchId, barBytes: f.barBytes, items: f.items };
    }
    const data = req.signal ? enc.encode(req.signal, req.input) : enc.encodeColumns(req.input);
    return req.counted && enc.lastItems ? { id: req.id, data, items: enc.lastItems() } : { id: req.id, data };
  } catch (err) {
    return { id: req.id, error: errorToWire(err) };
  }
}

port.on('message', (msg: WorkerRequest) => {
  if ('open' in msg) {
    try {
      if (!backend) throw startError;
      encoders.set(msg.open, backend.createEncoder(msg.options));
    } catch (err) {
      encoders.set(msg.open, { failed: err });
    }
    return;
  }
  if ('close' in msg) {
    const enc = encoders.get(msg.close);
    encoders.delete(msg.close);
    if (enc && !('failed' in enc)) enc.close();
    return;
  }
  const reply = answer(msg);
  // The wasm backend's outputs are copies of their own: hand the buffer over without another
  // (a frame is a view into its buffer; the view arrives over the transferred buffer).
  const transfer = 'data' in reply ? [reply.data.buffer as ArrayBuffer] : [];
  if (msg.sync) {
    init.syncPort.postMessage(reply, transfer);
    Atomics.store(init.syncFlag, 0, 1);
    Atomics.notify(init.syncFlag, 0);
  } else {
    port.postMessage(reply, transfer);
  }
});
