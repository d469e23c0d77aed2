// What span and log record columns share: the string and blob tables, the resource and
// scope tables, and the buffer layout around the signal's own tables (FORMAT.md).
import type { HrTime } from '../sdk-types.js';
import { ColumnSink, markInto, truncateTo, U32Column, type Column } from './growable-columns.js';
import { KvArena, ValueWriter } from './kv-arena.js';
import { ResourceScopes } from './resource-scopes.js';
import { BlobTable, StringTable } from './string-table.js';

const MAGIC = new TextEncoder().encode('OTAPCOL1');
export const SIGNAL_CODE = { traces: 1, logs: 2 } as const;

export abstract class RecordColumns<T> {
  protected readonly strings = new StringTable();
  protected readonly blobs = new BlobTable();
  protected readonly values = new ValueWriter(this.strings, this.blobs);
  protected readonly roots = new ResourceScopes(this.strings, this.arena(), this.arena());
  /** Rows appended since the last reset. */
  abstract readonly length: number;

  protected arena(): KvArena {
    return new KvArena(this.strings, this.values);
  }

  /** Appends one span / log record. A row is all or nothing: when reading the item throws
   *  (a throwing getter, a hostile attributes object) every column is cut back to where it
   *  was, so the buffer stays well-formed, and the error goes to the caller. */
  append(item: T): void {
    // Built once (subclass fields exist by the first append) and reused: no garbage per row.
    const columns = (this.allColumns ??= [...this.roots.columns, ...this.itemColumns()]);
    markInto(columns, this.mark);
    try {
      this.appendRow(item);
    } catch (err) {
      truncateTo(columns, this.mark);
      this.roots.forgetCutRows();
      throw err;
    }
  }

  private allColumns: Column[] | undefined;
  private readonly mark: number[] = [];

  /** The buffer of everything appended so far (FORMAT.md); the columns stay as they are. */
  finish(): Uint8Array {
    const sink = new ColumnSink();
    sink.raw(MAGIC);
    sink.u32(this.signalCode);
    this.strings.write(sink);
    this.blobs.write(sink);
    this.roots.write(sink);
    this.writeTables(sink);
    return sink.finish();
  }

  /** Empties the columns (their capacity is kept for the next batch). */
  reset(): void {
    this.strings.reset();
    this.blobs.reset();
    this.roots.reset();
    this.resetTables();
  }

  protected abstract readonly signalCode: number;
  protected abstract appendRow(item: T): void;
  /** The signal's own tables' columns and arenas (what a failed append cuts back). */
  protected abstract itemColumns(): Column[];
  protected abstract writeTables(sink: ColumnSink): void;
  protected abstract resetTables(): void;
}

/** An HrTime as FORMAT.md's (sec, ns) column pair. */
export function pushTime(sec: U32Column, ns: U32Column, t: HrTime | undefined): void {
  sec.push(t ? t[0] : 0);
  ns.push(t ? t[1] : 0);
}
