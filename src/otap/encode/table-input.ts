// What a signal encoder hands to a TableEncoder: one JS array per leaf column, keyed by
// the column's dotted path ("resource.id", "body.str"), plus struct validity.
//
// Leaf values: number (u8..u32, i32, f64), bigint (u64, i64, timestamp, duration), boolean,
// string (utf8), Uint8Array (binary, fixed-size binary); null = null.
// List columns: one entry per row, an array of item values (or of records for a list of
// structs, keyed by child name), or null.
export interface TableInput {
  readonly length: number;
  readonly values: ReadonlyMap<string, readonly unknown[]>;
  /** Struct paths -> per-row validity; a struct not listed here is valid on every row. */
  readonly structValidity?: ReadonlyMap<string, readonly boolean[]>;
  /**
   * Dictionary paths -> distinct values a receiver holds in that column after undoing its
   * transport encoding (the absolute parent ids of a quasi-delta column). The key width never
   * goes below what they need: the Rust engine restores absolute ids into the key width it
   * received.
   */
  readonly decodedDistinct?: ReadonlyMap<string, number>;
}

/** Mutable builder for a TableInput, filled row by row or column by column. */
export class TableColumns {
  length = 0;
  readonly values = new Map<string, unknown[]>();
  readonly structValidity = new Map<string, boolean[]>();
  readonly decodedDistinct = new Map<string, number>();

  column(path: string): unknown[] {
    let col = this.values.get(path);
    if (!col) {
      col = [];
      this.values.set(path, col);
    }
    return col;
  }

  validity(path: string): boolean[] {
    let col = this.structValidity.get(path);
    if (!col) {
      col = [];
      this.structValidity.set(path, col);
    }
    return col;
  }
}
