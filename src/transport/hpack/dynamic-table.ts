// The HPACK dynamic table (RFC 7541 2.3.2, 4): newest entry first, sizes in octets
// (name + value + 32), evicting from the oldest end.
export interface TableEntry {
  name: string;
  value: string;
  /** RFC 7541 4.1 entry size. */
  size: number;
}

const utf8 = new TextEncoder();

export function entrySize(name: string, value: string): number {
  return byteLength(name) + byteLength(value) + 32;
}

function byteLength(s: string): number {
  // Fast path for ASCII (all common header names and most values).
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return utf8.encode(s).length;
  return s.length;
}

export class DynamicTable {
  /** Oldest first: entries[length-1] is HPACK index 62. */
  private readonly entries: TableEntry[] = [];
  size = 0;
  maxSize: number;

  constructor(maxSize: number) {
    this.maxSize = maxSize;
  }

  get length(): number {
    return this.entries.length;
  }

  /** Entry at dynamic position i (0 = newest). */
  at(i: number): TableEntry | undefined {
    return this.entries[this.entries.length - 1 - i];
  }

  add(name: string, value: string, size = entrySize(name, value)): void {
    // An entry larger than the table empties it and is not added (RFC 7541 4.4).
    this.evict(this.maxSize - size);
    if (size <= this.maxSize) {
      this.entries.push({ name, value, size });
      this.size += size;
    }
  }

  setMaxSize(maxSize: number): void {
    this.maxSize = maxSize;
    this.evict(maxSize);
  }

  private evict(target: number): void {
    let drop = 0;
    while (this.size > Math.max(0, target) && drop < this.entries.length) {
      this.size -= this.entries[drop]!.size;
      drop++;
    }
    if (drop) this.entries.splice(0, drop);
  }
}
