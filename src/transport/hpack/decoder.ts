// HPACK decoder (RFC 7541). One decoder per header stream: its dynamic table persists
// across header blocks (in OTAP: across the BatchArrowRecords of one gRPC stream).
import { DynamicTable, entrySize } from './dynamic-table.js';
import { HuffmanError, huffmanDecode } from './huffman.js';
import { STATIC_TABLE } from './static-table.js';
import { utf8 } from '../../utf8-decoders.js';

export class HpackError extends Error {
  override name = 'HpackError';
}

export type HeaderField = [name: string, value: string];

export interface HpackDecoderOptions {
  /** Protocol limit of the dynamic table (SETTINGS_HEADER_TABLE_SIZE); default 4096. */
  maxTableSize?: number;
  /** Cap on the decoded header list (sum of name + value + 32 per field); default 256 KiB.
   *  Bounds what a small block can expand to through repeated table references. */
  maxHeaderListSize?: number;
}

export class HpackDecoder {
  private readonly table: DynamicTable;
  private readonly protocolMax: number;
  private readonly maxList: number;

  constructor(options: HpackDecoderOptions = {}) {
    this.protocolMax = options.maxTableSize ?? 4096;
    this.maxList = options.maxHeaderListSize ?? 256 * 1024;
    this.table = new DynamicTable(this.protocolMax);
  }

  /** Current dynamic table size in octets (RFC 7541 4.1). */
  get tableSize(): number {
    return this.table.size;
  }

  get tableLength(): number {
    return this.table.length;
  }

  /** Dynamic table entries, newest first (index 62 first). */
  tableEntries(): HeaderField[] {
    const out: HeaderField[] = [];
    for (let i = 0; i < this.table.length; i++) out.push([this.table.at(i)!.name, this.table.at(i)!.value]);
    return out;
  }

  /**
   * Decodes one complete header block. On error the decoder's table may be partially
   * updated and must not be used further (RFC 7541: a decoding error is a connection error).
   */
  decode(block: Uint8Array): HeaderField[] {
    const out: HeaderField[] = [];
    let listSize = 0;
    let pos = 0;
    let sawField = false;

    const integer = (prefixBits: number): number => {
      const mask = (1 << prefixBits) - 1;
      let value = block[pos++]! & mask;
      if (value < mask) return value;
      let shift = 0;
      for (;;) {
        if (pos >= block.length) throw new HpackError('truncated integer');
        const b = block[pos++]!;
        value += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (value > 0x7fffffff) throw new HpackError('integer overflow');
        if ((b & 0x80) === 0) return value;
      }
    };

    const string = (): string => {
      if (pos >= block.length) throw new HpackError('truncated string');
      const huffman = (block[pos]! & 0x80) !== 0;
      const len = integer(7);
      if (pos + len > block.length) throw new HpackError('string length exceeds the header block');
      const raw = block.subarray(pos, pos + len);
      pos += len;
      let bytes = raw;
      if (huffman) {
        try {
          bytes = huffmanDecode(raw);
        } catch (err) {
          throw new HpackError((err as HuffmanError).message);
        }
      }
      return utf8.decode(bytes);
    };

    const lookup = (index: number): [string, string] => {
      if (index <= 0) throw new HpackError('index 0 is not valid');
      if (index <= STATIC_TABLE.length) {
        const e = STATIC_TABLE[index - 1]!;
        return [e[0], e[1]];
      }
      const e = this.table.at(index - STATIC_TABLE.length - 1);
      if (!e) throw new HpackError(`index ${index} is beyond the dynamic table`);
      return [e.name, e.value];
    };

    const emit = (name: string, value: string): void => {
      listSize += entrySize(name, value);
      if (listSize > this.maxList) throw new HpackError(`header list exceeds ${this.maxList} bytes`);
      out.push([name, value]);
      sawField = true;
    };

    while (pos < block.length) {
      const b = block[pos]!;
      if (b & 0x80) {
        // 6.1 Indexed Header Field
        const [name, value] = lookup(integer(7));
        emit(name, value);
      } else if ((b & 0xc0) === 0x40) {
        // 6.2.1 Literal with Incremental Indexing
        const index = integer(6);
        const name = index ? lookup(index)[0] : string();
        const value = string();
        emit(name, value);
        this.table.add(name, value);
      } else if ((b & 0xe0) === 0x20) {
        // 6.3 Dynamic Table Size Update: only at the start of a block
        if (sawField) throw new HpackError('dynamic table size update after a header field');
        const size = integer(5);
        if (size > this.protocolMax) throw new HpackError(`table size ${size} exceeds the limit ${this.protocolMax}`);
        this.table.setMaxSize(size);
      } else {
        // 6.2.2 without indexing (0000xxxx) / 6.2.3 never indexed (0001xxxx)
        const index = integer(4);
        const name = index ? lookup(index)[0] : string();
        emit(name, string());
      }
    }
    return out;
  }
}
