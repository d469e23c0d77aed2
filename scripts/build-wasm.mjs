#!/usr/bin/env node
// Builds the WebAssembly module (crate otap-wasm, wasm/) for wasm32-unknown-unknown and
// copies it to wasm/otap.wasm, where src/backend/wasm.ts loads it.
//
//   node scripts/build-wasm.mjs             build; exit 1 if the build fails, exit 0 with a
//                                           message when no wasm toolchain is installed
//   node scripts/build-wasm.mjs --require   also exit 1 when the toolchain is missing (CI)
//   node scripts/build-wasm.mjs --optional  never fail (npm's prepare step): skip on CI
//                                           (.ci/run builds it) or with OTEL_ARROW_SKIP_RUST=1
//
// Toolchains, in this order:
//  1. a rustup toolchain that has the wasm32-unknown-unknown target installed;
//  2. Debian's rustc-web/cargo-web (/usr/bin/rustc, /usr/bin/cargo) with rust-web-src:
//     std is built from source (RUSTC_BOOTSTRAP=1, -Zbuild-std=std,panic_abort), linked by
//     rust-lld (package lld-22). OTEL_ARROW_WASM_RUSTC / OTEL_ARROW_WASM_CARGO override.
// zstd-sys compiles C for wasm32, which needs clang (clang-22 or another clang with the
// WebAssembly target); CC_wasm32_unknown_unknown / AR_wasm32_unknown_unknown win if set.
// Debian packages: rustc-web cargo-web rust-web-src lld-22 clang-22.
//
// Cargo outputs are cached in ~/.cache/otel-arrow/cargo-target-wasm
// (OTEL_ARROW_WASM_TARGET_DIR wins).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const optional = args.has('--optional');
const requireToolchain = args.has('--require');
const TARGET = 'wasm32-unknown-unknown';
const log = (msg) => console.log(`[build:wasm] ${msg}`);

function done(msg, code = 0) {
  log(msg);
  process.exit(code);
}

function fail(msg) {
  if (optional) done(`${msg}\n[build:wasm] continuing without the wasm module (the native or js backend will be used)`);
  done(msg, 1);
}

function missing(msg) {
  const hint = 'Debian/Ubuntu: apt-get install -y rustc-web cargo-web rust-web-src lld-22 clang-22; then `npm run build:wasm`.';
  if (requireToolchain && !optional) done(`wasm toolchain missing: ${msg}. ${hint}`, 1);
  done(`wasm toolchain missing: ${msg}; skipping the wasm module. ${hint}`);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', ...opts });
  return { ok: !r.error && r.status === 0, out: (r.stdout || '').trim(), err: r.error ? r.error.message : (r.stderr || '').trim() };
}

function which(names) {
  for (const n of names) if (run(n, ['--version']).ok) return n;
  return undefined;
}

/** First of `names` found on PATH (for programs that do not answer --version). */
function onPath(names) {
  const dirs = (process.env.PATH || '').split(delimiter).filter(Boolean);
  for (const n of names) for (const d of dirs) if (existsSync(join(d, n))) return join(d, n);
  return undefined;
}

if (optional && process.env.OTEL_ARROW_SKIP_RUST) done('OTEL_ARROW_SKIP_RUST is set: skipped');
if (optional && process.env.CI) done('CI: skipped in the install step (.ci/run builds the module explicitly)');
if (!existsSync(join(root, 'wasm', 'Cargo.toml'))) done('wasm/Cargo.toml is not in this package: nothing to build');

// --- toolchain
const env = { ...process.env };
let cargo;
let extra = [];
let toolchain;
const rustupTargets = run('rustup', ['target', 'list', '--installed']);
if (!process.env.OTEL_ARROW_WASM_CARGO && rustupTargets.ok && rustupTargets.out.split('\n').includes(TARGET)) {
  cargo = 'cargo';
  toolchain = 'rustup (wasm32 target installed)';
} else {
  const rustc = process.env.OTEL_ARROW_WASM_RUSTC || '/usr/bin/rustc';
  cargo = process.env.OTEL_ARROW_WASM_CARGO || '/usr/bin/cargo';
  if (!existsSync(rustc) && !process.env.OTEL_ARROW_WASM_RUSTC) missing(`${rustc} not found (Debian rustc-web) and no rustup toolchain has ${TARGET}`);
  if (!existsSync(cargo) && !process.env.OTEL_ARROW_WASM_CARGO) missing(`${cargo} not found (Debian cargo-web)`);
  const sysroot = run(rustc, ['--print', 'sysroot']);
  if (!sysroot.ok) missing(`${rustc} does not run: ${sysroot.err}`);
  const src = join(sysroot.out, 'lib', 'rustlib', 'src', 'rust', 'library');
  if (!existsSync(src)) missing(`no std source at ${src} (Debian rust-web-src)`);
  if (!onPath(['rust-lld']) && !existsSync(join(sysroot.out, 'lib', 'rustlib', 'x86_64-unknown-linux-gnu', 'bin', 'rust-lld'))) missing('no rust-lld linker (Debian lld-22 provides it)');
  env.RUSTC = rustc;
  env.RUSTC_BOOTSTRAP = '1';
  // rustup's settings must not redirect Debian's cargo to another rustc.
  delete env.RUSTUP_TOOLCHAIN;
  extra = ['-Zbuild-std=std,panic_abort'];
  toolchain = `${run(rustc, ['--version']).out} (Debian, std built from source)`;
}

const ccVar = `CC_${TARGET.replaceAll('-', '_')}`;
const arVar = `AR_${TARGET.replaceAll('-', '_')}`;
if (!env[ccVar]) {
  const cc = which(['clang-22', 'clang-21', 'clang-20', 'clang-19', 'clang']);
  if (!cc) missing('no clang for compiling zstd to wasm32 (Debian clang-22)');
  env[ccVar] = cc;
}
if (!env[arVar]) {
  const ar = which(['llvm-ar-22', 'llvm-ar-21', 'llvm-ar-20', 'llvm-ar-19', 'llvm-ar']);
  if (ar) env[arVar] = ar;
}

// WebAssembly SIMD (simd128) for the Rust code and zstd's C: every host the package targets
// runs it (Node >= 16.4, current browsers and runtimes); encoding is 2-5% faster with it.
// A host without it fails to compile the module, and loadBackend() falls back to js.
const rustflagsVar = `CARGO_TARGET_${TARGET.toUpperCase().replaceAll('-', '_')}_RUSTFLAGS`;
if (env[rustflagsVar] === undefined && env.RUSTFLAGS === undefined) env[rustflagsVar] = '-C target-feature=+simd128';
const cflagsVar = `CFLAGS_${TARGET.replaceAll('-', '_')}`;
if (env[cflagsVar] === undefined) env[cflagsVar] = '-msimd128';

// Fat LTO for the module (the workspace's release profile is thin): one LLVM module across
// std, arrow and the core inlines across crates where thin LTO's imports stop. Measured in one
// process against the thin build (2 x 21 interleaved passes): encode 0.95-1.05x the time per
// record, mostly faster, and a module 5% smaller (9.30 against 9.84 MiB). Cold builds took
// 276-284 s here; after a change to the core the LTO step (one thread) is most of a rebuild.
env.CARGO_PROFILE_RELEASE_LTO ??= 'fat';

// --- build
const targetDir = process.env.OTEL_ARROW_WASM_TARGET_DIR || join(homedir(), '.cache', 'otel-arrow', 'cargo-target-wasm');
mkdirSync(targetDir, { recursive: true });
env.CARGO_TARGET_DIR = targetDir;
const cargoArgs = ['build', '-p', 'otap-wasm', '--release', '--target', TARGET, ...extra];
log(`${toolchain}; CC=${env[ccVar]}${env[arVar] ? ` AR=${env[arVar]}` : ''}; ${rustflagsVar}=${env[rustflagsVar] ?? `(RUSTFLAGS=${env.RUSTFLAGS})`} ${cflagsVar}=${env[cflagsVar]} CARGO_PROFILE_RELEASE_LTO=${env.CARGO_PROFILE_RELEASE_LTO}`);
log(`${cargo} ${cargoArgs.join(' ')} (CARGO_TARGET_DIR=${targetDir})`);
const started = Date.now();
const build = spawnSync(cargo, cargoArgs, { cwd: root, env, stdio: 'inherit' });
if (build.error || build.status !== 0) fail(`cargo build failed (${build.error ? build.error.message : `exit ${build.status}`})`);

const built = join(targetDir, TARGET, 'release', 'otap_wasm.wasm');
if (!existsSync(built)) fail(`cargo succeeded but ${built} is missing`);
const out = join(root, 'wasm', 'otap.wasm');
const tmp = `${out}.${process.pid}.tmp`;
copyFileSync(built, tmp);
renameSync(tmp, out);
done(`built ${out} (${(statSync(out).size / 1024 / 1024).toFixed(2)} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
