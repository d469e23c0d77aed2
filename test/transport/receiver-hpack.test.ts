// HPACK (RFC 7541) decoder/encoder: the Appendix C examples, Huffman edge cases, limits and
// the encoder round trip through the decoder with a shared dynamic table.
import { describe, expect, it } from 'vitest';
import { HpackDecoder, HpackEncoder, huffmanDecode, huffmanEncode, type HeaderField } from '../../src/transport/hpack/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

interface Step { block: string; headers: HeaderField[]; table: HeaderField[]; size: number }

function series(maxTableSize: number, steps: Step[]): void {
  const d = new HpackDecoder({ maxTableSize });
  for (const s of steps) {
    expect(d.decode(hex(s.block))).toEqual(s.headers);
    expect(d.tableEntries()).toEqual(s.table);
    expect(d.tableSize).toBe(s.size);
  }
}

const REQ1: HeaderField[] = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
const REQ2: HeaderField[] = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: HeaderField[] = [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']];
const T1: HeaderField[] = [[':authority', 'www.example.com']];
const T2: HeaderField[] = [['cache-control', 'no-cache'], ...T1];
const T3: HeaderField[] = [['custom-key', 'custom-value'], ...T2];

const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const LOC = 'https://www.example.com';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const RES1: HeaderField[] = [[':status', '302'], ['cache-control', 'private'], ['date', DATE1], ['location', LOC]];
const RES2: HeaderField[] = [[':status', '307'], ['cache-control', 'private'], ['date', DATE1], ['location', LOC]];
const RES3: HeaderField[] = [[':status', '200'], ['cache-control', 'private'], ['date', DATE2], ['location', LOC], ['content-encoding', 'gzip'], ['set-cookie', COOKIE]];
const RT1: HeaderField[] = [['location', LOC], ['date', DATE1], ['cache-control', 'private'], [':status', '302']];
const RT2: HeaderField[] = [[':status', '307'], ['location', LOC], ['date', DATE1], ['cache-control', 'private']];
const RT3: HeaderField[] = [['set-cookie', COOKIE], ['content-encoding', 'gzip'], ['date', DATE2]];

describe('HPACK RFC 7541 Appendix C', () => {
  it('C.2 header field representations', () => {
    series(4096, [{ block: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572', headers: [['custom-key', 'custom-header']], table: [['custom-key', 'custom-header']], size: 55 }]);
    series(4096, [{ block: '040c 2f73 616d 706c 652f 7061 7468', headers: [[':path', '/sample/path']], table: [], size: 0 }]);
    series(4096, [{ block: '1008 7061 7373 776f 7264 0673 6563 7265 74', headers: [['password', 'secret']], table: [], size: 0 }]);
    series(4096, [{ block: '82', headers: [[':method', 'GET']], table: [], size: 0 }]);
  });

  it('C.3 requests without Huffman coding', () => {
    series(4096, [
      { block: '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', headers: REQ1, table: T1, size: 57 },
      { block: '8286 84be 5808 6e6f 2d63 6163 6865', headers: REQ2, table: T2, size: 110 },
      { block: '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65', headers: REQ3, table: T3, size: 164 },
    ]);
  });

  it('C.4 requests with Huffman coding', () => {
    series(4096, [
      { block: '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', headers: REQ1, table: T1, size: 57 },
      { block: '8286 84be 5886 a8eb 1064 9cbf', headers: REQ2, table: T2, size: 110 },
      { block: '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf', headers: REQ3, table: T3, size: 164 },
    ]);
  });

  it('C.5 responses without Huffman coding (table size 256, evictions)', () => {
    series(256, [
      {
        block: `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
                2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
        headers: RES1, table: RT1, size: 222,
      },
      { block: '4803 3330 37c1 c0bf', headers: RES2, table: RT2, size: 222 },
      {
        block: `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
                54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
                5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`,
        headers: RES3, table: RT3, size: 215,
      },
    ]);
  });

  it('C.6 responses with Huffman coding (table size 256, evictions)', () => {
    series(256, [
      {
        block: `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
                2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
        headers: RES1, table: RT1, size: 222,
      },
      { block: '4883 640e ffc1 c0bf', headers: RES2, table: RT2, size: 222 },
      {
        block: `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
                77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
                9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
        headers: RES3, table: RT3, size: 215,
      },
    ]);
  });
});

describe('Huffman', () => {
  it('encodes the RFC examples', () => {
    expect(Buffer.from(huffmanEncode(Buffer.from('www.example.com'))).toString('hex')).toBe('f1e3c2e5f23a6ba0ab90f4ff');
    expect(Buffer.from(huffmanEncode(Buffer.from('no-cache'))).toString('hex')).toBe('a8eb10649cbf');
    expect(Buffer.from(huffmanEncode(Buffer.from('gzip'))).toString('hex')).toBe('9bd9ab');
    expect(Buffer.from(huffmanEncode(Buffer.from(COOKIE))).toString('hex'))
      .toBe('94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007');
  });

  it('round-trips every byte value', () => {
    const all = Uint8Array.from({ length: 256 * 3 }, (_, i) => (i * 7) & 0xff);
    expect(huffmanDecode(huffmanEncode(all))).toEqual(all);
  });

  it('rejects bad padding and EOS', () => {
    expect(() => huffmanDecode(hex('f1e3c2e5f23a6ba0ab90f4fe'))).toThrow(/padding/); // padding not all ones
    expect(() => huffmanDecode(hex('ffffffff'))).toThrow(/EOS|padding/); // EOS (30 ones) inside
    expect(() => huffmanDecode(hex('1fff'))).toThrow(/padding/); // 'a'? then > 7 bits of padding
  });
});

describe('decoder limits and errors', () => {
  it('rejects bad indexes, truncation, misplaced size updates and oversize tables', () => {
    expect(() => new HpackDecoder().decode(hex('80'))).toThrow(/index 0/);
    expect(() => new HpackDecoder().decode(hex('be'))).toThrow(/beyond/);
    expect(() => new HpackDecoder().decode(hex('400a 6375'))).toThrow(/truncated|exceeds/);
    expect(() => new HpackDecoder().decode(hex('ff'))).toThrow(/truncated/);
    expect(() => new HpackDecoder().decode(hex('ffffffffff0f'))).toThrow(/overflow/);
    expect(() => new HpackDecoder().decode(hex('82 20'))).toThrow(/size update/);
    expect(() => new HpackDecoder({ maxTableSize: 100 }).decode(hex('3f46'))).toThrow(/exceeds the limit/); // 31+70 = 101
    expect(new HpackDecoder({ maxTableSize: 100 }).decode(hex('3f45 82'))).toEqual([[':method', 'GET']]);
  });

  it('caps the decoded header list (table references cannot amplify without bound)', () => {
    const enc = new HpackEncoder();
    const big = enc.encode([['x-big', 'v'.repeat(3000)]]);
    const d = new HpackDecoder({ maxHeaderListSize: 64 * 1024 });
    d.decode(big);
    expect(() => d.decode(new Uint8Array(100).fill(0xbe))).toThrow(/header list exceeds/);
  });
});

describe('encoder', () => {
  it('round-trips through the decoder across blocks, using the dynamic table', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    const blocks: HeaderField[][] = [
      [['x-tenant', 'acme'], ['authorization', 'Bearer s3cret'], [':path', '/']],
      [['x-tenant', 'acme'], ['x-request', 'r-2'], ['authorization', 'Bearer s3cret']],
      [['x-tenant', 'acme'], ['x-request', 'r-3'], ['x-unicode', 'héllo ✓']],
    ];
    const sizes: number[] = [];
    for (const b of blocks) {
      const bytes = enc.encode(b);
      sizes.push(bytes.length);
      expect(dec.decode(bytes)).toEqual(b);
    }
    // x-tenant: acme is a 1-byte index after the first block; authorization is never indexed.
    expect(dec.tableEntries().map(([n]) => n)).not.toContain('authorization');
    expect(enc.encode([['x-tenant', 'acme']])).toEqual(Uint8Array.from([0x80 | 62 + dec.tableEntries().findIndex(([n]) => n === 'x-tenant')]));
  });

  it('lower-cases names and emits table size updates', () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    expect(dec.decode(enc.encode({ 'X-Mixed': 'A' }))).toEqual([['x-mixed', 'A']]);
    enc.setMaxTableSize(0);
    const bytes = enc.encode([['x-other', 'b']]);
    expect(bytes[0]).toBe(0x20);
    expect(dec.decode(bytes)).toEqual([['x-other', 'b']]);
    expect(dec.tableLength).toBe(0);
  });
});
