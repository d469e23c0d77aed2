// opentelemetry.proto.common.v1 and resource.v1 messages: AnyValue, KeyValue,
// InstrumentationScope, Resource. Shared by the trace, logs and metrics codecs.
//
// Every `read*` function consumes one length-delimited message (its length prefix included);
// every `write*` function writes the tag, the length and the body.

import { asOtelArrowError, OtelArrowError } from '../../errors.js';
import { annotate, messageInfo, WireReader } from '../../proto/wire-reader.js';
import { WireType, WireWriter } from '../../proto/wire-writer.js';
import type { AnyValue, InstrumentationScope, KeyValue, Resource } from '../model.js';

const LEN = WireType.LEN;

// ---------------------------------------------------------------------------------------
// Encoding

export function writeAnyValue(w: WireWriter, field: number, v: AnyValue): void {
  w.tag(field, LEN);
  const mark = w.beginMessage();
  // Oneof members are written even when they hold the default value: presence is the kind.
  switch (v.type) {
    case 'string':
      w.tag(1, LEN);
      w.string(v.value);
      break;
    case 'bool':
      w.tag(2, WireType.VARINT);
      w.varint(v.value ? 1 : 0);
      break;
    case 'int':
      w.tag(3, WireType.VARINT);
      w.varintBig(v.value);
      break;
    case 'double':
      w.tag(4, WireType.FIXED64);
      w.double(v.value);
      break;
    case 'array': {
      w.tag(5, LEN);
      const inner = w.beginMessage();
      const values = v.values;
      for (let i = 0; i < values.length; i++) writeAnyValue(w, 1, values[i]!);
      w.endMessage(inner);
      break;
    }
    case 'kvlist': {
      w.tag(6, LEN);
      const inner = w.beginMessage();
      writeKeyValues(w, 1, v.values);
      w.endMessage(inner);
      break;
    }
    case 'bytes':
      w.tag(7, LEN);
      w.bytes(v.value);
      break;
    case 'empty':
      break;
  }
  w.endMessage(mark);
}

export function writeKeyValues(w: WireWriter, field: number, kvs: readonly KeyValue[]): void {
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    w.tag(field, LEN);
    const mark = w.beginMessage();
    w.stringField(1, kv.key);
    writeAnyValue(w, 2, kv.value);
    w.endMessage(mark);
  }
}

export function writeResource(w: WireWriter, field: number, r: Resource): void {
  w.tag(field, LEN);
  const mark = w.beginMessage();
  writeKeyValues(w, 1, r.attributes);
  w.uint32Field(2, r.droppedAttributesCount);
  w.endMessage(mark);
}

export function writeScope(w: WireWriter, field: number, s: InstrumentationScope): void {
  w.tag(field, LEN);
  const mark = w.beginMessage();
  w.stringField(1, s.name);
  w.stringField(2, s.version);
  writeKeyValues(w, 3, s.attributes);
  w.uint32Field(4, s.droppedAttributesCount);
  w.endMessage(mark);
}

// ---------------------------------------------------------------------------------------
// Decoding

const ANY_VALUE = messageInfo('AnyValue', {
  1: 'string_value', 2: 'bool_value', 3: 'int_value', 4: 'double_value',
  5: 'array_value', 6: 'kvlist_value', 7: 'bytes_value',
});
const ARRAY_VALUE = messageInfo('ArrayValue', { 1: 'values' });
const KEY_VALUE_LIST = messageInfo('KeyValueList', { 1: 'values' });
const KEY_VALUE = messageInfo('KeyValue', { 1: 'key', 2: 'value' });
const RESOURCE = messageInfo('Resource', { 1: 'attributes', 2: 'dropped_attributes_count' });
const SCOPE = messageInfo('InstrumentationScope', {
  1: 'name', 2: 'version', 3: 'attributes', 4: 'dropped_attributes_count',
});

export function readAnyValue(r: WireReader): AnyValue {
  const outer = r.enter();
  let out: AnyValue | undefined;
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: out = { type: 'string', value: r.string() }; break;
        case 16: out = { type: 'bool', value: r.bool() }; break;
        case 24: out = { type: 'int', value: r.int64() }; break;
        case 33: out = { type: 'double', value: r.double() }; break;
        case 42: out = { type: 'array', values: readArrayValue(r) }; break;
        case 50: out = { type: 'kvlist', values: readKeyValueList(r) }; break;
        case 58: out = { type: 'bytes', value: r.bytes() }; break;
        default: r.skip(tag, ANY_VALUE);
      }
    }
  } catch (err) {
    throw annotate(err, ANY_VALUE, tag);
  }
  r.leave(outer);
  return out ?? { type: 'empty' };
}

function readArrayValue(r: WireReader): AnyValue[] {
  return readListMessage(r, ARRAY_VALUE, readAnyValue);
}

function readKeyValueList(r: WireReader): KeyValue[] {
  return readListMessage(r, KEY_VALUE_LIST, readKeyValue);
}

/** A message whose only field (1) is a repeated message: ArrayValue and KeyValueList. */
function readListMessage<T>(r: WireReader, info: typeof ARRAY_VALUE, read: (r: WireReader) => T): T[] {
  const outer = r.enter();
  const values: T[] = [];
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      if (tag === 10) values.push(read(r));
      else r.skip(tag, info);
    }
  } catch (err) {
    throw annotate(err, info, tag);
  }
  r.leave(outer);
  return values;
}

export function readKeyValue(r: WireReader): KeyValue {
  const outer = r.enter();
  const kv: KeyValue = { key: '', value: { type: 'empty' } };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: kv.key = r.string(); break;
        case 18: kv.value = readAnyValue(r); break;
        default: r.skip(tag, KEY_VALUE);
      }
    }
  } catch (err) {
    throw annotate(err, KEY_VALUE, tag);
  }
  r.leave(outer);
  return kv;
}

export function readResource(r: WireReader): Resource {
  const outer = r.enter();
  const res: Resource = { attributes: [], droppedAttributesCount: 0 };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: res.attributes.push(readKeyValue(r)); break;
        case 16: res.droppedAttributesCount = r.uint32(); break;
        default: r.skip(tag, RESOURCE);
      }
    }
  } catch (err) {
    throw annotate(err, RESOURCE, tag);
  }
  r.leave(outer);
  return res;
}

export function readScope(r: WireReader): InstrumentationScope {
  const outer = r.enter();
  const s: InstrumentationScope = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  let tag = 0;
  try {
    while (r.pos < r.limit) {
      tag = 0;
      tag = r.tag();
      switch (tag) {
        case 10: s.name = r.string(); break;
        case 18: s.version = r.string(); break;
        case 26: s.attributes.push(readKeyValue(r)); break;
        case 32: s.droppedAttributesCount = r.uint32(); break;
        default: r.skip(tag, SCOPE);
      }
    }
  } catch (err) {
    throw annotate(err, SCOPE, tag);
  }
  r.leave(outer);
  return s;
}

export function emptyResource(): Resource {
  return { attributes: [], droppedAttributesCount: 0 };
}

export function emptyScope(): InstrumentationScope {
  return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
}

/**
 * Runs a top-level decode so that nothing but an OtelArrowError('MALFORMED_PROTOBUF') leaves
 * it (a stack overflow from absurd nesting included).
 */
export function decodeTopLevel<T>(bytes: Uint8Array, what: string, decode: (r: WireReader) => T): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new OtelArrowError('MALFORMED_PROTOBUF', `${what}: input is not a Uint8Array`);
  }
  try {
    return decode(new WireReader(bytes));
  } catch (err) {
    throw asOtelArrowError(err, 'MALFORMED_PROTOBUF');
  }
}
