#!/usr/bin/env node
// Builds the N-API addon (crate otap-node, native/napi) with cargo and copies it to
// native/otap-node.<platform>.node, where src/backend/native.ts loads it.
//
//   node scripts/build-native.mjs            build (release); exit 1 if the build fails
//   node scripts/build-native.mjs --optional never fail (npm's prepare step): skip when
//                                            cargo is missing, on CI (.ci/run builds it)
//                                            or with OTEL_ARROW_SKIP_RUST=1; warn on errors
//   --require                                exit 1 when cargo is missing too (CI)
//   --debug                                  debug profile instead of release
//
// Cargo outputs are cached in ~/.cache/otel-arrow/cargo-target (CARGO_TARGET_DIR wins).
// Without cargo it exits 0 with a message: the wasm or js backend is used instead.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const optional = args.has('--optional');
const requireToolchain = args.has('--require') && !optional;
const profile = args.has('--debug') ? 'debug' : 'release';
const log = (msg) => console.log(`[build:native] ${msg}`);

function done(msg, code = 0) {
  log(msg);
  process.exit(code);
}

function fail(msg) {
  if (optional) done(`${msg}\n[build:native] continuing without the native addon (the wasm or js backend will be used)`);
  done(msg, 1);
}

function platformTriple() {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${process.report?.getReport()?.header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

if (optional && process.env.OTEL_ARROW_SKIP_RUST) done('OTEL_ARROW_SKIP_RUST is set: skipped');
if (optional && process.env.CI) done('CI: skipped in the install step (.ci/run builds the addon explicitly)');
if (!existsSync(join(root, 'native', 'napi', 'Cargo.toml'))) done('native/napi is not in this package: nothing to build');

const cargo = process.env.CARGO || 'cargo';
const probe = spawnSync(cargo, ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  if (requireToolchain) done(`cargo not found (${probe.error ? probe.error.message : probe.stderr.trim()}); install Rust (rustup)`, 1);
  done(`cargo not found (${probe.error ? probe.error.message : probe.stderr.trim()}): skipping the native addon; ` +
    'install Rust (rustup) and run `npm run build:native` to build it. The wasm or js backend will be used.');
}

const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'otel-arrow', 'cargo-target');
mkdirSync(targetDir, { recursive: true });
const out = join(root, 'native', `otap-node.${platformTriple()}.node`);
const env = { ...process.env, CARGO_TARGET_DIR: targetDir };
// A wasm build's environment must not leak into the host build.
delete env.RUSTC_BOOTSTRAP;
const started = Date.now();
// @napi-rs/cli (a devDependency) drives cargo and names the platform binary; without it
// (an install without dev dependencies) plain cargo builds the same crate.
const napiCli = join(root, 'node_modules', '@napi-rs', 'cli', 'package.json');
if (existsSync(napiCli)) {
  const outDir = join(targetDir, 'napi-out');
  mkdirSync(outDir, { recursive: true });
  const napiArgs = ['napi', 'build', '--manifest-path', 'native/napi/Cargo.toml', '--package-json-path', 'package.json',
    '--platform', '--target-dir', targetDir, '--output-dir', outDir, '--no-js', '--no-dts-header',
    '--dts', join(outDir, 'index.d.ts'), ...(profile === 'release' ? ['--release'] : [])];
  log(`${probe.stdout.trim()}; npx ${napiArgs.join(' ')}`);
  const build = spawnSync('npx', napiArgs, { cwd: root, env, stdio: 'inherit' });
  if (build.error || build.status !== 0) fail(`napi build failed (${build.error ? build.error.message : `exit ${build.status}`})`);
  const built = join(outDir, `otap-node.${platformTriple()}.node`);
  if (!existsSync(built)) fail(`napi build succeeded but ${built} is missing`);
  install(built);
} else {
  const cargoArgs = ['build', '-p', 'otap-node', ...(profile === 'release' ? ['--release'] : [])];
  log(`${probe.stdout.trim()}; cargo ${cargoArgs.join(' ')} (CARGO_TARGET_DIR=${targetDir})`);
  const build = spawnSync(cargo, cargoArgs, { cwd: root, env, stdio: 'inherit' });
  if (build.error || build.status !== 0) fail(`cargo build failed (${build.error ? build.error.message : `exit ${build.status}`})`);
  const libName = process.platform === 'win32' ? 'otap_node.dll' : process.platform === 'darwin' ? 'libotap_node.dylib' : 'libotap_node.so';
  const built = join(targetDir, profile, libName);
  if (!existsSync(built)) fail(`cargo succeeded but ${built} is missing`);
  install(built);
}

/** Copy then rename: a process that has the old addon loaded keeps its mapping intact. */
function install(built) {
  const tmp = `${out}.${process.pid}.tmp`;
  copyFileSync(built, tmp);
  renameSync(tmp, out);
}
done(`built ${out} (${(statSync(out).size / 1024 / 1024).toFixed(1)} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
