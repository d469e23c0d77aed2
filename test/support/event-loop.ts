// Long test loops let the event loop turn between steps. A vitest worker that runs
// synchronously for longer than vitest's RPC deadline (60 s) cannot read the answers to its
// own progress reports in time: the run then ends with "Timeout calling onTaskUpdate"
// unhandled errors (exit 1) although every test passed. On a loaded 2-core machine a loop of
// 55 large batches takes minutes, so every such loop awaits this between batches.

/** Resolves after pending I/O (including the worker's RPC messages) has been handled. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
