// Attribute tables, encode side: rows sorted by (type, key, value, parent id) so equal
// key/value runs become small quasi-delta parent ids, as the Go producer sorts them.
import type { AnyValue, KeyValue } from '../../otlp/model.js';
import { encodeAnyValueCbor } from '../cbor.js';
import { attrTypeOf, compareScalar, compareStrings, deltaEqual } from '../common/value-compare.js';
import { quasiDeltaEncode } from './id-encoding.js';
import { TableColumns } from './table-input.js';

// Go writes empty nested byte strings as CBOR null (read back as an empty value); we keep
// them as empty byte strings, which every CBOR reader, Go's included, decodes unchanged.
const LOSSLESS_CBOR = { emptyBytesAsNull: false };

export class AttributeRows {
  private readonly parents: number[] = [];
  private readonly attrs: KeyValue[] = [];

  add(parent: number, attributes: readonly KeyValue[]): void {
    for (const kv of attributes) {
      this.parents.push(parent);
      this.attrs.push(kv);
    }
  }

  get length(): number {
    return this.attrs.length;
  }

  toColumns(): TableColumns {
    const n = this.attrs.length;
    const types = this.attrs.map((kv) => attrTypeOf(kv.value));
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => {
      const ka = this.attrs[a]!;
      const kb = this.attrs[b]!;
      return (
        types[a]! - types[b]! ||
        compareStrings(ka.key, kb.key) ||
        compareScalar(ka.value, kb.value) ||
        this.parents[a]! - this.parents[b]!
      );
    });
    placeNegativeZeros(order, this.attrs);
    const sortedParents = order.map((i) => this.parents[i]!);
    const sorted = order.map((i) => this.attrs[i]!);
    const encoded = quasiDeltaEncode(sortedParents, (i) => {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      return prev.key === cur.key && deltaEqual(prev.value, cur.value);
    });

    const t = new TableColumns();
    t.length = n;
    t.values.set('parent_id', encoded);
    t.decodedDistinct.set('parent_id', new Set(sortedParents).size);
    t.values.set('key', sorted.map((kv) => kv.key));
    t.values.set('type', order.map((i) => types[i]!));
    writeAnyValueColumns(sorted.map((kv) => kv.value), t, '');
    return t;
  }
}

const isNegZero = (v: AnyValue): boolean => v.type === 'double' && Object.is(v.value, -0);
const isPosZero = (v: AnyValue): boolean => v.type === 'double' && Object.is(v.value, 0);

/**
 * Moves the -0 double rows (sorted among themselves) to the front of the table, or to the end
 * when the front would put one right before a +0 row of the same key. Go's delta rule calls
 * -0 and +0 equal and the Rust engine's does not, so the two must never be neighbours under
 * one key; no decoder needs the rows sorted. (Only a table whose sole rows are +0 and -0 of
 * one key keeps such a pair: test/README.md, "Go and the Rust engine".)
 */
function placeNegativeZeros(order: number[], attrs: readonly KeyValue[]): void {
  const neg = order.filter((i) => isNegZero(attrs[i]!.value));
  if (neg.length === 0) return;
  const rest = order.filter((i) => !isNegZero(attrs[i]!.value));
  const clash = (a: number | undefined, b: number | undefined): boolean =>
    a !== undefined && b !== undefined && attrs[a]!.key === attrs[b]!.key && (isPosZero(attrs[a]!.value) || isPosZero(attrs[b]!.value));
  const front = !clash(neg[neg.length - 1], rest[0]) || clash(rest[rest.length - 1], neg[0]);
  const placed = front ? [...neg, ...rest] : [...rest, ...neg];
  for (let i = 0; i < placed.length; i++) order[i] = placed[i]!;
}

/**
 * The str/int/double/bool/bytes/ser column family of attribute tables ("") and of the LOGS
 * body ("body."): each value goes to the column of its type, the others stay null.
 */
export function writeAnyValueColumns(values: readonly AnyValue[], cols: TableColumns, prefix: string): void {
  const n = values.length;
  const str: unknown[] = new Array(n).fill(null);
  const int: unknown[] = new Array(n).fill(null);
  const dbl: unknown[] = new Array(n).fill(null);
  const bool: unknown[] = new Array(n).fill(null);
  const bytes: unknown[] = new Array(n).fill(null);
  const ser: unknown[] = new Array(n).fill(null);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    switch (v.type) {
      case 'string': str[i] = v.value; break;
      case 'int': int[i] = v.value; break;
      case 'double': dbl[i] = v.value; break;
      case 'bool': bool[i] = v.value; break;
      // In attribute tables never null (Go writes null for an empty byte string): the Rust engine
      // ends a delta run at a null cell where Go compares it as empty, so only a non-null ""
      // reads the same in both. The log body has no delta run and keeps Go's null.
      case 'bytes': bytes[i] = v.value.length > 0 || prefix === '' ? v.value : null; break;
      case 'kvlist': case 'array': ser[i] = encodeAnyValueCbor(v, LOSSLESS_CBOR); break;
      case 'empty': break;
    }
  }
  cols.values.set(prefix + 'str', str);
  cols.values.set(prefix + 'int', int);
  cols.values.set(prefix + 'double', dbl);
  cols.values.set(prefix + 'bool', bool);
  cols.values.set(prefix + 'bytes', bytes);
  cols.values.set(prefix + 'ser', ser);
}
