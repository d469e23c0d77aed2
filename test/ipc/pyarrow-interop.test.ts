// pyarrow as an independent implementation: it reads our streams (uncompressed and zstd,
// with delta and replacement dictionaries) and writes streams our reader must decode.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DataType, Field, RecordBatch, Schema } from '../../src/arrow/types.js';
import { endOfStreamMarker, IpcStreamReader, IpcStreamWriter, listMessages, type BodyCompressor } from '../../src/ipc/index.js';
import { concatChunks } from './fixtures.js';
import { plainBatch, plainMetadata } from './plain-values.js';
import { makeBatch, sampleSchema } from './sample.js';
import { zstdCompressor } from '../support/zstd.js';

const script = join(import.meta.dirname, 'read_ipc_stream.py');
const hasPyarrow = spawnSync('python3', ['-c', 'import pyarrow']).status === 0;
const skip = !hasPyarrow && !process.env.CI;

function pyType(type: DataType, field?: Field): string {
  if (field?.dictionary) {
    const { indexBitWidth, indexSigned, ordered } = field.dictionary;
    return `dictionary<values=${pyType(type)}, indices=${indexSigned ? '' : 'u'}int${indexBitWidth}, ordered=${ordered ? 1 : 0}>`;
  }
  const child = (f: Field) => `${f.name}: ${pyType(f.type, f)}${f.nullable ? '' : ' not null'}`;
  switch (type.id) {
    case 'int': return `${type.signed ? '' : 'u'}int${type.bitWidth}`;
    case 'float64': return 'double';
    case 'bool': return 'bool';
    case 'utf8': return 'string';
    case 'binary': return 'binary';
    case 'fixedSizeBinary': return `fixed_size_binary[${type.byteWidth}]`;
    case 'timestamp': return type.timezone === null ? 'timestamp[ns]' : `timestamp[ns, tz=${type.timezone}]`;
    case 'duration': return 'duration[ns]';
    case 'struct': return `struct<${type.children.map(child).join(', ')}>`;
    case 'list': return `list<${child(type.child)}>`;
  }
}

function pyField(f: Field): unknown {
  const out: Record<string, unknown> = { name: f.name, type: pyType(f.type, f), nullable: f.nullable, metadata: plainMetadata(f.metadata) };
  if (f.type.id === 'struct') out.children = f.type.children.map(pyField);
  if (f.type.id === 'list') out.children = [pyField(f.type.child)];
  return out;
}

const pySchema = (s: Schema) => ({ fields: s.fields.map(pyField), metadata: plainMetadata(s.metadata) });

/** What read_ipc_stream.py prints: the schema and the batches as plain JSON values. */
interface PythonResult { schema: unknown; batches: unknown[] }

function runPython(args: string[]): PythonResult {
  return JSON.parse(execFileSync('python3', [script, ...args], { maxBuffer: 64 << 20 }).toString()) as PythonResult;
}

const zstd: BodyCompressor = zstdCompressor(3);

describe.skipIf(skip)('pyarrow interop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-arrow-ipc-'));

  for (const compressed of [false, true]) {
    it(`pyarrow reads our ${compressed ? 'zstd-compressed' : 'uncompressed'} stream with delta and replacement dictionaries`, () => {
      const writer = new IpcStreamWriter(sampleSchema, compressed ? { compression: zstd } : {});
      // Steps: growth -> deltas, repeat -> nothing, shrink -> replacement, 0 rows.
      const steps = [0, 1, 1, 3, 1, 4, 6, 6, 9];
      const batches: RecordBatch[] = steps.map((s, i) => makeBatch(i === 4 ? 0 : 15 + i * 3, s, i + 7));
      const chunks = batches.map((b) => writer.write(b));
      const flags = chunks.map((c) => listMessages(c).filter((m) => m.type === 'dictionary').map((m) => m.isDelta));
      expect(flags[2]).toEqual([]);
      expect(flags[3]).toEqual([true, true, true, true, true]);
      expect(flags[4]).toEqual([false, false, false, false, false]);
      const file = join(dir, `ours-${compressed}.arrows`);
      writeFileSync(file, concatChunks([...chunks, endOfStreamMarker()]));
      const py = runPython([file]);
      expect(py.schema).toEqual(pySchema(sampleSchema));
      expect(py.batches).toEqual(batches.map(plainBatch));
    });

    it(`our reader decodes a pyarrow ${compressed ? 'zstd-compressed' : 'uncompressed'} stream with deltas`, () => {
      const file = join(dir, `py-${compressed}.arrows`);
      const py = runPython(['write', file, compressed ? 'zstd' : 'none']);
      const reader = new IpcStreamReader();
      const batches = reader.read(new Uint8Array(readFileSync(file)));
      expect(reader.isEnded).toBe(true);
      expect(pySchema(reader.schema!)).toEqual(py.schema);
      expect(batches.map(plainBatch)).toEqual(py.batches);
    });
  }
});
