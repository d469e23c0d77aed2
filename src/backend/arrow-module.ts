// apache-arrow, an optional dependency, loaded once per process on first use (see
// optional-package.ts); loadArrowModule() loads it ahead of time.
import type { ArrowModule } from './arrow-import.js';
import { OptionalPackage } from './optional-package.js';

const arrowPackage = new OptionalPackage<ArrowModule>('apache-arrow', 'the optional package apache-arrow');

/** Loads apache-arrow; resolves to the module, or to why it could not be loaded. */
export function loadArrowModule(): Promise<ArrowModule | string> {
  return arrowPackage.load();
}

/** The module, loaded now if needed; else a reason string. */
export function arrowModuleNow(): ArrowModule | string {
  return arrowPackage.now();
}
