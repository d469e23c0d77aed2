// HPACK encoder (RFC 7541). One encoder per header stream (its dynamic table mirrors the
// peer decoder's). Strategy: exact match (static or dynamic) -> indexed; otherwise a literal
// with incremental indexing (name indexed when known), except sensitive fields, which are
// "never indexed"; strings are Huffman-coded when that is shorter.
import { DynamicTable, entrySize } from './dynamic-table.js';
import { huffmanEncode, huffmanEncodedLength } from './huffman.js';
import { STATIC_TABLE } from './static-table.js';
import type { HeaderField } from './decoder.js';

export interface HpackEncoderOptions {
  /** Dynamic table size (must not exceed the peer decoder's limit); default 4096. */
  maxTableSize?: number;
  /** Names whose values are never indexed (default: authorization, proxy-authorization, cookie). */
  sensitive?: readonly string[];
}

const utf8 = new TextEncoder();

const STATIC_EXACT = new Map<string, number>();
const STATIC_NAME = new Map<string, number>();
STATIC_TABLE.forEach(([n, v], i) => {
  STATIC_EXACT.set(`${n}\0${v}`, i + 1);
  if (!STATIC_NAME.has(n)) STATIC_NAME.set(n, i + 1);
});

export class HpackEncoder {
  private readonly table: DynamicTable;
  private readonly sensitive: Set<string>;
  private pendingSizeUpdate: number | undefined;
  private buf: number[] = [];

  constructor(options: HpackEncoderOptions = {}) {
    this.table = new DynamicTable(options.maxTableSize ?? 4096);
    this.sensitive = new Set(options.sensitive ?? ['authorization', 'proxy-authorization', 'cookie']);
  }

  /** Changes the table size; a size update is emitted at the start of the next block. */
  setMaxTableSize(size: number): void {
    this.table.setMaxSize(size);
    this.pendingSizeUpdate = size;
  }

  /** Encodes one header block (names are lower-cased, as HTTP/2 requires). */
  encode(headers: Iterable<readonly [string, string]> | Record<string, string>): Uint8Array {
    const fields: Iterable<readonly [string, string]> = Symbol.iterator in headers
      ? (headers as Iterable<readonly [string, string]>)
      : Object.entries(headers as Record<string, string>);
    this.buf = [];
    if (this.pendingSizeUpdate !== undefined) {
      this.integer(this.pendingSizeUpdate, 5, 0x20);
      this.pendingSizeUpdate = undefined;
    }
    for (const [rawName, value] of fields) this.field(rawName.toLowerCase(), value);
    return Uint8Array.from(this.buf);
  }

  private field(name: string, value: string): void {
    const sensitive = this.sensitive.has(name);
    if (!sensitive) {
      const exact = this.findExact(name, value);
      if (exact) return this.integer(exact, 7, 0x80);
    }
    const nameIndex = this.findName(name);
    if (sensitive) {
      this.integer(nameIndex, 4, 0x10);
    } else {
      this.integer(nameIndex, 6, 0x40);
    }
    if (!nameIndex) this.string(name);
    this.string(value);
    if (!sensitive) this.table.add(name, value, entrySize(name, value));
  }

  private findExact(name: string, value: string): number {
    const s = STATIC_EXACT.get(`${name}\0${value}`);
    if (s) return s;
    for (let i = 0; i < this.table.length; i++) {
      const e = this.table.at(i)!;
      if (e.name === name && e.value === value) return STATIC_TABLE.length + 1 + i;
    }
    return 0;
  }

  private findName(name: string): number {
    const s = STATIC_NAME.get(name);
    if (s) return s;
    for (let i = 0; i < this.table.length; i++) if (this.table.at(i)!.name === name) return STATIC_TABLE.length + 1 + i;
    return 0;
  }

  private integer(value: number, prefixBits: number, flags: number): void {
    const max = (1 << prefixBits) - 1;
    if (value < max) {
      this.buf.push(flags | value);
      return;
    }
    this.buf.push(flags | max);
    value -= max;
    while (value >= 0x80) {
      this.buf.push((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    this.buf.push(value);
  }

  private string(s: string): void {
    const raw = utf8.encode(s);
    const hlen = huffmanEncodedLength(raw);
    if (hlen < raw.length) {
      this.integer(hlen, 7, 0x80);
      for (const b of huffmanEncode(raw)) this.buf.push(b);
    } else {
      this.integer(raw.length, 7, 0);
      for (const b of raw) this.buf.push(b);
    }
  }
}

export type { HeaderField };
