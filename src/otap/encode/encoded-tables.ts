import type { TableInput } from './table-input.js';

/** The tables of one batch, root first, children omitted when they have no rows. */
export type EncodedTables = { type: number; input: TableInput }[];

const ZERO_16 = new Uint8Array(16);
const ZERO_8 = new Uint8Array(8);

/** Ids that OTAP always writes: an unset (empty) id becomes zero bytes. */
export function idOrZeros(id: Uint8Array, width: 8 | 16): Uint8Array {
  return id.length === 0 ? (width === 16 ? ZERO_16 : ZERO_8) : id;
}
