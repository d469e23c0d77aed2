// gRPC message compression for @grpc/grpc-js: zstd (plus the Go exporter's names
// `zstdarrow1` .. `zstdarrow10`) next to grpc-js's own gzip/deflate.
//
// Why a runtime patch, and why this one
// -------------------------------------
// grpc-js (1.x) has no public hook for new message encodings:
// - server: `BaseServerInterceptingCall.decompressMessage(message, encoding)` (a prototype
//   method in build/src/server-interceptors.js) handles identity/deflate/gzip and answers any
//   other `grpc-encoding` with UNIMPLEMENTED before a deserializer or an interceptor ever
//   sees the bytes, and the response headers advertise `grpc-accept-encoding:
//   identity,deflate,gzip` from a module-private constant.
// - client: `CompressionFilter` (build/src/compression-filter.js) picks a handler through a
//   module-private `getCompressionHandler(name)` switch; unknown names get a handler that
//   rejects every message. `grpc.default_compression_algorithm` only takes keys of the
//   exported `compressionAlgorithms` enum.
// Alternatives considered: forking/vendoring grpc-js (ruled out); our own HTTP/2 gRPC server
// (large, loses grpc-js's flow control/keepalive/TLS handling); rewriting `grpc-encoding`
// in an http2 'stream' listener placed before grpc-js's and sniffing the zstd magic in our
// deserializers (touches grpc-js's private http2 server and guesses per message). A custom
// serializer cannot do it either: the compressed flag and the encoding are handled before
// (receive) and after (send) serializers run.
// The least fragile choice is therefore a small, documented patch of four prototype methods,
// each of which *delegates to the original* for every encoding that is not ours:
//   server  BaseServerInterceptingCall.prototype.decompressMessage  zstd*/zstdarrowN -> ours
//           BaseServerInterceptingCall.prototype.sendMetadata       add zstd to grpc-accept-encoding
//   client  CompressionFilter.prototype.sendMessage / receiveMetadata / sendMetadata
//           swap in our zstd handler when the selected/received encoding is zstd
//   enum    compressionAlgorithms[3] = 'zstd' (so `grpc.default_compression_algorithm: 3` works)
// Guards: the grpc-js major version must be 1 (tested with 1.14), every patched member must
// exist with the expected shape, the internal modules must be the very instances the public
// entry point uses, and after patching a self-test pushes a message through the patched
// client filter and server call in memory; on any failure everything is restored and
// `installGrpcCompression` rejects with a clear error (the receiver then refuses to start,
// rather than silently refusing Go exporters' default zstd traffic).
// Fragility: a grpc-js minor release that renames these private members makes the install
// fail loudly at start-up (self-test), never corrupts messages; the patch is applied once
// per process and is idempotent. Responses are never compressed by a grpc-js server.
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { OtelArrowError } from '../../errors.js';
import { walkZstdFrames } from '../../zstd/frames.js';
import { zstdCompress, zstdDecompress } from '../../zstd/zlib-zstd.js';
import { loadBackend } from '../../backend/index.js';
import type { Backend } from '../../backend/types.js';
import { messageBuffers, POOLED_MIN_BYTES } from './message-buffers.js';

const gunzipAsync = promisify(zlib.gunzip);
const inflateAsync = promisify(zlib.inflate);

/** A zstd implementation (frames in, frames out). */
export interface ZstdCodec {
  compress(data: Uint8Array, level: number): Uint8Array;
  /** Decompresses all frames of `data`; throws when the output would exceed `maxOutputBytes`. */
  decompress(data: Uint8Array, maxOutputBytes?: number): Uint8Array;
  /** Decompresses all frames of `data` into `out`: their length, or -1 when they do not fit. */
  decompressInto?(data: Uint8Array, out: Uint8Array): number;
  /** `data` compressed at `level` as a whole gRPC message (flag, length, frame), in one buffer. */
  grpcMessage?(data: Uint8Array, level: number): Uint8Array;
}

/** Value of `grpc.default_compression_algorithm` that selects zstd (after install). */
export const ZSTD_ALGORITHM = 3;
/** grpc-js's own gzip algorithm id. */
export const GZIP_ALGORITHM = 2;

/** Encodings our server accepts (grpc-encoding request header). */
export const ACCEPTED_ENCODINGS = [
  'identity', 'deflate', 'gzip', 'zstd',
  ...Array.from({ length: 10 }, (_, i) => `zstdarrow${i + 1}`),
].join(',');

/** True for `zstd` and the Go exporter's `zstdarrow1` .. `zstdarrow10`. */
export function isZstdEncoding(encoding: unknown): boolean {
  return typeof encoding === 'string' && (encoding === 'zstd' || /^zstdarrow([1-9]|10)$/.test(encoding));
}

/** Channel options that make a grpc-js client compress its messages. */
export function compressionChannelOptions(algorithm: 'zstd' | 'gzip' | 'none'): Record<string, number> {
  if (algorithm === 'none') return {};
  return { 'grpc.default_compression_algorithm': algorithm === 'zstd' ? ZSTD_ALGORITHM : GZIP_ALGORITHM };
}

// ---------------------------------------------------------------------------------------
// Default zstd codec: the native backend's when it is the backend this process selects
// (it keeps one zstd context per thread; node:zlib creates one per call, which costs more
// than compressing a small message: 1.3-5x slower on 4 KB-1.6 MB OTLP messages), else
// node:zlib. Decompression stops as soon as the output passes the message limit.

/** node:zlib zstd as a ZstdCodec (no limit when `maxOutputBytes` is absent or negative). */
export const zlibZstdCodec: ZstdCodec = {
  compress: (data, level) => zstdCompress(data, level),
  decompress: (data, max) => zstdDecompress(data, max === undefined || max < 0 ? Number.MAX_SAFE_INTEGER : max),
};

/** A backend's zstd as a ZstdCodec (no limit when `maxOutputBytes` is absent or negative). */
export function backendZstdCodec(backend: Pick<Backend, 'zstdCompress' | 'zstdDecompress' | 'zstdDecompressInto' | 'zstdGrpcMessage'>): ZstdCodec {
  return {
    compress: (data, level) => backend.zstdCompress(data, level),
    decompress: (data, max) => backend.zstdDecompress(data, max === undefined || max < 0 ? Number.MAX_SAFE_INTEGER : max),
    ...(backend.zstdDecompressInto ? { decompressInto: backend.zstdDecompressInto.bind(backend) } : {}),
    ...(backend.zstdGrpcMessage ? { grpcMessage: backend.zstdGrpcMessage.bind(backend) } : {}),
  };
}

/** The default codec: the native backend's zstd when `loadBackend()` selects native, else node:zlib. */
export async function loadDefaultZstdCodec(): Promise<ZstdCodec> {
  const backend = await loadBackend().catch(() => undefined);
  return backend?.name === 'native' ? backendZstdCodec(backend) : zlibZstdCodec;
}

// ---------------------------------------------------------------------------------------
// grpc-js internals (only what we touch)

interface GrpcStatusError { code: number; details: string }

interface ServerCallProto {
  decompressMessage(this: { maxReceiveMessageSize: number }, message: Buffer, encoding: string): Buffer | Promise<Buffer>;
  sendMetadata(this: unknown, metadata?: grpc.Metadata): void;
}

interface CompressionHandlerLike {
  writeMessage(message: Buffer, compress: boolean): Promise<Buffer>;
  readMessage(data: Buffer): Promise<Buffer>;
}

interface FilterInstance {
  currentCompressionAlgorithm: string;
  sendCompression: CompressionHandlerLike;
  receiveCompression: CompressionHandlerLike;
  maxReceiveMessageLength: number;
}

interface FilterProto {
  sendMessage(this: FilterInstance, message: Promise<{ message: Buffer; flags?: number }>): Promise<{ message: Buffer; flags?: number }>;
  receiveMetadata(this: FilterInstance, metadata: grpc.Metadata): grpc.Metadata;
  sendMetadata(this: FilterInstance, metadata: Promise<grpc.Metadata>): Promise<grpc.Metadata>;
}

interface Internals {
  version: string;
  serverProto: ServerCallProto;
  filterClass: new (options: Record<string, unknown>, shared: Record<string, unknown>) => FilterInstance & FilterProto;
  algorithms: Record<string | number, string | number>;
}

function loadInternals(): Internals {
  // A real require for this module's location in every build: bundlers replace a bare
  // `require` in ESM output with a shim that has no `resolve` (the ESM build used to fail
  // here), and `import.meta.url` is empty in CJS output. It resolves the copy of grpc-js that
  // `import '@grpc/grpc-js'` resolves (checked below by object identity).
  const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
  const main = req.resolve('@grpc/grpc-js');
  const dir = main.slice(0, main.lastIndexOf('index.js'));
  const pkg = req(main.replace(/build[\\/]src[\\/]index\.js$/, 'package.json')) as { version: string };
  const serverMod = req(`${dir}server-interceptors.js`) as { BaseServerInterceptingCall?: { prototype: ServerCallProto }; ServerInterceptingCall?: unknown };
  const filterMod = req(`${dir}compression-filter.js`) as { CompressionFilter?: Internals['filterClass'] };
  const algMod = req(`${dir}compression-algorithms.js`) as { CompressionAlgorithms?: Internals['algorithms'] };
  const fail = (what: string): never => {
    throw new OtelArrowError('UNSUPPORTED', `grpc-js ${pkg.version}: ${what}; zstd gRPC compression cannot be installed`);
  };
  if (!/^1\./.test(pkg.version)) fail('only grpc-js 1.x is supported');
  if (serverMod.ServerInterceptingCall !== grpc.ServerInterceptingCall) fail('internal module is not the loaded grpc-js');
  if (algMod.CompressionAlgorithms !== (grpc.compressionAlgorithms as unknown)) fail('compression enum is not the loaded grpc-js');
  const serverProto = serverMod.BaseServerInterceptingCall?.prototype;
  if (!serverProto || typeof serverProto.decompressMessage !== 'function' || typeof serverProto.sendMetadata !== 'function') {
    fail('BaseServerInterceptingCall.decompressMessage/sendMetadata not found');
  }
  const filterClass = filterMod.CompressionFilter;
  const fp = filterClass?.prototype as FilterProto | undefined;
  if (!fp || typeof fp.sendMessage !== 'function' || typeof fp.receiveMetadata !== 'function' || typeof fp.sendMetadata !== 'function') {
    fail('CompressionFilter methods not found');
  }
  const algorithms = algMod.CompressionAlgorithms!;
  if (algorithms[ZSTD_ALGORITHM] !== undefined && algorithms[ZSTD_ALGORITHM] !== 'zstd') fail(`compression algorithm ${ZSTD_ALGORITHM} is taken`);
  return { version: pkg.version, serverProto: serverProto!, filterClass: filterClass!, algorithms };
}

// ---------------------------------------------------------------------------------------
// Handlers

function statusError(code: number, details: string): GrpcStatusError {
  return { code, details };
}

/** `body` decompressed into a buffer of the size its frames declare: a reusable one
 *  (./message-buffers.ts) when the pool is in use, else a fresh one in V8's memory, which
 *  V8 collects as it allocates (an external buffer made by the codec it would collect only
 *  later, so that a burst of requests handled in one turn of the event loop would all be
 *  held at once). Undefined when the frames declare no size or it is small (the codec then
 *  allocates) or when they lie or are corrupt (the codec then says which). */
function decompressDeclared(codec: ZstdCodec, body: Buffer, max: number): Buffer | undefined {
  if (!codec.decompressInto) return undefined;
  let declared: number | undefined;
  try {
    declared = walkZstdFrames(body).declaredSize;
  } catch {
    return undefined; // the codec reports what is wrong with the frames
  }
  if (declared === undefined || declared < POOLED_MIN_BYTES || (max >= 0 && declared > max)) return undefined;
  const pooled = messageBuffers.enabled ? messageBuffers.take(declared) : undefined;
  const out = pooled ?? Buffer.allocUnsafeSlow(declared);
  let n: number;
  try {
    n = codec.decompressInto(body, out);
  } catch {
    n = -1;
  }
  if (n !== declared) {
    if (pooled) messageBuffers.give(pooled);
    return undefined;
  }
  return out.subarray(0, n);
}

async function decompressZstd(codec: ZstdCodec, body: Buffer, max: number): Promise<Buffer> {
  try {
    const out = codec.decompress(body, max);
    if (max >= 0 && out.length > max) throw new OtelArrowError('LIMIT_EXCEEDED', `decompressed message exceeds ${max} bytes`);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    if (err instanceof OtelArrowError && err.code === 'LIMIT_EXCEEDED') {
      throw statusError(grpc.status.RESOURCE_EXHAUSTED, `Received message that decompresses to a size larger than ${max}`);
    }
    throw statusError(grpc.status.INTERNAL, 'Failed to decompress zstd-encoded message');
  }
}

/** A zstd-compressed gRPC message body decompressed within `max` bytes, into a reusable
 *  buffer when the pool is in use (as the patched grpc-js server does); rejects with
 *  `{ code, details }`: RESOURCE_EXHAUSTED beyond `max`, INTERNAL for corrupt frames. */
export async function decompressZstdMessage(body: Buffer, max: number): Promise<Buffer> {
  const codec = await getCodec();
  return decompressDeclared(codec, body, max) ?? decompressZstd(codec, body, max);
}

/** A compressed gRPC message body decompressed within `max` bytes, for code that frames
 *  messages itself: gzip and deflate by node:zlib, zstd (and zstdarrowN) as
 *  `decompressZstdMessage`. Rejects with `{ code, details }`: RESOURCE_EXHAUSTED beyond
 *  `max`, INTERNAL for corrupt data, UNIMPLEMENTED for an unknown encoding. */
export async function decompressMessage(body: Buffer, encoding: string, max: number): Promise<Buffer> {
  if (isZstdEncoding(encoding)) return decompressZstdMessage(body, max);
  if (encoding !== 'gzip' && encoding !== 'deflate') throw statusError(grpc.status.UNIMPLEMENTED, `grpc-encoding "${encoding}" is not supported`);
  try {
    return await inflateGated(() => (encoding === 'gzip' ? gunzipAsync : inflateAsync)(body, { maxOutputLength: max }));
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw statusError(grpc.status.RESOURCE_EXHAUSTED, `Received message that decompresses to a size larger than ${max}`);
    }
    throw statusError(grpc.status.INTERNAL, `Failed to decompress ${encoding}-encoded message`);
  }
}

/** How many gzip or deflate messages this process decompresses at once. node:zlib works a
 *  message in chunks on libuv's pool, back on the event loop between chunks, so calls started
 *  together grow their outputs together: without a bound, N concurrent calls carrying small
 *  gzip bombs would hold N x maxMessageBytes before any of them reached admission control.
 *  With it, at most INFLATE_CONCURRENCY x maxMessageBytes; the rest wait with their
 *  compressed bodies. zstd is decompressed synchronously, one message at a time, already. */
export const INFLATE_CONCURRENCY = 2;

/** Decompressions running now, their most at once (tests reset `peak`) and waiting ones. */
export const inflation = { running: 0, peak: 0, waiting: [] as Array<() => void> };

async function inflateGated<T>(run: () => Promise<T>): Promise<T> {
  if (inflation.running < INFLATE_CONCURRENCY) inflation.running++;
  // A finishing decompression hands its place over (running stays counted).
  else await new Promise<void>((resolve) => inflation.waiting.push(resolve));
  inflation.peak = Math.max(inflation.peak, inflation.running);
  try {
    return await run();
  } finally {
    const next = inflation.waiting.shift();
    if (next) next();
    else inflation.running--;
  }
}

/** A lower bound of the decoded size of `compressedBytes` of gzip, zlib (deflate) or zstd, for
 *  refusing a request before it is read: at worst these formats store the data, adding a
 *  5-byte header per 64 KiB deflate block or 3 bytes per 128 KiB zstd block, plus a frame
 *  header and checksum (gzip 18 bytes without optional fields, zstd at most 22). Optional gzip
 *  header fields and zstd skippable frames are padding no ordinary encoder writes; a message
 *  carrying them may be refused early where its decoded size would have been admitted. */
export function decodedSizeLowerBound(compressedBytes: number): number {
  return Math.max(0, Math.floor((compressedBytes - 32) * (1 - 1 / 8192)));
}

/** `message` as a zstd-compressed gRPC message: made in one buffer where the codec can. */
export function zstdGrpcMessage(codec: ZstdCodec, message: Uint8Array, level: number): Buffer {
  if (!codec.grpcMessage) return grpcMessageFrame(codec.compress(message, level), true);
  const m = codec.grpcMessage(message, level);
  return Buffer.isBuffer(m) ? m : Buffer.from(m.buffer, m.byteOffset, m.byteLength);
}

/** A gRPC length-prefixed message: the compressed flag, the big-endian length, the body. */
export function grpcMessageFrame(body: Uint8Array, compressed: boolean): Buffer {
  const out = Buffer.allocUnsafe(body.length + 5);
  out.writeUInt8(compressed ? 1 : 0, 0);
  out.writeUInt32BE(body.length, 1);
  out.set(body, 5);
  return out;
}

/** Messages written to a grpc-js call that are already whole zstd-compressed gRPC messages
 *  (compressed on an exporter's encoder thread): see `preframedZstd`. */
const zstdFrames = new WeakSet<Buffer>();

/**
 * `frame` (a gRPC message as a zstd-compressing client sends it: flag 1, u32 big-endian
 * length, a zstd frame at the level this client compresses with) as a Buffer to `write` on a
 * grpc-js call: with zstd compression it goes out as it is; should the call send another
 * encoding (the server refused zstd), or a message flagged not to be compressed, it is
 * decompressed first and handled as the plain message.
 */
export function preframedZstd(frame: Uint8Array): Buffer {
  const b = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  zstdFrames.add(b);
  return b;
}

/** The plain message of a frame `preframedZstd` marked. */
async function unframe(frame: Buffer): Promise<Buffer> {
  const out = (await getCodec()).decompress(frame.subarray(5));
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** The zstd level our clients compress with (for encoders that compress for them). */
export function grpcZstdLevel(): number {
  return state.level;
}

/** Client-side handler with the shape of grpc-js's CompressionHandler. */
class ZstdHandler implements CompressionHandlerLike {
  readonly ours = true;
  constructor(private readonly maxReceive: number) {}

  async writeMessage(message: Buffer, compress: boolean): Promise<Buffer> {
    if (zstdFrames.has(message)) {
      if (compress) return message;
      message = await unframe(message);
    }
    if (!compress) return grpcMessageFrame(message, false);
    return zstdGrpcMessage(await getCodec(), message, state.level);
  }

  async readMessage(data: Buffer): Promise<Buffer> {
    const body = data.subarray(5);
    if (data.readUInt8(0) !== 1) return body;
    return decompressZstd(await getCodec(), body, this.maxReceive);
  }
}

// ---------------------------------------------------------------------------------------
// Install

interface State {
  installed?: Promise<void>;
  codec?: ZstdCodec;
  codecPromise?: Promise<ZstdCodec>;
  level: number;
  restore?: () => void;
}

const state: State = { level: 3 };

async function getCodec(): Promise<ZstdCodec> {
  if (state.codec) return state.codec;
  state.codecPromise ??= loadDefaultZstdCodec();
  state.codec = await state.codecPromise;
  return state.codec;
}

/** The zstd codec of gRPC message compression and the level our clients compress with (the
 *  ones `installGrpcCompression` configures), for code that frames messages itself
 *  (grpc/unary-channel.ts, receiver/otlp-export-direct.ts). */
export async function grpcZstd(): Promise<{ codec: ZstdCodec; level: number }> {
  return { codec: await getCodec(), level: state.level };
}

export interface GrpcCompressionOptions {
  /** zstd implementation; default: the native backend's when selected, else node:zlib zstd. */
  codec?: ZstdCodec;
  /** zstd level for messages our clients send (default 3). */
  level?: number;
}

/**
 * Teaches the loaded grpc-js zstd (idempotent; the first call's codec wins unless a later
 * call passes one). Resolves once the patch is in place and has passed its self-test.
 */
export function installGrpcCompression(options: GrpcCompressionOptions = {}): Promise<void> {
  if (options.codec) state.codec = options.codec;
  if (options.level !== undefined) state.level = options.level;
  state.installed ??= install().catch((err) => {
    state.installed = undefined;
    throw err;
  });
  return state.installed;
}

/** Undoes the patch (tests). */
export function uninstallGrpcCompression(): void {
  state.restore?.();
  state.restore = undefined;
  state.installed = undefined;
}

async function install(): Promise<void> {
  const codec = await getCodec();
  const internals = loadInternals();
  const { serverProto, algorithms } = internals;
  const filterProto = internals.filterClass.prototype as FilterProto;
  const orig = {
    decompressMessage: serverProto.decompressMessage,
    serverSendMetadata: serverProto.sendMetadata,
    sendMessage: filterProto.sendMessage,
    receiveMetadata: filterProto.receiveMetadata,
    clientSendMetadata: filterProto.sendMetadata,
    alg: algorithms[ZSTD_ALGORITHM],
  };
  const restore = (): void => {
    serverProto.decompressMessage = orig.decompressMessage;
    serverProto.sendMetadata = orig.serverSendMetadata;
    filterProto.sendMessage = orig.sendMessage;
    filterProto.receiveMetadata = orig.receiveMetadata;
    filterProto.sendMetadata = orig.clientSendMetadata;
    if (orig.alg === undefined) {
      delete algorithms[ZSTD_ALGORITHM];
      delete algorithms.zstd;
    }
  };

  // Server: decompress zstd request messages; advertise the encodings we accept.
  serverProto.decompressMessage = function (message, encoding) {
    if (encoding === 'gzip' || encoding === 'deflate') return inflateGated(async () => orig.decompressMessage.call(this, message, encoding));
    if (!isZstdEncoding(encoding)) return orig.decompressMessage.call(this, message, encoding);
    const c = state.codec ?? codec;
    const body = message.subarray(5);
    // Request messages may land in a reusable buffer, which the pipeline gives back.
    return decompressDeclared(c, body, this.maxReceiveMessageSize) ?? decompressZstd(c, body, this.maxReceiveMessageSize);
  };
  serverProto.sendMetadata = function (metadata) {
    const md = metadata ?? new grpc.Metadata();
    if (md.get('grpc-accept-encoding').length === 0) md.set('grpc-accept-encoding', ACCEPTED_ENCODINGS);
    return orig.serverSendMetadata.call(this, md);
  };

  // Client: a zstd handler whenever zstd is selected for sending or announced for receiving.
  algorithms[ZSTD_ALGORITHM] = 'zstd';
  algorithms.zstd = ZSTD_ALGORITHM;
  filterProto.sendMessage = function (message) {
    if (this.currentCompressionAlgorithm === 'zstd' && !(this.sendCompression instanceof ZstdHandler)) {
      this.sendCompression = new ZstdHandler(-1);
    }
    if (this.sendCompression instanceof ZstdHandler) return orig.sendMessage.call(this, message);
    // Another encoding: a zstd frame made for this call goes as its plain message.
    return orig.sendMessage.call(this, message.then(async (m) => (zstdFrames.has(m.message) ? { ...m, message: await unframe(m.message) } : m)));
  };
  filterProto.receiveMetadata = function (metadata) {
    const encoding = metadata.get('grpc-encoding')[0];
    const out = orig.receiveMetadata.call(this, metadata);
    if (isZstdEncoding(encoding)) this.receiveCompression = new ZstdHandler(this.maxReceiveMessageLength ?? -1);
    return out;
  };
  filterProto.sendMetadata = async function (metadata) {
    const headers = await orig.clientSendMetadata.call(this, metadata);
    headers.set('grpc-accept-encoding', 'identity,deflate,gzip,zstd');
    return headers;
  };
  state.restore = restore;

  try {
    await selfTest(internals);
  } catch (err) {
    restore();
    state.restore = undefined;
    throw new OtelArrowError('UNSUPPORTED', `grpc-js ${internals.version}: zstd compression self-test failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Pushes one message through the patched client filter (send, then receive) and the
 *  patched server call's decompression, in memory. */
async function selfTest(internals: Internals): Promise<void> {
  const text = Buffer.from('otel-arrow zstd self-test '.repeat(8));
  const sender = new internals.filterClass({ 'grpc.default_compression_algorithm': ZSTD_ALGORITHM }, {});
  const headers = await sender.sendMetadata(Promise.resolve(new grpc.Metadata()));
  if (headers.get('grpc-encoding')[0] !== 'zstd') throw new Error('client does not announce grpc-encoding zstd');
  const framed = (await sender.sendMessage(Promise.resolve({ message: text, flags: 0 }))).message;
  if (framed.readUInt8(0) !== 1 || framed.length >= text.length + 5) throw new Error('client did not compress');

  const receiver = new internals.filterClass({}, {});
  const md = new grpc.Metadata();
  md.set('grpc-encoding', 'zstdarrow5');
  receiver.receiveMetadata(md);
  const back = await receiver.receiveCompression.readMessage(framed);
  if (!back.equals(text)) throw new Error('client round trip changed the message');

  const server = await internals.serverProto.decompressMessage.call({ maxReceiveMessageSize: -1 }, framed, 'zstdarrow10');
  if (!Buffer.from(server).equals(text)) throw new Error('server decompression changed the message');
  const gz = await internals.serverProto.decompressMessage.call({ maxReceiveMessageSize: -1 }, Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), Buffer.from('hi')]), 'identity');
  if (!Buffer.from(gz).equals(Buffer.from('hi'))) throw new Error('identity path broken');
}
