// The wasm backend: wasm/otap.wasm (crate otap-wasm), instantiated with
// WebAssembly.instantiate and driven through its plain extern "C" exports (no JS glue).
//
// Calls copy inputs into linear memory (otap_alloc), read the OtapResult the call returns
// (ten u32 words, see wasm/src/lib.rs), copy the output out and free everything before
// returning: nothing handed to the caller points into wasm memory.
//
// Traps: the module is built with panic=abort, so a Rust panic is a WebAssembly trap
// (RuntimeError) that may leave the instance's heap inconsistent. The instance is then
// dropped and the next call instantiates a fresh one from the compiled module (synchronously).
// Encoders/decoders created on the trapped instance lost their stream state: they throw
// (code BACKEND_TRAPPED) and must be replaced; everything created afterwards works.
import { readFileSync } from 'node:fs';
import { releasedTables } from './released-tables.js';
import { OtelArrowError, type OtelArrowErrorCode } from '../errors.js';
import type { Signal } from '../otlp/model.js';
import { wasmModulePath } from './locate.js';
import { arrowModuleNow, loadArrowModule } from './arrow-module.js';
import { loadsOnFirstUse, OptionalPackage } from './optional-package.js';
import { repairFfiDictionaries } from './ffi-dictionary-repair.js';
import {
  DEFAULT_MAX_DECOMPRESSED, DEFAULT_ZSTD_LEVEL,
  type ArrowDecodeResult, type ArrowRecordBatch, type Backend, type BackendAttributeEditor, type BackendDecoder, type BackendEncoder, type BackendFilter, type BackendTables, type BackendTablesBuilder,
  type BackendParquetWriter, type DecodeArrowOptions, type DecodeResult, type DecoderOptions, type EncodeInput, type EncoderOptions, type FramedBatch, type ParquetFileBytes,
  type ParquetFileInfo, type ParquetWriterOptions,
} from './types.js';
import { decodeFileList, decodeKeyValues, encodeFileList, encodeKeyValues, otherBackend, parquetWriterFinished } from './parquet-bytes.js';
import { utf8 } from '../utf8-decoders.js';
import { EncoderWorkers } from './wasm-encoder-workers.js';
import { WasmThreadEncoder } from './wasm-thread-encoder.js';
import { BackendTrapError } from './backend-trap-error.js';
import { COLUMNS_CODE, SIGNAL_NAMES, signalCode } from './wasm-signal.js';
import { getLogger } from '../log/index.js';

const log = getLogger('backend');

export { BackendTrapError };

// The project compiles without the DOM lib, so the few WebAssembly JS API types used here
// are declared locally.
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
export interface WasmModule { readonly __brand?: 'WebAssembly.Module' }
interface WasmInstance { readonly exports: Record<string, unknown> }
type WasmImports = Record<string, Record<string, unknown>>;
interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: WasmImports): Promise<WasmInstance>;
  Instance: new (module: WasmModule, imports: WasmImports) => WasmInstance;
  Module: { imports(module: WasmModule): { module: string; name: string; kind: string }[] };
  RuntimeError: new (...args: never[]) => Error;
}
const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface WasmExports {
  memory: WasmMemory;
  otap_alloc(len: number): number;
  otap_free(ptr: number, len: number): void;
  otap_result_free(res: number): void;
  otap_encoder_new(hasLevel: number, level: number, metricMetadata: number): number;
  otap_encoder_encode(enc: number, signal: number, ptr: number, len: number): number;
  otap_encoder_free(enc: number): void;
  otap_encoder_encode_tables?(enc: number, t: number): number;
  otap_encoder_encode_edited?(enc: number, signal: number, editor: number, ptr: number, len: number): number;
  otap_encoder_encode_columns(enc: number, ptr: number, len: number): number;
  otap_encoder_encode_framed?(enc: number, signal: number, ptr: number, len: number, level: number): number;
  otap_encoder_last_items?(enc: number): number;
  otap_decoder_new(): number;
  otap_decoder_new_limited(max: number): number;
  otap_decoder_state_bytes(dec: number): number;
  otap_decoder_decode(dec: number, ptr: number, len: number): number;
  otap_decoder_free(dec: number): void;
  otap_decoder_decode_arrow(dec: number, ptr: number, len: number): number;
  otap_arrow_free(handle: number): void;
  // Held tables (optional: an older module without them decodes eagerly).
  otap_decoder_decode_tables?(dec: number, ptr: number, len: number): number;
  otap_tables_item_count(t: number): number;
  otap_tables_byte_size(t: number): number;
  otap_tables_to_otlp(t: number): number;
  otap_tables_export_arrow(t: number): number;
  otap_tables_free(t: number): void;
  otap_tables_concat?(ptr: number, count: number): number;
  otap_tables_resource_values?(t: number, ptr: number, len: number): number;
  otap_tables_split?(t: number, firstMax: number, max: number): number;
  otap_tables_transform_attributes?(t: number, ptr: number, len: number): number;
  otap_tables_from_otlp?(signal: number, ptr: number, len: number, metricMetadata: number): number;
  otap_tables_head?(t: number, n: number): number;
  otap_tables_builder_new?(): number;
  otap_tables_builder_build?(b: number, signal: number, ptr: number, len: number, metricMetadata: number): number;
  otap_tables_builder_free?(b: number): void;
  otap_filter_new?(ptr: number, len: number): number;
  otap_tables_filter?(t: number, f: number): number;
  otap_filter_otlp?(f: number, signal: number, ptr: number, len: number, metricMetadata: number): number;
  otap_filter_keep_otlp?(f: number, signal: number, ptr: number, len: number): number;
  otap_filter_free?(f: number): void;
  otap_attribute_editor_new?(ptr: number, len: number): number;
  otap_attribute_editor_edit_otlp?(a: number, signal: number, ptr: number, len: number): number;
  otap_attribute_editor_free?(a: number): void;
  // Parquet file sets (optional: an older module has none).
  otap_parquet_writer_new?(signal: number, zstdLevel: number, rowGroupRows: number, ptr: number, len: number): number;
  otap_parquet_writer_write?(w: number, t: number): number;
  otap_parquet_writer_take_output?(w: number): number;
  otap_parquet_writer_rows?(w: number): number;
  otap_parquet_writer_buffered_bytes?(w: number): number;
  otap_parquet_writer_finish?(w: number): number;
  otap_parquet_writer_free?(w: number): void;
  otap_parquet_read_set?(signal: number, ptr: number, len: number, maxItems: number): number;
  otap_parquet_file_info?(ptr: number, len: number): number;
  otap_zstd_compress(ptr: number, len: number, level: number): number;
  otap_zstd_decompress(ptr: number, len: number, max: number): number;
  otap_debug_trap(): void;
}

const REQUIRED: readonly (keyof WasmExports)[] = [
  'memory', 'otap_alloc', 'otap_free', 'otap_result_free', 'otap_encoder_new', 'otap_encoder_encode',
  'otap_encoder_free', 'otap_decoder_new', 'otap_decoder_new_limited', 'otap_decoder_state_bytes',
  'otap_decoder_decode', 'otap_decoder_free',
  'otap_zstd_compress', 'otap_zstd_decompress',
];

/** The module's pointers are u32; keep inputs well inside the 4 GiB address space. */
const MAX_INPUT = 0x7fff_0000;

/** The part of arrow-js-ffi used here (an optional dependency, with apache-arrow). */
interface ArrowFfi {
  parseRecordBatch(buffer: ArrayBuffer, arrayPtr: number, schemaPtr: number, copy?: boolean): ArrowRecordBatch;
}

/** arrow-js-ffi, loaded on first use like apache-arrow (see optional-package.ts). */
const arrowFfiPackage = new OptionalPackage<ArrowFfi>('arrow-js-ffi', 'the optional packages arrow-js-ffi and apache-arrow');

/** Imports the module might declare (it should declare none): stubs that fail loudly. */
function stubImports(module: WasmModule): WasmImports {
  const imports: WasmImports = {};
  for (const imp of WA.Module.imports(module)) {
    if (imp.kind !== 'function') throw new Error(`otap.wasm imports ${imp.module}.${imp.name} (${imp.kind}); it must import nothing`);
    (imports[imp.module] ??= {})[imp.name] = () => {
      throw new Error(`otap.wasm called the missing import ${imp.module}.${imp.name}`);
    };
  }
  return imports;
}

/** One compiled module and its current instance; replaces the instance after a trap. */
class WasmRuntime {
  private ex: WasmExports | undefined;
  /** Bumped when an instance is discarded: handles from an older generation are dead. */
  generation = 0;
  traps = 0;

  constructor(readonly module: WasmModule, instance: WasmInstance) {
    this.ex = WasmRuntime.check(instance);
  }

  private static check(instance: WasmInstance): WasmExports {
    const ex = instance.exports as unknown as WasmExports;
    for (const name of REQUIRED) {
      if (!(name in ex)) throw new Error(`otap.wasm does not export ${name}`);
    }
    return ex;
  }

  exports(): WasmExports {
    if (!this.ex) {
      this.ex = WasmRuntime.check(new WA.Instance(this.module, stubImports(this.module)));
    }
    return this.ex;
  }

  /** The current instance's linear memory size, or 0 when no instance is live (after a trap). */
  currentMemoryBytes(): number {
    return this.ex ? this.ex.memory.buffer.byteLength : 0;
  }

  /** Runs `fn` on the instance; a trap drops the instance and is rethrown as BackendTrapError. */
  run<T>(fn: (ex: WasmExports) => T): T {
    const ex = this.exports();
    try {
      return fn(ex);
    } catch (err) {
      if (err instanceof WA.RuntimeError) {
        this.ex = undefined;
        this.generation++;
        this.traps++;
        throw new BackendTrapError(`otap.wasm trapped (${err.message}); the instance was discarded`, { cause: err });
      }
      throw err;
    }
  }

  /** Copies `data` in, calls `fn(ptr, len)` returning an OtapResult pointer, reads it out. */
  call(data: Uint8Array, fn: (ex: WasmExports, ptr: number, len: number) => number): WasmResult {
    if (data.length > MAX_INPUT) throw new OtelArrowError('LIMIT_EXCEEDED', `input of ${data.length} bytes is too large for the wasm backend`);
    return this.run((ex) => {
      const len = data.length;
      // wasm32 pointers are u32; an i32 result reads negative above 2 GiB of linear memory.
      const ptr = ex.otap_alloc(len) >>> 0;
      if (ptr === 0) throw new OtelArrowError('LIMIT_EXCEEDED', `wasm backend: cannot allocate ${len} bytes`);
      let res = 0;
      try {
        new Uint8Array(ex.memory.buffer, ptr, len).set(data);
        res = fn(ex, ptr, len);
      } finally {
        ex.otap_free(ptr, len);
      }
      return readResult(ex, res);
    });
  }
}

interface WasmResult {
  signal: number;
  data: Uint8Array;
  /** Word 10: an ArrowExport or DecodedTables handle (see wasm/src/lib.rs), owned by the
   *  caller from here on; 0 when none. */
  handle: number;
}

function readResult(ex: WasmExports, result: number): WasmResult {
  const res = result >>> 0; // a u32 pointer that JavaScript received as i32
  if (res === 0) throw new OtelArrowError('LIMIT_EXCEEDED', 'wasm backend: out of memory');
  try {
    // memory.buffer may have been replaced by growth during the call: view it afresh.
    const w = new Uint32Array(ex.memory.buffer, res, 11);
    const bytes = (i: number) => new Uint8Array(ex.memory.buffer, w[i]!, w[i + 1]!);
    const text = (i: number) => utf8.decode(bytes(i));
    if (w[0] === 0) return { signal: w[1]! | 0, data: bytes(2).slice(), handle: w[10]! };
    const table = text(6);
    const column = text(8);
    throw new OtelArrowError(text(4) as OtelArrowErrorCode, text(2), {
      ...(table ? { table } : {}),
      ...(column ? { column } : {}),
    });
  } finally {
    ex.otap_result_free(res);
  }
}

/** A handle (encoder/decoder pointer) tied to the instance generation that made it. */
class Handle {
  private ptr: number;
  private readonly generation: number;

  constructor(private readonly rt: WasmRuntime, create: (ex: WasmExports) => number, private readonly kind: string,
    private readonly free: (ex: WasmExports, ptr: number) => void) {
    this.ptr = rt.run(create);
    this.generation = rt.generation;
    if (this.ptr === 0) throw new OtelArrowError('LIMIT_EXCEEDED', `wasm backend: cannot allocate a ${kind}`);
  }

  /** The handle a constructor call returned as its result data (a little-endian u32). */
  static fromResult(rt: WasmRuntime, r: WasmResult, kind: string, free: (ex: WasmExports, ptr: number) => void): Handle {
    const ptr = new DataView(r.data.buffer, r.data.byteOffset, 4).getUint32(0, true);
    return new Handle(rt, () => ptr, kind, free);
  }

  /** Whether it belonged to an instance that trapped (and was replaced). */
  get stale(): boolean {
    return this.generation !== this.rt.generation;
  }

  get(): number {
    if (this.ptr === 0) throw new Error(`${this.kind} is closed`);
    if (this.generation !== this.rt.generation) {
      throw new BackendTrapError(`this ${this.kind} belonged to a wasm instance that trapped; its stream state is lost: create a new ${this.kind}`);
    }
    return this.ptr;
  }

  close(): void {
    if (this.ptr === 0) return;
    const ptr = this.ptr;
    this.ptr = 0;
    if (this.generation !== this.rt.generation) return; // its memory is gone with its instance
    try {
      this.rt.run((ex) => this.free(ex, ptr));
    } catch {
      // a trap while freeing already discarded the instance
    }
  }
}

/** An encoder on this thread's instance, with the synchronous calls a worker's encoder
 *  (wasm-encoder-worker.ts) answers the async ones with. */
export type WorkerSideEncoder = BackendEncoder & {
  /** encodeFramedAsync's answer, made here. */
  encodeFramed?: (input: EncodeInput, level: number) => FramedBatch;
  /** Items of the batch the last encode made (encodeCountedAsync's count). */
  lastItems?: () => number;
};

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;

  /** The worker threads of threaded encoders, started with the first. */
  private encoderWorkers: EncoderWorkers | undefined;
  /** Why no worker could be started (threaded encoders are then plain ones). */
  private noWorkers: string | undefined;

  private constructor(private readonly rt: WasmRuntime, readonly path: string) {}

  /** Compiles and instantiates the module; throws with the exact reason when it cannot. */
  static async load(path = wasmModulePath()): Promise<WasmBackend> {
    const bytes = readFileSync(path);
    const module = await WA.compile(bytes);
    const instance = await WA.instantiate(module, stubImports(module));
    if (!loadsOnFirstUse) await Promise.all([arrowFfiPackage.load(), loadArrowModule()]);
    return new WasmBackend(new WasmRuntime(module, instance), path);
  }

  /** A backend on a new instance of a module compiled elsewhere (a worker thread's encoder,
   *  wasm-encoder-worker.ts): bytes in and out only, no Arrow packages loaded. */
  static fromModule(module: WasmModule, path: string): WasmBackend {
    return new WasmBackend(new WasmRuntime(module, new WA.Instance(module, stubImports(module))), path);
  }

  /** Current size of the module's linear memory in bytes (it only grows; 0 after a trap until the next call). */
  memoryBytes(): number {
    return this.rt.currentMemoryBytes();
  }

  /** Number of traps seen (each one replaced the instance). */
  get traps(): number {
    return this.rt.traps;
  }

  createEncoder(options: EncoderOptions = {}): WorkerSideEncoder {
    if (options.thread && !this.noWorkers) {
      try {
        const { worker, id } = (this.encoderWorkers ??= new EncoderWorkers(this.rt.module, this.path)).open(options);
        const ex = this.rt.exports();
        return new WasmThreadEncoder(worker, id, { frame: !!ex.otap_encoder_encode_framed, count: !!ex.otap_encoder_last_items });
      } catch (err) {
        // A host without workers, or a bundle without the worker's script: encode here.
        this.noWorkers = (err as Error).message;
        log.warn(`wasm encoders run on the JavaScript thread: no worker thread could be started (${this.noWorkers})`);
      }
    }
    const level = options.zstdLevel;
    const h = new Handle(this.rt, (ex) => ex.otap_encoder_new(level === undefined ? 0 : 1, level ?? 0, (options.metricMetadata ?? true) ? 1 : 0),
      'Encoder', (ex, p) => ex.otap_encoder_free(p));
    return {
      encode: (signal: Signal, otlpRequestBytes: Uint8Array) => {
        const code = signalCode(signal);
        const enc = h.get();
        return this.rt.call(otlpRequestBytes, (ex, ptr, len) => ex.otap_encoder_encode(enc, code, ptr, len)).data;
      },
      ...(this.rt.exports().otap_encoder_encode_tables ? {
        encodeTables: (tables: BackendTables): Uint8Array | undefined => {
          const ptr = this.held.get(tables);
          if (ptr === undefined) return undefined;
          const enc = h.get();
          return this.rt.run((ex) => readResult(ex, ex.otap_encoder_encode_tables!(enc, ptr()))).data;
        },
      } : {}),
      ...(this.rt.exports().otap_encoder_encode_edited ? {
        encodeEdited: (signal: Signal, otlpRequestBytes: Uint8Array, editor: BackendAttributeEditor): Uint8Array | undefined => {
          const e = this.editors.get(editor);
          if (!e) return undefined;
          const code = signalCode(signal);
          const enc = h.get();
          const ed = e();
          return this.rt.call(otlpRequestBytes, (ex, ptr, len) => ex.otap_encoder_encode_edited!(enc, code, ed, ptr, len)).data;
        },
      } : {}),
      encodeColumns: (columns: Uint8Array) => {
        const enc = h.get();
        return this.rt.call(columns, (ex, ptr, len) => ex.otap_encoder_encode_columns(enc, ptr, len)).data;
      },
      // Synchronous here (the contract's async form is the threaded encoder's): what a worker runs.
      ...(this.rt.exports().otap_encoder_encode_framed ? {
        encodeFramed: (input: EncodeInput, level: number): FramedBatch => {
          const code = 'columns' in input ? COLUMNS_CODE : signalCode(input.signal);
          const enc = h.get();
          const r = this.rt.call('columns' in input ? input.columns : input.otlp, (ex, ptr, len) => ex.otap_encoder_encode_framed!(enc, code, ptr, len, level | 0));
          const view = new DataView(r.data.buffer, r.data.byteOffset, 16);
          return { batchId: view.getBigInt64(0, true), barBytes: view.getUint32(8, true), items: view.getUint32(12, true), frame: r.data.subarray(16) };
        },
      } : {}),
      ...(this.rt.exports().otap_encoder_last_items ? {
        lastItems: (): number => {
          const enc = h.get();
          return this.rt.run((ex) => ex.otap_encoder_last_items!(enc)) >>> 0;
        },
      } : {}),
      close: () => h.close(),
    };
  }

  createDecoder(options: DecoderOptions = {}): BackendDecoder & Required<Pick<BackendDecoder, 'decodeArrow'>> {
    // The module's usize is 32 bits: a larger limit is no limit there.
    const max = Math.min(options.maxMessageBytes ?? DEFAULT_MAX_DECOMPRESSED, 0xffff_ffff) >>> 0;
    const h = new Handle(this.rt, (ex) => ex.otap_decoder_new_limited(max), 'Decoder', (ex, p) => ex.otap_decoder_free(p));
    return {
      stateBytes: (): number => {
        const dec = h.get();
        return this.rt.run((ex) => ex.otap_decoder_state_bytes(dec)) >>> 0;
      },
      decode: (barBytes: Uint8Array): DecodeResult => {
        const dec = h.get();
        const r = this.rt.call(barBytes, (ex, ptr, len) => ex.otap_decoder_decode(dec, ptr, len));
        return { signal: SIGNAL_NAMES[r.signal], otlp: r.data };
      },
      decodeArrow: (barBytes: Uint8Array, options: DecodeArrowOptions = {}): ArrowDecodeResult => {
        const ffi = arrowFfiPackage.now();
        if (typeof ffi === 'string') throw new OtelArrowError('UNSUPPORTED', `decodeArrow needs ${ffi}`);
        const dec = h.get();
        const r = this.rt.call(barBytes, (ex, ptr, len) => ex.otap_decoder_decode_arrow(dec, ptr, len));
        return this.importBatches(ffi, r, options.copy ?? false);
      },
      ...(this.rt.exports().otap_decoder_decode_tables ? {
        decodeTables: (barBytes: Uint8Array): BackendTables | undefined => {
          const dec = h.get();
          const r = this.rt.call(barBytes, (ex, ptr, len) => ex.otap_decoder_decode_tables!(dec, ptr, len));
          const signal = SIGNAL_NAMES[r.signal];
          return signal && r.handle !== 0 ? this.heldTables(signal, r.handle) : undefined;
        },
      } : {}),
      close: () => h.close(),
    };
  }

  concatTables(tables: readonly BackendTables[]): BackendTables[] | undefined {
    const live = tables.map((t) => this.held.get(t));
    if (live.some((l) => l === undefined) || !this.rt.exports().otap_tables_concat) return undefined;
    const handles = new Uint8Array(new Uint32Array(live.map((l) => l!())).buffer);
    return this.heldList(this.rt.call(handles, (ex, ptr, len) => ex.otap_tables_concat!(ptr, len / 4)));
  }

  splitTables(tables: BackendTables, firstMax: number, max: number): BackendTables[] | undefined {
    const live = this.held.get(tables);
    if (live === undefined || !this.rt.exports().otap_tables_split) return undefined;
    const clamp = (n: number): number => Math.max(1, Math.min(n, 0xffff_ffff)) >>> 0;
    return this.heldList(this.rt.run((ex) => readResult(ex, ex.otap_tables_split!(live(), clamp(firstMax), clamp(max)))));
  }

  headTables(tables: BackendTables, n: number): BackendTables | undefined {
    const live = this.held.get(tables);
    if (live === undefined || !this.rt.exports().otap_tables_head) return undefined;
    return this.heldList(this.rt.run((ex) => readResult(ex, ex.otap_tables_head!(live(), Math.max(0, Math.min(n, 0xffff_ffff)) >>> 0))))[0];
  }

  get createFilter(): ((rules: Uint8Array) => BackendFilter) | undefined {
    if (!this.rt.exports().otap_filter_new || !this.rt.exports().otap_filter_otlp) return undefined;
    return (rules) => {
      const r = this.rt.call(rules, (ex, ptr, len) => ex.otap_filter_new!(ptr, len));
      const h = Handle.fromResult(this.rt, r, 'Filter', (ex, p) => ex.otap_filter_free!(p));
      const filter: BackendFilter = {
        apply: (tables) => {
          const live = this.held.get(tables);
          if (live === undefined) return undefined;
          return this.heldList(this.rt.run((ex) => readResult(ex, ex.otap_tables_filter!(live(), h.get()))))[0];
        },
        applyOtlp: (signal, otlp) => {
          const code = signalCode(signal);
          return this.heldList(this.rt.call(otlp, (ex, ptr, len) => ex.otap_filter_otlp!(h.get(), code, ptr, len, 1)))[0]!;
        },
        ...(this.rt.exports().otap_filter_keep_otlp ? {
          keepOtlp: (signal: Signal, otlp: Uint8Array) => {
            const r = this.rt.call(otlp, (ex, ptr, len) => ex.otap_filter_keep_otlp!(h.get(), signalCode(signal), ptr, len));
            return r.signal < 0 ? undefined : r.data;
          },
        } : {}),
      };
      this.filterFinalizer.register(filter, h);
      return filter;
    };
  }

  /** Filters, tables builders, attribute editors and Parquet writers are freed with the JS object that holds them. */
  private readonly filterFinalizer = new FinalizationRegistry<Handle>((h) => h.close());

  get tablesFromOtlp(): ((signal: Signal, otlp: Uint8Array) => BackendTables) | undefined {
    if (!this.rt.exports().otap_tables_from_otlp) return undefined;
    return (signal, otlp) => {
      const code = signalCode(signal);
      return this.heldList(this.rt.call(otlp, (ex, ptr, len) => ex.otap_tables_from_otlp!(code, ptr, len, 1)))[0]!;
    };
  }

  get createTablesBuilder(): (() => BackendTablesBuilder) | undefined {
    if (!this.rt.exports().otap_tables_builder_new) return undefined;
    return () => {
      const h = new Handle(this.rt, (ex) => ex.otap_tables_builder_new!(), 'TablesBuilder', (ex, p) => ex.otap_tables_builder_free!(p));
      const builder: BackendTablesBuilder = {
        build: (signal, otlp) => {
          const code = signalCode(signal);
          return this.heldList(this.rt.call(otlp, (ex, ptr, len) => ex.otap_tables_builder_build!(h.get(), code, ptr, len, 1)))[0]!;
        },
      };
      this.filterFinalizer.register(builder, h);
      return builder;
    };
  }

  transformAttributes(tables: BackendTables, actions: Uint8Array): BackendTables | undefined {
    const live = this.held.get(tables);
    if (live === undefined || !this.rt.exports().otap_tables_transform_attributes) return undefined;
    return this.heldList(this.rt.call(actions, (ex, ptr, len) => ex.otap_tables_transform_attributes!(live(), ptr, len)))[0];
  }

  get createAttributeEditor(): ((actions: Uint8Array) => BackendAttributeEditor) | undefined {
    if (!this.rt.exports().otap_attribute_editor_new) return undefined;
    return (actions) => {
      const compile = (): Handle => {
        const r = this.rt.call(actions, (ex, ptr, len) => ex.otap_attribute_editor_new!(ptr, len));
        return Handle.fromResult(this.rt, r, 'AttributeEditor', (ex, p) => ex.otap_attribute_editor_free!(p));
      };
      let h = compile();
      const editor: BackendAttributeEditor = {
        editOtlp: (signal, otlp) => {
          const ed = live();
          const out = this.rt.call(otlp, (ex, p, len) => ex.otap_attribute_editor_edit_otlp!(ed, signalCode(signal), p, len));
          return out.signal < 0 ? undefined : out.data;
        },
      };
      // An editor holds no stream state: after a trap replaced the instance, it is compiled
      // again in the new one (batches carrying it as a pending edit stay encodable).
      const live = (): number => {
        if (h.stale) {
          h = compile();
          this.filterFinalizer.register(editor, h);
        }
        return h.get();
      };
      this.filterFinalizer.register(editor, h);
      this.editors.set(editor, live);
      return editor;
    };
  }

  get createParquetWriter(): ((signal: Signal, options?: ParquetWriterOptions) => BackendParquetWriter) | undefined {
    if (!this.rt.exports().otap_parquet_writer_new) return undefined;
    return (signal, options = {}) => {
      const code = signalCode(signal);
      const level = (options.zstdLevel ?? DEFAULT_ZSTD_LEVEL) | 0;
      const rows = Math.max(0, Math.min(options.rowGroupRows ?? 131_072, 0xffff_ffff)) >>> 0;
      const meta = encodeKeyValues(Object.entries(options.rootMetadata ?? {}));
      const r = this.rt.call(meta, (ex, ptr, len) => ex.otap_parquet_writer_new!(code, level, rows, ptr, len));
      const h = Handle.fromResult(this.rt, r, 'ParquetWriter', (ex, p) => ex.otap_parquet_writer_free!(p));
      let done = false;
      const live = (): number => {
        if (done) throw parquetWriterFinished();
        return h.get();
      };
      const writer: BackendParquetWriter = {
        write: (tables) => {
          const t = this.held.get(tables);
          if (t === undefined) throw otherBackend();
          const w = live();
          this.rt.run((ex) => readResult(ex, ex.otap_parquet_writer_write!(w, t())));
        },
        takeOutput: () => {
          const w = live();
          return decodeFileList(this.rt.run((ex) => readResult(ex, ex.otap_parquet_writer_take_output!(w))).data);
        },
        rows: () => {
          const w = live();
          const data = this.rt.run((ex) => readResult(ex, ex.otap_parquet_writer_rows!(w))).data;
          const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
          const out = new Map<number, number>();
          for (let at = 0; at + 12 <= data.byteLength; at += 12) out.set(view.getInt32(at, true), Number(view.getBigUint64(at + 4, true)));
          return out;
        },
        bufferedBytes: () => {
          const w = live();
          return this.rt.run((ex) => ex.otap_parquet_writer_buffered_bytes!(w)) >>> 0;
        },
        finish: () => {
          const w = live();
          done = true;
          try {
            return decodeFileList(this.rt.run((ex) => readResult(ex, ex.otap_parquet_writer_finish!(w))).data);
          } finally {
            h.close();
          }
        },
      };
      this.filterFinalizer.register(writer, h);
      return writer;
    };
  }

  get readParquetSet(): ((signal: Signal, files: readonly ParquetFileBytes[], maxItems: number) => BackendTables[]) | undefined {
    if (!this.rt.exports().otap_parquet_read_set) return undefined;
    return (signal, files, maxItems) => {
      const code = signalCode(signal);
      const max = Math.max(1, Math.min(maxItems, 0xffff_ffff)) >>> 0;
      return this.heldList(this.rt.call(encodeFileList(files), (ex, ptr, len) => ex.otap_parquet_read_set!(code, ptr, len, max)));
    };
  }

  get parquetFileInfo(): ((bytes: Uint8Array) => ParquetFileInfo) | undefined {
    if (!this.rt.exports().otap_parquet_file_info) return undefined;
    return (bytes) => {
      const data = this.rt.call(bytes, (ex, ptr, len) => ex.otap_parquet_file_info!(ptr, len)).data;
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      return { rows: Number(view.getBigUint64(0, true)), rowGroups: view.getUint32(8, true), metadata: new Map(decodeKeyValues(data, 12)) };
    };
  }

  /** A result whose data lists new table handles (little-endian u32s). */
  private heldList(r: WasmResult): BackendTables[] {
    const signal = SIGNAL_NAMES[r.signal];
    const words = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength);
    const out: BackendTables[] = [];
    for (let i = 0; i + 4 <= r.data.byteLength; i += 4) out.push(this.heldTables(signal!, words.getUint32(i, true)));
    return out;
  }

  /** The live-handle getter of each BackendTables this backend made (for encodeTables). */
  private readonly held = new WeakMap<BackendTables, () => number>();
  /** The module handle of each attribute editor this backend made (for encodeEdited). */
  private readonly editors = new WeakMap<BackendAttributeEditor, () => number>();

  /** Tables kept in wasm memory: freed when the JS object is garbage collected (the
   *  FinalizationRegistry), unless the instance trapped meanwhile (then they went with it). */
  private heldTables(signal: Signal, ptr: number): BackendTables {
    const generation = this.rt.generation;
    let released = false;
    const live = (): number => {
      if (released) releasedTables();
      if (generation !== this.rt.generation) {
        throw new BackendTrapError('these tables belonged to a wasm instance that trapped; they are lost');
      }
      return ptr;
    };
    const tables: BackendTables = {
      signal,
      itemCount: () => this.rt.run((ex) => ex.otap_tables_item_count(live())) >>> 0,
      byteSize: () => this.rt.run((ex) => ex.otap_tables_byte_size(live())) >>> 0,
      toOtlp: () => this.rt.run((ex) => readResult(ex, ex.otap_tables_to_otlp(live()))).data,
      toArrow: () => {
        const ffi = arrowFfiPackage.now();
        if (typeof ffi === 'string') throw new OtelArrowError('UNSUPPORTED', `the Arrow form needs ${ffi}`);
        const r = this.rt.run((ex) => readResult(ex, ex.otap_tables_export_arrow(live())));
        // Copies: the views must not depend on wasm memory that later calls may grow.
        return this.importBatches(ffi, r, true).batches;
      },
      ...(this.rt.exports().otap_tables_resource_values ? {
        resourceAttributeValues: (key: string) => {
          const r = this.rt.call(Buffer.from(key, 'utf8'), (ex, p, len) => ex.otap_tables_resource_values!(live(), p, len));
          return JSON.parse(utf8.decode(r.data)) as Array<string | null | false>;
        },
      } : {}),
    };
    tables.release = () => {
      if (released) return;
      released = true;
      this.held.delete(tables);
      this.finalizer.unregister(tables);
      this.freeTables(ptr, generation);
    };
    this.finalizer.register(tables, { ptr, generation }, tables);
    this.held.set(tables, live);
    return tables;
  }

  private readonly finalizer = new FinalizationRegistry<{ ptr: number; generation: number }>(({ ptr, generation }) => this.freeTables(ptr, generation));

  private freeTables(ptr: number, generation: number): void {
    if (generation !== this.rt.generation) return;
    try {
      this.rt.run((ex) => ex.otap_tables_free(ptr));
    } catch {
      // a trap while freeing already discarded the instance
    }
  }

  /** Wraps an ArrowExport's C Data Interface structs as apache-arrow RecordBatches. */
  private importBatches(ffi: ArrowFfi, r: WasmResult, copy: boolean): ArrowDecodeResult {
    let handle = r.handle;
    const generation = this.rt.generation;
    const release = (): void => {
      if (handle === 0) return;
      const h = handle;
      handle = 0;
      // After a trap the memory holding the batches is gone with its instance.
      if (generation === this.rt.generation) this.rt.run((ex) => ex.otap_arrow_free(h));
    };
    const batches: ArrowDecodeResult['batches'] = [];
    const arrow = arrowModuleNow();
    const A = typeof arrow === 'string' ? undefined : arrow;
    try {
      if (handle !== 0) {
        const buffer = this.rt.exports().memory.buffer;
        const view = new DataView(buffer);
        const count = view.getUint32(handle, true);
        const entries = view.getUint32(handle + 4, true);
        for (let i = 0; i < count; i++) {
          const at = entries + i * 12;
          const payloadType = view.getInt32(at, true);
          const schemaPtr = view.getUint32(at + 4, true);
          const arrayPtr = view.getUint32(at + 8, true);
          const batch = ffi.parseRecordBatch(buffer, arrayPtr, schemaPtr, copy);
          batches.push({ payloadType, batch: A === undefined ? batch : repairFfiDictionaries(A, batch) });
        }
      }
    } catch (err) {
      release();
      throw err;
    }
    if (copy) release();
    return { signal: SIGNAL_NAMES[r.signal], otlp: r.data, batches, release };
  }

  zstdCompress(data: Uint8Array, level = DEFAULT_ZSTD_LEVEL): Uint8Array {
    return this.rt.call(data, (ex, ptr, len) => ex.otap_zstd_compress(ptr, len, level | 0)).data;
  }

  zstdDecompress(data: Uint8Array, maxSize = DEFAULT_MAX_DECOMPRESSED): Uint8Array {
    const max = Math.max(0, Math.min(maxSize, MAX_INPUT));
    return this.rt.call(data, (ex, ptr, len) => ex.otap_zstd_decompress(ptr, len, max)).data;
  }

  /** Test hook: grows linear memory by `bytes` that the module's allocator does not know of,
   *  so that what it allocates next lies above them (e.g. above 2 GiB). */
  debugGrowMemory(bytes: number): void {
    this.rt.run((ex) => ex.memory.grow(Math.ceil(bytes / 65_536)));
  }

  /** Test hook: makes the module trap (a Rust panic), as a bug in the core would. */
  debugTrap(): void {
    this.rt.run((ex) => ex.otap_debug_trap());
  }
}
