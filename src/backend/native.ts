// The native backend: the N-API addon built from native/napi (crate otap-node), loaded
// with createRequire. The addon throws JS Errors carrying `code` (and `table`/`column`);
// they are rethrown as OtelArrowError so every backend fails the same way.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { OtelArrowError, type OtelArrowErrorCode } from '../errors.js';
import type { Signal } from '../otlp/model.js';
import { importRecordBatch, type ExportedArray } from './arrow-import.js';
import { nativeAddonPath, packageRoot } from './locate.js';
import { otherBackend, parquetWriterFinished } from './parquet-bytes.js';
import { releasedTables } from './released-tables.js';
import { arrowModuleNow, loadArrowModule } from './arrow-module.js';
import { loadsOnFirstUse } from './optional-package.js';
import {
  DEFAULT_MAX_DECOMPRESSED, DEFAULT_ZSTD_LEVEL,
  type ArrowDecodeResult, type Backend, type BackendAttributeEditor, type BackendDecoder, type BackendFilter, type BackendTables, type BackendTablesBuilder, type BackendEncoder, type DecodeArrowOptions,
  type BackendParquetWriter, type DecodeResult, type DecoderOptions, type EncodeInput, type EncoderOptions, type HeldBatch, type ParquetFileBytes, type ParquetFileInfo,
  type ParquetWriterOptions,
} from './types.js';


/** The addon's HeldBar object. */
interface NativeHeldBar {
  readonly batchId: bigint;
  readonly barBytes: number;
  readonly items: number;
  zstdGrpcMessage(level: number): Buffer;
  take(): Buffer;
}

/** A HeldBar as a HeldBatch: the addon's errors become OtelArrowErrors (a class, so a batch
 *  costs one small object and no closures). */
class NativeHeldBatch implements HeldBatch {
  readonly batchId: bigint;
  readonly barBytes: number;
  readonly items: number;
  constructor(private readonly bar: NativeHeldBar) {
    this.batchId = bar.batchId;
    this.barBytes = bar.barBytes;
    this.items = bar.items;
  }

  zstdGrpcMessage(level: number): Uint8Array {
    return call(() => this.bar.zstdGrpcMessage(level));
  }

  take(): Uint8Array {
    return call(() => this.bar.take());
  }
}

/** The addon's AttributeEditor object. */
interface NativeAttributeEditor {
  editOtlp(signal: string, otlp: Uint8Array): Uint8Array | null;
}

/** An async encode's input as the addon takes it: a signal and its OTLP bytes, or null and
 *  SDK columns. */
function addonInput(input: EncodeInput): [string | null, Uint8Array] {
  return 'columns' in input ? [null, input.columns] : [input.signal, input.otlp];
}

/** The addon's exports (see native/napi/src/lib.rs). */
export interface NativeAddon {
  Encoder: new (options?: { zstdLevel?: number; metricMetadata?: boolean }) => {
    encode(signal: string, otlp: Uint8Array): Buffer;
    encodeTables(tables: NativeTables): Buffer;
    encodeEdited?(signal: string, otlp: Uint8Array, editor: NativeAttributeEditor): Buffer;
    /** Missing from addons built before it. */
    encodeAsync?(signal: string, otlp: Uint8Array): Promise<Buffer>;
    encodeColumns(columns: Uint8Array): Buffer;
    encodeColumnsAsync?(columns: Uint8Array): Promise<Buffer>;
    /** Missing from addons built before it. */
    encodeFramedAsync?(signal: string | null, input: Uint8Array, level: number): Promise<{ frame: Buffer; batchId: bigint; barBytes: number; items: number }>;
    /** Missing from addons built before it. */
    encodeCountedAsync?(signal: string | null, input: Uint8Array): Promise<{ bar: Buffer; items: number }>;
    /** Missing from addons built before it. */
    encodeHeldAsync?(signal: string | null, input: Uint8Array): Promise<NativeHeldBar>;
    close(): void;
  };
  Decoder: new (options?: { maxMessageBytes?: number }) => {
    stateBytes(): number;
    decode(bar: Uint8Array): { signal?: string | null; otlp: Buffer };
    decodeArrow(bar: Uint8Array): { signal?: string; otlp: Buffer; batches: { payloadType: number; batch: ExportedArray }[] };
    decodeTables(bar: Uint8Array): NativeTables | null;
    close(): void;
  };
  concatTables(tables: NativeTables[]): NativeTables[];
  splitTables(tables: NativeTables, firstMax: number, max: number): NativeTables[];
  transformAttributes(tables: NativeTables, actions: Uint8Array): NativeTables;
  tablesFromOtlp(signal: string, otlp: Uint8Array, metricMetadata: boolean): NativeTables;
  headTables(tables: NativeTables, n: number): NativeTables;
  TablesBuilder: new () => { build(signal: string, otlp: Uint8Array, metricMetadata: boolean): NativeTables };
  Filter: new (rules: Uint8Array) => {
    apply(tables: NativeTables): NativeTables;
    applyOtlp(signal: string, otlp: Uint8Array, metricMetadata: boolean): NativeTables;
    /** Missing from addons built before it. */
    keepOtlp?(signal: string, otlp: Uint8Array): Uint8Array | null;
  };
  /** Missing from addons built before it. */
  AttributeEditor?: new (actions: Uint8Array) => NativeAttributeEditor;
  ParquetWriter: new (signal: string, options?: { zstdLevel?: number; rowGroupRows?: number; rootMetadata?: Record<string, string> }) => {
    write(tables: NativeTables): void;
    takeOutput(): { payloadType: number; bytes: Buffer }[];
    rows(): { payloadType: number; rows: number }[];
    bufferedBytes(): number;
    finish(): { payloadType: number; bytes: Buffer }[];
  };
  readParquetSet(signal: string, files: { payloadType: number; bytes: Uint8Array }[], maxItems: number): NativeTables[];
  parquetFileInfo(bytes: Uint8Array): { rows: number; rowGroups: number; metadata: [string, string][] };
  zstdCompress(data: Uint8Array, level?: number): Buffer;
  /** Missing from addons built before it. */
  zstdGrpcMessage?(data: Uint8Array, level: number): Buffer;
  zstdDecompress(data: Uint8Array, maxSize?: number): Buffer;
  zstdDecompressInto(data: Uint8Array, out: Uint8Array): number;
  releaseFreeMemory(): boolean;
  version(): string;
}

/** Rust-owned decoded tables (native/napi/src/lib.rs `Tables`), freed by V8's GC. */
interface NativeTables {
  readonly signal: string;
  itemCount(): number;
  byteSize(): number;
  toOtlp(): Buffer;
  exportArrow(): { payloadType: number; batch: ExportedArray }[];
  resourceAttributeValues(key: string): string;
  release(): void;
}

/** Addon errors (plain Error + code/table/column) -> OtelArrowError; others unchanged. */
export function fromAddonError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof OtelArrowError) return err;
  const e = err as Error & { code?: unknown; table?: unknown; column?: unknown };
  if (typeof e.code !== 'string' || !/^[A-Z_]+$/.test(e.code)) return err;
  return new OtelArrowError(e.code as OtelArrowErrorCode, e.message, {
    ...(typeof e.table === 'string' && e.table ? { table: e.table } : {}),
    ...(typeof e.column === 'string' && e.column ? { column: e.column } : {}),
    cause: err,
  });
}

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromAddonError(err);
  }
}

/** `call` for an addon method returning a promise: an argument error throws, a rejection
 *  carries the same OtelArrowError a sync call throws. */
function callAsync<T>(fn: () => Promise<T>): Promise<T> {
  return call(fn).catch((err: unknown) => {
    throw fromAddonError(err);
  });
}

export class NativeBackend implements Backend {
  readonly name = 'native' as const;

  /** The addon object behind each BackendTables this backend made (for encodeTables). */
  private readonly held = new WeakMap<BackendTables, NativeTables>();
  /** The addon object behind each attribute editor this backend made (for encodeEdited). */
  private readonly editors = new WeakMap<BackendAttributeEditor, NativeAttributeEditor>();

  /** See Backend.zstdGrpcMessage; absent with an addon built before it. */
  readonly zstdGrpcMessage?: (data: Uint8Array, level: number) => Uint8Array;

  constructor(readonly addon: NativeAddon, readonly path: string) {
    const grpcMessage = addon.zstdGrpcMessage;
    if (typeof grpcMessage === 'function') this.zstdGrpcMessage = (data, level) => call(() => grpcMessage.call(addon, data, level));
  }

  /** Loads the addon; throws with the loader's exact message when it is missing or broken. */
  static async load(path = nativeAddonPath()): Promise<NativeBackend> {
    const require = createRequire(join(packageRoot(), 'package.json'));
    const addon = require(path) as NativeAddon;
    if (typeof addon.Encoder !== 'function' || typeof addon.Decoder !== 'function') {
      throw new Error(`${path} is not the otel-arrow addon (no Encoder/Decoder exports)`);
    }
    if (!loadsOnFirstUse) await loadArrowModule();
    return new NativeBackend(addon, path);
  }

  createEncoder(options: EncoderOptions = {}): BackendEncoder {
    const enc = call(() => new this.addon.Encoder({
      ...(options.zstdLevel !== undefined ? { zstdLevel: options.zstdLevel } : {}),
      metricMetadata: options.metricMetadata ?? true,
    }));
    return {
      encode: (signal: Signal, otlpRequestBytes: Uint8Array) => call(() => enc.encode(signal, otlpRequestBytes)),
      encodeTables: (tables: BackendTables) => {
        const t = this.held.get(tables);
        return t ? call(() => enc.encodeTables(t)) : undefined;
      },
      // Missing from addons built before it: the batch then goes as edited bytes.
      ...(typeof enc.encodeEdited === 'function' ? {
        encodeEdited: (signal: Signal, otlpRequestBytes: Uint8Array, editor: BackendAttributeEditor) => {
          const e = this.editors.get(editor);
          return e ? call(() => enc.encodeEdited!(signal, otlpRequestBytes, e)) : undefined;
        },
      } : {}),
      ...(typeof enc.encodeAsync === 'function' ? {
        encodeAsync: (signal: Signal, otlpRequestBytes: Uint8Array) => callAsync(() => enc.encodeAsync!(signal, otlpRequestBytes)),
      } : {}),
      ...(typeof enc.encodeColumnsAsync === 'function' ? {
        encodeColumnsAsync: (columns: Uint8Array) => callAsync(() => enc.encodeColumnsAsync!(columns)),
      } : {}),
      ...(typeof enc.encodeFramedAsync === 'function' ? {
        encodeFramedAsync: (input: EncodeInput, level: number) => callAsync(() => enc.encodeFramedAsync!(...addonInput(input), level)),
      } : {}),
      ...(typeof enc.encodeCountedAsync === 'function' ? {
        encodeCountedAsync: (input: EncodeInput) => callAsync(() => enc.encodeCountedAsync!(...addonInput(input))),
      } : {}),
      ...(typeof enc.encodeHeldAsync === 'function' ? {
        encodeHeldAsync: (input: EncodeInput) => callAsync(() => enc.encodeHeldAsync!(...addonInput(input))).then((h) => new NativeHeldBatch(h)),
      } : {}),
      encodeColumns: (columns: Uint8Array) => call(() => enc.encodeColumns(columns)),
      close: () => enc.close(),
    };
  }

  createDecoder(options: DecoderOptions = {}): BackendDecoder & Required<Pick<BackendDecoder, 'decodeArrow'>> {
    const dec = call(() => new this.addon.Decoder(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}));
    return {
      stateBytes: () => dec.stateBytes(),
      decode: (barBytes: Uint8Array): DecodeResult => {
        const r = call(() => dec.decode(barBytes));
        return { signal: (r.signal ?? undefined) as Signal | undefined, otlp: r.otlp };
      },
      decodeArrow: (barBytes: Uint8Array, options: DecodeArrowOptions = {}): ArrowDecodeResult => {
        const A = arrowModuleNow();
        if (typeof A === 'string') throw new OtelArrowError('UNSUPPORTED', `decodeArrow needs ${A}`);
        const r = call(() => dec.decodeArrow(barBytes));
        // External ArrayBuffers keep their Rust buffers alive until garbage collected, so
        // these batches need no release() and stay valid across calls; `copy` changes
        // nothing here (buffers whose address was already exported arrive as copies).
        void options;
        const batches = r.batches.map(({ payloadType, batch }) => ({ payloadType, batch: importRecordBatch(A, batch) }));
        return { signal: r.signal as Signal | undefined, otlp: r.otlp, batches, release: () => {} };
      },
      decodeTables: (barBytes: Uint8Array): BackendTables | undefined => {
        const t = call(() => dec.decodeTables(barBytes));
        return t ? this.hold(t) : undefined;
      },
      close: () => dec.close(),
    };
  }

  concatTables(tables: readonly BackendTables[]): BackendTables[] | undefined {
    const held = tables.map((t) => this.held.get(t));
    if (held.some((t) => t === undefined)) return undefined;
    return call(() => this.addon.concatTables(held as NativeTables[])).map((t) => this.hold(t));
  }

  splitTables(tables: BackendTables, firstMax: number, max: number): BackendTables[] | undefined {
    const t = this.held.get(tables);
    return t ? call(() => this.addon.splitTables(t, firstMax, max)).map((p) => this.hold(p)) : undefined;
  }

  headTables(tables: BackendTables, n: number): BackendTables | undefined {
    const t = this.held.get(tables);
    return t ? this.hold(call(() => this.addon.headTables(t, Math.max(0, Math.min(n, 0xffff_ffff)) >>> 0))) : undefined;
  }

  createFilter(rules: Uint8Array): BackendFilter {
    const f = call(() => new this.addon.Filter(rules));
    return {
      apply: (tables) => {
        const t = this.held.get(tables);
        return t ? this.hold(call(() => f.apply(t))) : undefined;
      },
      applyOtlp: (signal, otlp) => this.hold(call(() => f.applyOtlp(signal, otlp, true))),
      ...(typeof f.keepOtlp === 'function' ? { keepOtlp: (signal: Signal, otlp: Uint8Array) => call(() => f.keepOtlp!(signal, otlp)) ?? undefined } : {}),
    };
  }

  tablesFromOtlp(signal: Signal, otlp: Uint8Array): BackendTables {
    return this.hold(call(() => this.addon.tablesFromOtlp(signal, otlp, true)));
  }

  createTablesBuilder(): BackendTablesBuilder {
    const b = new this.addon.TablesBuilder();
    return { build: (signal, otlp) => this.hold(call(() => b.build(signal, otlp, true))) };
  }

  transformAttributes(tables: BackendTables, actions: Uint8Array): BackendTables | undefined {
    const t = this.held.get(tables);
    return t ? this.hold(call(() => this.addon.transformAttributes(t, actions))) : undefined;
  }

  get createAttributeEditor(): ((actions: Uint8Array) => BackendAttributeEditor) | undefined {
    const Editor = this.addon.AttributeEditor;
    if (!Editor) return undefined;
    return (actions) => {
      const e = call(() => new Editor(actions));
      const editor: BackendAttributeEditor = { editOtlp: (signal, otlp) => call(() => e.editOtlp(signal, otlp)) ?? undefined };
      this.editors.set(editor, e);
      return editor;
    };
  }

  createParquetWriter(signal: Signal, options: ParquetWriterOptions = {}): BackendParquetWriter {
    const w = call(() => new this.addon.ParquetWriter(signal, {
      ...(options.zstdLevel !== undefined ? { zstdLevel: options.zstdLevel } : {}),
      ...(options.rowGroupRows !== undefined ? { rowGroupRows: options.rowGroupRows } : {}),
      ...(options.rootMetadata !== undefined ? { rootMetadata: options.rootMetadata } : {}),
    }));
    let done = false;
    const live = <T>(fn: () => T): T => {
      if (done) throw parquetWriterFinished();
      return call(fn);
    };
    return {
      write: (tables) => {
        const t = this.held.get(tables);
        if (!t) throw otherBackend();
        live(() => w.write(t));
      },
      takeOutput: () => live(() => w.takeOutput()),
      rows: () => new Map(live(() => w.rows()).map((r) => [r.payloadType, r.rows])),
      bufferedBytes: () => live(() => w.bufferedBytes()),
      finish: () => live(() => {
        done = true;
        return w.finish();
      }),
    };
  }

  readParquetSet(signal: Signal, files: readonly ParquetFileBytes[], maxItems: number): BackendTables[] {
    const list = files.map((f) => ({ payloadType: f.payloadType, bytes: f.bytes }));
    return call(() => this.addon.readParquetSet(signal, list, maxItems)).map((t) => this.hold(t));
  }

  parquetFileInfo(bytes: Uint8Array): ParquetFileInfo {
    const info = call(() => this.addon.parquetFileInfo(bytes));
    return { rows: info.rows, rowGroups: info.rowGroups, metadata: new Map(info.metadata) };
  }

  /** The BackendTables view of addon-held tables (remembered for encodeTables and joins). */
  private hold(held: NativeTables): BackendTables {
    let current: NativeTables | undefined = held;
    const t = (): NativeTables => current ?? releasedTables();
    const tables: BackendTables = {
      signal: held.signal as Signal,
      itemCount: () => t().itemCount(),
      byteSize: () => t().byteSize(),
      toOtlp: () => call(() => t().toOtlp()),
      toArrow: () => {
        const A = arrowModuleNow();
        if (typeof A === 'string') throw new OtelArrowError('UNSUPPORTED', `the Arrow form needs ${A}`);
        return call(() => t().exportArrow()).map(({ payloadType, batch }) => ({ payloadType, batch: importRecordBatch(A, batch) }));
      },
      resourceAttributeValues: (key: string) => JSON.parse(call(() => t().resourceAttributeValues(key))) as Array<string | null | false>,
      release: () => {
        if (!current) return;
        this.held.delete(tables);
        current.release();
        current = undefined;
      },
    };
    this.held.set(tables, held);
    return tables;
  }

  zstdCompress(data: Uint8Array, level = DEFAULT_ZSTD_LEVEL): Uint8Array {
    return call(() => this.addon.zstdCompress(data, level));
  }

  zstdDecompress(data: Uint8Array, maxSize = DEFAULT_MAX_DECOMPRESSED): Uint8Array {
    return call(() => this.addon.zstdDecompress(data, maxSize));
  }

  zstdDecompressInto(data: Uint8Array, out: Uint8Array): number {
    return call(() => this.addon.zstdDecompressInto(data, out));
  }

  releaseFreeMemory(): boolean {
    return this.addon.releaseFreeMemory();
  }
}

