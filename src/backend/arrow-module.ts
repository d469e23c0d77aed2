// apache-arrow, an optional dependency, loaded once per process. The backends await it
// when they load, so code that runs after loadBackend() can use it synchronously.
import type { ArrowModule } from './arrow-import.js';

let loaded: ArrowModule | string | undefined;
let loading: Promise<ArrowModule | string> | undefined;

/** Loads apache-arrow; resolves to the module, or to why it could not be loaded. */
export function loadArrowModule(): Promise<ArrowModule | string> {
  loading ??= (async () => {
    const name = 'apache-arrow';
    try {
      loaded = (await import(/* @vite-ignore */ name)) as ArrowModule;
    } catch (err) {
      loaded = `the optional package apache-arrow (${err instanceof Error ? err.message : String(err)})`;
    }
    return loaded;
  })();
  return loading;
}

/** The module once loadArrowModule() settled; else a reason string. */
export function arrowModuleNow(): ArrowModule | string {
  return loaded ?? 'apache-arrow, which loads with the backend (call loadBackend() first)';
}
