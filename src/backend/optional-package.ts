// An optional package that only the Arrow form of a batch needs (apache-arrow, arrow-js-ffi),
// loaded on first use rather than with the backend: apache-arrow alone is about 9 MiB of RSS
// in a pipeline that never asks a batch for Arrow views. The first use loads it synchronously
// by requiring the package's ESM entry, which is the very module an `import` of it yields, so
// an application's `instanceof RecordBatch` still holds. Where that is impossible (sources run
// by a bundler's module runner, which has no import.meta.resolve), load() must settle first;
// the backends do that when they load there.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

type SyncLoader = (name: string) => unknown;

function syncLoader(): SyncLoader | undefined {
  // CJS bundle: the package's require entry, as the application's own require() gets it.
  if (typeof __filename === 'string') return createRequire(__filename);
  if (typeof import.meta.resolve !== 'function') return undefined;
  const req = createRequire(import.meta.url);
  return (name): unknown => req(fileURLToPath(import.meta.resolve(name))) as unknown;
}

const loader = syncLoader();

/** Whether an OptionalPackage loads itself on first use (else load() must settle first). */
export const loadsOnFirstUse = loader !== undefined;

export class OptionalPackage<T> {
  private settled: T | string | undefined;
  private loading: Promise<T | string> | undefined;

  /** `missing` names what is missing in messages, e.g. "the optional package apache-arrow". */
  constructor(readonly name: string, private readonly missing: string) {}

  /** The module, loading it now if needed; else why it is unavailable. */
  now(): T | string {
    if (this.settled === undefined && loader && !this.loading) this.settled = this.attempt(() => loader(this.name) as T);
    return this.settled ?? `${this.missing}, which loads with the backend (call loadBackend() first)`;
  }

  /** Loads the module ahead of its first use; resolves to it, or to why it could not be loaded. */
  load(): Promise<T | string> {
    this.loading ??= (async () => {
      if (this.settled === undefined) {
        try {
          this.settled = (await import(/* @vite-ignore */ this.name)) as T;
        } catch (err) {
          this.settled = this.reason(err);
        }
      }
      return this.settled;
    })();
    return this.loading;
  }

  private attempt(load: () => T): T | string {
    try {
      return load();
    } catch (err) {
      return this.reason(err);
    }
  }

  private reason(err: unknown): string {
    return `${this.missing} (${err instanceof Error ? err.message : String(err)})`;
  }
}
