// STRINGS and BLOBS of FORMAT.md. Strings are interned for the life of one buffer, so a key
// or value repeated on every span is written once; blobs (bytes, nested values) are not.
import { U32Column, type ColumnSink } from './growable-columns.js';

class ByteHeap {
  data = Buffer.alloc(4096);
  length = 0;
  readonly offsets = new U32Column();
  constructor() {
    this.offsets.push(0);
    this.offsets.push(0); // ref 0: empty
  }
  reserve(n: number): void {
    if (this.length + n <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.data.copy(next, 0, 0, this.length);
    this.data = next;
  }
  close(): number {
    this.offsets.push(this.length);
    return this.offsets.length - 2;
  }
  write(sink: ColumnSink): void {
    sink.add(this.offsets);
    sink.column(this.length, this.data.subarray(0, this.length));
  }
  reset(): void {
    this.offsets.reset();
    this.offsets.push(0);
    this.offsets.push(0);
    this.length = 0;
  }
}

/** What both tables write: the offsets and the data (FORMAT.md STRINGS / BLOBS). */
abstract class HeapTable {
  protected readonly heap = new ByteHeap();
  write(sink: ColumnSink): void {
    this.heap.write(sink);
  }
  reset(): void {
    this.heap.reset();
  }
}

export class StringTable extends HeapTable {
  private readonly refs = new Map<string, number>([['', 0]]);

  ref(s: string): number {
    let r = this.refs.get(s);
    if (r === undefined) {
      const heap = this.heap;
      heap.reserve(s.length * 3);
      heap.length += heap.data.write(s, heap.length, 'utf8');
      r = heap.close();
      this.refs.set(s, r);
    }
    return r;
  }
  override reset(): void {
    super.reset();
    this.refs.clear();
    this.refs.set('', 0);
  }
}

export class BlobTable extends HeapTable {
  ref(bytes: Uint8Array): number {
    if (bytes.length === 0) return 0;
    const heap = this.heap;
    heap.reserve(bytes.length);
    heap.data.set(bytes, heap.length);
    heap.length += bytes.length;
    return heap.close();
  }
}
