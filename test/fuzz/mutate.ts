// Mutations of valid BatchArrowRecords, from blind byte edits to structure-aware ones that
// re-encode a payload after changing its Arrow columns. Every mutation is a pure function
// of its input and the Rng, so a case can be regenerated from (seed, index) alone.
import type { ArrayData, Field, RecordBatch, Schema } from '../../src/arrow/types.js';
import { IpcStreamWriter } from '../../src/ipc/index.js';
import { parseMessage } from '../../src/ipc/flatbuf/message-parser.js';
import { encodeBatchArrowRecords, type ArrowPayload, type BatchArrowRecords } from '../../src/otap/batch-arrow-records.js';
import type { Rng } from './rng.js';
import { concatBytes } from '../../src/concat-bytes.js';

/** One valid batch of a seed stream, with the TS reader's view of each payload. */
export interface SeedBatch {
  bar: Uint8Array;
  decoded: BatchArrowRecords;
  /** The record batch of each payload (same order), read with the stream state before it. */
  batches: RecordBatch[];
}

export interface MutationContext {
  rng: Rng;
  /** A real zstd compressor (for frames whose content disagrees with the declared length). */
  zstd: (data: Uint8Array) => Uint8Array;
}

type Mutation = (bar: Uint8Array, seed: SeedBatch, ctx: MutationContext) => Uint8Array | undefined;

const INTERESTING_32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff];
const INTERESTING_64: bigint[] = [0n, 1n, 0x7fff_ffffn, 0xffff_ffffn, 0x1_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 1n << 40n];

// ---------------------------------------------------------------------------------------
// Byte level

function bitFlip(bar: Uint8Array, _s: SeedBatch, { rng }: MutationContext): Uint8Array {
  const out = bar.slice();
  const n = rng.range(1, 8);
  for (let i = 0; i < n && out.length > 0; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
  return out;
}

function truncate(bar: Uint8Array, _s: SeedBatch, { rng }: MutationContext): Uint8Array {
  return bar.slice(0, rng.int(bar.length));
}

function insertBytes(bar: Uint8Array, _s: SeedBatch, { rng }: MutationContext): Uint8Array {
  const at = rng.int(bar.length + 1);
  const ins = rng.chance(0.5) ? rng.bytes(rng.range(1, 16)) : new Uint8Array(rng.range(1, 64)).fill(rng.pick([0, 0xff]));
  return concat(bar.subarray(0, at), ins, bar.subarray(at));
}

function deleteBytes(bar: Uint8Array, _s: SeedBatch, { rng }: MutationContext): Uint8Array {
  const at = rng.int(bar.length);
  const n = rng.range(1, Math.min(64, bar.length - at));
  return concat(bar.subarray(0, at), bar.subarray(at + n));
}

function duplicateRange(bar: Uint8Array, _s: SeedBatch, { rng }: MutationContext): Uint8Array {
  const at = rng.int(bar.length);
  const n = rng.range(1, Math.min(256, bar.length - at));
  return concat(bar.subarray(0, at + n), bar.subarray(at, at + n), bar.subarray(at + n));
}

function overwriteInteresting(bar: Uint8Array, _s: SeedBatch, { rng }: MutationContext): Uint8Array {
  const out = bar.slice();
  if (out.length < 8) return out;
  const at = rng.int(out.length - 7);
  const view = new DataView(out.buffer);
  if (rng.chance(0.5)) view.setUint32(at, rng.pick(INTERESTING_32), true);
  else view.setBigUint64(at, rng.pick(INTERESTING_64), true);
  return out;
}

// ---------------------------------------------------------------------------------------
// Protobuf level: length-delimited fields of BatchArrowRecords and ArrowPayload

interface LengthField { at: number; size: number; value: number }

function readVarint(b: Uint8Array, pos: number): { value: number; next: number } | undefined {
  let value = 0;
  let mul = 1;
  for (let i = pos; i < b.length && i < pos + 10; i++) {
    value += (b[i]! & 0x7f) * mul;
    mul *= 128;
    if ((b[i]! & 0x80) === 0) return { value, next: i + 1 };
  }
  return undefined;
}

function lengthFields(b: Uint8Array, start: number, end: number, nested: boolean, out: LengthField[]): void {
  let pos = start;
  while (pos < end) {
    const tag = readVarint(b, pos);
    if (!tag) return;
    pos = tag.next;
    const wire = tag.value % 8;
    if (wire === 0) {
      const v = readVarint(b, pos);
      if (!v) return;
      pos = v.next;
    } else if (wire === 2) {
      const len = readVarint(b, pos);
      if (!len || len.next + len.value > end) return;
      out.push({ at: pos, size: len.next - pos, value: len.value });
      if (nested && Math.floor(tag.value / 8) === 2) lengthFields(b, len.next, len.next + len.value, false, out);
      pos = len.next + len.value;
    } else return;
  }
}

function varint(v: bigint): Uint8Array {
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Uint8Array.from(out);
}

function protoLength(bar: Uint8Array, _s: SeedBatch, { rng }: MutationContext): Uint8Array | undefined {
  const fields: LengthField[] = [];
  lengthFields(bar, 0, bar.length, true, fields);
  if (fields.length === 0) return undefined;
  const f = rng.pick(fields);
  const choices = [0n, BigInt(Math.max(0, f.value - rng.range(1, 16))), BigInt(f.value + rng.range(1, 16)),
    0x7fff_ffffn, 0xffff_ffffn, 0x1_0000_0005n, 0x7fff_ffff_ffff_ffffn, 0xffff_ffff_ffff_ffffn];
  return concat(bar.subarray(0, f.at), varint(rng.pick(choices)), bar.subarray(f.at + f.size));
}

// ---------------------------------------------------------------------------------------
// Arrow IPC level: edits inside one payload's record, then the BAR re-encoded

interface IpcMessage { lengthAt: number; metaStart: number; metaLength: number; bodyStart: number; bodyLength: number }

function ipcMessages(record: Uint8Array): IpcMessage[] {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const out: IpcMessage[] = [];
  let pos = 0;
  while (pos + 8 <= record.length) {
    let lengthAt = pos;
    let metaLength = view.getInt32(pos, true);
    pos += 4;
    if (metaLength === -1) {
      lengthAt = pos;
      metaLength = view.getInt32(pos, true);
      pos += 4;
    }
    if (metaLength <= 0 || pos + metaLength > record.length) break;
    let bodyLength = 0;
    try {
      bodyLength = parseMessage(record.subarray(pos, pos + metaLength)).bodyLength;
    } catch {
      break;
    }
    out.push({ lengthAt, metaStart: pos, metaLength, bodyStart: pos + metaLength, bodyLength });
    pos += metaLength + bodyLength;
  }
  return out;
}

function withRecord(seed: SeedBatch, index: number, record: Uint8Array): Uint8Array {
  const payloads: ArrowPayload[] = seed.decoded.arrowPayloads.map((p, i) => (i === index ? { ...p, record } : p));
  return encodeBatchArrowRecords({ ...seed.decoded, arrowPayloads: payloads });
}

type RecordEdit = (record: Uint8Array, messages: IpcMessage[], rng: Rng) => Uint8Array | undefined;

function ipcEdit(edit: RecordEdit): Mutation {
  return (_bar, seed, { rng }) => {
    if (seed.decoded.arrowPayloads.length === 0) return undefined;
    const index = rng.int(seed.decoded.arrowPayloads.length);
    const record = seed.decoded.arrowPayloads[index]!.record;
    const messages = ipcMessages(record);
    if (messages.length === 0) return undefined;
    const edited = edit(record, messages, rng);
    return edited && withRecord(seed, index, edited);
  };
}

function setAligned(out: Uint8Array, start: number, length: number, rng: Rng): void {
  if (length < 8) return;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (rng.chance(0.5)) {
    const at = start + 4 * rng.int(Math.floor(length / 4));
    view.setUint32(at, rng.pick(INTERESTING_32), true);
  } else {
    const at = start + 8 * rng.int(Math.floor(length / 8));
    view.setBigUint64(at, rng.pick(INTERESTING_64), true);
  }
}

/** Flatbuffer ints of a message header (row counts, node lengths, buffer offsets/lengths, ...). */
const metaInt = ipcEdit((record, messages, rng) => {
  const m = rng.pick(messages);
  const out = record.slice();
  setAligned(out, m.metaStart, m.metaLength, rng);
  return out;
});

/** The framing's metadata length. */
const metaLength = ipcEdit((record, messages, rng) => {
  const m = rng.pick(messages);
  const out = record.slice();
  new DataView(out.buffer).setInt32(m.lengthAt, rng.pick([-2, 1, m.metaLength + 8, 0x7fff_fff0, -0x8000_0000]), true);
  return out;
});

/** Ints in a body: dictionary keys, ids, offsets, decompressed-length prefixes. */
const bodyInt = ipcEdit((record, messages, rng) => {
  const withBody = messages.filter((m) => m.bodyLength >= 8);
  if (withBody.length === 0) return undefined;
  const m = rng.pick(withBody);
  const out = record.slice();
  for (let i = rng.range(1, 3); i > 0; i--) setAligned(out, m.bodyStart, Math.min(m.bodyLength, out.length - m.bodyStart), rng);
  return out;
});

/** Random bytes over part of a body (garbage in place of compressed or plain buffers). */
const bodyGarbage = ipcEdit((record, messages, rng) => {
  const withBody = messages.filter((m) => m.bodyLength > 0);
  if (withBody.length === 0) return undefined;
  const m = rng.pick(withBody);
  const out = record.slice();
  const end = Math.min(m.bodyStart + m.bodyLength, out.length);
  const at = m.bodyStart + rng.int(end - m.bodyStart);
  out.set(rng.bytes(Math.min(end - at, rng.range(1, 64))), at);
  return out;
});

// ---------------------------------------------------------------------------------------
// Column level: change the decoded Arrow data, re-encode the payload as a fresh IPC stream

type BatchEdit = (batch: RecordBatch, ctx: MutationContext) => { batch: RecordBatch; compress?: (raw: Uint8Array) => Uint8Array } | undefined;

function columnEdit(edit: BatchEdit): Mutation {
  return (_bar, seed, ctx) => {
    if (seed.batches.length === 0) return undefined;
    const index = ctx.rng.int(seed.batches.length);
    const edited = edit(seed.batches[index]!, ctx);
    if (!edited) return undefined;
    const compress = edited.compress;
    const writer = new IpcStreamWriter(edited.batch.schema, compress ? { compression: { codec: 'zstd', compress } } : {});
    return withRecord(seed, index, writer.write(edited.batch));
  };
}

interface ColumnRef { path: string; field: Field; data: ArrayData; replace: (d: ArrayData) => RecordBatch }

/** Every column and struct child of `batch`, each with a way to rebuild the batch around a new version. */
function columns(batch: RecordBatch): ColumnRef[] {
  const out: ColumnRef[] = [];
  const visit = (field: Field, data: ArrayData, path: string, rebuild: (d: ArrayData) => RecordBatch): void => {
    out.push({ path, field, data, replace: rebuild });
    if (field.type.id === 'struct' && data.children) {
      field.type.children.forEach((child, i) => {
        const c = data.children![i];
        if (!c) return;
        visit(child, c, `${path}.${child.name}`, (d) => rebuild({ ...data, children: data.children!.map((x, j) => (j === i ? d : x)) }));
      });
    }
  };
  batch.schema.fields.forEach((f, i) => {
    const data = batch.columns[i];
    if (data) visit(f, data, f.name, (d) => ({ ...batch, columns: batch.columns.map((x, j) => (j === i ? d : x)) }));
  });
  return out;
}

/** A dictionary key past the end of its dictionary. */
const dictionaryKey = columnEdit((batch, { rng }) => {
  const dicts = columns(batch).filter((c) => c.field.dictionary && c.data.values && c.data.length > 0);
  if (dicts.length === 0) return undefined;
  const c = rng.pick(dicts);
  const keys = (c.data.values as Uint8Array | Uint16Array | Uint32Array).slice();
  const size = c.data.dictionary?.length ?? 0;
  keys[rng.int(c.data.length)] = rng.pick([size, size + 1, 0xff, 0xffff, 0x7fff_ffff]);
  return { batch: c.replace({ ...c.data, values: keys }) };
});

/** Ids and parent ids pointing at nothing (huge, or shifted so a delta run overflows). */
const danglingId = columnEdit((batch, { rng }) => {
  const ids = columns(batch).filter((c) => /(^|\.)(parent_id|id)$/.test(c.path) && c.data.values && c.data.length > 0 && !(c.data.values instanceof BigInt64Array || c.data.values instanceof BigUint64Array));
  if (ids.length === 0) return undefined;
  const c = rng.pick(ids);
  const values = (c.data.values as Uint16Array | Uint32Array | Uint8Array).slice();
  const at = rng.int(values.length);
  values[at] = rng.pick([0xffff, 0xfffe, 0xffff_ffff, 0x7fff_ffff, values[at]! + 1000]);
  return { batch: c.replace({ ...c.data, values }) };
});

/** A record batch that declares far more rows than its buffers hold. */
const hugeRowCount = columnEdit((batch, { rng }) => ({ batch: { ...batch, length: rng.pick([batch.length + 1, 0x7fff_ffff, 1_000_000_000, 0x1000_0000]) } }));

/** Only some columns (maybe none) kept, and a row count the remaining buffers cannot back. */
const dropColumns = columnEdit((batch, { rng }) => {
  const p = rng.pick([0, 0, 0.2]);
  const keep = batch.schema.fields.map((_, i) => i).filter(() => rng.chance(p));
  const schema: Schema = { ...batch.schema, fields: keep.map((i) => batch.schema.fields[i]!) };
  const length = rng.pick([batch.length, 100_000, 10_000_000, 0x7fff_ffff]);
  if (keep.length > 0 && length !== batch.length) return undefined;
  return { batch: { schema, length, columns: keep.map((i) => batch.columns[i]!) } };
});

/** A schema with thousands of extra columns. */
const manyColumns = columnEdit((batch, { rng }) => {
  const n = rng.pick([300, 3_000]);
  const fields: Field[] = [...batch.schema.fields];
  const data: ArrayData[] = [...batch.columns];
  const values = new Int32Array(batch.length);
  for (let i = 0; i < n; i++) {
    fields.push({ name: `extra_${i}`, type: { id: 'int', bitWidth: 32, signed: true }, nullable: true });
    data.push({ type: { id: 'int', bitWidth: 32, signed: true }, length: batch.length, nullCount: 0, validity: null, values });
  }
  const schema: Schema = { ...batch.schema, fields };
  return { batch: { schema, length: batch.length, columns: data } };
});

function repeat(unit: number[], n: number, tail: number[]): Uint8Array {
  const out = new Uint8Array(unit.length * n + tail.length);
  for (let i = 0; i < n; i++) out.set(unit, i * unit.length);
  out.set(tail, unit.length * n);
  return out;
}

/** Hostile CBOR: very deep nesting, huge declared lengths, indefinite items never closed. */
function hostileCbor(rng: Rng): Uint8Array {
  const depth = rng.pick([200, 2_000, 50_000]);
  switch (rng.int(7)) {
    case 0: return repeat([0x81], depth, [0xf6]); // [[[...null]]]
    case 1: return repeat([0xa1, 0x61, 0x6b], depth, [0x01]); // {"k":{"k":...1}}
    case 2: return repeat([0x9f], depth, []); // indefinite arrays never closed
    case 3: return Uint8Array.from([rng.pick([0x5b, 0x7b, 0x9b, 0xbb]), 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    case 4: return Uint8Array.from([rng.pick([0x9a, 0xba]), 0xff, 0xff, 0xff, 0xf0, 0x01]);
    case 5: return repeat([0xc6], depth, [0x01]); // nested tags
    default: return repeat([0xbf, 0x61, 0x6b], depth, []); // indefinite maps never closed
  }
}

function binaryArray(values: Uint8Array[]): ArrayData {
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  values.forEach((v, i) => {
    total += v.length;
    offsets[i + 1] = total;
  });
  const bytes = new Uint8Array(total);
  values.forEach((v, i) => bytes.set(v, offsets[i]!));
  return { type: { id: 'binary' }, length: values.length, nullCount: 0, validity: null, offsets, values: bytes };
}

function binaryValues(d: ArrayData): Uint8Array[] {
  const out: Uint8Array[] = [];
  const bytes = d.values as Uint8Array;
  for (let i = 0; i < d.length; i++) out.push(bytes.subarray(d.offsets![i]!, d.offsets![i + 1]!));
  return out;
}

/** A CBOR-serialised AnyValue column ("ser") holding a hostile value. */
const deepCbor = columnEdit((batch, { rng }) => {
  const sers = columns(batch).filter((c) => /(^|\.)ser$/.test(c.path) && c.field.type.id === 'binary' && c.data.length > 0);
  if (sers.length === 0) return undefined;
  const c = rng.pick(sers);
  const target = c.field.dictionary ? c.data.dictionary : c.data;
  if (!target || target.length === 0 || !target.offsets) return undefined;
  const values = binaryValues(target);
  values[rng.int(values.length)] = hostileCbor(rng);
  const replaced = binaryArray(values);
  const data = c.field.dictionary ? { ...c.data, dictionary: replaced } : { ...replaced, validity: null };
  return { batch: c.replace(data) };
});

/** zstd-compressed bodies whose frames are garbage, claim a huge size, or hold more than declared. */
const zstdGarbage = columnEdit((batch, { rng, zstd }) => {
  const kind = rng.int(4);
  const compress = (raw: Uint8Array): Uint8Array => {
    const n = Math.max(1, raw.length >> 1);
    switch (kind) {
      case 0: return rng.bytes(n);
      case 1: return concat(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd]), rng.bytes(n));
      // Single-segment frame with an 8-byte content size of ~2^40, then noise.
      case 2: return concat(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0]), rng.bytes(n));
      // A real frame of far more bytes than the buffer declares.
      default: return zstd(new Uint8Array(raw.length * 64 + 4096));
    }
  };
  return { batch, compress };
});

// ---------------------------------------------------------------------------------------

export const MUTATIONS: Readonly<Record<string, Mutation>> = {
  bitFlip, truncate, insertBytes, deleteBytes, duplicateRange, overwriteInteresting, protoLength,
  metaInt, metaLength, bodyInt, bodyGarbage,
  dictionaryKey, danglingId, hugeRowCount, dropColumns, manyColumns, deepCbor, zstdGarbage,
};

/** Weights: blind edits are cheap and find parser bugs; structure-aware ones reach the decoders. */
const WEIGHTS: readonly [string, number][] = [
  ['bitFlip', 8], ['truncate', 4], ['insertBytes', 3], ['deleteBytes', 2], ['duplicateRange', 2],
  ['overwriteInteresting', 4], ['protoLength', 4], ['metaInt', 10], ['metaLength', 2], ['bodyInt', 10],
  ['bodyGarbage', 4], ['dictionaryKey', 6], ['danglingId', 6], ['hugeRowCount', 4], ['dropColumns', 4], ['manyColumns', 1],
  ['deepCbor', 4], ['zstdGarbage', 4],
];
const TOTAL = WEIGHTS.reduce((n, [, w]) => n + w, 0);

function pickMutation(rng: Rng): string {
  let r = rng.int(TOTAL);
  for (const [name, w] of WEIGHTS) {
    if (r < w) return name;
    r -= w;
  }
  return WEIGHTS[0]![0];
}

/** 1-3 mutations of `seed` (later ones blind, as structure-aware edits re-encode from the seed). */
export function mutate(seed: SeedBatch, ctx: MutationContext): { bytes: Uint8Array; applied: string[] } {
  let bytes = seed.bar;
  const applied: string[] = [];
  const rounds = ctx.rng.pick([1, 1, 1, 2, 3]);
  for (let i = 0; i < rounds; i++) {
    let name = pickMutation(ctx.rng);
    // Structure-aware edits start from the seed's decoded form; after a first edit only blind ones apply.
    if (i > 0 && !['bitFlip', 'truncate', 'insertBytes', 'deleteBytes', 'duplicateRange', 'overwriteInteresting', 'protoLength'].includes(name)) name = 'bitFlip';
    const out = MUTATIONS[name]!(bytes, seed, ctx);
    if (!out) continue;
    bytes = out;
    applied.push(name);
  }
  if (applied.length === 0) {
    bytes = bitFlip(seed.bar, seed, ctx);
    applied.push('bitFlip');
  }
  return { bytes, applied };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}
