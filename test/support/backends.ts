// The codec backends a test should run: every backend that loads here. In CI
// (process.env.CI) native and wasm must load: they are listed even when they do not, and
// `requireBackend` then fails the test with the loader's exact error. Elsewhere a backend
// that is not built (`npm run build:native` / `build:wasm`) is left out.
import { probeBackends, type Backend, type BackendName } from '../../src/backend/index.js';

export const CI = !!process.env.CI;

export const BACKEND_NAMES: readonly BackendName[] = ['native', 'wasm', 'js'];
export const RUST_BACKENDS: readonly BackendName[] = ['native', 'wasm'];

const probe = await probeBackends();

/** Loaded backends by name. */
export const loaded: Partial<Record<BackendName, Backend>> = {};
for (const name of BACKEND_NAMES) {
  const b = probe[name].backend;
  if (b) loaded[name] = b;
}

/** Why a backend did not load (the loader's exact error), or undefined when it loaded. */
export function loadError(name: BackendName): string | undefined {
  return probe[name].backend ? undefined : (probe[name].info.error ?? probe[name].info.reason ?? 'not loaded');
}

/** The names to run among `names`: loaded ones, plus (in CI) native/wasm even if missing. */
export function backendsToRun(names: readonly BackendName[] = BACKEND_NAMES): BackendName[] {
  return names.filter((n) => loaded[n] !== undefined || (CI && n !== 'js'));
}

/** `describe.each` rows: `[name]` per backend to run. */
export function backendRows(names: readonly BackendName[] = BACKEND_NAMES): [BackendName][] {
  return backendsToRun(names).map((n) => [n]);
}

/** The backend, or throws (failing the test) with the reason it did not load. */
export function requireBackend(name: BackendName): Backend {
  const b = loaded[name];
  if (!b) throw new Error(`${name} backend failed to load${CI ? ' (required in CI)' : ''}: ${loadError(name)}`);
  return b;
}

/** The js backend (always loads). */
export function jsBackend(): Backend {
  return requireBackend('js');
}
