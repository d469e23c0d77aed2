// Backend selection: `loadBackend('auto')` tries the native addon, then the wasm module,
// then the pure TypeScript codec; `backendInfo()` tells which one loaded and, with the
// loader's exact error text, why the others did not.
import { JsBackend } from './js.js';
import { nativeAddonPath, wasmModulePath } from './locate.js';
import { NativeBackend } from './native.js';
import type { Backend, BackendName, BackendOption } from './types.js';
import { WasmBackend } from './wasm.js';
import { getLogger } from '../log/index.js';

const log = getLogger('backend');

export type * from './types.js';
export { PARQUET_ID_OVERFLOW } from './types.js';
export { JsBackend } from './js.js';
export { NativeBackend } from './native.js';
export { WasmBackend, BackendTrapError } from './wasm.js';

export interface BackendAttempt {
  /** 'loaded', 'failed' (see error), or 'not tried' (see reason). */
  status: 'loaded' | 'failed' | 'not tried';
  /** The file it loads from (native and wasm). */
  path?: string;
  /** The loader's exact error message when it failed. */
  error?: string;
  /** Why it was not tried. */
  reason?: string;
}

export interface BackendInfo {
  /** What was asked for (the argument, else OTEL_ARROW_BACKEND, else 'auto'). */
  requested: BackendOption;
  /** The backend in use, or undefined when none loaded (or none was loaded yet). */
  selected: BackendName | undefined;
  attempts: Record<BackendName, BackendAttempt>;
  /** One line per backend, for logs and error messages. */
  summary: string;
}

const ORDER: readonly BackendName[] = ['native', 'wasm', 'js'];
const OPTIONS: readonly BackendOption[] = ['auto', ...ORDER];

/** Loads by backend and file: a changed OTEL_ARROW_*_PATH loads anew. */
const cache = new Map<string, Promise<Backend>>();
const errors = new Map<BackendName, string>();
let lastInfo: BackendInfo | undefined;

function pathOf(name: BackendName): string | undefined {
  try {
    if (name === 'native') return nativeAddonPath();
    if (name === 'wasm') return wasmModulePath();
  } catch {
    // no package root: the load attempt reports it
  }
  return undefined;
}

function open(name: BackendName): Promise<Backend> {
  const key = `${name}:${pathOf(name) ?? ''}`;
  let p = cache.get(key);
  if (!p) {
    p = (async (): Promise<Backend> => {
      switch (name) {
        case 'native': return NativeBackend.load();
        case 'wasm': return WasmBackend.load();
        default: return JsBackend.load();
      }
    })();
    // Failures are not cached: a later call may find a freshly built file.
    p.catch((err: unknown) => {
      cache.delete(key);
      errors.set(name, err instanceof Error ? err.message : String(err));
    });
    cache.set(key, p);
  }
  return p;
}

async function attempt(name: BackendName): Promise<{ backend?: Backend; info: BackendAttempt }> {
  const path = pathOf(name);
  try {
    const backend = await open(name);
    return { backend, info: { status: 'loaded', ...(path ? { path } : {}) } };
  } catch (err) {
    return { info: { status: 'failed', ...(path ? { path } : {}), error: err instanceof Error ? err.message : String(err) } };
  }
}

function summarize(info: Omit<BackendInfo, 'summary'>): string {
  const lines = [`otel-arrow backend: ${info.selected ?? 'none'} (requested ${info.requested})`];
  for (const name of ORDER) {
    const a = info.attempts[name];
    const detail = a.status === 'failed' ? `: ${a.error}` : a.status === 'not tried' ? `: ${a.reason}` : '';
    lines.push(`  ${name}: ${a.status}${a.path ? ` [${a.path}]` : ''}${detail}`);
  }
  return lines.join('\n');
}

function parseOption(option: string): BackendOption {
  if ((OPTIONS as readonly string[]).includes(option)) return option as BackendOption;
  throw new Error(`unknown otel-arrow backend ${JSON.stringify(option)} (expected ${OPTIONS.join(', ')}; from OTEL_ARROW_BACKEND or loadBackend())`);
}

/**
 * Loads a codec backend. 'auto' (the default, or OTEL_ARROW_BACKEND) tries native, then
 * wasm, then js; a named backend loads only that one and throws when it cannot. Loaded
 * backends are cached: repeated calls are cheap.
 */
export async function loadBackend(option: BackendOption | string = process.env.OTEL_ARROW_BACKEND || 'auto'): Promise<Backend> {
  const requested = parseOption(option);
  const names = requested === 'auto' ? ORDER : [requested];
  const attempts = {} as Record<BackendName, BackendAttempt>;
  let selected: Backend | undefined;
  for (const name of ORDER) {
    if (!names.includes(name)) {
      attempts[name] = { status: 'not tried', reason: `only ${requested} was requested`, ...withPath(name) };
    } else if (selected) {
      attempts[name] = { status: 'not tried', reason: `${selected.name} loaded first`, ...withPath(name) };
    } else {
      const r = await attempt(name);
      attempts[name] = r.info;
      selected = r.backend;
    }
  }
  const info = { requested, selected: selected?.name, attempts };
  lastInfo = { ...info, summary: summarize(info) };
  logSelection(lastInfo);
  if (!selected) throw new Error(`no otel-arrow backend could be loaded\n${lastInfo.summary}`);
  return selected;
}

/** The outcome of the last logged loadBackend(): repeated (cached) loads log nothing new. */
let lastLogged: string | undefined;

function logSelection(info: BackendInfo): void {
  const key = `${info.requested}:${info.selected ?? ''}:${ORDER.map((n) => info.attempts[n].status).join(',')}`;
  if (key === lastLogged) return;
  lastLogged = key;
  // One attribute per backend: "loaded", "failed: <loader error>" or "not tried: <reason>".
  const attributes = Object.fromEntries(ORDER.map((name) => {
    const a = info.attempts[name];
    return [name, a.status === 'failed' ? `failed: ${a.error}` : a.status === 'not tried' ? `not tried: ${a.reason}` : a.status];
  }));
  if (info.selected) log.info(`codec backend ${info.selected} loaded (requested ${info.requested})`, { requested: info.requested, ...attributes });
  else log.error(`no codec backend could be loaded (requested ${info.requested})`, { requested: info.requested, ...attributes });
}

function withPath(name: BackendName): { path?: string } {
  const path = pathOf(name);
  return path ? { path } : {};
}

/**
 * Which backend the last loadBackend() call selected and why the others were not used
 * (failed, with the exact loader error, or not tried). Before any load: nothing selected.
 */
export function backendInfo(): BackendInfo {
  if (lastInfo) return lastInfo;
  const attempts = {} as Record<BackendName, BackendAttempt>;
  for (const name of ORDER) {
    const error = errors.get(name);
    attempts[name] = error
      ? { status: 'failed', error, ...withPath(name) }
      : { status: 'not tried', reason: 'loadBackend() has not been called', ...withPath(name) };
  }
  const info = { requested: parseOptionSafe(process.env.OTEL_ARROW_BACKEND), selected: undefined, attempts };
  return { ...info, summary: summarize(info) };
}

function parseOptionSafe(option: string | undefined): BackendOption {
  return option && (OPTIONS as readonly string[]).includes(option) ? (option as BackendOption) : 'auto';
}

/** Tries every backend (for diagnostics and tests): each loaded one, and each failure's text. */
export async function probeBackends(): Promise<Record<BackendName, { backend?: Backend; info: BackendAttempt }>> {
  const out = {} as Record<BackendName, { backend?: Backend; info: BackendAttempt }>;
  for (const name of ORDER) out[name] = await attempt(name);
  return out;
}
