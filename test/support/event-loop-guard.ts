// vitest setup file: names the test when one blocks its worker's event loop for long. Past
// 60 s vitest's worker RPC times out and the run fails with "Timeout calling onTaskUpdate"
// unhandled errors that name no test; this warning (on the test's stderr) says which one,
// so that it can yield (test/support/event-loop.ts). It never fails a test: timing is not
// asserted, only reported. OTAP_EVENT_LOOP_WARN_MS sets the threshold (default 20 s).
import { afterEach, beforeEach } from 'vitest';

const WARN_MS = Number(process.env.OTAP_EVENT_LOOP_WARN_MS ?? 20_000);
// Real timers even if a test installs fake ones.
const { setInterval: every, clearInterval: stop } = globalThis;

let last = 0;
let longest = 0;
let ticker: ReturnType<typeof setInterval> | undefined;

/** The gap since the last tick: how long the loop could not run timers. */
function tick(): void {
  const now = performance.now();
  longest = Math.max(longest, now - last);
  last = now;
}

beforeEach(() => {
  last = performance.now();
  longest = 0;
  ticker = every(tick, 100);
  ticker.unref();
});

afterEach((context) => {
  tick(); // a block that ends the test is measured here
  if (ticker) stop(ticker);
  if (longest < WARN_MS) return;
  process.stderr.write(
    `[event-loop] "${context.task.name}" blocked its worker's event loop for ${(longest / 1000).toFixed(1)} s `
    + '(vitest\'s worker RPC times out at 60 s: yield with test/support/event-loop.ts)\n',
  );
});
