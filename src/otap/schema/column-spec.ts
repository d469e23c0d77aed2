// Prototype descriptions of OTAP tables: the full column list in the Go producer's order,
// from which the encoder derives each batch's actual schema (absent optional columns
// removed, dictionary index widths chosen) and the decoder learns column names.

export type LeafKind =
  | 'u8' | 'u16' | 'u32' | 'u64' | 'i32' | 'i64' | 'f64' | 'bool'
  | 'utf8' | 'binary' | 'fsb8' | 'fsb16' | 'timestamp' | 'duration';

/** Dictionary candidate class: starts at u8 keys (may move to u16) or at u16 keys. */
export type DictClass = 'd8' | 'd16';

/**
 * When an optional column first appears:
 * - 'nonNull': at the first non-null value (the row builder already maps "empty" to null);
 * - 'nonZero': at the first non-null value that is not 0 / 0n (zeros are kept once present).
 */
export type Presence = 'nonNull' | 'nonZero';

export interface LeafSpec {
  readonly kind: LeafKind;
  readonly name: string;
  /** Nullable columns are optional: left out of the schema until a value counts. */
  readonly nullable: boolean;
  readonly dict?: DictClass;
  readonly presence?: Presence;
}

export interface StructSpec {
  readonly kind: 'struct';
  readonly name: string;
  readonly nullable: boolean;
  readonly children: readonly ColumnSpec[];
}

export interface ListSpec {
  readonly kind: 'list';
  readonly name: string;
  readonly nullable: boolean;
  readonly item: ColumnSpec;
}

export type ColumnSpec = LeafSpec | StructSpec | ListSpec;

export interface TableSpec {
  /** Payload type name, for errors and signatures. */
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly metadata?: ReadonlyMap<string, string>;
}

// Small constructors keep the table definitions readable.
export const req = (name: string, kind: LeafKind, dict?: DictClass): LeafSpec =>
  dict ? { name, kind, nullable: false, dict } : { name, kind, nullable: false };
export const opt = (name: string, kind: LeafKind, dict?: DictClass, presence?: Presence): LeafSpec => ({
  name,
  kind,
  nullable: true,
  ...(dict ? { dict } : {}),
  ...(presence ? { presence } : {}),
});
export const struct = (name: string, children: ColumnSpec[], nullable = true): StructSpec => ({
  kind: 'struct',
  name,
  nullable,
  children,
});
export const list = (name: string, item: ColumnSpec): ListSpec => ({ kind: 'list', name, nullable: true, item });
