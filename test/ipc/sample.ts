// A schema using every DataType of our model (nested struct/list, dictionaries at several
// depths, metadata) and deterministic batches whose dictionaries grow with `step`.

import type { ArrayData, DictionaryEncoding, Field, RecordBatch, Schema } from '../../src/arrow/types.js';
import {
  bigArray, binaryArray, boolArray, dictArray, field, float64Array, fsbArray, int, intArray, listArray, structArray, utf8Array,
} from './fixtures.js';

const dict = (id: number, indexBitWidth: 8 | 16 | 32 | 64, indexSigned = false): DictionaryEncoding => ({ id, indexBitWidth, indexSigned, ordered: false });

const attrKey = field('key', { id: 'utf8' }, { nullable: false, dictionary: dict(1, 8), metadata: new Map([['dictId', '1']]) });
const resourceFields: Field[] = [field('id', int(16, false), { nullable: false }), attrKey, field('dropped', int(32, false))];
const eventFields: Field[] = [field('name', { id: 'utf8' }, { dictionary: dict(2, 16) }), field('time', { id: 'timestamp', timezone: 'UTC' })];
const eventItem = field('item', { id: 'struct', children: eventFields });
const intItem = field('item', int(64, true));

export const sampleSchema: Schema = {
  fields: [
    field('u8', int(8, false)), field('u16', int(16, false)), field('u32', int(32, false)), field('u64', int(64, false)),
    field('i8', int(8, true)), field('i16', int(16, true)), field('i32', int(32, true)), field('i64', int(64, true)),
    field('f64', { id: 'float64' }),
    field('flag', { id: 'bool' }),
    field('body', { id: 'utf8' }, { metadata: new Map([['note', 'plain utf8']]) }),
    field('blob', { id: 'binary' }),
    field('trace_id', { id: 'fixedSizeBinary', byteWidth: 16 }),
    field('ts_utc', { id: 'timestamp', timezone: 'UTC' }, { nullable: false }),
    field('ts_none', { id: 'timestamp', timezone: null }),
    field('dur', { id: 'duration' }),
    field('severity', { id: 'utf8' }, { dictionary: dict(0, 16), metadata: new Map([['dictId', '0']]) }),
    field('resource', { id: 'struct', children: resourceFields }),
    field('events', { id: 'list', child: eventItem }),
    field('ints', { id: 'list', child: intItem }),
    field('bin_dict', { id: 'binary' }, { dictionary: dict(3, 32, true) }),
    field('int_dict', int(64, true), { dictionary: dict(4, 8) }),
  ],
  metadata: new Map([['sorting_columns', '[{"column":"u16"}]']]),
};

/** Deterministic pseudo-random numbers. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

/** Dictionary entry k of each id: growing `step` appends entries, so old ones stay a prefix. */
export const dictionaries = {
  0: (n: number) => utf8Array(Array.from({ length: n }, (_, k) => `SEV${k}`)),
  1: (n: number) => utf8Array(Array.from({ length: n }, (_, k) => `attr.key.${k}`)),
  2: (n: number) => utf8Array(Array.from({ length: n }, (_, k) => (k === 1 ? null : `event-${k}`))),
  3: (n: number) => binaryArray(Array.from({ length: n }, (_, k) => new Uint8Array([k & 255, (k * 7) & 255, 1]))),
  4: (n: number) => intArray(int(64, true), Array.from({ length: n }, (_, k) => BigInt(k * 1000 - 3))),
};

export function makeBatch(rows: number, step: number, seed = step + 1): RecordBatch {
  const r = rng(seed);
  const pick = <T>(f: () => T, nullRate = 0.2): T | null => (r() < nullRate ? null : f());
  const n = (max: number) => Math.floor(r() * max);
  const dictSize = (id: number) => 3 + id + step;
  const col = (f: (i: number) => unknown): unknown[] => Array.from({ length: rows }, (_, i) => f(i));
  const indices = (size: number, rate = 0.2) => col(() => pick(() => n(size), rate)) as (number | null)[];

  const nEvents = col(() => pick(() => n(3))) as (number | null)[];
  const totalEvents = nEvents.reduce<number>((a, b) => a + (b ?? 0), 0);
  const nInts = col(() => pick(() => n(4))) as (number | null)[];
  const totalInts = nInts.reduce<number>((a, b) => a + (b ?? 0), 0);
  const d = (id: 0 | 1 | 2 | 3 | 4) => dictionaries[id](dictSize(id));
  const enc = (name: string): DictionaryEncoding => {
    const found = findField(sampleSchema.fields, name);
    return found!.dictionary!;
  };

  const events = structArray(eventFields, [
    dictArray(enc('name'), Array.from({ length: totalEvents }, () => pick(() => n(dictSize(2)))), d(2)),
    bigArray({ id: 'timestamp', timezone: 'UTC' }, Array.from({ length: totalEvents }, () => pick(() => BigInt(n(1e9)) * 1000n))),
  ]);

  const columns: ArrayData[] = [
    intArray(int(8, false), col(() => pick(() => n(256))) as number[]),
    intArray(int(16, false), col((i) => i) as number[]),
    intArray(int(32, false), col(() => pick(() => n(2 ** 32))) as number[]),
    intArray(int(64, false), col(() => pick(() => BigInt(n(2 ** 32)) << 31n)) as bigint[]),
    intArray(int(8, true), col(() => pick(() => n(256) - 128)) as number[]),
    intArray(int(16, true), col(() => pick(() => n(65536) - 32768)) as number[]),
    intArray(int(32, true), col(() => pick(() => n(2 ** 32) - 2 ** 31)) as number[]),
    intArray(int(64, true), col(() => pick(() => -(BigInt(n(2 ** 32)) << 30n))) as bigint[]),
    float64Array(col(() => pick(() => r() * 1e6 - 5e5)) as number[]),
    boolArray(col(() => pick(() => r() < 0.5)) as boolean[]),
    utf8Array(col((i) => pick(() => `log line ${i} ✓ ${'x'.repeat(n(20))}`)) as string[]),
    binaryArray(col(() => pick(() => Uint8Array.from({ length: n(9) }, () => n(256)))) as Uint8Array[]),
    fsbArray(16, col(() => pick(() => Uint8Array.from({ length: 16 }, () => n(256)))) as Uint8Array[]),
    bigArray({ id: 'timestamp', timezone: 'UTC' }, col(() => BigInt(n(2 ** 31)) * 1_000_000_000n) as bigint[]),
    bigArray({ id: 'timestamp', timezone: null }, col(() => pick(() => BigInt(n(2 ** 31)))) as bigint[]),
    bigArray({ id: 'duration' }, col(() => pick(() => BigInt(n(1e6)))) as bigint[]),
    dictArray(enc('severity'), indices(dictSize(0)), d(0)),
    structArray(
      resourceFields,
      [
        intArray(int(16, false), col((i) => i % 7) as number[]),
        dictArray(enc('key'), indices(dictSize(1), 0), d(1)),
        intArray(int(32, false), col(() => pick(() => n(10))) as number[]),
      ],
      col(() => r() < 0.1) as boolean[],
    ),
    listArray(eventItem, nEvents, events),
    listArray(intItem, nInts, intArray(int(64, true), Array.from({ length: totalInts }, () => pick(() => BigInt(n(100)) - 50n)))),
    dictArray(enc('bin_dict'), indices(dictSize(3)), d(3)),
    dictArray(enc('int_dict'), indices(dictSize(4)), d(4)),
  ];
  return { schema: sampleSchema, length: rows, columns };
}

export function findField(fields: readonly Field[], name: string): Field | undefined {
  for (const f of fields) {
    if (f.name === name) return f;
    const children = f.type.id === 'struct' ? f.type.children : f.type.id === 'list' ? [f.type.child] : [];
    const inner = findField(children, name);
    if (inner) return inner;
  }
  return undefined;
}
