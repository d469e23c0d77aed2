// Where the built native addon and wasm module live: in the package (native/, wasm/),
// found from this module's own location, so it works from src/ (tsx, vitest) and from
// dist/ (ESM and CJS bundles). OTEL_ARROW_NATIVE_PATH / OTEL_ARROW_WASM_PATH override.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory of this module: src/backend from sources, dist (or a dist subfolder) from a bundle. */
export function moduleDir(): string {
  // CJS bundle: __dirname; ESM (source or bundle): import.meta.url.
  if (typeof __dirname === 'string') return __dirname;
  return dirname(fileURLToPath(import.meta.url));
}

let root: string | undefined;

/** The otel-arrow package root (the directory whose package.json is named otel-arrow). */
export function packageRoot(): string {
  if (root) return root;
  let dir = moduleDir();
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'otel-arrow') return (root = dir);
      } catch {
        // not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the otel-arrow package root above ${moduleDir()}`);
    dir = up;
  }
}

let libc: 'gnu' | 'musl' | undefined;

/** The C library of this Linux host, found once. */
function linuxLibc(): 'gnu' | 'musl' {
  if (libc) return libc;
  // ldd names its C library (glibc's is a script, musl's is the loader itself). One small file
  // read, where the diagnostic report builds a whole report for one field, and with it the
  // line tables of every script on the stack (1.5 MiB of heap that stays).
  try {
    const ldd = readFileSync('/usr/bin/ldd', 'latin1');
    if (ldd.includes('musl')) return (libc = 'musl');
    if (ldd.includes('GNU C Library') || ldd.includes('GLIBC')) return (libc = 'gnu');
  } catch {
    // no ldd: ask the report
  }
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return (libc = report?.header?.glibcVersionRuntime ? 'gnu' : 'musl');
}

/** e.g. linux-x64-gnu, linux-arm64-musl, darwin-arm64, win32-x64-msvc (napi-rs naming). */
export function platformTriple(): string {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${linuxLibc()}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

export function nativeAddonPath(): string {
  return process.env.OTEL_ARROW_NATIVE_PATH || join(packageRoot(), 'native', `otap-node.${platformTriple()}.node`);
}

export function wasmModulePath(): string {
  return process.env.OTEL_ARROW_WASM_PATH || join(packageRoot(), 'wasm', 'otap.wasm');
}
