// The one batch type of every data path (receiver callback, exporter, bridge, CLI). It holds
// the form it was given — OTLP protobuf bytes, OTLP objects, OTAP Arrow record batches, or an
// SDK exporter's column buffers — and converts only when another form is asked for, caching
// the result. Item counts and sizes never serialise: bytes are scanned, objects walked, Arrow
// tables counted.
import type { ArrowRecordBatch, Backend, BackendAttributeEditor, BackendEncoder, BackendTables, EncodeInput, FramedBatch, HeldBatch } from '../backend/types.js';
import { OtelArrowError } from '../errors.js';
import { estimateTreeBytes } from '../memory/object-size.js';
import { countItems } from '../otlp/canonical.js';
import type { Signal, SignalRequest } from '../otlp/model.js';
import { countOtlpItems } from '../otlp/protobuf/count-items.js';
import { resourceAttributeValues } from '../otlp/resource-attribute.js';
import { decodeOtlp, encodeOtlp } from '../otlp/signal-codec.js';
import { ArrowPayloadType } from '../otap/payload-type.js';
import { readColumns } from '../sdk/columns/read-columns.js';
import { arrowToOtlp, otlpToArrow } from './arrow-form.js';

/** One OTAP payload: its ArrowPayloadType and its table. */
export interface OtapArrowPayload {
  payloadType: number;
  batch: ArrowRecordBatch;
}

/** 'sdk-columns': spans or log records in SDK column buffers (src/sdk/columns/FORMAT.md). */
export type BatchForm = 'otlp-bytes' | 'otlp-objects' | 'otap-arrow' | 'sdk-columns';

/** Process-wide conversion counters (monitoring, and tests proving a path converts nothing). */
export interface BatchConversions {
  /** OTLP bytes decoded into OTLP objects. */
  otlpBytesToObjects: number;
  /** OTLP objects encoded into OTLP bytes. */
  otlpObjectsToBytes: number;
  /** OTLP bytes turned into Arrow record batches. */
  otlpToArrow: number;
  /** Arrow record batches turned into OTLP bytes. */
  arrowToOtlp: number;
  /** Received tables encoded onto an outgoing OTAP stream as they are (no conversion). */
  tablesForwarded: number;
  /** SDK columns encoded onto an OTAP stream by the backend (no OTLP on the way). */
  columnsEncoded: number;
  /** SDK columns turned into OTLP bytes (the OTLP fallback). */
  columnsToOtlp: number;
  /** Pending attribute key edits written out as OTLP bytes (edited, or as they came when
   *  no key matched). */
  keyEditsToOtlp: number;
  /** Pending attribute key edits applied by an OTAP encoder as it parsed (one pass). */
  keyEditsEncoded: number;
}

const conversions: BatchConversions = {
  otlpBytesToObjects: 0, otlpObjectsToBytes: 0, otlpToArrow: 0, arrowToOtlp: 0, tablesForwarded: 0, columnsEncoded: 0, columnsToOtlp: 0,
  keyEditsToOtlp: 0, keyEditsEncoded: 0,
};

/** Root / data point tables whose rows are the batch's items. */
const ITEM_TABLES: Record<Signal, readonly number[]> = {
  traces: [ArrowPayloadType.SPANS],
  logs: [ArrowPayloadType.LOGS],
  metrics: [
    ArrowPayloadType.NUMBER_DATA_POINTS, ArrowPayloadType.SUMMARY_DATA_POINTS,
    ArrowPayloadType.HISTOGRAM_DATA_POINTS, ArrowPayloadType.EXP_HISTOGRAM_DATA_POINTS,
  ],
};

export interface BatchOptions {
  /** The backend for Arrow conversions (the receiver's or exporter's). */
  backend?: Backend;
  /** Item count when the producer already knows it. */
  items?: number;
}

export class TelemetryBatch<S extends Signal = Signal> {
  /** The form the batch was created with. */
  readonly form: BatchForm;
  private otlp: Uint8Array | undefined;
  private objects: SignalRequest[S] | undefined;
  private tables: readonly OtapArrowPayload[] | undefined;
  /** Backend-owned tables (a received OTAP batch), converted only on request. */
  private held: BackendTables | undefined;
  /** SDK columns (an SDK exporter's batch). */
  private columns: Uint8Array | undefined;
  /** OTLP bytes whose attribute renames and deletions are still to be applied. */
  private keyEdit: { source: Uint8Array; editor: BackendAttributeEditor } | undefined;
  private items: number | undefined;
  private bytes: number | undefined;
  private readonly backend: Backend | undefined;

  private constructor(readonly signal: S, form: BatchForm, options: BatchOptions) {
    this.form = form;
    this.backend = options.backend;
    this.items = options.items;
  }

  /** A batch over OTLP Export*ServiceRequest protobuf bytes (not copied: do not mutate them). */
  static fromOtlpBytes<S extends Signal>(signal: S, bytes: Uint8Array, options: BatchOptions = {}): TelemetryBatch<S> {
    const b = new TelemetryBatch(signal, 'otlp-bytes', options);
    b.otlp = bytes;
    return b;
  }

  /** A batch over OTLP bytes with processor:attribute's renames and deletions still to
   *  apply: an OTAP encoder of the editor's backend applies them as it parses the request
   *  (one pass, no edited copy); any other reader gets the edited bytes on first use. */
  static fromOtlpBytesWithKeyEdit<S extends Signal>(signal: S, source: Uint8Array, editor: BackendAttributeEditor, options: BatchOptions = {}): TelemetryBatch<S> {
    const b = new TelemetryBatch(signal, 'otlp-bytes', options);
    b.keyEdit = { source, editor };
    return b;
  }

  /** A batch over OTLP objects (kept, not copied: do not mutate them while the batch is used). */
  static fromRequest<S extends Signal>(signal: S, request: SignalRequest[S], options: BatchOptions = {}): TelemetryBatch<S> {
    const b = new TelemetryBatch(signal, 'otlp-objects', options);
    b.objects = request;
    return b;
  }

  /** A batch over OTAP tables, one record batch per payload type (dictionaries resolved).
   *  `otlp`, when the producer has it too (a backend decode returns both), saves a conversion. */
  static fromArrow<S extends Signal>(signal: S, payloads: readonly OtapArrowPayload[], options: BatchOptions & { otlp?: Uint8Array } = {}): TelemetryBatch<S> {
    const b = new TelemetryBatch(signal, 'otap-arrow', options);
    b.tables = payloads;
    b.otlp = options.otlp;
    return b;
  }

  /** A batch over backend-owned OTAP tables (BackendDecoder.decodeTables): nothing is
   *  converted until OTLP bytes, objects or Arrow views are asked for. */
  static fromBackendTables<S extends Signal>(tables: BackendTables & { signal: S }, options: BatchOptions = {}): TelemetryBatch<S> {
    const b = new TelemetryBatch(tables.signal, 'otap-arrow', options);
    b.held = tables;
    return b;
  }

  /** A batch over an SDK columns buffer (SpanColumns / LogColumns.finish()) holding `items`
   *  spans or log records: encoded onto OTAP streams by the backend as it is. */
  static fromColumns<S extends 'traces' | 'logs'>(signal: S, columns: Uint8Array, items: number, options: BatchOptions = {}): TelemetryBatch<S> {
    const b = new TelemetryBatch(signal, 'sdk-columns', { ...options, items });
    b.columns = columns;
    return b;
  }

  /** Counters of the conversions done by all batches of this process (a live view). */
  static get conversions(): Readonly<BatchConversions> {
    return conversions;
  }

  /** The backend-owned tables this batch holds (a received OTAP batch), if any: what
   *  Backend.concatTables / splitTables work on. */
  get backendTables(): BackendTables | undefined {
    return this.held;
  }

  /** Frees the native memory the batch holds (a received OTAP batch's backend tables) now
   *  rather than when V8 collects it (ReceiverOptions.releaseAfterConsume). The batch must
   *  not be used afterwards, except for its itemCount and byteSize (kept); its OTLP bytes
   *  and Arrow views already taken stay valid. */
  release(): void {
    if (!this.held) return;
    try {
      void this.itemCount;
      void this.byteSize;
    } catch {
      // Tables their holder released already: nothing left to keep, or to free.
    }
    this.held.release?.();
  }

  /** Per resource: the string value of its first attribute `key`, null when it has none,
   *  false when the value is not a string. Held tables answer from the tables (no OTLP
   *  conversion); other forms from the OTLP objects. */
  resourceAttributeValues(key: string): Array<string | null | false> {
    if (this.held?.resourceAttributeValues) return this.held.resourceAttributeValues(key);
    return resourceAttributeValues(this.signal, this.request, key);
  }

  /** Which forms are available now without converting. */
  get forms(): BatchForm[] {
    const out: BatchForm[] = [];
    if (this.otlp) out.push('otlp-bytes');
    if (this.objects) out.push('otlp-objects');
    if (this.tables || this.held) out.push('otap-arrow');
    if (this.columns) out.push('sdk-columns');
    return out;
  }

  /** For the owner of the bytes a batch was created over (form 'otlp-bytes'): forgets and
   *  returns them, so that their memory can be reused once nothing else reads them. Item
   *  count and size stay known; OTLP bytes, objects and tables are then only available if
   *  the batch already holds another form, and asking throws otherwise. */
  detachOtlpBytes(): Uint8Array | undefined {
    if (this.form !== 'otlp-bytes' || !this.otlp) return undefined;
    void this.itemCount;
    void this.byteSize;
    const bytes = this.otlp;
    this.otlp = undefined;
    return bytes;
  }

  /** OTLP Export*ServiceRequest protobuf bytes. */
  otlpBytes(): Uint8Array {
    if (this.otlp) return this.otlp;
    if (this.keyEdit) {
      const { source, editor } = this.keyEdit;
      conversions.keyEditsToOtlp++;
      try {
        this.otlp = editor.editOtlp(this.signal, source) ?? source;
      } catch (err) {
        // A request the edit cannot read is the sender's error (as processor:attribute
        // answered it before the edit was deferred): permanent, never retried.
        throw Object.assign(err as Error, { permanent: true });
      }
      this.keyEdit = undefined;
      return this.otlp;
    }
    // Only detachOtlpBytes() leaves a batch made over OTLP bytes without them.
    if (this.form === 'otlp-bytes' && !this.objects && !this.held && !this.tables) {
      throw new OtelArrowError('UNSUPPORTED', 'this batch completed and its received bytes were reused: keep what you need from a batch before acking it');
    }
    if (this.columns) {
      conversions.columnsToOtlp++;
      const { signal, request } = readColumns(this.columns);
      this.otlp = encodeOtlp(signal, request);
    } else if (this.objects) {
      conversions.otlpObjectsToBytes++;
      this.otlp = encodeOtlp(this.signal, this.objects);
    } else if (this.held) {
      conversions.arrowToOtlp++;
      try {
        this.otlp = this.held.toOtlp();
      } catch (err) {
        // Received tables that do not convert are the sender's error: a receiver answers a
        // consume() failing with it INVALID_ARGUMENT (permanent), not UNAVAILABLE.
        throw Object.assign(err as Error, { permanent: true });
      }
    } else {
      conversions.arrowToOtlp++;
      this.otlp = arrowToOtlp(this.needBackend('OTLP bytes from Arrow tables'), this.signal, this.tables!);
    }
    return this.otlp;
  }

  /** This batch as the next BatchArrowRecords of `encoder`'s stream: received tables held by
   *  the encoder's own backend are forwarded as they are (no OTLP round trip); any other
   *  form is encoded from its OTLP bytes. */
  encodeOtap(encoder: BackendEncoder): Uint8Array {
    if (this.columns) {
      conversions.columnsEncoded++;
      return encoder.encodeColumns(this.columns);
    }
    if (this.held && encoder.encodeTables) {
      const bar = encoder.encodeTables(this.held);
      if (bar) {
        conversions.tablesForwarded++;
        return bar;
      }
    }
    if (this.keyEdit && encoder.encodeEdited) {
      const bar = encoder.encodeEdited(this.signal, this.keyEdit.source, this.keyEdit.editor);
      if (bar) {
        conversions.keyEditsEncoded++;
        return bar;
      }
    }
    return encoder.encode(this.signal, this.otlpBytes());
  }

  /** Whether `encoder` can encode this batch off the JavaScript thread (encodeOtapOffThread):
   *  SDK columns and OTLP bytes, where it has the async methods; forwarded tables and key
   *  edits are encoded synchronously. */
  encodesOffThread(encoder: BackendEncoder): boolean {
    if (this.columns) return !!encoder.encodeColumnsAsync;
    return !!encoder.encodeAsync && !(this.held && encoder.encodeTables) && !(this.keyEdit && encoder.encodeEdited);
  }

  /** `encodeOtap` on the encoder's thread (the event loop keeps serving I/O meanwhile); only
   *  where encodesOffThread(encoder). Never throws; rejects instead. */
  encodeOtapOffThread(encoder: BackendEncoder): Promise<Uint8Array>;
  /** With `frameLevel` (where the encoder has encodeFramedAsync): as the zstd-compressed gRPC
   *  message, compressed on the encoder's thread too. */
  encodeOtapOffThread(encoder: BackendEncoder, frameLevel: number): Promise<FramedBatch>;
  /** 'held' (where the encoder has encodeHeldAsync): kept in the backend's memory, for a
   *  caller that compresses it itself. */
  encodeOtapOffThread(encoder: BackendEncoder, held: 'held'): Promise<HeldBatch>;
  encodeOtapOffThread(encoder: BackendEncoder, as?: number | 'held'): Promise<Uint8Array | FramedBatch | HeldBatch> {
    try {
      if (this.columns) conversions.columnsEncoded++;
      const input = (): EncodeInput => (this.columns ? { columns: this.columns } : { signal: this.signal, otlp: this.otlpBytes() });
      // Where the encoder counts the items, itemCount needs no walk over the OTLP bytes.
      const keepItems = <T extends { items: number }>(out: T): T => {
        this.items ??= out.items;
        return out;
      };
      if (as === 'held') return encoder.encodeHeldAsync!(input()).then(keepItems);
      if (as !== undefined) return encoder.encodeFramedAsync!(input(), as).then(keepItems);
      if (encoder.encodeCountedAsync) return encoder.encodeCountedAsync(input()).then((out) => keepItems(out).bar);
      if (this.columns) return encoder.encodeColumnsAsync!(this.columns);
      return encoder.encodeAsync!(this.signal, this.otlpBytes());
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** The OTLP request as objects (decoded on first use). */
  get request(): SignalRequest[S] {
    if (!this.objects && this.columns && !this.otlp) {
      conversions.columnsToOtlp++;
      this.objects = readColumns(this.columns).request as SignalRequest[S];
    }
    if (!this.objects) {
      const bytes = this.otlpBytes();
      conversions.otlpBytesToObjects++;
      this.objects = decodeOtlp(this.signal, bytes);
    }
    return this.objects;
  }

  /** The OTAP tables: one apache-arrow RecordBatch per payload type, in payload order. */
  arrow(backend: Backend | undefined = this.backend): readonly OtapArrowPayload[] {
    if (!this.tables && this.held) this.tables = this.held.toArrow(); // a view, not a conversion
    if (!this.tables) {
      if (!backend) throw new OtelArrowError('UNSUPPORTED', 'the Arrow form of this batch needs a backend: pass one to arrow() or to the batch');
      const bytes = this.otlpBytes();
      conversions.otlpToArrow++;
      this.tables = otlpToArrow(backend, this.signal, bytes);
    }
    return this.tables;
  }

  /** Spans / log records / metric data points, counted without converting. */
  get itemCount(): number {
    if (this.items === undefined) {
      if (this.held) this.items = this.held.itemCount();
      else if (this.otlp) this.items = countOtlpItems(this.signal, this.otlp);
      // Renames and deletions keep every item.
      else if (this.keyEdit) this.items = countOtlpItems(this.signal, this.keyEdit.source);
      else if (this.objects) this.items = countItems(this.signal, this.objects);
      else this.items = arrowItems(this.signal, this.tables!);
    }
    return this.items;
  }

  /** Size for memory accounting, known without serialising: the OTLP protobuf length when
   *  the batch has its bytes, else an estimate of the objects or the Arrow buffers. */
  get byteSize(): number {
    // Cached: the pipeline asks at admission and at every node, and for objects and held
    // tables the answer costs a tree walk or a native call.
    // A pending key edit: the request before it (renames change a few key lengths).
    this.bytes ??= this.otlp ? this.otlp.byteLength
      : this.keyEdit ? this.keyEdit.source.byteLength
      : this.columns ? this.columns.byteLength
      : this.held ? this.held.byteSize()
        : this.objects ? estimateTreeBytes(this.objects)
          : this.tables!.reduce((n, p) => n + arrowBytes(p.batch), 0);
    return this.bytes;
  }

  private needBackend(what: string): Backend {
    if (!this.backend) throw new OtelArrowError('UNSUPPORTED', `${what} needs a backend: create the batch with { backend }`);
    return this.backend;
  }
}

function arrowItems(signal: Signal, tables: readonly OtapArrowPayload[]): number {
  const wanted = ITEM_TABLES[signal];
  return tables.reduce((n, p) => (wanted.includes(p.payloadType) ? n + p.batch.numRows : n), 0);
}

function arrowBytes(batch: ArrowRecordBatch): number {
  // apache-arrow's Data: typed-array buffers, children, and the dictionary's own Data.
  interface DataLike {
    values?: ArrayBufferView; valueOffsets?: ArrayBufferView; nullBitmap?: ArrayBufferView; typeIds?: ArrayBufferView;
    children: DataLike[];
  }
  let n = 0;
  const stack: DataLike[] = (batch.data as unknown as DataLike).children.slice();
  while (stack.length) {
    const d = stack.pop()!;
    for (const b of [d.values, d.valueOffsets, d.nullBitmap, d.typeIds]) if (b) n += b.byteLength;
    // Dictionary values are shared by every batch of a stream: counted with the stream.
    stack.push(...d.children);
  }
  return n;
}
