// `otap inspect`: what an OTAP stream file holds, per payload type: schemas (and resets),
// rows, dictionary sizes, dictionary messages (delta / replacement) and bytes. Every batch is
// decoded by the codec backend (which validates it and gives the item count); the table
// structure (schemas, dictionaries) is read from the IPC messages by the TypeScript reader,
// the one that exposes them.
import type { Backend } from '../backend/types.js';
import type { DataType, Field } from '../arrow/types.js';
import { countOtlpItems } from '../otlp/protobuf/count-items.js';
import { listMessages } from '../ipc/index.js';
import { decodeBatchArrowRecords } from '../otap/batch-arrow-records.js';
import { Consumer } from '../otap/consumer.js';
import { payloadTypeName } from '../otap/payload-type.js';
import { OtelArrowError } from '../errors.js';
import { readOtapFile } from './files.js';
import { formatBytes, Progress, table } from './progress.js';

interface PayloadStats {
  batches: number;
  rows: number;
  bytes: number;
  schemaIds: string[];
  schemas: string[];
  deltas: number;
  replacements: number;
  dictionarySizes: Map<string, number>;
}

export function inspect(file: string, opts: { schemas: boolean }, backend: Backend): void {
  const frames = readOtapFile(file);
  const consumer = new Consumer();
  const decoder = backend.createDecoder();
  let items = 0;
  const stats = new Map<number, PayloadStats>();
  const progress = new Progress('reading', frames.length);
  let signal = '';
  let totalBytes = 0;
  frames.forEach((frame, i) => {
    totalBytes += frame.length + 4;
    let bar: ReturnType<typeof decodeBatchArrowRecords>;
    let read: ReturnType<Consumer['readBatch']>;
    try {
      const decoded = decoder.decode(frame);
      if (decoded.signal) items += countOtlpItems(decoded.signal, decoded.otlp);
      bar = decodeBatchArrowRecords(frame);
      read = consumer.readBatch(bar);
    } catch (err) {
      const code = err instanceof OtelArrowError ? err.code : 'INVALID_PAYLOAD';
      throw new OtelArrowError(code, `batch ${i} of ${file}: ${(err as Error).message}`, { cause: err });
    }
    if (read) signal = read.signal;
    for (const p of bar.arrowPayloads) {
      let s = stats.get(p.type);
      if (!s) stats.set(p.type, (s = { batches: 0, rows: 0, bytes: 0, schemaIds: [], schemas: [], deltas: 0, replacements: 0, dictionarySizes: new Map() }));
      s.batches++;
      s.bytes += p.record.length;
      const messages = listMessages(p.record);
      // A full dictionary right after a Schema message starts a stream; only later ones replace.
      const startsStream = messages.some((m) => m.type === 'schema');
      for (const m of messages) {
        if (m.type !== 'dictionary') continue;
        if (m.isDelta) s.deltas++;
        else if (!startsStream) s.replacements++;
      }
      const view = read?.tables.get(p.type);
      if (!view) continue;
      s.rows += view.length;
      if (s.schemaIds.at(-1) !== p.schemaId) {
        s.schemaIds.push(p.schemaId);
        s.schemas.push(view.batch.schema.fields.map(renderField).join(', '));
      }
      collectDictionarySizes(view.batch.schema.fields, view.batch.columns, '', s.dictionarySizes);
    }
    progress.tick(i + 1);
  });

  decoder.close();
  const what = signal === 'traces' ? 'spans' : signal === 'logs' ? 'log records' : 'data points';
  console.log(`${file}: ${frames.length} ${signal} batches, ${items} ${what}, ${formatBytes(totalBytes)} (decoded by the ${backend.name} backend)\n`);
  const rows = [['payload type', 'batches', 'rows', 'bytes', 'schemas', 'dict deltas', 'dict replacements', 'largest dictionaries']];
  for (const [type, s] of [...stats].sort((a, b) => a[0] - b[0])) {
    const dicts = [...s.dictionarySizes].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k}=${v}`).join(' ');
    rows.push([payloadTypeName(type), String(s.batches), String(s.rows), String(s.bytes), String(s.schemaIds.length), String(s.deltas), String(s.replacements), dicts]);
  }
  console.log(table(rows));
  if (opts.schemas) {
    for (const [type, s] of stats) {
      console.log(`\n${payloadTypeName(type)}:`);
      s.schemas.forEach((sch, i) => console.log(`  schema_id ${s.schemaIds[i]}: ${sch}`));
    }
  }
}

function collectDictionarySizes(fields: readonly Field[], columns: readonly { dictionary?: { length: number }; children?: readonly unknown[] }[], prefix: string, out: Map<string, number>): void {
  fields.forEach((f, i) => {
    const col = columns[i];
    if (!col) return;
    if (col.dictionary) out.set(prefix + f.name, col.dictionary.length);
    if (f.type.id === 'struct' && col.children) {
      collectDictionarySizes(f.type.children, col.children as never, prefix + f.name + '.', out);
    }
  });
}

function renderType(t: DataType): string {
  switch (t.id) {
    case 'int': return `${t.signed ? 'int' : 'uint'}${t.bitWidth}`;
    case 'fixedSizeBinary': return `fsb${t.byteWidth}`;
    case 'timestamp': return `timestamp[ns${t.timezone ? ',' + t.timezone : ''}]`;
    case 'duration': return 'duration[ns]';
    case 'struct': return `struct<${t.children.map(renderField).join(', ')}>`;
    case 'list': return `list<${renderType(t.child.type)}>`;
    default: return t.id;
  }
}

function renderField(f: Field): string {
  const type = f.dictionary ? `dict<u${f.dictionary.indexBitWidth},${renderType(f.type)}>` : renderType(f.type);
  return `${f.name}:${type}${f.nullable ? '?' : ''}`;
}
