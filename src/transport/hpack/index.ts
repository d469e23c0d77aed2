export { HpackDecoder, HpackError, type HeaderField, type HpackDecoderOptions } from './decoder.js';
export { HpackEncoder, type HpackEncoderOptions } from './encoder.js';
export { huffmanDecode, huffmanEncode, huffmanEncodedLength, HuffmanError } from './huffman.js';
export { STATIC_TABLE } from './static-table.js';
