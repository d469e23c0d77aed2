// Rebuilds AnyValues from the type/str/int/double/bool/bytes/ser column family shared by
// attribute tables and the LOGS body.
import type { AnyValue } from '../../otlp/model.js';
import { OtelArrowError } from '../../errors.js';
import { decodeAnyValueCbor } from '../cbor.js';
import { AttrType } from '../schema/attributes-table.js';
import type { TableView } from './table-view.js';

export class AnyValueColumns {
  private readonly view: TableView;
  private readonly prefix: string;
  private readonly type: (number | null)[];
  private readonly str: (string | null)[] | undefined;
  private readonly int: (bigint | null)[] | undefined;
  private readonly dbl: (number | null)[] | undefined;
  private readonly bool: (boolean | null)[] | undefined;
  private readonly bytes: (Uint8Array | null)[] | undefined;
  private readonly ser: (Uint8Array | null)[] | undefined;

  /** `prefix` is "" for attribute tables and "body." for LOGS. */
  constructor(view: TableView, prefix: string, typeRequired: boolean) {
    this.view = view;
    this.prefix = prefix;
    const type = view.numbers(prefix + 'type');
    this.type = typeRequired ? view.required(prefix + 'type', type) : (type ?? new Array<number | null>(view.length).fill(null));
    this.str = view.strings(prefix + 'str');
    this.int = view.bigints(prefix + 'int');
    this.dbl = view.numbers(prefix + 'double');
    this.bool = view.bools(prefix + 'bool');
    this.bytes = view.bytes(prefix + 'bytes');
    this.ser = view.bytes(prefix + 'ser');
  }

  typeAt(i: number): number {
    return this.type[i] ?? AttrType.EMPTY;
  }

  /** Whether the column of row i's scalar type is present and non-null there. */
  scalarPresent(i: number): boolean {
    switch (this.typeAt(i)) {
      case AttrType.STR: return this.str?.[i] != null;
      case AttrType.INT: return this.int?.[i] != null;
      case AttrType.DOUBLE: return this.dbl?.[i] != null;
      case AttrType.BOOL: return this.bool?.[i] != null;
      case AttrType.BYTES: return this.bytes?.[i] != null;
      default: return false;
    }
  }

  /** Zero values stand in for null cells of the active column, as the Go consumer reads them. */
  valueAt(i: number): AnyValue {
    const t = this.typeAt(i);
    switch (t) {
      case AttrType.EMPTY: return { type: 'empty' };
      case AttrType.STR: return { type: 'string', value: this.str?.[i] ?? '' };
      case AttrType.INT: return { type: 'int', value: this.int?.[i] ?? 0n };
      case AttrType.DOUBLE: return { type: 'double', value: this.dbl?.[i] ?? 0 };
      case AttrType.BOOL: return { type: 'bool', value: this.bool?.[i] ?? false };
      case AttrType.BYTES: return { type: 'bytes', value: this.bytes?.[i] ?? new Uint8Array(0) };
      case AttrType.MAP:
      case AttrType.SLICE: {
        const raw = this.ser?.[i];
        if (!raw) return t === AttrType.MAP ? { type: 'kvlist', values: [] } : { type: 'array', values: [] };
        let v: AnyValue;
        try {
          v = decodeAnyValueCbor(raw);
        } catch (err) {
          throw new OtelArrowError('INVALID_PAYLOAD', `row ${i}: ${(err as Error).message}`, {
            table: this.view.table, column: this.prefix + 'ser', cause: err,
          });
        }
        const want = t === AttrType.MAP ? 'kvlist' : 'array';
        if (v.type !== want) throw this.view.error(this.prefix + 'ser', `row ${i}: type ${t} needs a CBOR ${want === 'kvlist' ? 'map' : 'array'}`);
        return v;
      }
      default:
        throw this.view.error(this.prefix + 'type', `row ${i}: unknown value type ${t}`);
    }
  }
}
