// HPACK Huffman code (RFC 7541 Appendix B). The code is canonical: codes of one length are
// consecutive in symbol order and shorter codes sort first, so the bit lengths below (one
// per symbol 0..255, then EOS = 256 with 30 bits) determine every code.

const CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

const EOS = 256;
/** codes[sym] (right-aligned) and lengths[sym]. */
const codes = new Uint32Array(257);
const lengths = Uint8Array.from(CODE_LENGTHS);

// Decoding trie: node n has children at trie[2n] (bit 0) and trie[2n+1] (bit 1); a value
// >= 0 is a child node index, -1 is "no such code", <= -2 encodes leaf symbol (-2 - value).
const trie: Int32Array = (() => {
  const order = Array.from({ length: 257 }, (_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  let code = 0;
  let prev = lengths[order[0]!]!;
  for (const sym of order) {
    code = code * 2 ** (lengths[sym]! - prev);
    prev = lengths[sym]!;
    codes[sym] = code;
    code++;
  }
  const t = new Int32Array(2 * 512).fill(-1);
  let nodes = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    let n = 0;
    const len = lengths[sym]!;
    for (let i = len - 1; i >= 0; i--) {
      const bit = (codes[sym]! >>> i) & 1;
      const slot = 2 * n + bit;
      if (i === 0) {
        t[slot] = -2 - sym;
      } else {
        if (t[slot] === -1) t[slot] = nodes++;
        n = t[slot]!;
      }
    }
  }
  return t;
})();

export class HuffmanError extends Error {}

/** Decodes a Huffman-coded string (RFC 7541 5.2): padding must be the EOS prefix, < 8 bits. */
export function huffmanDecode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil((src.length * 8) / 5));
  let o = 0;
  let node = 0;
  let depth = 0; // bits consumed since the last symbol
  let allOnes = true;
  for (let i = 0; i < src.length; i++) {
    const byte = src[i]!;
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >>> b) & 1;
      const next = trie[2 * node + bit]!;
      depth++;
      if (bit === 0) allOnes = false;
      if (next === -1) throw new HuffmanError('invalid Huffman code');
      if (next <= -2) {
        const sym = -2 - next;
        if (sym === EOS) throw new HuffmanError('EOS symbol in Huffman string');
        out[o++] = sym;
        node = 0;
        depth = 0;
        allOnes = true;
      } else {
        node = next;
      }
    }
  }
  if (depth > 7) throw new HuffmanError('Huffman padding longer than 7 bits');
  if (!allOnes) throw new HuffmanError('Huffman padding is not the EOS prefix');
  return out.subarray(0, o);
}

/** Length in bytes of the Huffman coding of `src`. */
export function huffmanEncodedLength(src: Uint8Array): number {
  let bits = 0;
  for (let i = 0; i < src.length; i++) bits += lengths[src[i]!]!;
  return Math.ceil(bits / 8);
}

/** Huffman-codes `src` (padding with the EOS prefix). */
export function huffmanEncode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(huffmanEncodedLength(src));
  let o = 0;
  let acc = 0; // pending bits, at most 7 + 30 < 53: kept as a number, not a 32-bit int
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const sym = src[i]!;
    acc = acc * 2 ** lengths[sym]! + codes[sym]!;
    n += lengths[sym]!;
    while (n >= 8) {
      n -= 8;
      const div = 2 ** n;
      out[o++] = Math.floor(acc / div) & 0xff;
      acc %= div;
    }
  }
  if (n > 0) out[o++] = ((acc << (8 - n)) | (0xff >>> n)) & 0xff;
  return out;
}
