#!/usr/bin/env node
// Builds the N-API addon (crate otap-node, native/napi) with cargo and copies it to
// native/otap-node.<platform>.node, where src/backend/native.ts loads it.
//
//   node scripts/build-native.mjs            build (release); exit 1 if the build fails
//   node scripts/build-native.mjs --optional never fail (npm's prepare step): skip when
//                                            cargo is missing, on CI (.ci/run builds it)
//                                            or with OTEL_ARROW_SKIP_RUST=1; warn on errors
//   --require                                exit 1 when cargo is missing too (CI), and when
//                                            the profile-guided steps fail
//   --debug                                  debug profile instead of release
//   --no-pgo                                 release build without profile-guided optimisation
//                                            (also OTEL_ARROW_PGO=0)
//
// Release builds are profile-guided where the tools are here: a first build instrumented by
// rustc (-Cprofile-generate) runs scripts/pgo-train.ts, and the addon is built again with
// its counters (-Cprofile-use), which makes encoding 14-22% faster (bench/RESULTS.md,
// "Since stop 54"). It needs llvm-profdata of rustc's LLVM major version (Debian's
// llvm-<major>, rustup's llvm-tools, or LLVM_PROFDATA) and tsx (a devDependency); without
// them the build is the plain one. Profiles are cached in ~/.cache/otel-arrow/pgo, keyed by
// the Rust sources, Cargo.lock, rustc, the training script and the data generator
// (sourceKey).
//
// Cargo outputs are cached in ~/.cache/otel-arrow/cargo-target (CARGO_TARGET_DIR wins), those
// of the profile-guided builds beside it (cargo-target-pgo-generate, cargo-target-pgo-use).
// Without cargo it exits 0 with a message: the wasm or js backend is used instead.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const optional = args.has('--optional');
const requireToolchain = args.has('--require') && !optional;
const profile = args.has('--debug') ? 'debug' : 'release';
const pgoWanted = profile === 'release' && !args.has('--no-pgo') && process.env.OTEL_ARROW_PGO !== '0';
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
const out = join(root, 'native', `otap-node.${platformTriple()}.node`);
const baseEnv = { ...process.env };
// A wasm build's environment must not leak into the host build.
delete baseEnv.RUSTC_BOOTSTRAP;
const started = Date.now();

const profileData = pgoWanted ? profileForBuild() : undefined;
// The profile-guided build has a target directory of its own: cargo would otherwise rebuild
// the plain artefacts that `cargo test` and the examples share in targetDir, and back.
const built = profileData
  ? buildAddon(`${targetDir}-pgo-use`, { RUSTFLAGS: withFlag(baseEnv.RUSTFLAGS, `-Cprofile-use=${profileData}`) })
  : buildAddon(targetDir, {});
install(built);

/**
 * Builds the addon into `dir` with `extraEnv` and returns the built library's path.
 * @napi-rs/cli (a devDependency) drives cargo and names the platform binary; without it
 * (an install without dev dependencies) plain cargo builds the same crate.
 */
function buildAddon(dir, extraEnv) {
  mkdirSync(dir, { recursive: true });
  const env = { ...baseEnv, ...extraEnv, CARGO_TARGET_DIR: dir };
  const flags = extraEnv.RUSTFLAGS ? ` (RUSTFLAGS=${extraEnv.RUSTFLAGS})` : '';
  const napiCli = join(root, 'node_modules', '@napi-rs', 'cli', 'package.json');
  if (existsSync(napiCli)) {
    const outDir = join(dir, 'napi-out');
    mkdirSync(outDir, { recursive: true });
    const napiArgs = ['napi', 'build', '--manifest-path', 'native/napi/Cargo.toml', '--package-json-path', 'package.json',
      '--platform', '--target-dir', dir, '--output-dir', outDir, '--no-js', '--no-dts-header',
      '--dts', join(outDir, 'index.d.ts'), ...(profile === 'release' ? ['--release'] : [])];
    log(`${probe.stdout.trim()}; npx ${napiArgs.join(' ')}${flags}`);
    const build = spawnSync('npx', napiArgs, { cwd: root, env, stdio: 'inherit' });
    if (build.error || build.status !== 0) fail(`napi build failed (${build.error ? build.error.message : `exit ${build.status}`})`);
    const result = join(outDir, `otap-node.${platformTriple()}.node`);
    if (!existsSync(result)) fail(`napi build succeeded but ${result} is missing`);
    return result;
  }
  const cargoArgs = ['build', '-p', 'otap-node', ...(profile === 'release' ? ['--release'] : [])];
  log(`${probe.stdout.trim()}; cargo ${cargoArgs.join(' ')} (CARGO_TARGET_DIR=${dir})${flags}`);
  const build = spawnSync(cargo, cargoArgs, { cwd: root, env, stdio: 'inherit' });
  if (build.error || build.status !== 0) fail(`cargo build failed (${build.error ? build.error.message : `exit ${build.status}`})`);
  const libName = process.platform === 'win32' ? 'otap_node.dll' : process.platform === 'darwin' ? 'libotap_node.dylib' : 'libotap_node.so';
  const result = join(dir, profile, libName);
  if (!existsSync(result)) fail(`cargo succeeded but ${result} is missing`);
  return result;
}

function withFlag(flags, flag) {
  return flags ? `${flags} ${flag}` : flag;
}

/**
 * The profile for this build: from the cache, or made now by an instrumented build and a
 * training run. Undefined when the tools are missing (a plain build follows) or a step fails
 * outside --require.
 */
function profileForBuild() {
  if (baseEnv.CARGO_ENCODED_RUSTFLAGS) return skipPgo('CARGO_ENCODED_RUSTFLAGS is set');
  const rustc = spawnSync(baseEnv.RUSTC || 'rustc', ['-vV'], { encoding: 'utf8', env: baseEnv });
  const llvmMajor = rustc.status === 0 ? /LLVM version: (\d+)/.exec(rustc.stdout)?.[1] : undefined;
  if (!llvmMajor) return skipPgo(`cannot tell rustc's LLVM version (rustc -vV: ${rustc.error?.message ?? rustc.stderr?.trim()})`);
  const profdata = findProfdata(llvmMajor, rustc.stdout);
  if (!profdata) return skipPgo(`no llvm-profdata of LLVM ${llvmMajor} (install Debian's llvm-${llvmMajor} or rustup's llvm-tools, or set LLVM_PROFDATA)`);
  const train = join(root, 'scripts', 'pgo-train.ts');
  if (!existsSync(join(root, 'node_modules', 'tsx', 'package.json')) || !existsSync(train)) return skipPgo('no tsx or no scripts/pgo-train.ts (dev dependencies are needed for the training run)');

  const cacheDir = join(homedir(), '.cache', 'otel-arrow', 'pgo');
  const key = sourceKey(rustc.stdout);
  const cached = join(cacheDir, `otap-node-${key}.profdata`);
  if (existsSync(cached)) {
    log(`profile-guided build with the cached profile ${cached}`);
    return cached;
  }
  log(`profile-guided build: instrumented build, training run, then the final build (llvm-profdata: ${profdata})`);
  const raw = mkdtempSync(join(tmpdir(), 'otap-pgo-'));
  try {
    const instrumented = buildAddon(`${targetDir}-pgo-generate`, { RUSTFLAGS: withFlag(baseEnv.RUSTFLAGS, `-Cprofile-generate=${raw}`) });
    const addon = join(raw, 'instrumented.node');
    copyFileSync(instrumented, addon);
    // The build scripts of the instrumented build wrote counters here too: only the training run's count.
    for (const f of readdirSync(raw)) if (f.endsWith('.profraw')) rmSync(join(raw, f));
    const run = spawnSync(process.execPath, ['--import', 'tsx', train], {
      cwd: root, stdio: 'inherit', env: { ...baseEnv, OTEL_ARROW_NATIVE_PATH: addon, LLVM_PROFILE_FILE: join(raw, 'train-%p.profraw') },
    });
    if (run.error || run.status !== 0) return pgoFailed(`the training run failed (${run.error ? run.error.message : `exit ${run.status}`})`);
    const profiles = readdirSync(raw).filter((f) => f.endsWith('.profraw')).map((f) => join(raw, f));
    if (profiles.length === 0) return pgoFailed('the training run left no .profraw file');
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    const merge = spawnSync(profdata, ['merge', '-o', tmp, ...profiles], { stdio: 'inherit' });
    if (merge.error || merge.status !== 0) return pgoFailed(`llvm-profdata merge failed (${merge.error ? merge.error.message : `exit ${merge.status}`})`);
    renameSync(tmp, cached);
    // Profiles of older sources are of no further use.
    for (const f of readdirSync(cacheDir)) if (f.startsWith('otap-node-') && join(cacheDir, f) !== cached) rmSync(join(cacheDir, f), { force: true });
    log(`profile ${cached} (${(statSync(cached).size / 1024 / 1024).toFixed(1)} MiB)`);
    return cached;
  } finally {
    rmSync(raw, { recursive: true, force: true });
  }
}

function skipPgo(why) {
  log(`plain release build, not profile-guided: ${why}`);
  return undefined;
}

function pgoFailed(why) {
  if (requireToolchain) fail(`profile-guided build: ${why}`);
  log(`profile-guided build: ${why}; building without it`);
  return undefined;
}

/** llvm-profdata whose LLVM major version is rustc's (the profile format follows LLVM). */
function findProfdata(major, rustcInfo) {
  const candidates = [baseEnv.LLVM_PROFDATA, `llvm-profdata-${major}`];
  const sysroot = spawnSync(baseEnv.RUSTC || 'rustc', ['--print', 'sysroot'], { encoding: 'utf8', env: baseEnv });
  const host = /host: (\S+)/.exec(rustcInfo)?.[1];
  if (sysroot.status === 0 && host) candidates.push(join(sysroot.stdout.trim(), 'lib', 'rustlib', host, 'bin', 'llvm-profdata'));
  candidates.push('llvm-profdata');
  for (const c of candidates) {
    if (!c) continue;
    const v = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (v.status === 0 && /LLVM version (\d+)/.exec(v.stdout)?.[1] === major) return c;
  }
  return undefined;
}

/** Hash of everything the profile depends on: the Rust sources, Cargo files, rustc and the training. */
function sourceKey(rustcInfo) {
  const hash = createHash('sha256').update(rustcInfo);
  const files = ['Cargo.toml', 'Cargo.lock', 'scripts/pgo-train.ts', 'src/otlp/generate.ts'];
  for (const dir of ['native/core', 'native/napi']) files.push(...listFiles(dir).filter((f) => !f.includes('/target/') && !f.includes('/examples/') && !f.includes('/benches/') && !f.includes('/tests/')));
  for (const f of files.sort()) {
    if (!existsSync(join(root, f))) continue;
    hash.update(`\0${f}\0`).update(readFileSync(join(root, f)));
  }
  return hash.digest('hex').slice(0, 16);
}

function listFiles(dir) {
  const outFiles = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) outFiles.push(...listFiles(rel));
    else if (/\.(rs|toml)$/.test(entry.name) || entry.name === 'build.rs') outFiles.push(rel);
  }
  return outFiles;
}

/** Copy then rename: a process that has the old addon loaded keeps its mapping intact. */
function install(built) {
  const tmp = `${out}.${process.pid}.tmp`;
  copyFileSync(built, tmp);
  renameSync(tmp, out);
}
done(`built ${out} (${(statSync(out).size / 1024 / 1024).toFixed(1)} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
