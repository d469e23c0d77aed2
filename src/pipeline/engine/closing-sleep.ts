// A pause that ends early when the pipeline starts shutting down (`ctx.closing`): receivers
// that wait (for a rate, a memory limit, a poll interval) must not hold up a shutdown.
export function sleepUnlessClosing(ms: number, closing: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (closing.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    closing.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
