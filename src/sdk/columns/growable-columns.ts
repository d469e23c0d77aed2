// Growable typed columns, written out as FORMAT.md's `Col<...>` encodings (a u32 count, then
// the values, little-endian). Typed arrays use the platform's byte order: every host Node
// ships on is little-endian, and the module refuses to load on one that is not.
import { OtelArrowError } from '../../errors.js';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new OtelArrowError('UNSUPPORTED', 'SDK columns need a little-endian host');
}

const INITIAL = 64;

function grown<T extends Uint8Array | Uint32Array | Float64Array>(data: T, need: number, make: (n: number) => T): T {
  let n = data.length * 2;
  while (n < need) n *= 2;
  const next = make(n);
  next.set(data as never);
  return next;
}

export class U8Column {
  data = new Uint8Array(INITIAL);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) this.data = grown(this.data, this.length + 1, (n) => new Uint8Array(n));
    this.data[this.length++] = v;
  }
  bytes(): Uint8Array {
    return this.data.subarray(0, this.length);
  }
  reset(): void {
    this.length = 0;
  }
}

export class U32Column {
  data = new Uint32Array(INITIAL);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) this.data = grown(this.data, this.length + 1, (n) => new Uint32Array(n));
    this.data[this.length++] = v;
  }
  bytes(): Uint8Array {
    return new Uint8Array(this.data.buffer, 0, this.length * 4);
  }
  reset(): void {
    this.length = 0;
  }
}

/** 8-byte value slots (FORMAT.md kv arenas): f64, i64 as two u32 halves, or a u32 ref. */
export class SlotColumn {
  private f64 = new Float64Array(INITIAL);
  private u32 = new Uint32Array(this.f64.buffer);
  length = 0;
  private next(): number {
    if (this.length === this.f64.length) {
      this.f64 = grown(this.f64, this.length + 1, (n) => new Float64Array(n));
      this.u32 = new Uint32Array(this.f64.buffer);
    }
    return this.length++;
  }
  pushDouble(v: number): void {
    const i = this.next(); // before reading this.f64: next() may replace it
    this.f64[i] = v;
  }
  /** A whole JS number as i64: low word modulo 2^32, high word floor(v / 2^32). */
  pushInt(v: number): void {
    const i = this.next() * 2;
    this.u32[i] = v >>> 0;
    this.u32[i + 1] = Math.floor(v / 4294967296) | 0;
  }
  pushRef(v: number): void {
    const i = this.next() * 2;
    this.u32[i] = v;
    this.u32[i + 1] = 0;
  }
  bytes(): Uint8Array {
    return new Uint8Array(this.f64.buffer, 0, this.length * 8);
  }
  reset(): void {
    this.length = 0;
  }
}

/** Fixed-width ASCII hex ids (trace ids 32, span ids 16); all '0' marks an absent id. */
export class HexColumn {
  private data: Buffer;
  length = 0;
  private readonly zeros: string;
  constructor(readonly width: number) {
    this.data = Buffer.alloc(width * INITIAL);
    this.zeros = '0'.repeat(width);
  }
  /** Ids of another length (not produced by the SDK's id generators) are sent as absent. */
  push(hex: string | undefined): void {
    const at = this.length * this.width;
    if (at === this.data.length) {
      const next = Buffer.alloc(this.data.length * 2);
      this.data.copy(next);
      this.data = next;
    }
    this.data.write(hex !== undefined && hex.length === this.width ? hex : this.zeros, at, this.width, 'latin1');
    this.length++;
  }
  bytes(): Uint8Array {
    return this.data.subarray(0, this.length * this.width);
  }
  reset(): void {
    this.length = 0;
  }
}

/** Any of the columns above: `length` is the row count, and setting it lower truncates. */
export type Column = U8Column | U32Column | SlotColumn | HexColumn;

/** Records the lengths of `columns` in `mark`, to undo a partly appended row (see
 *  RecordColumns.append). */
export function markInto(columns: readonly Column[], mark: number[]): void {
  for (let i = 0; i < columns.length; i++) mark[i] = columns[i]!.length;
}

export function truncateTo(columns: readonly Column[], mark: readonly number[]): void {
  for (let i = 0; i < columns.length; i++) columns[i]!.length = mark[i]!;
}

/** Concatenates columns into one buffer, each as `u32 count` + its bytes. Counts are kept
 *  as numbers and written in `finish` (a typed array per count cost more than the copy). */
export class ColumnSink {
  private readonly parts: Array<Uint8Array | number> = [];
  private size = 0;

  raw(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.size += bytes.length;
  }
  u32(v: number): void {
    this.parts.push(v);
    this.size += 4;
  }
  column(count: number, bytes: Uint8Array): void {
    this.u32(count);
    this.raw(bytes);
  }
  add(c: U8Column | U32Column | SlotColumn | HexColumn): void {
    this.column(c.length, c.bytes());
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    const view = new DataView(out.buffer);
    let at = 0;
    for (const p of this.parts) {
      if (typeof p === 'number') {
        view.setUint32(at, p, true);
        at += 4;
      } else {
        out.set(p, at);
        at += p.length;
      }
    }
    return out;
  }
}
